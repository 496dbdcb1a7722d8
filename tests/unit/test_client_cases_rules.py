"""Client cases' pure rules (seed 003, issue 19): the price-basis counter, the checklist,
invitations' states, active-in-month membership, the usage of a month and its CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain import client_cases as cc

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def org(**fields: Any) -> dict[str, Any]:
    return {"id": fields.pop("id", "o1"), "name": fields.pop("name", "Alfa AB"),
            "kind": fields.pop("kind", "company"), "created_at": "2025-01-01T00:00:00Z",
            **fields}


# --- the counter ------------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after", "delta"), [
    (None, org(), (1, 0)),
    (None, org(kind="private_person"), (0, 1)),
    (org(), org(active=False), (-1, 0)),
    (org(active=False), org(active=True), (1, 0)),
    (org(active=False), org(active=False), (0, 0)),
    (org(), org(kind="private_person"), (-1, 1)),
    (org(kind="private_person", active=False), org(kind="company", active=False), (0, 0)),
    (org(name="Old"), org(name="New"), (0, 0)),
])
def test_the_counter_moves_by_what_the_write_changed(before: dict[str, Any] | None,
                                                    after: dict[str, Any],
                                                    delta: tuple[int, int]) -> None:
    assert cc.count_delta(before, after) == delta


def test_the_monthly_price_is_per_active_client_rounded_to_cents() -> None:
    assert cc.monthly_price(cc.Plan(), 3) == 147.0
    assert cc.monthly_price(cc.Plan(price_per_client=19.99, currency="EUR"), 3) == 59.97
    assert cc.monthly_price(cc.Plan(), 0) == 0


# --- the checklist ------------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "undeliverable", "problem"), [
    (None, False, "missing"), ("", False, "missing"), ("not-an-address", False, "invalid"),
    ("a@b", False, "invalid"), ("berit@berg.example", True, "undeliverable"),
    ("berit@berg.example", False, None),
])
def test_the_main_contacts_email(email: str | None, undeliverable: bool,
                                 problem: str | None) -> None:
    assert cc.email_problem(email, undeliverable) == problem


def test_an_address_needs_street_postal_code_and_city() -> None:
    assert cc.address_ok({"street": "Storgatan 1", "postal_code": "111 22", "city": "Sthlm"})
    assert not cc.address_ok({"street": "Storgatan 1", "postal_code": " ", "city": "Sthlm"})
    assert not cc.address_ok(None)


def test_an_organisation_looks_inactive_after_a_year_without_activity() -> None:
    assert cc.looks_inactive(None, "2025-12-01T00:00:00Z", NOW)
    assert not cc.looks_inactive("2026-01-01T00:00:00Z", "2020-01-01T00:00:00Z", NOW)
    assert not cc.looks_inactive(None, "2026-06-01T00:00:00Z", NOW)


def test_what_keeps_an_organisation_from_being_invited() -> None:
    assert cc.invitation_problems(None, False)[0][1].startswith("the organisation has no main")
    assert "invalid" in cc.invitation_problems({"email": "x"}, False)[0][1]
    assert "undeliverable" in cc.invitation_problems({"email": "a@b.se"}, True)[0][1]
    assert cc.invitation_problems({"email": "a@b.se"}, False) == []


def test_a_sent_invitation_past_its_expiry_shows_expired() -> None:
    assert cc.shown_state("sent", "2026-12-06T11:59:59Z", NOW) == "expired"
    assert cc.shown_state("sent", "2026-12-06T12:00:01Z", NOW) == "sent"
    assert cc.shown_state("revoked", "2026-12-01T00:00:00Z", NOW) == "revoked"
    assert not cc.live("accepted", "2027-01-01T00:00:00Z", NOW)


# --- months -------------------------------------------------------------------------------------


def test_months() -> None:
    assert cc.next_month("2026-12") == "2027-01"
    assert cc.month_end("2026-02") == datetime(2026, 3, 1, tzinfo=UTC)
    cc.check_month("2026-12", date(2026, 12, 6))
    with pytest.raises(ValueError):
        cc.check_month("2027-01", date(2026, 12, 31))


@pytest.mark.parametrize(("fields", "active"), [
    ({}, True),
    ({"created_at": "2025-04-01T00:00:00Z"}, False),  # created after March
    ({"created_at": "2025-03-31T23:59:59Z"}, True),  # on March's last second
    ({"active": False, "deactivated_at": "2025-03-15T00:00:00Z"}, True),  # mid-month
    ({"active": False, "deactivated_at": "2025-03-01T00:00:00Z"}, True),  # its first day
    ({"active": False, "deactivated_at": "2025-02-28T23:59:59Z"}, False),
    ({"active": False, "deactivated_at": "2025-04-02T00:00:00Z"}, True),  # later
    ({"active": True, "deactivated_at": "2025-02-01T00:00:00Z",
      "reactivated_at": "2025-04-05T00:00:00Z"}, False),  # off the whole month
    ({"active": True, "deactivated_at": "2025-02-01T00:00:00Z",
      "reactivated_at": "2025-03-20T00:00:00Z"}, True),  # back during it
])
def test_active_on_any_day_of_the_month(fields: dict[str, Any], active: bool) -> None:
    assert cc.active_in_month(org(**fields), "2025-03") is active


# --- the usage of a month -----------------------------------------------------------------------


def fixture_usage() -> cc.Usage:
    orgs = [org(id="a", name="Alfa AB", customer_number="1001"),
            org(id="b", name="Beta; \"AB\"", active=False,
                deactivated_at="2025-03-15T00:00:00Z"),
            org(id="p", name="Privat Person", kind="private_person"),
            org(id="g", name="Gamma AB", active=False, deactivated_at="2025-02-20T00:00:00Z"),
            org(id="d", name="=Delta AB")]
    items = [{"organization_id": "a", "billable": True, "hours": 1.5},
             {"organization_id": "a", "billable": True, "hours": 2.0},  # re-typed billable
             {"organization_id": "a", "hours": 0.5},  # hours only: resolved next month
             {"organization_id": "b", "billable": True},
             {"organization_id": "p", "billable": True, "hours": 3},  # a private person
             {"organization_id": "g", "billable": True, "hours": 9}]  # not active in March
    return cc.usage_of("2025-03", orgs, items, cc.Plan())


def test_the_usage_of_a_month_by_hand() -> None:
    usage = fixture_usage()
    rows = {r.organization_id: r for r in usage.items}
    assert set(rows) == {"a", "b", "d"}
    assert (rows["a"].billable_tickets, rows["a"].hours) == (2, 4.0)
    assert (rows["b"].billable_tickets, rows["b"].hours, rows["b"].active) == (1, 0, False)
    assert (rows["d"].billable_tickets, rows["d"].hours) == (0, 0)
    assert usage.active_clients == 3 and usage.monthly_price == 147.0
    assert (usage.totals.billable_tickets, usage.totals.hours) == (3, 4.0)
    assert [r.name for r in usage.items] == ["=Delta AB", "Alfa AB", "Beta; \"AB\""]


def test_the_csv_is_excel_friendly() -> None:
    text = cc.usage_csv(fixture_usage()).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    assert lines[0] == "Customer number;Organisation;Kind;Active;Billable tickets;Hours"
    assert lines[1] == ";'=Delta AB;company;yes;0;0,00"  # a formula defused
    assert lines[2] == "1001;Alfa AB;company;yes;2;4,00"
    assert lines[3] == ';"Beta; ""AB""";company;no;1;0,00'  # quoted
    assert lines[4] == ";Total;;3;3;4,00" and lines[5] == ""
