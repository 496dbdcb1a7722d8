"""Notification messages out: e-mail, SMS and in-app texts rendered from the Jinja
templates in ``templates/<language>/`` (``render``), and the adapter that sends them
through SES and SNS (``senders``). Who is notified of what is decided elsewhere
(``domain/notifications.py``, ``services/notifications.py``)."""
