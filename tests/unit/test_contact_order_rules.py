"""The pure contact-order rules (seed 001): who may assign whom, who sees which order, the
list sort key, and the references to the customer register."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain import contact_orders as co
from chalicelib.domain.errors import BusinessRuleViolation, Forbidden, InvalidInput

VIEW, VIEW_ASSIGNED = "contact_orders.view", "contact_orders.view_assigned"
ASSIGN, ASSIGN_SELF = "contact_orders.assign", "contact_orders.assign_self"
ME, COLLEAGUE = "u-me", "u-colleague"


def rights(*names: str) -> frozenset[str]:
    return frozenset(names)


# --- check_assignment -----------------------------------------------------------------


@pytest.mark.parametrize(("held", "assignee", "current", "allowed"), [
    # Taking an order oneself: assign_self, or assign.
    ((ASSIGN_SELF,), ME, None, True),
    ((ASSIGN,), ME, None, True),
    ((), ME, None, False),
    ((VIEW, "contact_orders.edit"), ME, COLLEAGUE, False),
    # Handing it to a colleague: only assign.
    ((ASSIGN,), COLLEAGUE, None, True),
    ((ASSIGN,), COLLEAGUE, ME, True),
    ((ASSIGN_SELF,), COLLEAGUE, None, False),
    ((ASSIGN_SELF,), COLLEAGUE, ME, False),
    # Unassigning counts as assigning (to nobody).
    ((ASSIGN,), None, COLLEAGUE, True),
    ((ASSIGN_SELF,), None, ME, False),
    # Leaving it as it is needs nothing.
    ((), COLLEAGUE, COLLEAGUE, True),
    ((), ME, ME, True),
    ((), None, None, True),
])
def test_check_assignment(held: tuple[str, ...], assignee: str | None, current: str | None,
                          allowed: bool) -> None:
    if allowed:
        co.check_assignment(rights(*held), ME, assignee, current)
    else:
        with pytest.raises(Forbidden):
            co.check_assignment(rights(*held), ME, assignee, current)


def test_check_assignment_names_the_missing_right() -> None:
    with pytest.raises(Forbidden, match="assign_self"):
        co.check_assignment(rights(), ME, ME)
    with pytest.raises(Forbidden, match=r"contact_orders\.assign\b"):
        co.check_assignment(rights(ASSIGN_SELF), ME, COLLEAGUE)


# --- may_see / sees_all ---------------------------------------------------------------


@pytest.mark.parametrize(("held", "assignee", "visible"), [
    ((VIEW,), None, True),
    ((VIEW,), COLLEAGUE, True),
    ((VIEW,), ME, True),
    ((VIEW_ASSIGNED,), ME, True),
    ((VIEW_ASSIGNED,), COLLEAGUE, False),
    ((VIEW_ASSIGNED,), None, False),
    ((VIEW, VIEW_ASSIGNED), COLLEAGUE, True),
    ((), ME, False),
    ((ASSIGN, ASSIGN_SELF, "contact_orders.edit"), ME, False),
])
def test_may_see(held: tuple[str, ...], assignee: str | None, visible: bool) -> None:
    assert co.may_see(rights(*held), ME, assignee) is visible


def test_only_view_sees_all() -> None:
    assert co.sees_all(rights(VIEW))
    assert not co.sees_all(rights(VIEW_ASSIGNED))
    assert not co.sees_all(rights())


# --- the list order -------------------------------------------------------------------


def test_planned_key_orders_by_date_then_number_undated_last() -> None:
    orders = [("2031-03-01", 1001), (None, 1002), ("2031-01-01", 1003), ("2031-02-01", 1006),
              ("2031-02-01", 1004), (None, 999), ("2030-12-31", 100000), ("2031-01-01", 9)]
    ordered = sorted(orders, key=lambda o: co.planned_key(o[0], o[1]))
    assert ordered == [("2030-12-31", 100000), ("2031-01-01", 9), ("2031-01-01", 1003),
                       ("2031-02-01", 1004), ("2031-02-01", 1006), ("2031-03-01", 1001),
                       (None, 999), (None, 1002)]


def test_planned_key_numbers_compare_as_numbers() -> None:
    assert co.planned_key("2031-01-01", 999) < co.planned_key("2031-01-01", 1000)
    assert co.planned_key(None, 9) < co.planned_key(None, 10)
    assert co.number_key(999) < co.number_key(1000) < co.number_key(10**9)
    # Undated sorts after any date, even the last one a date range reaches.
    assert co.planned_key("9999-12-31", 10**9) < co.planned_key(None, 1)
    assert co.planned_key("9999-12-31", 1) < "9999-12-31#~"


def test_numbers_are_ko_and_so() -> None:
    assert co.order_number(1001) == "KO-1001"
    assert co.sales_order_number(1001) == "SO-1001"
    assert co.FIRST_NUMBER == 1001


# --- references to the customer register ------------------------------------------------


def _errors(model: type[Any], data: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [tuple(e["loc"]) for e in caught.value.errors()]


@pytest.mark.parametrize("data", [{"id": "org-1"}, {"name": "Nya Kunden AB"},
                                  {"name": "  Trimmad  "}])
def test_customer_ref_takes_an_id_or_a_name(data: dict[str, str]) -> None:
    ref = co.CustomerRef.model_validate(data)
    assert (ref.id, ref.name) == (data.get("id"), data.get("name", "").strip() or None)


@pytest.mark.parametrize(("data", "locs"), [
    ({"id": "org-1", "name": "Ny"}, [()]),
    ({}, [()]),
    ({"id": None, "name": None}, [()]),
    ({"name": ""}, [("name",)]),
    ({"name": "   "}, [("name",)]),
    ({"id": "bad id!"}, [("id",)]),
    ({"id": "x" * 65}, [("id",)]),
    ({"id": "org-1", "number": "1"}, [("number",)]),
])
def test_customer_ref_refuses_both_neither_and_bad_values(data: dict[str, Any],
                                                         locs: list[tuple[Any, ...]]) -> None:
    assert _errors(co.CustomerRef, data) == locs


def test_site_ref_takes_an_id_or_a_new_site() -> None:
    assert co.SiteRef.model_validate({"id": "site-1"}).id == "site-1"
    new = co.SiteRef.model_validate({"name": "Lagret", "address": {"city": "Lund"},
                                     "location": {"lat": 55.7, "lon": 13.2}})
    assert new.address is not None and new.address.city == "Lund"
    assert new.location is not None and new.location.lat == 55.7


@pytest.mark.parametrize(("data", "locs"), [
    ({"id": "site-1", "name": "Lagret"}, [()]),
    ({}, [()]),
    ({"id": "site-1", "address": {"city": "Lund"}}, [()]),
    ({"id": "site-1", "location": {"lat": 1, "lon": 2}}, [()]),
    ({"name": "Lagret", "location": {"lat": 91, "lon": 2}}, [("location", "lat")]),
    ({"name": "Lagret", "address": {"country": "Sweden"}}, [("address", "country")]),
    ({"name": "Lagret", "floor": 2}, [("floor",)]),
])
def test_site_ref_refuses_both_neither_and_address_for_an_existing_site(
        data: dict[str, Any], locs: list[tuple[Any, ...]]) -> None:
    assert _errors(co.SiteRef, data) == locs


def test_contact_person_is_one_person_with_valid_details() -> None:
    person = co.ContactPerson.model_validate({"name": "Kalle", "email": "KALLE@Example.TEST"})
    assert person.email == "kalle@example.test"
    assert set(_errors(co.ContactPerson, {"name": "", "email": "x", "phone": "abc"})) == {
        ("name",), ("email",), ("phone",)}
    assert _errors(co.ContactPerson, [{"name": "A"}, {"name": "B"}]) == [()]


# --- commands -------------------------------------------------------------------------


def test_note_hours_are_above_zero_and_at_most_a_day() -> None:
    assert co.NoteCreate.model_validate({"body": "x", "hours": 24}).hours == 24
    assert co.NoteCreate.model_validate({"body": "x", "hours": 0.1}).hours == 0.1
    assert co.NoteCreate.model_validate({"body": "x"}).hours is None
    for hours in (0, -1, 24.01, 25, float("inf"), float("nan")):
        assert _errors(co.NoteCreate, {"body": "x", "hours": hours}) == [("hours",)], hours


@pytest.mark.parametrize(("at", "utc"), [
    ("2030-01-01T10:00Z", "2030-01-01T10:00:00Z"),
    ("2030-01-01T10:00:00Z", "2030-01-01T10:00:00Z"),
    ("2030-01-01T10:00:00.123456+02:00", "2030-01-01T08:00:00Z"),
    ("2030-01-01T10:00:00-05:30", "2030-01-01T15:30:00Z"),
])
def test_booking_times_carry_a_zone_and_are_kept_in_utc(at: str, utc: str) -> None:
    assert co.BookingCreate.model_validate({"at": at, "kind": "call"}).at == utc


@pytest.mark.parametrize("at", ["2030-13-01T10:00:00Z", "2030-02-30T10:00:00Z",
                                "2030-01-01T25:00:00Z", "2030-01-01T10:00:00+25:00"])
def test_impossible_booking_times_are_refused(at: str) -> None:
    assert _errors(co.BookingCreate, {"at": at, "kind": "call"}) == [("at",)]


@pytest.mark.parametrize("at", ["2030-01-01", "2030-01-01T10:00:00", "tomorrow",
                                "2030-01-01 10:00:00Z", ""])
def test_booking_times_without_a_zone_or_time_are_refused(at: str) -> None:
    assert _errors(co.BookingCreate, {"at": at, "kind": "call"}) == [("at",)]


def test_booking_kinds_are_meeting_call_digital() -> None:
    for kind in ("meeting", "call", "digital"):
        assert co.BookingCreate.model_validate({"at": "2030-01-01T10:00Z", "kind": kind})
    assert _errors(co.BookingCreate, {"at": "2030-01-01T10:00Z", "kind": "visit"}) == [
        ("kind",)]


def test_order_commands_refuse_unknown_fields() -> None:
    assert _errors(co.ContactOrderCreate, {"subject": "x", "customer": {"id": "o"},
                                           "number": "KO-1"}) == [("number",)]
    assert _errors(co.ContactOrderPatch, {"customer": {"id": "o"}}) == [("customer",)]
    patch = co.ContactOrderPatch.model_validate({"planned_date": "2030-01-01"})
    assert patch.planned_date == date(2030, 1, 1)
    assert patch.model_dump(exclude_unset=True) == {"planned_date": date(2030, 1, 1)}


# --- status and open orders -----------------------------------------------------------


def test_check_status_allows_only_the_tenants_statuses() -> None:
    co.check_status("Ny", ["Ny", "Klar"])
    with pytest.raises(InvalidInput) as caught:
        co.check_status("ny", ["Ny", "Klar"])
    assert [e.loc for e in caught.value.errors] == [("body", "status")]
    assert "Ny, Klar" in caught.value.errors[0].msg


def _order(**changes: Any) -> co.ContactOrder:
    return co.ContactOrder.model_validate({
        "id": "o", "number": "KO-1001", "subject": "s", "customer": {"id": "c", "name": "C"},
        "contact": {"name": "K"}, "status": "Ny", "created_at": "2030-01-01T00:00:00Z",
        "created_by": "u", "updated_at": "2030-01-01T00:00:00Z", **changes})


def test_a_closed_order_is_read_only() -> None:
    co.check_open(_order())
    with pytest.raises(BusinessRuleViolation, match="KO-1001"):
        co.check_open(_order(closed=True))
