"""The Chalice app: creates it and registers the blueprints. Nothing else happens here
(no boto3 client, no network), so a Lambda cold start stays short."""

from chalice import Chalice

from chalicelib.api import (
    auth,
    billing,
    certificates,
    chat,
    chat_socket,
    client_cases,
    contact_orders,
    directory,
    health,
    help,
    help_search,
    home,
    mail,
    networks,
    reports,
    status,
    tickets,
    training,
)
from chalicelib.api.routing import check_every_route_guarded
from chalicelib.jobs import handlers
from chalicelib.logs import configure_logging

app = Chalice(app_name="helpdesk")
# The chat's WebSocket API (api/chat_socket.py, issue 18).
app.experimental_feature_flags.update(["WEBSOCKETS"])
configure_logging(app)
# Certificates (api/certificates.py) answer as PDF: bytes through API Gateway.
app.api.binary_types.append("application/pdf")

app.register_blueprint(health.bp)
app.register_blueprint(auth.bp)
app.register_blueprint(directory.bp)
app.register_blueprint(tickets.bp)
app.register_blueprint(contact_orders.bp)
app.register_blueprint(networks.bp)
app.register_blueprint(reports.bp)
app.register_blueprint(training.bp)
app.register_blueprint(status.bp)
app.register_blueprint(certificates.bp)
app.register_blueprint(help.bp)
app.register_blueprint(help_search.bp)
app.register_blueprint(home.bp)
app.register_blueprint(mail.bp)
app.register_blueprint(chat.bp)
app.register_blueprint(chat_socket.bp)
app.register_blueprint(client_cases.bp)
app.register_blueprint(billing.bp)
app.register_blueprint(handlers.bp)

check_every_route_guarded(app)
