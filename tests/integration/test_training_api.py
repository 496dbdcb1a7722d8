"""Training (seed 000) through the Chalice app: staff publish, change and cancel webinars
and one-to-one slots; the users of supplier and buyer organisations list their audience's
sessions, sign up (once, however often they ask), cancel, fetch their iCalendar
invitation; a full session says so; the reminder the day before comes once, through the
local stack's clock. Every endpoint for every role, and another tenant's ids are 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.identity import cognito
from local.events import EventRunner
from local.outbox import LocalOutbox
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
OTHER_ADMIN = f"admin@{OTHER_TENANT}.test"
SUPPLIER, SUPPLIER_FI, BUYER = (f"{n}@{TENANT}.test" for n in ("supplier", "toimittaja",
                                                                "buyer"))
TOPIC = {"sv": "Logga in, fyll i, skicka", "fi": "Kirjaudu, täytä, lähetä",
         "en": "Log in, fill in, submit"}
JOIN = "https://meet.example.com/j/42"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _portal_user(api: Api, email: str, org_id: str, role: str, language: str) -> None:
    answer = api.call("POST", "/users", {"email": email, "name": email.split("@")[0].title(),
                                         "kind": "contact", "organization_id": org_id,
                                         "roles": [role], "language": language}, as_user=ADMIN)
    assert answer.status == 201, answer.body
    cognito.set_permanent_password(email, PASSWORD)


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, str]:
    orgs = {}
    for name, kind in (("Bygg & Betong AB", "supplier"), ("Inköp AB", "buyer")):
        answer = api.call("POST", "/organizations", {"name": name, "kind": kind},
                          as_user=ADMIN)
        assert answer.status == 201, answer.body
        orgs[kind] = answer.body["id"]
    _portal_user(api, SUPPLIER, orgs["supplier"], "supplier", "sv")
    _portal_user(api, SUPPLIER_FI, orgs["supplier"], "supplier", "fi")
    _portal_user(api, BUYER, orgs["buyer"], "buyer", "sv")
    return orgs


def _session(api: Api, days: float = 10, **fields: Any) -> dict[str, Any]:
    body = {"kind": "webinar", "topic": TOPIC, "audience": "supplier", "language": "sv",
            "starts_at": _iso(datetime.now(UTC) + timedelta(days=days)),
            "duration_minutes": 45, "seats": 3, "join_url": JOIN} | fields
    answer = api.call("POST", "/trainings", body, as_user=ADMIN)
    assert answer.status == 201, answer.body
    assert answer.headers["etag"] == '"1"'
    return dict(answer.body)


def _ics(api: Api, training_id: str, who: str) -> tuple[int, bytes]:
    response = api.client.http.request(
        "GET", f"/trainings/{training_id}/invitation.ics",
        headers={"Authorization": f"Bearer {api.token(who)}"}, body=b"")
    return response.status_code, response.body


def _sign_up(api: Api, training_id: str, who: str) -> Any:
    return api.call("POST", f"/trainings/{training_id}/signups", as_user=who)


# --- publishing -------------------------------------------------------------------------


def test_staff_with_networks_manage_publish_and_nobody_else(
        api: Api, world: dict[str, str]) -> None:
    made = _session(api, seats=25)
    assert (made["status"], made["seats_left"], made["seats_taken"]) == ("scheduled", 25, 0)
    assert made["ends_at"] == _iso(datetime.fromisoformat(made["starts_at"])
                                   + timedelta(minutes=45))
    body = {"kind": "webinar", "topic": TOPIC, "audience": "buyer", "language": "sv",
            "starts_at": made["starts_at"], "duration_minutes": 45, "join_url": JOIN}
    for who in (AGENT, SUPPLIER, BUYER, CUSTOMER):
        assert api.call("POST", "/trainings", body, as_user=who).status == 403, who
    one = api.call("POST", "/trainings", body | {"kind": "one_to_one", "seats": 1},
                   as_user=ADMIN)
    assert one.status == 201 and one.body["seats"] == 1


def test_bad_input_is_a_400_naming_each_field(api: Api, world: dict[str, str]) -> None:
    def refused(body: dict[str, Any]) -> set[str]:
        answer = api.call("POST", "/trainings", body, as_user=ADMIN)
        assert answer.status == 400, answer.body
        return {str(e["loc"][-1]) for e in answer.body["errors"]}

    good = {"kind": "webinar", "topic": TOPIC, "audience": "supplier", "language": "sv",
            "starts_at": _iso(datetime.now(UTC) + timedelta(days=3)), "duration_minutes": 45,
            "seats": 3, "join_url": JOIN}
    assert refused(good | {"kind": "seminar", "audience": "everyone", "language": "de"}) >= {
        "kind", "audience", "language"}
    assert refused(good | {"seats": 0, "duration_minutes": 5, "join_url": "ftp://x"}) >= {
        "seats", "duration_minutes", "join_url"}
    assert "starts_at" in refused(good | {"starts_at": "2026-12-03T09:00:00"})  # no offset
    assert "starts_at" in refused(good | {"starts_at": "2020-01-01T09:00:00Z"})  # past
    assert "topic" in refused(good | {"topic": {}})
    assert refused({k: v for k, v in good.items() if k not in ("topic", "starts_at")}) >= {
        "topic", "starts_at"}
    one_to_one = api.call("POST", "/trainings", good | {"kind": "one_to_one", "seats": 2},
                          as_user=ADMIN)
    assert one_to_one.status == 400 and "one seat" in str(one_to_one.body["errors"])
    assert "network_id" in refused(good | {"network_id": "nosuchnetwork"})


def test_a_session_is_changed_on_its_version_and_a_stale_one_refused(
        api: Api, world: dict[str, str]) -> None:
    made = _session(api)
    path = f"/trainings/{made['id']}"
    later = _iso(datetime.now(UTC) + timedelta(days=12))
    changed = api.call("PATCH", path, {"starts_at": later, "seats": 5},
                       as_user=ADMIN, headers={"If-Match": '"1"'})
    assert changed.status == 200, changed.body
    assert (changed.body["starts_at"], changed.body["seats"], changed.headers["etag"]) == (
        later, 5, '"2"')
    stale = api.call("PATCH", path, {"seats": 4}, as_user=ADMIN, headers={"If-Match": '"1"'})
    assert stale.status == 412
    for who in (AGENT, SUPPLIER, BUYER, CUSTOMER):
        assert api.call("PATCH", path, {"seats": 4}, as_user=who).status == 403, who
    assert api.call("PATCH", path, {"seats": 4}, as_user=OTHER_ADMIN).status == 404
    nulls = api.call("PATCH", path, {"topic": None, "seats": None}, as_user=ADMIN)
    assert nulls.status == 400
    assert {e["loc"][-1] for e in nulls.body["errors"]} == {"topic", "seats"}
    past = api.call("PATCH", path, {"starts_at": "2020-01-01T00:00:00Z"}, as_user=ADMIN)
    assert past.status == 400 and past.body["errors"][0]["loc"] == ["body", "starts_at"]
    unknown = api.call("PATCH", path, {"audience": "buyer"}, as_user=ADMIN)
    assert unknown.status == 400 and unknown.body["errors"][0]["loc"][-1] == "audience"


def test_seats_cannot_go_below_the_signups(api: Api, world: dict[str, str]) -> None:
    made = _session(api)
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    assert _sign_up(api, made["id"], SUPPLIER_FI).status == 201
    fewer = api.call("PATCH", f"/trainings/{made['id']}", {"seats": 1}, as_user=ADMIN)
    assert fewer.status == 409 and "2 have signed up" in fewer.body["detail"]
    assert api.call("PATCH", f"/trainings/{made['id']}", {"seats": 2},
                    as_user=ADMIN).status == 200


# --- who sees what ----------------------------------------------------------------------


def test_each_role_sees_its_audience_and_other_tenants_see_nothing(
        api: Api, world: dict[str, str]) -> None:
    suppliers, buyers = _session(api), _session(api, audience="buyer")
    for who, session, status in ((ADMIN, suppliers, 200), (ADMIN, buyers, 200),
                                 (SUPPLIER, suppliers, 200), (SUPPLIER, buyers, 404),
                                 (BUYER, buyers, 200), (BUYER, suppliers, 404),
                                 (AGENT, suppliers, 403), (CUSTOMER, suppliers, 403),
                                 (OTHER_ADMIN, suppliers, 404)):
        answer = api.call("GET", f"/trainings/{session['id']}", as_user=who)
        assert answer.status == status, (who, session["audience"], answer.body)
    for method, path in (("DELETE", ""), ("GET", "/signups"), ("POST", "/signups"),
                         ("DELETE", "/signups/me")):
        answer = api.call(method, f"/trainings/{suppliers['id']}{path}", as_user=OTHER_ADMIN)
        assert answer.status == 404, (method, path)
    assert _ics(api, suppliers["id"], OTHER_ADMIN)[0] == 404


def test_the_list_is_the_audiences_sessions_in_time_order_by_language_and_kind(
        api: Api, world: dict[str, str]) -> None:
    marker = uuid.uuid4().hex[:8]
    topic = {"sv": f"Lista {marker}"}
    late = _session(api, days=30, topic=topic)
    early = _session(api, days=5, topic=topic)
    finnish = _session(api, days=6, topic=topic, language="fi")
    one = _session(api, days=7, topic=topic, kind="one_to_one", seats=1)
    for_buyers = _session(api, days=4, topic=topic, audience="buyer")
    mine = {s["id"] for s in (late, early, finnish, one, for_buyers)}

    def listed(who: str, query: str = "") -> list[str]:
        found, cursor = [], None
        for _ in range(50):
            path = f"/trainings?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
            answer = api.call("GET", path, as_user=who)
            assert answer.status == 200, answer.body
            found += [s["id"] for s in answer.body["items"] if s["id"] in mine]
            starts = [s["starts_at"] for s in answer.body["items"]]
            assert starts == sorted(starts)
            cursor = answer.body["next_cursor"]
            if not cursor:
                return found
        raise AssertionError("the cursor never ended")

    assert listed(SUPPLIER) == [early["id"], finnish["id"], one["id"], late["id"]]
    assert listed(BUYER) == [for_buyers["id"]]
    assert listed(ADMIN) == [for_buyers["id"], early["id"], finnish["id"], one["id"],
                             late["id"]]
    assert listed(ADMIN, "&audience=buyer") == [for_buyers["id"]]
    assert listed(SUPPLIER, "&language=fi") == [finnish["id"]]
    assert listed(SUPPLIER, "&kind=one_to_one") == [one["id"]]
    assert listed(SUPPLIER, "&kind=webinar&language=sv") == [early["id"], late["id"]]
    for who in (AGENT, CUSTOMER):
        assert api.call("GET", "/trainings", as_user=who).status == 403
    bad = api.call("GET", "/trainings?language=de&kind=course", as_user=SUPPLIER)
    assert bad.status == 400
    assert {e["loc"][-1] for e in bad.body["errors"]} == {"language", "kind"}
    other = api.call("GET", "/trainings?audience=buyer", as_user=SUPPLIER)
    assert other.status == 400 and other.body["errors"][0]["loc"] == ["query", "audience"]
    assert api.call("GET", "/trainings", as_user=OTHER_ADMIN).body["items"] == []


# --- signing up -------------------------------------------------------------------------


def test_signing_up_twice_changes_nothing_and_cancelling_frees_the_seat(
        api: Api, world: dict[str, str]) -> None:
    made = _session(api)
    path = f"/trainings/{made['id']}"
    first = _sign_up(api, made["id"], SUPPLIER)
    assert first.status == 201, first.body
    assert first.body["invitation_path"] == f"{path}/invitation.ics"
    again = _sign_up(api, made["id"], SUPPLIER)
    assert again.status == 200 and again.body == first.body
    seen = api.call("GET", path, as_user=SUPPLIER).body
    assert (seen["seats_taken"], seen["seats_left"], seen["signed_up"]) == (1, 2, True)
    listed = api.call("GET", "/trainings?limit=100", as_user=SUPPLIER).body["items"]
    assert [s["signed_up"] for s in listed if s["id"] == made["id"]] == [True]
    assert api.call("DELETE", f"{path}/signups/me", as_user=SUPPLIER).status == 204
    assert api.call("DELETE", f"{path}/signups/me", as_user=SUPPLIER).status == 404
    seen = api.call("GET", path, as_user=SUPPLIER).body
    assert (seen["seats_taken"], seen["signed_up"]) == (0, False)


def test_who_may_sign_up(api: Api, world: dict[str, str]) -> None:
    made = _session(api)
    for who, status in ((ADMIN, 403), (AGENT, 403), (CUSTOMER, 403), (BUYER, 404),
                        (OTHER_ADMIN, 404)):
        assert _sign_up(api, made["id"], who).status == status, who
        answer = api.call("DELETE", f"/trainings/{made['id']}/signups/me", as_user=who)
        assert answer.status == status, who
    assert _sign_up(api, made["id"], SUPPLIER).status == 201


def test_a_full_session_refuses_naming_why_until_a_seat_is_freed(
        api: Api, world: dict[str, str]) -> None:
    slot = _session(api, kind="one_to_one", seats=1)
    assert _sign_up(api, slot["id"], SUPPLIER).status == 201
    full = _sign_up(api, slot["id"], SUPPLIER_FI)
    assert full.status == 409 and "full" in full.body["detail"]
    assert "seat is taken" in full.body["detail"]
    assert _sign_up(api, slot["id"], SUPPLIER).status == 200  # still theirs
    assert api.call("DELETE", f"/trainings/{slot['id']}/signups/me",
                    as_user=SUPPLIER).status == 204
    assert _sign_up(api, slot["id"], SUPPLIER_FI).status == 201
    webinar = _session(api, seats=2)
    assert _sign_up(api, webinar["id"], SUPPLIER).status == 201
    assert _sign_up(api, webinar["id"], SUPPLIER_FI).status == 201
    other = api.call("POST", "/users", {"email": f"third@{TENANT}.test", "name": "Third",
                                        "kind": "contact",
                                        "organization_id": world["supplier"],
                                        "roles": ["supplier"]}, as_user=ADMIN)
    assert other.status == 201
    cognito.set_permanent_password(f"third@{TENANT}.test", PASSWORD)
    third = _sign_up(api, webinar["id"], f"third@{TENANT}.test")
    assert third.status == 409 and "all 2 seats are taken" in third.body["detail"]


def test_staff_see_who_signed_up(api: Api, world: dict[str, str]) -> None:
    made = _session(api)
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    answer = api.call("GET", f"/trainings/{made['id']}/signups", as_user=ADMIN)
    assert answer.status == 200
    assert [(s["email"], s["organization_id"]) for s in answer.body["items"]] == [
        (SUPPLIER, world["supplier"])]
    for who, status in ((SUPPLIER, 403), (BUYER, 404), (AGENT, 403), (CUSTOMER, 403),
                        (OTHER_ADMIN, 404)):
        assert api.call("GET", f"/trainings/{made['id']}/signups",
                        as_user=who).status == status, who


def test_a_cancelled_session_takes_no_signups_and_its_invitation_cancels(
        api: Api, world: dict[str, str]) -> None:
    from icalendar import Calendar

    made = _session(api)
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    for who in (AGENT, SUPPLIER, BUYER, CUSTOMER):
        assert api.call("DELETE", f"/trainings/{made['id']}", as_user=who).status == 403
    stale = api.call("DELETE", f"/trainings/{made['id']}", as_user=ADMIN,
                     headers={"If-Match": '"7"'})
    assert stale.status == 412
    cancelled = api.call("DELETE", f"/trainings/{made['id']}", as_user=ADMIN,
                         headers={"If-Match": '"1"'})
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    refused = _sign_up(api, made["id"], SUPPLIER_FI)
    assert refused.status == 409 and "cancelled" in refused.body["detail"]
    status, body = _ics(api, made["id"], SUPPLIER)
    calendar = Calendar.from_ical(body)
    event = calendar.walk("VEVENT")[0]
    assert (status, str(calendar["METHOD"]), str(event["STATUS"])) == (
        200, "CANCEL", "CANCELLED")
    assert int(event["SEQUENCE"]) == 1
    patch = api.call("PATCH", f"/trainings/{made['id']}", {"seats": 9}, as_user=ADMIN)
    assert patch.status == 409


# --- the invitation ---------------------------------------------------------------------


def test_the_invitation_is_an_icalendar_request_in_the_users_language(
        api: Api, world: dict[str, str]) -> None:
    from icalendar import Calendar

    made = _session(api, description={"sv": "Så skickar du in", "fi": "Näin lähetät"})
    assert _ics(api, made["id"], SUPPLIER)[0] == 404  # not signed up
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    assert _sign_up(api, made["id"], SUPPLIER_FI).status == 201
    events = {}
    for who in (SUPPLIER, SUPPLIER_FI):
        status, body = _ics(api, made["id"], who)
        assert status == 200
        calendar = Calendar.from_ical(body)
        assert str(calendar["METHOD"]) == "REQUEST"
        events[who] = calendar.walk("VEVENT")[0]
    sv, fi = events[SUPPLIER], events[SUPPLIER_FI]
    assert str(sv["UID"]) == str(fi["UID"]) == f"training-{made['id']}@helpdesk"
    assert (str(sv["SUMMARY"]), str(fi["SUMMARY"])) == (TOPIC["sv"], TOPIC["fi"])
    assert "Näin lähetät" in str(fi["DESCRIPTION"]) and JOIN in str(fi["DESCRIPTION"])
    start, end = sv.decoded("DTSTART"), sv.decoded("DTEND")
    assert start.utcoffset() == timedelta(0) and _iso(start) == made["starts_at"]
    assert end - start == timedelta(minutes=45)
    assert str(sv["URL"]) == JOIN
    assert str(sv["ORGANIZER"]).startswith("mailto:")
    assert str(sv["ATTENDEE"]) == f"mailto:{SUPPLIER}"
    # Moved: the same UID, a higher SEQUENCE, the new time.
    later = _iso(datetime.now(UTC) + timedelta(days=11))
    assert api.call("PATCH", f"/trainings/{made['id']}", {"starts_at": later},
                    as_user=ADMIN).status == 200
    moved = Calendar.from_ical(_ics(api, made["id"], SUPPLIER)[1]).walk("VEVENT")[0]
    assert str(moved["UID"]) == str(sv["UID"]) and int(moved["SEQUENCE"]) == 1
    assert _iso(moved.decoded("DTSTART")) == later
    for who, status in ((ADMIN, 200), (AGENT, 403), (BUYER, 404), (CUSTOMER, 403)):
        assert _ics(api, made["id"], who)[0] == status, who


# --- the reminder -----------------------------------------------------------------------


def _reminders(api: Api, who: str, topic: str,
               kind: str = "training_reminder") -> list[dict[str, Any]]:
    items = api.call("GET", "/notifications?limit=100", as_user=who).body["items"]
    return [n for n in items if n["kind"] == kind and topic in n["title"]]


def test_the_reminder_comes_once_the_day_before(
        api: Api, runner: EventRunner, mail: LocalOutbox, world: dict[str, str]) -> None:
    topic = f"Påminnelse {uuid.uuid4().hex[:6]}"
    made = _session(api, days=5, topic={"sv": topic, "fi": f"{topic} fi"})
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    assert _sign_up(api, made["id"], SUPPLIER_FI).status == 201
    starts = datetime.fromisoformat(made["starts_at"])
    early = runner.tick(starts - timedelta(days=1, minutes=30))
    assert early["schedules"]["training_reminders"]["read"] == 0
    assert _reminders(api, SUPPLIER, topic) == []
    report = runner.tick(starts - timedelta(hours=23))
    assert report["schedules"]["training_reminders"]["reminded"] == 2
    again = runner.tick(starts - timedelta(hours=22))
    assert again["schedules"]["training_reminders"]["read"] == 0
    runner.tick(starts - timedelta(hours=21))
    assert len(_reminders(api, SUPPLIER, topic)) == 1
    assert len(_reminders(api, SUPPLIER_FI, f"{topic} fi")) == 1
    sent = [m for m in mail.messages() if m["via"] == "ses" and topic in m["subject"]]
    assert sorted(address for m in sent for address in m["to"]) == sorted(
        [SUPPLIER, SUPPLIER_FI])


def test_a_moved_session_moves_its_reminder_and_a_cancelled_one_sends_none(
        api: Api, runner: EventRunner, world: dict[str, str]) -> None:
    topic = f"Flyttad {uuid.uuid4().hex[:6]}"
    made = _session(api, days=5, topic={"sv": topic})
    assert _sign_up(api, made["id"], SUPPLIER).status == 201
    old = datetime.fromisoformat(made["starts_at"])
    new = old + timedelta(days=3)
    assert api.call("PATCH", f"/trainings/{made['id']}", {"starts_at": _iso(new)},
                    as_user=ADMIN).status == 200
    runner.tick(old - timedelta(hours=23))
    assert _reminders(api, SUPPLIER, topic) == []
    assert len(_reminders(api, SUPPLIER, topic, "training_update")) == 1  # the new time
    runner.tick(new - timedelta(hours=23))
    assert len(_reminders(api, SUPPLIER, topic)) == 1

    gone = f"Inställd {uuid.uuid4().hex[:6]}"
    cancelled = _session(api, days=6, topic={"sv": gone})
    assert _sign_up(api, cancelled["id"], SUPPLIER).status == 201
    assert api.call("DELETE", f"/trainings/{cancelled['id']}", as_user=ADMIN).status == 200
    starts = datetime.fromisoformat(cancelled["starts_at"])
    report = runner.tick(starts - timedelta(hours=23))
    assert report["schedules"]["training_reminders"]["dropped"] == 1
    runner.tick(starts - timedelta(hours=22))
    assert _reminders(api, SUPPLIER, gone) == []
    told = _reminders(api, SUPPLIER, gone, "training_update")
    assert len(told) == 1 and told[0]["title"].startswith("Inställd")
    assert _reminders(api, SUPPLIER_FI, gone, "training_update") == []  # not signed up


# --- demo data --------------------------------------------------------------------------


def test_the_demo_webinars_are_seeded_once(api: Api) -> None:
    from chalicelib.services import training
    from local.demo_training import seed_demo_training
    from local.seed import _system

    ctx = _system(f"{TENANT}-demo")
    seed_demo_training(ctx)
    seed_demo_training(ctx)  # a restart adds nothing
    page = training.list_trainings(ctx, None, None, None, 100, None)
    sessions = {s["audience"]: s for s in page.items}
    assert len(page.items) == 2 and set(sessions) == {"supplier", "buyer"}
    webinar = sessions["supplier"]
    assert webinar["topic"] == TOPIC and webinar["kind"] == "webinar"
    assert webinar["seats_left"] > 0
    ahead = datetime.fromisoformat(webinar["starts_at"]) - datetime.now(UTC)
    assert timedelta(days=13) < ahead < timedelta(days=15)


def test_a_cursor_goes_on_after_its_sessions_started(api: Api, world: dict[str, str]) -> None:
    """The next page starts at the cursor's position, even when the clock has passed it
    (DynamoDB refuses a start key outside the key condition)."""
    from dataclasses import replace

    from chalicelib.services import training
    from local.seed import _system

    ctx = _system(TENANT)
    _session(api, days=1)
    _session(api, days=2)
    first = training.list_trainings(ctx, None, None, None, 1, None)
    assert first.last_key is not None
    later = replace(ctx, now=ctx.now + timedelta(days=60))
    rest = training.list_trainings(later, None, None, None, 100, first.last_key)
    starts = [s["starts_at"] for s in rest.items]
    assert starts == sorted(starts) and starts[0] >= first.items[0]["starts_at"]
