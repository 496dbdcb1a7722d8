"""Client cases (seed 003, issue 19) through the Chalice app: the readiness checklist, the
activation and its 403 before, deactivating a client, invitations (mailed through the
outbox, accepted from the link; forged, altered, expired, revoked, replaced and reused
links refused), the /me flags, and the billing usage of a fixture month computed by hand,
closed by the sweep into a snapshot that later edits do not change. Every endpoint for
every role; another tenant's ids are 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from chalicelib.domain import directory as directory_models
from chalicelib.domain import tickets as ticket_models
from chalicelib.domain.client_cases import NOT_ACTIVE
from chalicelib.identity import cognito
from chalicelib.jobs import sweeps
from chalicelib.services import billing_usage, client_cases, tickets
from chalicelib.services import directory as directory_service
from chalicelib.services.context import Ctx
from chalicelib.store import client_cases as store
from chalicelib.store.dynamo import UnitOfWork
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import PASSWORD, Api
from tests.integration.on_engine import staff
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
INVITER = f"inviter@{TENANT}.test"
ACCOUNTANT = f"accountant@{TENANT}.test"  # account_manager: billing.view
ADDRESS = {"street": "Storgatan 1", "postal_code": "111 22", "city": "Stockholm"}
FIXTURE_MONTH = "2025-03"


def _at(stamp: str) -> Ctx:
    """The system's staff context at a fixed moment (the fixture month's writes)."""
    ctx = staff(TENANT)
    return Ctx(ctx.principal, datetime.fromisoformat(stamp))


def _org(api: Api, name: str, *, kind: str = "company", contact_email: str | None = None,
         language: str = "sv", address: bool = True) -> dict[str, Any]:
    """An organisation (with a main contact when ``contact_email`` is given)."""
    body: dict[str, Any] = {"name": name, "kind": kind}
    if address:
        body["address"] = ADDRESS
    answer = api.call("POST", "/organizations", body, as_user=ADMIN)
    assert answer.status == 201, answer.body
    org = answer.body
    if contact_email:
        contact = api.call("POST", f"/organizations/{org['id']}/contacts",
                           {"name": f"Main {name}", "email": contact_email,
                            "language": language}, as_user=ADMIN)
        assert contact.status == 201, contact.body
        patched = api.call("PATCH", f"/organizations/{org['id']}",
                           {"main_contact_id": contact.body["id"]}, as_user=ADMIN,
                           headers={"If-Match": f'"{org["version"]}"'})
        assert patched.status == 200, patched.body
        org = patched.body
    return org


def _staff_user(api: Api, email: str, roles: list[str]) -> None:
    answer = api.call("POST", "/users", {"email": email, "name": email.split("@")[0].title(),
                                         "kind": "staff", "roles": roles}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    cognito.set_permanent_password(email, PASSWORD)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    """The main tenant activated, with an inviter role, an accountant and the fixture
    month's usage written through the ticket use cases at their own (past) moments."""
    role = api.call("PUT", "/roles/inviter", {"permissions": [
        "client_cases.invite", "organizations.view", "settings.view", "users.view",
        "roles.view"]}, as_user=ADMIN)
    assert role.status in (200, 201), role.body
    _staff_user(api, INVITER, ["inviter"])
    _staff_user(api, ACCOUNTANT, ["account_manager"])
    activated = api.call("POST", "/client-cases/activate", {}, as_user=ADMIN)
    assert activated.status == 200, activated.body
    return {"activated": activated.body, "usage": _fixture_month()}


def _fixture_month() -> dict[str, str]:
    """March 2025, by hand:
    - Alfa AB (company): T1 "question" (billable) resolved 03-05 with 1.5 h; T2 a
      "technical_fault" (free) with 2.0 h logged 03-08, resolved 03-10, re-typed to
      "question" 03-12 (billable now); T3 0.5 h logged 03-20, resolved 04-02 (April's).
      -> 2 billable tickets, 4.0 hours.
    - Beta AB (company), deactivated 03-15: T4 "question" resolved 03-03 -> 1 billable, 0 h,
      still counted (active on a day of March), shown inactive.
    - Privat Person (private person): T5 "question" resolved 03-04 with 3 h -> left out.
    - Gamma AB (company), deactivated 02-20 -> not in March.
    - Delta AB (company), created 04-01 -> not in March.
    Active clients 2; billable tickets 3; hours 4.0."""
    def org(name: str, kind: str, at: str) -> str:
        return directory_service.create_organization(_at(at), directory_models.OrganizationCreate(
            name=name, kind=kind)).id  # type: ignore[arg-type]

    alfa = org("Alfa AB", "company", "2025-02-01T09:00:00Z")
    beta = org("Beta AB", "company", "2025-02-01T09:00:00Z")
    private = org("Privat Person", "private_person", "2025-02-01T09:00:00Z")
    gamma = org("Gamma AB", "company", "2025-02-01T09:00:00Z")
    org("Delta AB", "company", "2025-04-01T09:00:00Z")
    directory_service.patch_organization(_at("2025-02-20T09:00:00Z"), gamma,
                                         directory_models.OrganizationPatch(active=False))

    def ticket(org_id: str, type_id: str, at: str) -> str:
        return tickets.create_ticket(_at(at), ticket_models.TicketCreate(
            subject=f"Fixture {type_id}", description="Fixture", ticket_type_id=type_id,
            organization_id=org_id)).id

    def resolve(ticket_id: str, at: str, hours: float | None = None) -> None:
        tickets.resolve(_at(at), ticket_id, ticket_models.ResolveBody(
            resolution="Done.", hours=hours))

    def log(ticket_id: str, at: str, hours: float) -> None:
        tickets.add_comment(_at(at), ticket_id, ticket_models.CommentCreate(
            body="Worked on it.", internal=True, hours=hours))

    t1 = ticket(alfa, "question", "2025-03-01T09:00:00Z")
    resolve(t1, "2025-03-05T09:00:00Z", 1.5)
    t2 = ticket(alfa, "technical_fault", "2025-03-02T09:00:00Z")
    log(t2, "2025-03-08T09:00:00Z", 2.0)
    resolve(t2, "2025-03-10T09:00:00Z")
    tickets.patch_ticket(_at("2025-03-12T09:00:00Z"), t2,
                         ticket_models.TicketPatch(ticket_type_id="question"))
    t3 = ticket(alfa, "question", "2025-03-15T09:00:00Z")
    log(t3, "2025-03-20T09:00:00Z", 0.5)
    resolve(t3, "2025-04-02T09:00:00Z")
    t4 = ticket(beta, "question", "2025-03-01T09:00:00Z")
    resolve(t4, "2025-03-03T09:00:00Z")
    directory_service.patch_organization(_at("2025-03-15T09:00:00Z"), beta,
                                         directory_models.OrganizationPatch(active=False))
    t5 = ticket(private, "question", "2025-03-01T09:00:00Z")
    resolve(t5, "2025-03-04T09:00:00Z", 3.0)
    return {"alfa": alfa, "beta": beta, "private": private, "t1": t1, "t2": t2}


# --- before activation (the other tenant), then cross-tenant ids ------------------------------


def test_every_endpoint_is_403_before_activation_and_another_tenants_ids_are_404(
        api: Api, world: dict[str, Any]) -> None:
    before = api.call("GET", "/client-cases", as_user=OTHER_ADMIN)
    assert before.status == 200 and before.body["active"] is False
    for method, path, body in (
            ("GET", "/invitations", None),
            ("POST", "/invitations", {"organization_id": "01ABC"}),
            ("POST", "/invitations/01ABC/resend", {}),
            ("POST", "/invitations/01ABC/revoke", None),
            ("GET", f"/billing/usage?month={FIXTURE_MONTH}", None)):
        answer = api.call(method, path, body, as_user=OTHER_ADMIN)
        assert answer.status == 403, (path, answer.body)
        assert "POST /client-cases/activate" in answer.body["detail"]
        assert answer.body["detail"] == NOT_ACTIVE
    # The checklist works before activation: it is what the admin reads first.
    assert api.call("GET", "/client-cases/readiness", as_user=OTHER_ADMIN).status == 200
    me = api.call("GET", "/me", as_user=OTHER_ADMIN).body
    assert me["client_cases_active"] is False
    activated = api.call("POST", "/client-cases/activate", as_user=OTHER_ADMIN)
    assert activated.status == 200 and activated.body["active"] is True
    # Now the other tenant's admin reaches the endpoints, but never our ids.
    ours = _invite(api, "Korsa AB", "korsa@example.com")
    for method, path in (("POST", f"/invitations/{ours['id']}/resend"),
                         ("POST", f"/invitations/{ours['id']}/revoke")):
        assert api.call(method, path, as_user=OTHER_ADMIN).status == 404
    foreign = api.call("POST", "/invitations", {"organization_id": ours["organization_id"]},
                       as_user=OTHER_ADMIN)
    assert foreign.status == 404
    listed = api.call("GET", "/invitations?state=sent", as_user=OTHER_ADMIN).body["items"]
    assert ours["id"] not in {i["id"] for i in listed}
    # Our token does not open the other tenant: it names our tenant, signed.
    assert api.call("GET", f"/billing/usage?month={FIXTURE_MONTH}",
                    as_user=OTHER_ADMIN).body["items"] == []


# --- the module, the checklist, the activation -------------------------------------------------


def test_module_state_for_staff_only(api: Api, world: dict[str, Any]) -> None:
    for user in (ADMIN, AGENT, INVITER, ACCOUNTANT):
        answer = api.call("GET", "/client-cases", as_user=user)
        assert answer.status == 200 and answer.body["active"] is True, user
        assert answer.body["activated_at"] == world["activated"]["activated_at"]
    assert api.call("GET", "/client-cases", as_user=CUSTOMER).status == 403


def test_activation_is_for_an_admin_with_settings_edit_and_idempotent(
        api: Api, world: dict[str, Any]) -> None:
    for user in (AGENT, INVITER, ACCOUNTANT, CUSTOMER):
        assert api.call("POST", "/client-cases/activate", {}, as_user=user).status == 403, user
    again = api.call("POST", "/client-cases/activate", {}, as_user=ADMIN)
    assert again.status == 200
    assert again.body == world["activated"]
    first = world["activated"]
    assert first["currency"] == "SEK" and first["price_per_client"] == 49.0
    assert first["monthly_price"] == round(first["active_clients"] * 49.0, 2)


def test_readiness_names_what_each_client_lacks(api: Api, world: dict[str, Any]) -> None:
    ready = _org(api, "Klar AB", contact_email="klar@example.com")
    no_contact = _org(api, "Kontaktlös AB")
    no_address = _org(api, "Adresslös AB", contact_email="adresslos@example.com",
                      address=False)
    bounced = _org(api, "Studs AB", contact_email="studs@example.com")
    _mark_undeliverable("studs@example.com")
    found: dict[str, Any] = {}
    candidates = 0
    cursor = None
    while True:
        answer = api.call("GET", "/client-cases/readiness?limit=10" +
                          (f"&cursor={cursor}" if cursor else ""), as_user=AGENT)
        assert answer.status == 200, answer.body
        found |= {i["id"]: i for i in answer.body["items"]}
        candidates += answer.body["inactive_candidates"]
        cursor = answer.body["next_cursor"]
        if not cursor:
            break
    # Alfa AB's last activity was its ticket resolved on 2025-04-02: over a year ago.
    alfa = found[world["usage"]["alfa"]]
    assert (alfa["last_activity_at"], alfa["looks_inactive"]) == ("2025-04-02T09:00:00Z", True)
    assert found[ready["id"]]["last_activity_at"] is None
    assert found[ready["id"]]["looks_inactive"] is False
    assert candidates == sum(1 for i in found.values() if i["looks_inactive"]) >= 2
    assert found[ready["id"]]["ready"] is True
    assert found[ready["id"]]["main_contact"]["email"] == "klar@example.com"
    assert found[no_contact["id"]]["main_contact_ok"] is False
    assert found[no_contact["id"]]["email_problem"] == "missing"
    assert found[no_address["id"]]["address_ok"] is False
    assert found[no_address["id"]]["ready"] is False
    assert found[bounced["id"]]["email_problem"] == "undeliverable"
    # Deactivated clients are not listed (Gamma and Beta of the fixture month).
    assert world["usage"]["beta"] not in found
    body = answer.body
    clients, private_persons = store.get_counts(TENANT)
    assert (body["active_clients"], body["private_persons"]) == (clients, private_persons)
    assert body["private_persons"] >= 1
    assert body["monthly_price"] == round(clients * 49.0, 2)
    assert api.call("GET", "/client-cases/readiness", as_user=CUSTOMER).status == 403
    assert api.call("GET", "/client-cases/readiness", as_user=INVITER).status == 403


def _mark_undeliverable(address: str) -> None:
    book = directory_service.mail_addresses()
    uow = UnitOfWork()
    book.mark_undeliverable(uow, TENANT, address, book.who_is(TENANT, address) or {})
    uow.commit()


def test_deactivating_a_client_takes_it_out_of_the_count_and_lists_keeping_it(
        api: Api, world: dict[str, Any]) -> None:
    before = store.get_counts(TENANT)
    org = _org(api, "Vilande AB")
    assert store.get_counts(TENANT) == (before[0] + 1, before[1])
    stale = api.call("PATCH", f"/organizations/{org['id']}", {"active": False},
                     as_user=ADMIN, headers={"If-Match": '"99"'})
    assert stale.status == 412
    off = api.call("PATCH", f"/organizations/{org['id']}", {"active": False}, as_user=ADMIN,
                   headers={"If-Match": f'"{org["version"]}"'})
    assert off.status == 200 and off.body["active"] is False and off.body["deactivated_at"]
    assert store.get_counts(TENANT) == before
    listed = api.call("GET", "/organizations?q=Vilande&limit=100", as_user=ADMIN).body["items"]
    assert listed == []
    everything = api.call("GET", "/organizations?q=Vilande&include_inactive=true",
                          as_user=ADMIN).body["items"]
    assert [o["id"] for o in everything] == [org["id"]]
    kept = api.call("GET", f"/organizations/{org['id']}", as_user=ADMIN)
    assert kept.status == 200 and kept.body["active"] is False
    # A second "false" changes nothing in the count.
    again = api.call("PATCH", f"/organizations/{org['id']}", {"active": False}, as_user=ADMIN,
                     headers={"If-Match": f'"{off.body["version"]}"'})
    assert again.status == 200 and store.get_counts(TENANT) == before
    on = api.call("PATCH", f"/organizations/{org['id']}", {"active": True}, as_user=ADMIN,
                  headers={"If-Match": f'"{again.body["version"]}"'})
    assert on.status == 200 and on.body["reactivated_at"]
    assert store.get_counts(TENANT) == (before[0] + 1, before[1])
    assert api.call("PATCH", f"/organizations/{org['id']}", {"active": None}, as_user=ADMIN,
                    headers={"If-Match": f'"{on.body["version"]}"'}).status == 400
    assert api.call("PATCH", f"/organizations/{org['id']}", {"active": False},
                    as_user=CUSTOMER).status == 403


# --- invitations ---------------------------------------------------------------------------------


def _invite(api: Api, name: str, email: str, language: str = "sv",
            **extra: Any) -> dict[str, Any]:
    org = _org(api, name, contact_email=email, language=language)
    answer = api.call("POST", "/invitations", {"organization_id": org["id"], **extra},
                      as_user=INVITER)
    assert answer.status == 201, answer.body
    return answer.body


def _token_mailed_to(runner: EventRunner, mail: LocalOutbox, email: str,
                     nth: int = -1) -> tuple[str, dict[str, Any]]:
    runner.drain()
    sent = [m for m in mail.messages() if email in m["to"] and m["via"] == "ses"]
    assert sent, f"no mail to {email}"
    message = sent[nth]
    found = re.search(r"#/invitation\?token=([A-Za-z0-9_.%-]+)", message["text"])
    assert found, message["text"]
    return unquote(found.group(1)), message


def test_invite_mails_the_main_contact_in_their_language_and_accepting_makes_a_user(
        api: Api, world: dict[str, Any], runner: EventRunner, mail: LocalOutbox) -> None:
    invitation = _invite(api, "Uusi Oy", "paula@uusi.example", language="fi")
    assert invitation["state"] == "sent" and invitation["language"] == "fi"
    assert invitation["email"] == "paula@uusi.example"
    assert invitation["expires_at"] > invitation["sent_at"]
    token, message = _token_mailed_to(runner, mail, "paula@uusi.example")
    assert "kutsuu" in message["subject"] and "Uusi Oy" in message["subject"]
    preview = api.call("GET", f"/invitations/{token}/preview")
    assert preview.status == 200, preview.body
    assert preview.body["organization_name"] == "Uusi Oy"
    assert preview.body["state"] == "sent"
    accepted = api.call("POST", f"/invitations/{token}/accept", {})
    assert accepted.status == 200, accepted.body
    assert accepted.body["user_created"] is True
    assert accepted.body["organization_id"] == invitation["organization_id"]
    assert accepted.body["login_url"].endswith("/#/login")
    # Used once: the same link again is gone.
    assert api.call("POST", f"/invitations/{token}/accept", {}).status == 410
    org = api.call("GET", f"/organizations/{invitation['organization_id']}", as_user=ADMIN)
    assert org.body["connected_at"]
    listed = api.call("GET", "/invitations?state=accepted&limit=100", as_user=AGENT).body
    assert invitation["id"] in {i["id"] for i in listed["items"]}
    sent = api.call("GET", "/invitations?state=sent&limit=100", as_user=INVITER).body
    assert invitation["id"] not in {i["id"] for i in sent["items"]}
    # The new portal user is the organisation's contact admin, and /me says connected.
    cognito.set_permanent_password("paula@uusi.example", PASSWORD)
    me = api.call("GET", "/me", as_user="paula@uusi.example").body
    assert me["roles"] == ["contact_admin"] and me["organization_connected"] is True
    assert me["client_cases_active"] is True
    # Connected: no second invitation.
    again = api.call("POST", "/invitations", {"organization_id": invitation["organization_id"]},
                     as_user=INVITER)
    assert again.status == 409


def test_forged_and_altered_links_are_400(api: Api, world: dict[str, Any],
                                          runner: EventRunner, mail: LocalOutbox) -> None:
    _invite(api, "Förfalskad AB", "forged@example.com")
    token, _ = _token_mailed_to(runner, mail, "forged@example.com")
    payload, signature = token.split(".")
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    resigned = payload + "." + ("A" * len(signature))
    for bad in (altered, resigned, "garbage", "a" * 20 + ".b"):
        for method, path in (("GET", f"/invitations/{bad}/preview"),
                             ("POST", f"/invitations/{bad}/accept")):
            answer = api.call(method, path, {} if method == "POST" else None)
            assert answer.status == 400, (bad, answer.body)
    # A cursor's or an answer link's signature does not pass as an invitation's (scopes).
    from chalicelib.services import answer_links

    other_scope = answer_links.issue(TENANT, "t", "1", "u", "answer", "m",
                                     datetime.now(UTC) + timedelta(days=1))
    assert api.call("POST", f"/invitations/{other_scope}/accept", {}).status == 400


def test_expired_revoked_and_replaced_links_are_410(api: Api, world: dict[str, Any],
                                                    runner: EventRunner,
                                                    mail: LocalOutbox) -> None:
    short = _invite(api, "Kortlivad AB", "short@example.com", valid_days=1)
    token, _ = _token_mailed_to(runner, mail, "short@example.com")
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    with pytest.raises(Exception) as gone:
        client_cases.accept(token, later)
    assert type(gone.value).__name__ == "Gone"
    assert client_cases.preview(token, later).state == "expired"
    expired = api.call("GET", "/invitations?state=expired", as_user=INVITER).body["items"]
    assert short["id"] not in {i["id"] for i in expired}  # not yet, by the real clock

    resent_one = _invite(api, "Omskickad AB", "resend@example.com")
    first, _ = _token_mailed_to(runner, mail, "resend@example.com")
    resent = api.call("POST", f"/invitations/{resent_one['id']}/resend", {}, as_user=INVITER)
    assert resent.status == 200 and resent.body["resent_count"] == 1
    second, _ = _token_mailed_to(runner, mail, "resend@example.com")
    assert second != first
    assert api.call("POST", f"/invitations/{first}/accept", {}).status == 410
    assert api.call("GET", f"/invitations/{second}/preview").status == 200

    revoked = api.call("POST", f"/invitations/{resent_one['id']}/revoke", as_user=INVITER)
    assert revoked.status == 200 and revoked.body["state"] == "revoked"
    assert api.call("POST", f"/invitations/{second}/accept", {}).status == 410
    assert api.call("POST", f"/invitations/{resent_one['id']}/revoke",
                    as_user=INVITER).status == 409
    assert api.call("POST", f"/invitations/{resent_one['id']}/resend", {},
                    as_user=INVITER).status == 409
    listed = api.call("GET", "/invitations?state=revoked", as_user=ADMIN).body["items"]
    assert resent_one["id"] in {i["id"] for i in listed}


def test_an_existing_portal_user_needs_contact_admin_to_accept(
        api: Api, world: dict[str, Any], runner: EventRunner, mail: LocalOutbox) -> None:
    acme = next(o for o in api.call("GET", "/organizations?q=Acme",
                                    as_user=ADMIN).body["items"] if o["name"] == "Acme AB")
    invitation = api.call("POST", "/invitations", {"organization_id": acme["id"]},
                          as_user=ADMIN)
    assert invitation.status == 201, invitation.body
    token, _ = _token_mailed_to(runner, mail, CUSTOMER)
    refused = api.call("POST", f"/invitations/{token}/accept", {})
    assert refused.status == 403 and "contact_admin" in refused.body["detail"]
    me = api.call("GET", "/me", as_user=CUSTOMER).body
    assert me["organization_connected"] is False
    user = api.call("GET", f"/users/{me['id']}", as_user=ADMIN).body
    promoted = api.call("PATCH", f"/users/{me['id']}", {"roles": ["contact_admin"]},
                        as_user=ADMIN, headers={"If-Match": f'"{user["version"]}"'})
    assert promoted.status == 200, promoted.body
    accepted = api.call("POST", f"/invitations/{token}/accept", {})
    assert accepted.status == 200 and accepted.body["user_created"] is False
    assert api.call("GET", "/me", as_user=CUSTOMER).body["organization_connected"] is True


def test_an_organisation_that_cannot_be_invited_is_a_422_naming_why(
        api: Api, world: dict[str, Any]) -> None:
    nobody = _org(api, "Ingen Kontakt AB")
    answer = api.call("POST", "/invitations", {"organization_id": nobody["id"]},
                      as_user=INVITER)
    assert answer.status == 422
    assert "main contact" in answer.body["errors"][0]["msg"]
    bounced = _org(api, "Studsar AB", contact_email="bounce@example.com")
    _mark_undeliverable("bounce@example.com")
    answer = api.call("POST", "/invitations", {"organization_id": bounced["id"]},
                      as_user=INVITER)
    assert answer.status == 422 and "undeliverable" in answer.body["errors"][0]["msg"]
    private = _org(api, "Privatperson", kind="private_person")
    assert api.call("POST", "/invitations", {"organization_id": private["id"]},
                    as_user=INVITER).status == 422
    live = _invite(api, "Väntande AB", "waiting@example.com")
    twice = api.call("POST", "/invitations", {"organization_id": live["organization_id"]},
                     as_user=INVITER)
    assert twice.status == 409
    assert api.call("POST", "/invitations", {"organization_id": "01UNKNOWN"},
                    as_user=INVITER).status == 404
    assert api.call("POST", "/invitations", {}, as_user=INVITER).status == 400


def test_invitation_endpoints_by_role(api: Api, world: dict[str, Any]) -> None:
    org = _org(api, "Rollspel AB", contact_email="roles@example.com")
    for user in (AGENT, ACCOUNTANT, CUSTOMER):
        assert api.call("POST", "/invitations", {"organization_id": org["id"]},
                        as_user=user).status == 403, user
    made = api.call("POST", "/invitations", {"organization_id": org["id"]}, as_user=INVITER)
    assert made.status == 201
    for user, status in ((ADMIN, 200), (AGENT, 200), (INVITER, 200), (ACCOUNTANT, 403),
                         (CUSTOMER, 403)):
        assert api.call("GET", "/invitations", as_user=user).status == status, user
    for user in (AGENT, ACCOUNTANT, CUSTOMER):
        for action in ("resend", "revoke"):
            assert api.call("POST", f"/invitations/{made.body['id']}/{action}",
                            as_user=user).status == 403, (user, action)
    assert api.call("GET", "/invitations?state=bogus", as_user=ADMIN).status == 400


# --- billing usage -------------------------------------------------------------------------------


def test_usage_of_the_fixture_month_is_what_was_computed_by_hand(
        api: Api, world: dict[str, Any]) -> None:
    ids = world["usage"]
    answer = api.call("GET", f"/billing/usage?month={FIXTURE_MONTH}", as_user=ACCOUNTANT)
    assert answer.status == 200, answer.body
    usage = answer.body
    rows = {r["name"]: r for r in usage["items"]}
    assert set(rows) == {"Alfa AB", "Beta AB"}
    assert (rows["Alfa AB"]["billable_tickets"], rows["Alfa AB"]["hours"]) == (2, 4.0)
    assert (rows["Beta AB"]["billable_tickets"], rows["Beta AB"]["hours"]) == (1, 0)
    assert rows["Beta AB"]["active"] is False and rows["Alfa AB"]["active"] is True
    assert rows["Alfa AB"]["organization_id"] == ids["alfa"]
    assert usage["active_clients"] == 2 and usage["monthly_price"] == 98.0
    assert usage["totals"] == {"billable_tickets": 3, "hours": 4.0}
    for user in (AGENT, INVITER, CUSTOMER):
        assert api.call("GET", f"/billing/usage?month={FIXTURE_MONTH}",
                        as_user=user).status == 403, user
    assert api.call("GET", f"/billing/usage?month={FIXTURE_MONTH}",
                    as_user=ADMIN).status == 200


def test_usage_as_csv_for_excel(api: Api, world: dict[str, Any]) -> None:
    response = api.client.http.get(
        f"/billing/usage?month={FIXTURE_MONTH}",
        headers={"Authorization": f"Bearer {api.token(ADMIN)}", "Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="usage-{FIXTURE_MONTH}.csv"'
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:2] == ["Customer number", "Organisation"]
    assert ";Alfa AB;company;yes;2;4,00" in lines[1]
    assert lines[-1] == ";Total;;2;3;4,00"


def test_a_month_not_begun_or_malformed_is_a_400_naming_month(api: Api,
                                                              world: dict[str, Any]) -> None:
    future = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m")
    for month in (future, "2025-13", "0000-01", "9999-12", "march", ""):
        answer = api.call("GET", f"/billing/usage?month={month}", as_user=ADMIN)
        assert answer.status == 400, (month, answer.body)
        assert answer.body["errors"][0]["loc"][-1] == "month"


def test_a_closed_month_is_its_snapshot_and_later_edits_do_not_change_it(
        api: Api, world: dict[str, Any]) -> None:
    month = "2025-01"
    created = directory_service.create_organization(
        _at("2024-12-01T09:00:00Z"), directory_models.OrganizationCreate(name="Januari AB"))
    ticket = tickets.create_ticket(_at("2025-01-02T09:00:00Z"), ticket_models.TicketCreate(
        subject="January", description="x", ticket_type_id="question",
        organization_id=created.id)).id
    tickets.resolve(_at("2025-01-03T09:00:00Z"), ticket,
                    ticket_models.ResolveBody(resolution="Done.", hours=1.25))
    # Deactivated in January: counted in January, in no later month (the fixture month's
    # test sees only its own organisations, whatever order the tests run in).
    directory_service.patch_organization(_at("2025-01-20T09:00:00Z"), created.id,
                                         directory_models.OrganizationPatch(active=False))
    uow = UnitOfWork()
    store.put_close_timer(uow, TENANT, month, "2025-02-01T00:00:00Z")
    uow.commit()
    report = sweeps.usage_close(datetime(2025, 2, 1, 0, 5, tzinfo=UTC), lambda: 60.0)
    assert report["usage_close:closed"] == 1, report
    closed = api.call("GET", f"/billing/usage?month={month}", as_user=ADMIN).body
    assert closed["closed"] is True and closed["closed_at"] == "2025-02-01T00:05:00Z"
    # Recomputed from the items right after the close: the same figures.
    recomputed = billing_usage.compute(TENANT, month).model_dump(mode="json")
    assert {**recomputed, "closed": True, "closed_at": closed["closed_at"]} == closed
    row = next(r for r in closed["items"] if r["organization_id"] == created.id)
    assert (row["billable_tickets"], row["hours"]) == (1, 1.25)
    # Later: the ticket re-typed as free and more hours written into January.
    tickets.patch_ticket(_at("2025-02-10T09:00:00Z"), ticket,
                         ticket_models.TicketPatch(ticket_type_id="technical_fault"))
    tickets.add_comment(_at("2025-01-31T23:00:00Z"), ticket, ticket_models.CommentCreate(
        body="Late entry.", internal=True, hours=2.0))
    changed = billing_usage.compute(TENANT, month)
    assert next(r for r in changed.items if r.organization_id == created.id).hours == 3.25
    assert api.call("GET", f"/billing/usage?month={month}", as_user=ADMIN).body == closed
    # The sweep again: nothing twice; the next month's close was scheduled.
    again = sweeps.usage_close(datetime(2025, 2, 1, 1, 0, tzinfo=UTC), lambda: 60.0)
    assert again.get("usage_close:closed", 0) == 0
    following = sweeps.usage_close(datetime(2025, 3, 1, 0, 5, tzinfo=UTC), lambda: 60.0)
    assert following["usage_close:closed"] == 1
    assert store.get_snapshot(TENANT, "2025-02") is not None


def test_me_flags(api: Api, world: dict[str, Any]) -> None:
    me = api.call("GET", "/me", as_user=ADMIN).body
    assert me["client_cases_active"] is True and me["organization_connected"] is None



def test_two_invitations_sent_at_once_make_one(api: Api, world: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The race: both requests read "no live invitation" before either wrote; the pointer's
    condition lets one of them commit."""
    first = _invite(api, "Samtidig AB", "same@example.com")
    monkeypatch.setattr(store, "get_pointer", lambda tenant, org_id: None)
    second = api.call("POST", "/invitations", {"organization_id": first["organization_id"]},
                      as_user=INVITER)
    assert second.status == 409, second.body
    monkeypatch.undo()
    sent = api.call("GET", "/invitations?state=sent&limit=100", as_user=INVITER).body["items"]
    assert [i["id"] for i in sent if i["organization_id"] == first["organization_id"]] == \
        [first["id"]]


def test_an_invitation_past_its_expiry_is_listed_expired_and_its_link_gone(
        api: Api, world: dict[str, Any]) -> None:
    org = _org(api, "Förfallen AB", contact_email="late@example.com")
    weeks_ago = Ctx(staff(TENANT).principal, datetime.now(UTC) - timedelta(days=20))
    old = client_cases.invite(weeks_ago, client_cases.domain.InvitationCreate(
        organization_id=org["id"]))
    item = store.get_invitation(TENANT, old.id)
    assert item is not None
    token = client_cases.issue_token(TENANT, old.id, item["token_id"])
    expired = api.call("GET", "/invitations?state=expired&limit=100", as_user=INVITER).body
    assert old.id in {i["id"] for i in expired["items"]}
    assert {i["state"] for i in expired["items"]} == {"expired"}
    sent = api.call("GET", "/invitations?state=sent&limit=100", as_user=INVITER).body
    assert old.id not in {i["id"] for i in sent["items"]}
    assert api.call("POST", f"/invitations/{token}/accept", {}).status == 410
    assert api.call("GET", f"/invitations/{token}/preview").body["state"] == "expired"
    # Expired is not live: the organisation may be invited again (or the old one resent).
    resent = api.call("POST", f"/invitations/{old.id}/resend", {}, as_user=INVITER)
    assert resent.status == 200 and resent.body["state"] == "sent"


def test_the_recount_sets_the_counter_from_the_register(world: dict[str, Any]) -> None:
    """scripts/recount_clients.py, for a tenant whose organisations predate the counter."""
    expected = store.get_counts(TENANT)
    uow = UnitOfWork()
    store.set_counts(uow, TENANT, 0, 0)
    uow.commit()
    assert client_cases.recount_clients(TENANT) == expected
    assert store.get_counts(TENANT) == expected
    assert client_cases.recount_clients(TENANT) == expected  # again: the same


def _activity(api: Api, org_id: str) -> str | None:
    cursor = None
    while True:
        answer = api.call("GET", "/client-cases/readiness?limit=100" +
                          (f"&cursor={cursor}" if cursor else ""), as_user=ADMIN)
        assert answer.status == 200, answer.body
        for item in answer.body["items"]:
            if item["id"] == org_id:
                return item["last_activity_at"]  # type: ignore[no-any-return]
        cursor = answer.body["next_cursor"]
        if not cursor:
            raise AssertionError("not in the checklist")


@pytest.mark.parametrize("activity", ["sign in", "ticket", "contact order"])
def test_a_sign_in_a_ticket_or_a_contact_order_is_the_clients_activity(
        api: Api, world: dict[str, Any], activity: str) -> None:
    """The checklist's "looks inactive" is no ticket, contact order or login in 12 months."""
    org = _org(api, f"Aktiv {activity} AB")
    assert _activity(api, org["id"]) is None
    if activity == "contact order":
        made = api.call("POST", "/contact-orders", {
            "subject": "Bokslutsmöte", "customer": {"id": org["id"]},
            "contact": {"name": "Kalle", "email": "kalle@example.com"}}, as_user=ADMIN)
        assert made.status == 201, made.body
    elif activity == "ticket":  # opened by staff for the client: no sign-in of theirs
        types = api.call("GET", "/ticket-types", as_user=ADMIN).body["items"]
        plain = next(t for t in types if not t["required_fields"])
        made = api.call("POST", "/tickets", {
            "subject": "Samtal om bokslutet", "description": "Ringde", "channel": "phone",
            "ticket_type_id": plain["id"], "organization_id": org["id"]}, as_user=ADMIN)
        assert made.status == 201, made.body
    else:
        email = f"{activity.replace(' ', '-')}@aktiv.example"
        user = api.call("POST", "/users", {"email": email, "name": "Aktiv", "kind": "contact",
                                           "organization_id": org["id"], "roles": ["contact"]},
                        as_user=ADMIN)
        assert user.status == 201, user.body
        cognito.set_permanent_password(email, PASSWORD)
        signed_in = api.call("POST", "/auth/login", {"email": email, "password": PASSWORD})
        assert signed_in.status == 200, signed_in.body
    seen = _activity(api, org["id"])
    assert seen is not None and seen[:10] == datetime.now(UTC).date().isoformat()

