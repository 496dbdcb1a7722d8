"""The public status page (issue 17, item 9) through the Chalice app: reading without a
token, states from the health probe and the open incidents, the 90-day window, staff's
incidents with their history and If-Match, e-mail subscriptions with double opt-in
(forged and altered tokens refused, unsubscribe without login, the same answer for known
and unknown addresses), and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from local.outbox import LocalOutbox
from tests.integration.api_client import Api
from tests.integration.networks_world import QUESTIONNAIRE
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
TITLE = {"sv": "Långsam inloggning", "fi": "Hidas kirjautuminen", "en": "Slow sign-in"}


def _incident(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"title": TITLE, "component_ids": ["portal"], "impact": "degraded",
            "message": "We are looking into it.", **extra}
    answer = api.call("POST", "/incidents", body, as_user=AGENT)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def _page(api: Api, tenant: str = TENANT, query: str = "") -> dict[str, Any]:
    answer = api.call("GET", f"/status/{tenant}{query}")
    assert answer.status == 200, answer.body
    return dict(answer.body)


def _states(page: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["state"] for c in page["components"]}


@pytest.fixture(scope="module")
def network(api: Api) -> dict[str, Any]:
    answer = api.call("POST", "/networks", {
        "name": {"sv": "Byggnätverket", "en": "Construction network"},
        "sector": "construction", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 4900}],
        "questionnaire": QUESTIONNAIRE}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    return dict(answer.body)


def test_the_page_is_public_lists_the_platform_and_each_network_and_shows_no_author(
        api: Api, network: dict[str, Any]) -> None:
    incident = _incident(api, component_ids=[f"net-{network['id']}"])
    page = _page(api, query="?lang=en")
    names = {c["id"]: c["name"] for c in page["components"]}
    assert names["portal"] == "Portal" and names["email"] == "E-mail" and names["api"] == "API"
    assert names[f"net-{network['id']}"] == "Construction network"
    shown = next(i for i in page["incidents"] if i["id"] == incident["id"])
    assert shown["title"] == "Slow sign-in" and shown["status"] == "open"
    assert shown["updates"][0]["message"] == "We are looking into it."
    assert "actor" not in str(shown) and AGENT not in str(page)
    in_swedish = _page(api, query="?lang=sv")["incidents"]
    assert next(i for i in in_swedish if i["id"] == incident["id"])["title"] == TITLE["sv"]
    assert api.call("GET", f"/status/{TENANT}?lang=de").status == 400
    assert api.call("GET", "/status/no-such-tenant").status == 404


def test_another_tenants_page_never_shows_this_tenants_incidents(api: Api) -> None:
    incident = _incident(api)
    other = _page(api, OTHER_TENANT)
    assert incident["id"] not in str(other)
    assert all(c["state"] == "operational" for c in other["components"])
    assert api.call("GET", f"/incidents/{incident['id']}", as_user=OTHER_ADMIN).status == 404
    assert api.call("PATCH", f"/incidents/{incident['id']}", {"impact": "outage"},
                    as_user=OTHER_ADMIN).status == 404
    # Components are the tenant's own: naming another tenant's network is a 400.
    refused = api.call("POST", "/incidents", {"title": {"en": "x"}, "component_ids": ["net-x"],
                                              "impact": "outage", "message": "m"},
                       as_user=OTHER_ADMIN)
    assert refused.status == 400
    assert refused.body["errors"][0]["loc"] == ["body", "component_ids", 0]


def test_a_components_state_is_the_worst_of_the_probe_and_its_open_incidents(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api import health
    from chalicelib.api import status as status_api

    incident = _incident(api, component_ids=["api"], impact="degraded")
    assert _states(_page(api))["api"] == "degraded"
    worse = api.call("POST", f"/incidents/{incident['id']}/updates",
                     {"message": "Down now.", "impact": "outage"}, as_user=AGENT)
    assert worse.status == 201 and worse.body["impact"] == "outage"
    page = _page(api)
    assert _states(page)["api"] == "outage" and page["state"] == "outage"

    def queue_down(name: str) -> int:
        raise ConnectionError(name)

    monkeypatch.setattr(health.probes, "waiting_messages", queue_down)
    status_api.forget_probes()
    states = _states(_page(api, OTHER_TENANT))  # no incidents there: the probe alone
    assert states["email"] == "degraded" and states["portal"] == "operational"
    monkeypatch.undo()
    assert _states(_page(api, OTHER_TENANT))["email"] == "degraded"  # kept a while
    status_api.forget_probes()
    assert _states(_page(api, OTHER_TENANT))["email"] == "operational"
    resolved = api.call("PATCH", f"/incidents/{incident['id']}", {"resolved": True},
                        headers={"If-Match": f'"{worse.body["version"]}"'}, as_user=AGENT)
    assert resolved.status == 200, resolved.body
    assert resolved.body["status"] == "resolved" and resolved.body["resolved_at"]
    assert resolved.body["updates"][-1]["resolved"] is True
    after = _page(api)
    assert incident["id"] in str(after["incidents"])
    assert _states(after)["api"] == "operational"  # no other test opens one on "api"


def test_open_incidents_come_first_then_resolved_newest_first_within_90_days(
        api: Api) -> None:
    from chalicelib.services import status as svc
    from chalicelib.store.dynamo import UnitOfWork

    now = datetime.now(UTC)

    def old(days: int, name: str) -> str:
        at = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        incident = {"id": f"OLD{days:04d}{name}", "title": {"en": name}, "component_ids": ["api"],
                    "impact": "outage", "status": "resolved", "started_at": at,
                    "resolved_at": at, "updated_at": at, "version": 2,
                    "updates": [{"id": "u1", "at": at, "message": name}]}
        uow = UnitOfWork()
        svc.repo().put_incident(uow, TENANT, incident, None)
        uow.commit()
        return incident["id"]

    outside, inside = old(91, "outside"), old(89, "inside")
    page = _page(api)
    ids = [i["id"] for i in page["incidents"]]
    assert inside in ids and outside not in ids
    statuses = [i["status"] for i in page["incidents"]]
    assert statuses == sorted(statuses, key=lambda s: s != "open")  # open ones first
    resolved = [i["resolved_at"] for i in page["incidents"] if i["status"] == "resolved"]
    assert resolved == sorted(resolved, reverse=True)


def test_changes_need_the_current_version_and_a_resolved_incident_stays_closed(
        api: Api) -> None:
    incident = _incident(api)
    path = f"/incidents/{incident['id']}"
    nothing = api.call("PATCH", path, {}, as_user=AGENT)
    assert nothing.status == 400 and nothing.body["errors"][0]["loc"] == ["body"]
    nulls = api.call("PATCH", path, {"title": None, "impact": None}, as_user=AGENT)
    assert nulls.status == 400
    assert {e["loc"][1] for e in nulls.body["errors"]} == {"title", "impact"}
    stale = api.call("PATCH", path, {"impact": "outage"}, headers={"If-Match": '"99"'},
                     as_user=AGENT)
    assert stale.status == 412
    changed = api.call("PATCH", path, {"title": {"en": "Sign-in fails"},
                                       "component_ids": ["portal", "api", "portal"]},
                       as_user=AGENT)
    assert changed.status == 200 and changed.body["component_ids"] == ["portal", "api"]
    assert changed.headers["etag"] == f'"{changed.body["version"]}"'
    closed = api.call("PATCH", path, {"resolved": True, "message": "Fixed."}, as_user=AGENT)
    assert closed.status == 200 and closed.body["updates"][-1]["message"] == "Fixed."
    assert api.call("POST", f"{path}/updates", {"message": "again"},
                    as_user=AGENT).status == 422
    assert api.call("PATCH", path, {"impact": "outage"}, as_user=AGENT).status == 422
    history = api.call("GET", f"{path}/events", as_user=ADMIN)
    assert [e["type"] for e in history.body["items"]] == [
        "incident_created", "incident_changed", "incident_resolved"]
    assert history.body["items"][0]["actor"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"component_ids": ["portal"], "impact": "degraded", "message": "m"}, {"title"}),
    ({"title": {}, "component_ids": ["portal"], "impact": "degraded", "message": "m"},
     {"title"}),
    ({"title": {"en": "t"}, "component_ids": [], "impact": "bad", "message": ""},
     {"component_ids", "impact", "message"}),
    ({"title": {"en": "t"}, "component_ids": ["portal"], "impact": "outage", "message": "m",
      "extra": 1}, {"extra"}),
])
def test_bad_input_is_a_400_naming_each_field(api: Api, body: dict[str, Any],
                                              fields: set[str]) -> None:
    answer = api.call("POST", "/incidents", body, as_user=ADMIN)
    assert answer.status == 400, answer.body
    assert {e["loc"][1] for e in answer.body["errors"]} == fields
    assert api.call("POST", f"/status/{TENANT}/subscriptions", {"email": "not-an-address"}
                    ).body["errors"][0]["loc"] == ["body", "email"]
    reopened = api.call("PATCH", "/incidents/01ABC", {"resolved": False}, as_user=ADMIN)
    assert reopened.status == 400 and reopened.body["errors"][0]["loc"] == ["body", "resolved"]


@pytest.mark.parametrize(("user", "status"), [
    (ADMIN, 201), (AGENT, 201), (CUSTOMER, 403), (None, 401)])
def test_only_staff_with_status_manage_post_incidents(api: Api, user: str | None,
                                                      status: int) -> None:
    body = {"title": {"en": "t"}, "component_ids": ["email"], "impact": "degraded",
            "message": "m"}
    assert api.call("POST", "/incidents", body, as_user=user).status == status
    components = api.call("GET", "/status-components", as_user=user)
    assert components.status == (200 if status == 201 else status)


def test_staff_add_components_shown_on_the_page(api: Api) -> None:
    body = {"components": [{"id": "telefon", "name": {"sv": "Telefonsupport",
                                                      "en": "Phone support"}}]}
    saved = api.call("PUT", "/status-components", body, as_user=ADMIN)
    assert saved.status == 200, saved.body
    assert "telefon" in [c["id"] for c in saved.body["all"]]
    assert api.call("PUT", "/status-components", body, headers={"If-Match": '"0"'},
                    as_user=ADMIN).status == 412
    reserved = api.call("PUT", "/status-components",
                        {"components": [{"id": "portal", "name": {"en": "x"}}]}, as_user=ADMIN)
    assert reserved.status == 400
    assert {c["id"]: c["name"] for c in _page(api, query="?lang=sv")["components"]}[
        "telefon"] == "Telefonsupport"
    _incident(api, component_ids=["telefon"], impact="outage")
    assert _states(_page(api))["telefon"] == "outage"
    assert api.call("PUT", "/status-components", body, as_user=CUSTOMER).status == 403


# --- subscriptions ------------------------------------------------------------------------


def _mails_to(mail: LocalOutbox, address: str) -> list[dict[str, Any]]:
    return [m for m in mail.messages() if m["via"] == "ses" and address in m["to"]]


def _token(message: dict[str, Any], action: str) -> str:
    found = re.search(rf"[?&]{action}=([^\s&]+)", message["text"])
    assert found, message["text"]
    return unquote(found.group(1))


def _subscribe(api: Api, address: str, tenant: str = TENANT) -> Any:
    return api.call("POST", f"/status/{tenant}/subscriptions", {"email": address})


def test_double_opt_in_confirms_with_the_mailed_token_and_unsubscribes_without_login(
        api: Api, mail: LocalOutbox) -> None:
    address = "reader@example.org"
    answer = _subscribe(api, address)
    assert answer.status == 202 and answer.body["accepted"] is True
    [confirmation] = _mails_to(mail, address)
    assert confirmation["headers"]["List-Unsubscribe"].startswith("<")
    confirm = _token(confirmation, "confirm")
    path = f"/status/{TENANT}/subscriptions"
    assert api.call("POST", f"{path}/confirm", {"token": confirm}).body == {"confirmed": True}
    # Confirming twice changes nothing; a known address gets the same answer and no mail.
    assert api.call("POST", f"{path}/confirm", {"token": confirm}).status == 200
    again = _subscribe(api, address)
    assert (again.status, again.body) == (answer.status, answer.body)
    assert len(_mails_to(mail, address)) == 1
    leave = _token(confirmation, "unsubscribe")
    assert api.call("POST", f"{path}/unsubscribe", {"token": leave}).body == {
        "unsubscribed": True}
    # The old confirmation link does not bring the address back.
    assert api.call("POST", f"{path}/confirm", {"token": confirm}).status == 410


def test_a_forged_altered_or_other_tenants_token_is_refused(api: Api,
                                                             mail: LocalOutbox) -> None:
    from chalicelib import signing
    from chalicelib.services import status as svc

    address = "forger@example.org"
    _subscribe(api, address)
    [confirmation] = _mails_to(mail, address)
    token = _token(confirmation, "confirm")
    payload, signature = token.split(".")
    altered = signing.b64(signing.unb64(payload).replace(b"forger", b"victim")) + "." + signature
    forged = signing.seal("x" * 40, svc.TOKEN_SCOPE, signing.unb64(payload))
    path = f"/status/{TENANT}/subscriptions"
    for bad in (altered, forged, token[:-3], "a.b.c.d.e.f"):
        refused = api.call("POST", f"{path}/confirm", {"token": bad})
        assert refused.status == 400 and refused.body["errors"][0]["loc"] == ["body", "token"]
    # Signed for this tenant: useless for another tenant's page.
    elsewhere = api.call("POST", f"/status/{OTHER_TENANT}/subscriptions/confirm",
                         {"token": token})
    assert elsewhere.status == 400
    # A confirmation token is no unsubscribe token.
    assert api.call("POST", f"{path}/unsubscribe", {"token": token}).status == 400
    # A second request voids the first link.
    _subscribe(api, address)
    first, second = _mails_to(mail, address)
    assert api.call("POST", f"{path}/confirm", {"token": _token(first, "confirm")}
                    ).status == 410
    assert api.call("POST", f"{path}/confirm", {"token": _token(second, "confirm")}
                    ).status == 200


def test_the_same_answer_for_known_and_unknown_addresses_and_a_rate_limit(
        api: Api, mail: LocalOutbox) -> None:
    known, unknown = "known@example.org", "nobody@example.org"
    _subscribe(api, known)
    api.call("POST", f"/status/{TENANT}/subscriptions/confirm",
             {"token": _token(_mails_to(mail, known)[0], "confirm")})
    a, b = _subscribe(api, known), _subscribe(api, unknown)
    assert (a.status, a.body) == (b.status, b.body)
    limited = "limited@example.org"
    statuses = [_subscribe(api, limited).status for _ in range(4)]
    assert statuses[:3] == [202, 202, 202] and statuses[3] == 429
    assert len(_mails_to(mail, limited)) == 3
    # The limit is per tenant: the other tenant's page still takes the address.
    assert _subscribe(api, limited, OTHER_TENANT).status == 202


def test_unsubscribing_an_unknown_address_answers_the_same(api: Api) -> None:
    from chalicelib.services import status as svc

    token = svc.issue_token(TENANT, "never@example.org", "unsubscribe")
    answer = api.call("POST", f"/status/{TENANT}/subscriptions/unsubscribe", {"token": token})
    assert answer.status == 200 and answer.body == {"unsubscribed": True}


# --- telling the subscribers --------------------------------------------------------------


def _confirmed(api: Api, mail: LocalOutbox, address: str, tenant: str = TENANT) -> None:
    assert _subscribe(api, address, tenant).status == 202
    token = _token(_mails_to(mail, address)[-1], "confirm")
    assert api.call("POST", f"/status/{tenant}/subscriptions/confirm",
                    {"token": token}).status == 200


def test_confirmed_subscribers_are_told_of_each_update_once_and_can_leave(
        api: Api, mail: LocalOutbox, runner: Any) -> None:
    from chalicelib.services import notifications
    from chalicelib.services.publish import outbox_record

    confirmed, pending, elsewhere = ("told@example.org", "pending@example.org",
                                     "other-tenant@example.org")
    _confirmed(api, mail, confirmed)
    _confirmed(api, mail, elsewhere, OTHER_TENANT)
    assert _subscribe(api, pending).status == 202
    runner.drain()
    before = {a: len(_mails_to(mail, a)) for a in (confirmed, pending, elsewhere)}

    title = {"sv": "Avbrott i e-posten", "en": "E-mail outage"}
    incident = _incident(api, title=title, component_ids=["email"], impact="outage",
                         message="Inkommande e-post fördröjs.")
    runner.drain()
    [told] = _mails_to(mail, confirmed)[before[confirmed]:]
    assert "Avbrott i e-posten" in told["subject"] and "Inkommande e-post" in told["text"]
    assert len(_mails_to(mail, pending)) == before[pending]  # unconfirmed: nothing
    assert len(_mails_to(mail, elsewhere)) == before[elsewhere]  # another tenant's
    update = api.call("POST", f"/incidents/{incident['id']}/updates",
                      {"message": "Kön betas av."}, as_user=AGENT)
    assert update.status == 201
    runner.drain()
    assert "Kön betas av." in _mails_to(mail, confirmed)[-1]["text"]

    # The same record delivered again sends nothing twice.
    events = api.call("GET", f"/incidents/{incident['id']}/events", as_user=ADMIN).body["items"]
    record = outbox_record(TENANT, "status", incident["id"], events[-1],
                           [events[-1]["type"]])
    again = notifications.deliver(record)
    assert again["email"] == 0 and again["email_duplicate"] >= 1

    # The mail's own unsubscribe link works without login; then nothing more comes.
    leave = _token(_mails_to(mail, confirmed)[-1], "unsubscribe")
    assert api.call("POST", f"/status/{TENANT}/subscriptions/unsubscribe",
                    {"token": leave}).status == 200
    count = len(_mails_to(mail, confirmed))
    api.call("PATCH", f"/incidents/{incident['id']}", {"resolved": True}, as_user=AGENT)
    runner.drain()
    assert len(_mails_to(mail, confirmed)) == count


# --- demo data ----------------------------------------------------------------------------


def test_the_demo_incident_is_seeded_once_resolved_last_week(api: Api) -> None:
    from chalicelib.domain.status import Incident
    from chalicelib.services import status as svc
    from local.demo_status import seed_demo_status
    from local.seed import _system

    ctx = _system(f"{TENANT}-demo")
    seed_demo_status(ctx)
    seed_demo_status(ctx)  # a restart adds nothing
    since = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    [item] = svc.repo().incidents_since(ctx.tenant, since)
    incident = Incident.model_validate(item)
    assert incident.status == "resolved" and len(incident.updates) == 3
    ago = datetime.now(UTC) - datetime.fromisoformat(incident.started_at)
    assert timedelta(days=6) < ago < timedelta(days=8)
    assert incident.resolved_at and incident.resolved_at > incident.started_at
