"""Cases from the firm (issue 19 item 4): staff send a case to named contacts of a
connected client; the recipients read, answer, attach and mark it done; the firm sees it
in its queue; reminders come before the due date, once. Nothing crosses organisations or
tenants (a 404), and before the module is activated every endpoint of it is a 403.

The module's activation and the organisation's connection are helper A's endpoints; here
they are set straight in the store (``_activate``, ``_connect``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import boto3
import pytest

from chalicelib.config import get_config
from chalicelib.domain.client_cases import ModuleState
from chalicelib.domain.directory import name_key
from chalicelib.identity import cognito
from chalicelib.services.notifications import deliver
from chalicelib.services.publish import outbox_record
from chalicelib.store import client_cases
from chalicelib.store.directory import DirectoryRepository
from chalicelib.store.dynamo import UnitOfWork
from chalicelib.store.tables import tenant_pk
from local.bootstrap import LocalResources
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import PASSWORD, Answer, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN, _, OTHER_CUSTOMER = emails(OTHER_TENANT)
COLLEAGUE = f"colleague@{TENANT}.test"  # Acme, role contact, not a recipient
BOSS = f"boss@{TENANT}.test"  # Acme, contact_admin
BETA = f"beta@{TENANT}.test"  # another client organisation of the same firm
GAMMA = f"gamma@{TENANT}.test"  # a client that never accepted the invitation
FIONA = f"fiona@{TENANT}.test"  # Acme, reads Finnish
SALES = f"sales@{TENANT}.test"  # staff without tickets.create


# --- state set straight in the store (helper A's endpoints do it in the product) -------------


def _activate(tenant: str) -> None:
    uow = UnitOfWork()
    client_cases.put_module(uow, tenant, ModuleState(
        active=True, activated_at="2026-11-01T09:00:00Z", activated_by="test",
        active_clients=2, monthly_price=200, price_per_client=100).model_dump(mode="json"))
    uow.commit()


def _deactivate(tenant: str) -> None:
    """No API deactivates the module (``put_module`` refuses to): the test's own write."""
    uow = UnitOfWork()
    uow.put(get_config().directory_table, {"PK": tenant_pk(tenant), "SK": client_cases.MODULE,
                                           **ModuleState().model_dump(mode="json")})
    uow.commit()


def _set_organization(tenant: str, org_id: str, **changes: Any) -> None:
    """An organisation's fields written through the directory repository (connected_at,
    active), as the invitation's acceptance and a deactivation do."""
    repo = DirectoryRepository(get_config().directory_table)
    org = repo.get_organization(tenant, org_id)
    assert org is not None
    version = int(org.get("version", 1))
    uow = UnitOfWork()
    repo.put_organization(uow, {**org, **changes, "version": version + 1},
                          name_key(org["name"]), expected=version)
    uow.commit()


def _connect(tenant: str, org_id: str) -> None:
    _set_organization(tenant, org_id, connected_at="2026-11-02T09:00:00Z")


# --- the world --------------------------------------------------------------------------------


def _portal_user(api: Api, email: str, name: str, org_id: str, role: str,
                 language: str = "sv") -> dict[str, Any]:
    made = api.call("POST", "/users", {"email": email, "name": name, "kind": "contact",
                                       "organization_id": org_id, "roles": [role],
                                       "language": language}, as_user=ADMIN)
    assert made.status == 201, made.body
    cognito.set_permanent_password(email, PASSWORD)
    return dict(made.body)


def _organization(api: Api, name: str) -> str:
    made = api.call("POST", "/organizations", {"name": f"{name} {uuid.uuid4().hex[:4]}"},
                    as_user=ADMIN)
    assert made.status == 201, made.body
    return str(made.body["id"])


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    _activate(TENANT)  # OTHER_TENANT stays inactive: the 403s
    customer = api.call("GET", "/me", as_user=CUSTOMER).body
    acme = customer["organization_id"]
    _connect(TENANT, acme)
    colleague = _portal_user(api, COLLEAGUE, "Cilla Colleague", acme, "contact")
    boss = _portal_user(api, BOSS, "Bo Boss", acme, "contact_admin")
    fiona = _portal_user(api, FIONA, "Fiona Finne", acme, "contact", language="fi")
    sales = api.call("POST", "/users", {"email": SALES, "name": "Sam Sales", "kind": "staff",
                                        "roles": ["sales"]}, as_user=ADMIN)
    assert sales.status == 201, sales.body
    cognito.set_permanent_password(SALES, PASSWORD)
    no_user = api.call("POST", f"/organizations/{acme}/contacts",
                       {"name": "Paula Paper", "email": "paula@example.test"}, as_user=ADMIN)
    assert no_user.status == 201, no_user.body
    beta_org = _organization(api, "Beta AB")
    _connect(TENANT, beta_org)
    beta = _portal_user(api, BETA, "Berit Beta", beta_org, "contact")
    gamma_org = _organization(api, "Gamma Oy")
    gamma = _portal_user(api, GAMMA, "Gustav Gamma", gamma_org, "contact")
    inactive_org = _organization(api, "Vilande AB")
    _connect(TENANT, inactive_org)
    _set_organization(TENANT, inactive_org, active=False, deactivated_at="2026-11-03T09:00:00Z")
    acme_name = api.call("GET", f"/organizations/{acme}", as_user=ADMIN).body["name"]
    return {
        "acme": acme, "acme_name": acme_name, "customer": customer,
        "customer_contact": customer["contact_id"], "colleague": colleague,
        "colleague_contact": colleague["contact_id"], "boss": boss,
        "fiona_contact": fiona["contact_id"],
        "no_user_contact": no_user.body["id"], "beta_org": beta_org,
        "beta_contact": beta["contact_id"], "gamma_org": gamma_org,
        "gamma_contact": gamma["contact_id"], "inactive_org": inactive_org,
        "agent_id": api.call("GET", "/me", as_user=AGENT).body["id"],
    }


def _future(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _send(api: Api, world: dict[str, Any], **body: Any) -> Answer:
    sent = {"direction": "outbound", "organization_id": world["acme"],
            "recipients": [world["customer_contact"]], "subject": "Kontoutdrag {period}",
            "description": "Ladda upp kontoutdragen för {client_name}.", "period": "2026-11",
            **body}
    return api.call("POST", "/tickets", sent, as_user=AGENT)


def _case(api: Api, world: dict[str, Any], **body: Any) -> dict[str, Any]:
    answer = _send(api, world, **body)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _fields(answer: Answer) -> set[str]:
    return {".".join(str(part) for part in e["loc"][1:]) for e in answer.body["errors"]}


# --- before activation -------------------------------------------------------------------------


def test_before_activation_every_case_endpoint_is_a_403_saying_how_to_activate(
        api: Api, world: dict[str, Any]) -> None:
    other_org = api.call("GET", "/me", as_user=OTHER_CUSTOMER).body["organization_id"]
    sent = api.call("POST", "/tickets", {"direction": "outbound", "organization_id": other_org,
                                         "recipients": ["whoever"], "subject": "X"},
                    as_user=OTHER_ADMIN)
    assert sent.status == 403 and "POST /client-cases/activate" in sent.body["detail"]
    for who in (OTHER_ADMIN, OTHER_CUSTOMER):
        listed = api.call("GET", "/tickets?direction=outbound", as_user=who)
        assert listed.status == 403, (who, listed.body)
    own = api.call("POST", "/tickets", {"subject": "Fråga", "ticket_type_id": "question"},
                   as_user=OTHER_CUSTOMER)
    assert own.status == 201, own.body
    done = api.call("POST", f"/tickets/{own.body['id']}/done", as_user=OTHER_CUSTOMER)
    assert done.status == 403
    # The tenant's ordinary tickets go on as before.
    assert api.call("GET", "/tickets", as_user=OTHER_CUSTOMER).status == 200


# --- sending ------------------------------------------------------------------------------------


def test_staff_send_a_case_from_a_ready_made_template_with_its_placeholders_filled(
        api: Api, world: dict[str, Any]) -> None:
    due = _future(30)
    case = _case(api, world, template_id="tpl_case_year_end", subject=None, description=None,
                 period="2026", due_date=due,
                 recipients=[world["customer_contact"], world["colleague_contact"]])
    assert case["subject"] == f"Underlag till bokslutet 2026, {world['acme_name']}"
    assert f"senast {due}" in case["description"] and "{" not in case["description"]
    assert case["direction"] == "outbound" and case["status"] == "waiting_on_customer"
    assert case["recipients"] == [world["customer_contact"], world["colleague_contact"]]
    assert case["recipient_names"] == ["Carl Customer", "Cilla Colleague"]
    assert (case["due_date"], case["period"], case["ticket_type_id"]) == (
        due, "2026", "client_case")
    assert case["template_id"] == "tpl_case_year_end" and case["requester_id"] is None
    assert [r["days"] for r in case["reminders"]] == [7, 1]
    # No SLA runs on the firm's own case.
    assert case["resolution_due_at"] is None and case["first_response_due_at"] is None


def test_the_outbound_templates_are_listed_for_staff_and_hidden_from_contacts(
        api: Api, world: dict[str, Any]) -> None:
    staff = api.call("GET", "/templates?direction=outbound", as_user=AGENT).body["items"]
    assert {t["id"] for t in staff} == {
        "tpl_case_year_end", "tpl_case_vat_questions", "tpl_case_missing_receipts",
        "tpl_case_payroll_basis", "tpl_case_sign_annual_report"}
    assert all(t["direction"] == "outbound" and set(t["translations"]) == {"fi", "en"}
               for t in staff)
    inbound = api.call("GET", "/templates?direction=inbound", as_user=AGENT).body["items"]
    assert inbound and all(t["direction"] == "inbound" for t in inbound)
    for query in ("", "?direction=outbound"):
        shown = api.call("GET", f"/templates{query}", as_user=CUSTOMER).body["items"]
        assert all(t["direction"] == "inbound" for t in shown)
    # The firm's own template for its cases.
    own = api.call("POST", "/templates", {
        "name": "Momsfrågor kvartal", "ticket_type_id": "client_case", "direction": "outbound",
        "subject": "Moms {period}", "body": "Svara senast {due_date}."}, as_user=ADMIN)
    assert own.status == 201, own.body
    case = _case(api, world, template_id=own.body["id"], subject=None, description=None,
                 period="Q4 2026", due_date=_future(20))
    assert case["subject"] == "Moms Q4 2026"
    # An inbound template is not one for a case, nor the reverse.
    wrong = _send(api, world, template_id="tpl_question")
    assert wrong.status == 400 and _fields(wrong) == {"template_id"}
    reverse = api.call("POST", "/tickets", {"template_id": "tpl_case_year_end"},
                       as_user=CUSTOMER)
    assert reverse.status == 400 and "template_id" in _fields(reverse)
    # The firm's case type is not the customer's either.
    types = api.call("GET", "/ticket-types", as_user=CUSTOMER).body["items"]
    assert "client_case" not in {t["id"] for t in types}
    assert "client_case" in {t["id"] for t in api.call(
        "GET", "/ticket-types", as_user=AGENT).body["items"]}
    typed = api.call("POST", "/tickets", {"subject": "Hm", "ticket_type_id": "client_case"},
                     as_user=CUSTOMER)
    assert typed.status == 400 and _fields(typed) == {"ticket_type_id"}


def test_a_case_needs_a_connected_active_organisation(api: Api, world: dict[str, Any]) -> None:
    for org, why in ((world["gamma_org"], "not connected"),
                     (world["inactive_org"], "deactivated"),
                     ("01NOSUCHORGANISATION", "no such organisation")):
        answer = _send(api, world, organization_id=org, recipients=[world["gamma_contact"]])
        assert answer.status == 422, (why, answer.body)
        assert _fields(answer) == {"organization_id"} and why in answer.body["errors"][0]["msg"]


def test_each_wrong_recipient_is_a_422_naming_its_position(
        api: Api, world: dict[str, Any]) -> None:
    answer = _send(api, world, recipients=[
        world["customer_contact"], world["beta_contact"], world["no_user_contact"],
        "01NOSUCHCONTACT", world["customer_contact"]])
    assert answer.status == 422, answer.body
    assert _fields(answer) == {"recipients.1", "recipients.2", "recipients.3",
                               "recipients.4"}
    # Another tenant's contact is no contact of this organisation either.
    other_contact = api.call("GET", "/me", as_user=OTHER_CUSTOMER).body["contact_id"]
    crossed = _send(api, world, recipients=[other_contact])
    assert crossed.status == 422 and _fields(crossed) == {"recipients.0"}


def test_malformed_requests_are_400s_naming_the_field(api: Api, world: dict[str, Any]) -> None:
    cases = [
        ({"recipients": []}, {"recipients"}),
        ({"due_date": None, "reminder_days": [3]}, {"reminder_days"}),
        ({"due_date": (date.today() - timedelta(days=2)).isoformat()}, {"due_date"}),
        ({"period": None}, {"period"}),  # the subject uses {period}
        ({"description": "Senast {due_date}"}, {"due_date"}),
        ({"requester_id": world["customer"]["id"]}, {"requester_id"}),
        ({"recipients": ["x"] * 21}, {"recipients"}),
    ]
    for change, fields in cases:
        answer = _send(api, world, **change)
        assert answer.status == 400, (change, answer.body)
        assert fields <= _fields(answer), (change, answer.body)


def test_the_texts_are_in_the_first_recipients_language(
        api: Api, runner: EventRunner, mail: LocalOutbox, world: dict[str, Any]) -> None:
    due = date.today() + timedelta(days=9)
    case = _case(api, world, template_id="tpl_case_payroll_basis", subject=None,
                 description=None, period="11/2026", due_date=due.isoformat(),
                 reminder_days=[2], recipients=[world["fiona_contact"]])
    assert case["subject"] == f"Palkka-aineisto 11/2026, {world['acme_name']}"
    assert f"viimeistään {due.day}.{due.month}.{due.year}" in case["description"]
    runner.drain()
    received = [m for m in mail.messages() if m["via"] == "ses" and FIONA in m["to"]
                and case["number"] in m["subject"]]
    assert len(received) == 1 and "Uusi asia tilitoimistoltasi" in received[0]["subject"]
    (reminder,) = case["reminders"]
    runner.tick(datetime.fromisoformat(reminder["at"]) + timedelta(minutes=1))
    reminded = [m for m in mail.messages() if m["via"] == "ses" and FIONA in m["to"]
                and case["number"] in m["subject"] and "Muistutus" in m["subject"]]
    assert len(reminded) == 1 and f"{due.day}.{due.month}.{due.year}" in reminded[0]["text"]


def test_staff_without_tickets_create_send_nothing_but_read_the_queue(
        api: Api, world: dict[str, Any]) -> None:
    case = _case(api, world)
    refused = api.call("POST", "/tickets", {
        "direction": "outbound", "organization_id": world["acme"],
        "recipients": [world["customer_contact"]], "subject": "Från sälj"}, as_user=SALES)
    assert refused.status == 403
    assert case["id"] in _ids(api, "/tickets?direction=outbound&limit=100", SALES)
    assert api.call("GET", f"/tickets/{case['id']}", as_user=SALES).body["can_mark_done"] is False
    assert api.call("POST", f"/tickets/{case['id']}/done", as_user=SALES).status == 403
    assert api.call("POST", f"/tickets/{case['id']}/done", as_user=ADMIN).status == 403


def test_only_staff_send_cases_and_inbound_tickets_take_no_case_fields(
        api: Api, world: dict[str, Any]) -> None:
    by_contact = api.call("POST", "/tickets", {
        "direction": "outbound", "organization_id": world["acme"],
        "recipients": [world["colleague_contact"]], "subject": "Från kunden"},
        as_user=CUSTOMER)
    assert by_contact.status == 403
    inbound = api.call("POST", "/tickets", {"subject": "Fråga", "ticket_type_id": "question",
                                            "due_date": _future(5), "period": "2026"},
                       as_user=CUSTOMER)
    assert inbound.status == 400 and {"due_date", "period"} <= _fields(inbound)


# --- access: recipients, their organisation's admin, and nobody else ---------------------------


def _paths(case_id: str) -> list[tuple[str, str, Any]]:
    return [("GET", f"/tickets/{case_id}", None),
            ("GET", f"/tickets/{case_id}/comments", None),
            ("GET", f"/tickets/{case_id}/events", None),
            ("GET", f"/tickets/{case_id}/attachments", None),
            ("POST", f"/tickets/{case_id}/comments", {"body": "Hej"}),
            ("POST", f"/tickets/{case_id}/attachments",
             {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}),
            ("POST", f"/tickets/{case_id}/done", None)]


def test_nothing_of_a_case_reaches_another_organisation_or_tenant_or_a_colleague(
        api: Api, world: dict[str, Any]) -> None:
    case = _case(api, world)
    # A colleague may see the organisation's tickets: still not a case not sent to them.
    org = api.call("GET", f"/organizations/{world['acme']}", as_user=ADMIN).body
    opened = api.call("PATCH", f"/organizations/{world['acme']}",
                      {"ticket_visibility": "organization_comment"}, as_user=ADMIN,
                      headers={"If-Match": f'"{org["version"]}"'})
    assert opened.status == 200, opened.body
    # Another tenant's users too, with client cases active in their tenant for the while
    # (it is the inactive tenant of the 403 test otherwise).
    _activate(OTHER_TENANT)
    try:
        for who in (COLLEAGUE, BETA, GAMMA, OTHER_CUSTOMER, OTHER_ADMIN):
            for method, path, body in _paths(case["id"]):
                answer = api.call(method, path, body, as_user=who)
                assert answer.status == 404, (who, method, path, answer.body)
            assert case["id"] not in _ids(api, "/tickets?direction=outbound&limit=100", who)
    finally:
        _deactivate(OTHER_TENANT)
    # Nothing happened to the case meanwhile.
    history = api.call("GET", f"/tickets/{case['id']}/events?limit=100", as_user=AGENT)
    assert [e["type"] for e in history.body["items"]] == ["created"]
    listed = api.call("GET", "/tickets?limit=100", as_user=COLLEAGUE).body["items"]
    assert case["id"] not in {t["id"] for t in listed}
    searched = api.call("GET", "/tickets?q=Kontoutdrag&direction=outbound",
                        as_user=COLLEAGUE).body["items"]
    assert case["id"] not in {t["id"] for t in searched}


def test_the_recipient_and_the_contact_admin_may_answer_only_the_recipient_marks_done(
        api: Api, world: dict[str, Any]) -> None:
    case = _case(api, world)
    mine = api.call("GET", f"/tickets/{case['id']}", as_user=CUSTOMER)
    assert mine.status == 200
    assert mine.body["can_mark_done"] and mine.body["can_comment"]
    assert mine.body["direction"] == "outbound" and "recipient_user_ids" not in mine.body
    boss = api.call("GET", f"/tickets/{case['id']}", as_user=BOSS)
    assert boss.status == 200 and boss.body["can_comment"] and not boss.body["can_mark_done"]
    assert api.call("POST", f"/tickets/{case['id']}/comments", {"body": "Jag kollar"},
                    as_user=BOSS).status == 201
    refused = api.call("POST", f"/tickets/{case['id']}/done", as_user=BOSS)
    assert refused.status == 403
    staff = api.call("GET", f"/tickets/{case['id']}", as_user=AGENT)
    assert staff.body["can_mark_done"] is False
    assert api.call("POST", f"/tickets/{case['id']}/done", as_user=AGENT).status == 403
    # An ordinary ticket is not marked done.
    own = api.call("POST", "/tickets", {"subject": "Fråga", "ticket_type_id": "question"},
                   as_user=CUSTOMER)
    assert api.call("POST", f"/tickets/{own.body['id']}/done",
                    as_user=CUSTOMER).status == 422


# --- lists --------------------------------------------------------------------------------------


def _ids(api: Api, path: str, who: str) -> set[str]:
    answer = api.call("GET", path, as_user=who)
    assert answer.status == 200, (who, path, answer.body)
    return {t["id"] for t in answer.body["items"]}


def test_the_lists_of_cases(api: Api, world: dict[str, Any]) -> None:
    to_customer = _case(api, world)
    to_colleague = _case(api, world, recipients=[world["colleague_contact"]])
    beta = _case(api, world, organization_id=world["beta_org"],
                 recipients=[world["beta_contact"]])
    inbound = api.call("POST", "/tickets", {"subject": "Skrivaren", "ticket_type_id": "question"},
                       as_user=CUSTOMER).body["id"]
    cases = {to_customer["id"], to_colleague["id"], beta["id"]}
    outbound = "/tickets?direction=outbound&limit=100"
    assert cases <= _ids(api, outbound, AGENT)
    assert inbound not in _ids(api, outbound, AGENT)
    assert cases | {inbound} <= _ids(api, "/tickets?limit=100", AGENT)  # the whole queue
    assert inbound in _ids(api, "/tickets?direction=inbound&limit=100", AGENT)
    assert _ids(api, f"{outbound}&organization_id={world['beta_org']}", AGENT) >= {beta["id"]}
    assert to_customer["id"] not in _ids(
        api, f"{outbound}&organization_id={world['beta_org']}", AGENT)
    # A contact: the cases addressed to them; the contact admin: all of the organisation's.
    mine = _ids(api, outbound, CUSTOMER)
    assert to_customer["id"] in mine and not mine & {to_colleague["id"], beta["id"], inbound}
    assert _ids(api, outbound, COLLEAGUE) & cases == {to_colleague["id"]}
    assert _ids(api, outbound, BOSS) & cases == {to_customer["id"], to_colleague["id"]}
    assert _ids(api, outbound, BETA) & cases == {beta["id"]}
    assert not _ids(api, f"{outbound}&organization_id={world['beta_org']}", CUSTOMER)
    # A contact's ordinary list is what the organisation asked, without the cases.
    plain = _ids(api, "/tickets?limit=100", CUSTOMER)
    assert inbound in plain and not plain & cases
    row = next(t for t in api.call("GET", outbound, as_user=CUSTOMER).body["items"]
               if t["id"] == to_customer["id"])
    assert row["direction"] == "outbound" and row["recipient_names"] == ["Carl Customer"]


# --- answering and marking done -------------------------------------------------------------------


def test_the_client_answers_with_a_file_marks_done_and_the_firm_sees_and_hears_it(
        api: Api, runner: EventRunner, world: dict[str, Any]) -> None:
    case = _case(api, world)
    path = f"/tickets/{case['id']}"
    upload = api.call("POST", f"{path}/attachments", {
        "filename": "kontoutdrag.pdf", "content_type": "application/pdf", "size": 1234},
        as_user=CUSTOMER)
    assert upload.status == 201, upload.body
    answered = api.call("POST", f"{path}/comments", {"body": "Här är kontoutdraget"},
                        as_user=CUSTOMER)
    assert answered.status == 201, answered.body
    # The answer puts the case back with the firm: in its queue of open cases.
    assert case["id"] in _ids(api, "/tickets?direction=outbound&status=open&limit=100", AGENT)
    staff_comments = api.call("GET", f"{path}/comments", as_user=AGENT).body["items"]
    assert [c["body"] for c in staff_comments] == ["Här är kontoutdraget"]
    done = api.call("POST", f"{path}/done", as_user=CUSTOMER)
    assert done.status == 200, done.body
    assert (done.body["status"], done.body["closed_reason"]) == ("closed", "done")
    assert done.body["done_by"] == world["customer"]["id"] and done.body["done_at"]
    again = api.call("POST", f"{path}/done", as_user=CUSTOMER)
    assert again.status == 409
    after = api.call("GET", path, as_user=CUSTOMER).body
    assert not after["can_mark_done"] and not after["can_comment"]
    events = api.call("GET", f"{path}/events?limit=100", as_user=AGENT).body["items"]
    kinds = [e["type"] for e in events]
    assert kinds.count("marked_done") == 1 and "status_changed" in kinds
    runner.drain()
    # The firm hears of the answer and of the case done: who sent it, as nobody took it.
    inbox = api.call("GET", "/notifications?limit=100", as_user=AGENT).body["items"]
    told = [n["kind"] for n in inbox if case["number"] in n["title"]]
    assert told.count("client_case_done") == 1 and "ticket_commented" in told
    # The recipient was told of the case when it came.
    mine = api.call("GET", "/notifications?limit=100", as_user=CUSTOMER).body["items"]
    assert [n["kind"] for n in mine if case["number"] in n["title"]] == [
        "client_case_received"]


# --- reminders ------------------------------------------------------------------------------------


def _reminder_mails(mail: LocalOutbox, number: str) -> list[dict[str, Any]]:
    return [m for m in mail.messages() if m["via"] == "ses" and number in m["subject"]
            and "Påminnelse" in m["subject"] and CUSTOMER in m["to"]]


def test_a_reminder_before_the_due_date_is_sent_once(
        api: Api, runner: EventRunner, mail: LocalOutbox, world: dict[str, Any]) -> None:
    case = _case(api, world, due_date=_future(10), reminder_days=[7, 1])
    first, last = (datetime.fromisoformat(r["at"]) for r in case["reminders"])
    runner.tick(first - timedelta(minutes=5))
    assert not _reminder_mails(mail, case["number"])
    runner.tick(first + timedelta(minutes=1))
    runner.tick(first + timedelta(minutes=7))  # the next sweep: nothing more
    assert len(_reminder_mails(mail, case["number"])) == 1
    events = api.call("GET", f"/tickets/{case['id']}/events?limit=100",
                      as_user=AGENT).body["items"]
    reminded = [e for e in events if e["type"] == "due_reminder_sent"]
    assert len(reminded) == 1 and reminded[0]["data"]["days"] == 7
    # The outbox record delivered again (the queue's at-least-once): no second mail.
    record = outbox_record(TENANT, "tickets", case["id"], reminded[0], ["due_reminder_sent"])
    deliver(record, datetime.now(UTC))
    assert len(_reminder_mails(mail, case["number"])) == 1
    # The recipient sees it in their language, in the history they read.
    seen = api.call("GET", f"/tickets/{case['id']}/events?limit=100",
                    as_user=CUSTOMER).body["items"]
    assert [e["data"] for e in seen if e["type"] == "due_reminder_sent"] == [
        {"days": 7, "due_date": case["due_date"]}]
    # Done before the last reminder: it never comes.
    assert api.call("POST", f"/tickets/{case['id']}/done", as_user=CUSTOMER).status == 200
    runner.tick(last + timedelta(minutes=1))
    assert len(_reminder_mails(mail, case["number"])) == 1


# --- the demo case ------------------------------------------------------------------------------


def test_the_demo_case_is_sent_once(api: Api, world: dict[str, Any]) -> None:
    from chalicelib.services.context import Ctx
    from chalicelib.services.directory import principal_of, system_principal
    from chalicelib.store.directory import DirectoryRepository
    from local.demo_outbound_cases import seed_demo_outbound_cases

    users = DirectoryRepository(get_config().directory_table)

    def as_user(email: str) -> Ctx:
        found = next(u for u in users.list_users(TENANT, 100, None).items
                     if u["email"] == email)
        return Ctx(principal_of(TENANT, found), datetime.now(UTC))

    system = Ctx(system_principal(TENANT), datetime.now(UTC))
    assert seed_demo_outbound_cases(system, TENANT, as_user) is None  # no client user yet
    org = _organization(api, "Demo Klient AB")
    email = f"client@{TENANT}.test"
    _portal_user(api, email, "Klara Klient", org, "contact_admin")
    assert seed_demo_outbound_cases(system, TENANT, as_user) is None  # not connected yet
    _connect(TENANT, org)
    made = seed_demo_outbound_cases(system, TENANT, as_user)
    assert made is not None
    assert seed_demo_outbound_cases(system, TENANT, as_user) is None  # once
    seen = api.call("GET", f"/tickets/{made}", as_user=email)
    assert seen.status == 200 and seen.body["can_mark_done"]
    assert seen.body["subject"].startswith("Underlag till bokslutet")
    assert api.call("GET", f"/tickets/{made}/comments", as_user=email).body["items"]


# --- answers by e-mail ----------------------------------------------------------------------------


def _mail_in(local_resources: LocalResources, runner: EventRunner, sender: str,
             subject: str, text: str) -> None:
    """A message to the tenant's address, stored as SES's receipt rule does, then handled."""
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, f"{TENANT}@{get_config().mail_domain}"
    mail["Subject"], mail["Date"] = subject, formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="mail.example.test")
    mail["X-SES-Spam-Verdict"] = mail["X-SES-Virus-Verdict"] = "PASS"
    domain = sender.rpartition("@")[2]
    mail["Authentication-Results"] = (f"amazonses.com; spf=pass smtp.mailfrom={domain}; "
                                      f"dkim=pass header.i=@{domain}; dmarc=pass "
                                      f"header.from={domain};")
    mail.set_content(text)
    key = f"inbound/{uuid.uuid4().hex}"
    received = (f"Received: from mail.example.test by inbound-smtp.eu-west-1.amazonaws.com "
                f"with SMTP id {key[8:]} for {mail['To']}; {formatdate()}\r\n").encode()
    boto3.client("s3", region_name=local_resources.region).put_object(
        Bucket=local_resources.inbound_mail_bucket, Key=key,
        Body=received + mail.as_bytes(policy=policy.SMTP.clone(max_line_length=998)))
    runner.drain()


def test_by_e_mail_only_a_recipient_answers_a_case(
        api: Api, runner: EventRunner, local_resources: LocalResources,
        world: dict[str, Any]) -> None:
    case = _case(api, world)
    org = api.call("GET", f"/organizations/{world['acme']}", as_user=ADMIN).body
    if org["ticket_visibility"] != "organization_comment":  # colleagues answer each other's
        assert api.call("PATCH", f"/organizations/{world['acme']}",
                        {"ticket_visibility": "organization_comment"}, as_user=ADMIN,
                        headers={"If-Match": f'"{org["version"]}"'}).status == 200
    subject = f"Re: [{case['number']}] {case['subject']}"
    _mail_in(local_resources, runner, COLLEAGUE, subject, "Jag svarar för Carl")
    _mail_in(local_resources, runner, CUSTOMER, subject, "Kontoutdraget kommer i morgon")
    comments = api.call("GET", f"/tickets/{case['id']}/comments", as_user=AGENT).body["items"]
    assert [(c["author_name"], c["via"]) for c in comments] == [("Carl Customer", "email")]


# --- the largest case fits one transaction ----------------------------------------------------


def test_twenty_recipients_and_a_long_subject_fit_the_cases_transaction(
        api: Api, world: dict[str, Any]) -> None:
    """A new case writes its subject's index terms (up to 60), the report counters and its
    list entries in one transaction of at most 100 writes: the entries do not grow with
    the recipients."""
    contacts = [world["customer_contact"]]
    for n in range(19):
        made = api.call("POST", "/users", {
            "email": f"many{n}-{uuid.uuid4().hex[:4]}@{TENANT}.test", "name": f"Many {n}",
            "kind": "contact", "organization_id": world["acme"], "roles": ["contact"]},
            as_user=ADMIN)
        assert made.status == 201, made.body
        contacts.append(made.body["contact_id"])
    subject = " ".join(f"ord{n}abcdefghijklm" for n in range(12))[:200]
    case = _case(api, world, subject=subject, recipients=contacts, due_date=_future(12))
    assert len(case["recipients"]) == 20 and len(case["reminders"]) == 2
    assert case["id"] in _ids(api, "/tickets?direction=outbound&limit=100", CUSTOMER)
    done = api.call("POST", f"/tickets/{case['id']}/done", as_user=CUSTOMER)
    assert done.status == 200, done.body


def test_the_clients_home_leads_with_the_firms_cases_waiting(
        api: Api, world: dict[str, Any]) -> None:
    later = _case(api, world, due_date=_future(20), subject="Bokslut {period}")
    sooner = _case(api, world, due_date=_future(3), subject="Moms {period}")
    cases = api.call("GET", "/home", as_user=CUSTOMER).body["work"]["firm_cases"]
    ids = [c["id"] for c in cases]
    assert ids.index(sooner["id"]) < ids.index(later["id"])  # soonest due first
    assert next(c for c in cases if c["id"] == sooner["id"])["due_date"] == _future(3)
    colleague = api.call("GET", "/home", as_user=COLLEAGUE).body["work"]["firm_cases"]
    assert sooner["id"] not in {c["id"] for c in colleague}  # addressed to the customer
    assert api.call("POST", f"/tickets/{sooner['id']}/done", as_user=CUSTOMER).status == 200
    after = api.call("GET", "/home", as_user=CUSTOMER).body["work"]["firm_cases"]
    assert sooner["id"] not in {c["id"] for c in after} and later["id"] in {c["id"] for c in after}
