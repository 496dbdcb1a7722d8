"""Cases from the firm (issue 19 item 4), the pure rules: placeholders, recipients, the
organisation's readiness, the reminders before the due date and who hears of what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chalicelib.domain import outbound
from chalicelib.domain.lifecycle import ticket_timers
from chalicelib.domain.notifications import TicketParties, ticket_notices
from chalicelib.domain.tickets import CaseReminder, Ticket, default_ticket_types

ORG = "org-acme"


# --- placeholders ---------------------------------------------------------------------------


def test_placeholders_are_filled_and_other_braces_kept() -> None:
    text = "Bokslut {period} för {client_name}, senast {due_date}. {okänd} {period}"
    filled = outbound.fill_placeholders(text, {"client_name": "Acme AB", "period": "2026",
                                               "due_date": "2027-01-31"})
    assert filled == "Bokslut 2026 för Acme AB, senast 2027-01-31. {okänd} 2026"


def test_a_placeholder_without_a_value_is_named_as_missing() -> None:
    texts = ("Löneunderlag {period}", "Senast {due_date}, {client_name}")
    assert outbound.missing_values(texts, {"client_name": "Acme", "period": "",
                                           "due_date": ""}) == ["period", "due_date"]
    assert outbound.missing_values(texts, {"client_name": "Acme", "period": "2026-11",
                                           "due_date": "1.12.2026"}) == []
    assert outbound.missing_values(("Inga platshållare",), {}) == []


def test_the_due_date_is_written_the_readers_way() -> None:
    due = date(2027, 1, 31)
    assert outbound.format_due_date(due, "sv") == "2027-01-31"
    assert outbound.format_due_date(due, "fi") == "31.1.2027"
    assert outbound.format_due_date(due, "en") == "31 January 2027"


def test_every_ready_made_template_exists_in_three_languages_with_placeholders() -> None:
    made = dict(outbound.default_outbound_templates())
    assert set(made) == {"tpl_case_year_end", "tpl_case_vat_questions",
                         "tpl_case_missing_receipts", "tpl_case_payroll_basis",
                         "tpl_case_sign_annual_report"}
    for template in made.values():
        assert template.direction == "outbound"
        assert template.ticket_type_id == outbound.CLIENT_CASE_TYPE
        assert set(template.translations) == {"fi", "en"}
        texts = [(template.subject, template.body),
                 *((t.subject, t.body) for t in template.translations.values())]
        for subject, body in texts:
            assert "{period}" in subject + body
            assert "{due_date}" in body
    # The case type is the firm's own, apart from the customer's types.
    assert outbound.CLIENT_CASE_TYPE not in dict(default_ticket_types())
    assert outbound.client_case_type().name.sv == "Byråärende"


# --- the organisation and the recipients -------------------------------------------------------


def test_only_a_connected_active_organisation_receives_cases() -> None:
    assert outbound.organization_problem(None) == "no such organisation"
    assert "deactivated" in (outbound.organization_problem(
        {"active": False, "connected_at": "2026-11-01T09:00:00Z"}) or "")
    assert "not connected" in (outbound.organization_problem({"active": True}) or "")
    assert outbound.organization_problem(
        {"active": True, "connected_at": "2026-11-01T09:00:00Z"}) is None


def _contact(contact_id: str, user_id: str | None, org: str = ORG) -> dict[str, Any]:
    return {"id": contact_id, "organization_id": org, "name": contact_id, "user_id": user_id}


def _user(user_id: str, org: str = ORG, **extra: Any) -> dict[str, Any]:
    return {"id": user_id, "kind": "contact", "organization_id": org, "active": True, **extra}


def test_each_wrong_recipient_is_named_by_its_position() -> None:
    contacts = {"c-ok": _contact("c-ok", "u-ok"), "c-nouser": _contact("c-nouser", None),
                "c-gone": _contact("c-gone", "u-gone"), "c-moved": _contact("c-moved", "u-moved"),
                "c-staff": _contact("c-staff", "u-staff")}
    users = {"u-ok": _user("u-ok"), "u-gone": _user("u-gone", active=False),
             "u-moved": _user("u-moved", org="org-other"),
             "u-staff": _user("u-staff", kind="staff")}
    wanted = ["c-ok", "c-unknown", "c-nouser", "c-gone", "c-moved", "c-staff", "c-ok"]
    problems = outbound.recipient_problems(wanted, ORG, contacts, users)
    assert sorted(problems) == [1, 2, 3, 4, 5, 6]
    assert "not a registered contact" in problems[1]
    assert "no portal user" in problems[2]
    assert problems[6] == "named twice"
    assert outbound.recipient_problems(["c-ok"], ORG, contacts, users) == {}


def test_a_contact_of_another_organisation_is_refused() -> None:
    contacts = {"c-beta": _contact("c-beta", "u-beta", org="org-beta")}
    users = {"u-beta": _user("u-beta", org="org-beta")}
    assert 0 in outbound.recipient_problems(["c-beta"], ORG, contacts, users)


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_come_at_eight_local_time_and_skip_what_has_passed() -> None:
    created = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    schedule = outbound.reminder_schedule(date(2026, 12, 20), [1, 7], "Europe/Stockholm",
                                          created)
    assert [(r.days, r.at) for r in schedule] == [(7, "2026-12-13T07:00:00Z"),
                                                  (1, "2026-12-19T07:00:00Z")]
    # Due in three days: the week-before reminder would be in the past.
    close = outbound.reminder_schedule(date(2026, 12, 4), [7, 1], "Europe/Stockholm", created)
    assert [r.days for r in close] == [1]
    # Summer time: 08:00 in Helsinki is 05:00 UTC.
    summer = outbound.reminder_schedule(date(2027, 6, 10), [1], "Europe/Helsinki", created)
    assert summer[0].at == "2027-06-09T05:00:00Z"


def _case(**changes: Any) -> Ticket:
    base: dict[str, Any] = {
        "id": "t1", "number": "T-1001", "subject": "Bokslut", "status": "waiting_on_customer",
        "priority": "normal", "ticket_type_id": "client_case", "organization_id": ORG,
        "channel": "staff", "created_at": "2026-12-01T12:00:00Z",
        "updated_at": "2026-12-01T12:00:00Z", "created_by": "staff-1",
        "direction": "outbound", "due_date": "2026-12-20", "recipient_user_ids": ["u-ok"],
        "reminders": [CaseReminder(days=7, at="2026-12-13T07:00:00Z"),
                      CaseReminder(days=1, at="2026-12-19T07:00:00Z")],
    }
    return Ticket.model_validate({**base, **changes})


def test_the_next_unsent_reminder_is_the_cases_timer_until_it_is_closed() -> None:
    case = _case()
    assert ticket_timers(case) == {outbound.TIMER_CASE_REMINDER: "2026-12-13T07:00:00Z"}
    sent = _case(reminders=[CaseReminder(days=7, at="2026-12-13T07:00:00Z",
                                         sent_at="2026-12-13T07:01:00Z"),
                            CaseReminder(days=1, at="2026-12-19T07:00:00Z")])
    assert ticket_timers(sent) == {outbound.TIMER_CASE_REMINDER: "2026-12-19T07:00:00Z"}
    assert ticket_timers(_case(status="closed", closed_reason="done")) == {}
    assert ticket_timers(_case(direction="inbound")) == {}


def test_a_reminder_step_is_due_once_and_a_late_sweep_sends_only_the_latest() -> None:
    case = _case()
    assert outbound.reminder_step(case, "2026-12-13T06:59:59Z") is None
    step = outbound.reminder_step(case, "2026-12-13T07:05:00Z")
    assert step is not None and step.told.days == 7
    assert [r.sent_at for r in step.reminders] == ["2026-12-13T07:05:00Z", None]
    again = case.model_copy(update={"reminders": step.reminders})
    assert outbound.reminder_step(again, "2026-12-13T07:10:00Z") is None
    late = outbound.reminder_step(case, "2026-12-19T09:00:00Z")
    assert late is not None and late.told.days == 1
    assert all(r.sent_at == "2026-12-19T09:00:00Z" for r in late.reminders)
    assert outbound.reminder_step(_case(status="closed"), "2026-12-19T09:00:00Z") is None


# --- who hears of what -------------------------------------------------------------------------


def _parties(**changes: Any) -> TicketParties:
    base: dict[str, Any] = {"requester_id": None, "assignee_id": None, "watchers": (),
                            "queue_owners": (), "is_staff": lambda u: u.startswith("staff"),
                            "recipients": ("u-ok", "u-two"), "case_owner": "staff-1"}
    return TicketParties(**{**base, **changes})


def _told(event_type: str, actor: str | None, parties: TicketParties,
          data: dict[str, Any] | None = None, siblings: tuple[str, ...] = ()
          ) -> list[tuple[str, str]]:
    event = {"type": event_type, "actor": actor, "data": data or {}}
    return [(n.kind, n.user_id)
            for n in ticket_notices(event, (event_type, *siblings), parties)]


def test_a_sent_case_reaches_its_recipients() -> None:
    assert _told("created", "staff-1", _parties(), {"direction": "outbound"}) == [
        ("client_case_received", "u-ok"), ("client_case_received", "u-two")]


def test_the_clients_answer_reaches_the_firm_and_the_firms_answer_the_recipients() -> None:
    assert _told("commented", "u-ok", _parties()) == [
        ("ticket_commented", "staff-1"), ("ticket_commented", "u-two")]
    assert _told("commented", "u-ok", _parties(assignee_id="staff-2"))[0] == (
        "ticket_commented", "staff-2")
    assert _told("commented", "staff-1", _parties()) == [
        ("ticket_commented", "u-ok"), ("ticket_commented", "u-two")]


def test_marked_done_tells_the_firm_not_the_customer_rating_question() -> None:
    told = _told("marked_done", "u-ok", _parties(), siblings=("status_changed",))
    assert told == [("client_case_done", "staff-1"), ("client_case_done", "u-two")]
    closed = _told("status_changed", "u-ok", _parties(), {"to": "closed"},
                   siblings=("marked_done",))
    assert closed == []


def test_a_due_reminder_reaches_every_recipient() -> None:
    assert _told("due_reminder_sent", "system", _parties(), {"days": 7}) == [
        ("client_case_reminder", "u-ok"), ("client_case_reminder", "u-two")]


# --- the lists' filters stay within what each index projects ------------------------------


def _projected(index: str) -> set[str] | None:
    """The attributes a ticket index projects besides its keys (None: all of them)."""
    import yaml

    from local.cloudformation import TEMPLATE_PATH

    table = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))["Resources"][
        "TicketsTable"]["Properties"]
    found = next(g for g in table["GlobalSecondaryIndexes"] if g["IndexName"] == index)
    projection = found["Projection"]
    return None if projection["ProjectionType"] == "ALL" else set(
        projection["NonKeyAttributes"])


def test_every_list_filters_only_on_what_its_index_projects() -> None:
    """DynamoDB refuses a Query whose filter names an attribute the index does not
    project (moto does not): the inbound filter only where ``direction`` is there."""
    from chalicelib.store.tickets import TicketSelection, list_streams

    selections = [
        TicketSelection(direction=d, **dims) for d in (None, "inbound", "outbound")
        for dims in ({}, {"requester_id": "u1"}, {"assignee_id": "a1"},
                     {"organization_id": "o1"}, {"ticket_type_id": "t1"},
                     {"status": "open"}, {"organization_id": "o1", "requester_id": "u1"},
                     {"assignee_id": "a1", "status": "open", "ticket_type_id": "t1"})]
    selections += [TicketSelection(direction="outbound", recipient_user_id="u1",
                                   organization_id="o1", status="active")]
    checked = 0
    for selection in selections:
        for stream in list_streams("t", selection):
            projected = _projected(stream.index or "")
            named = set((stream.filter.names or {}).values())
            if projected is not None:
                assert named <= projected | {"id", "version"}, (selection, stream)
                checked += 1
    assert checked  # the INCLUDE indexes were read with filters too
