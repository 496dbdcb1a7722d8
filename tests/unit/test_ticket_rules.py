"""The pure ticket rules: the status machine, field validation, text cleaning, search terms."""

from __future__ import annotations

import pytest

from chalicelib.domain import tickets as t
from chalicelib.domain.errors import InvalidInput

# Every (from, to) pair of statuses, and whether the machine allows it.
EDGES = {
    ("new", "open"), ("new", "waiting_on_customer"), ("new", "waiting_on_third_party"),
    ("new", "resolved"), ("new", "closed"),
    ("open", "waiting_on_customer"), ("open", "waiting_on_third_party"), ("open", "resolved"),
    ("open", "closed"),
    ("waiting_on_customer", "open"), ("waiting_on_customer", "waiting_on_third_party"),
    ("waiting_on_customer", "resolved"), ("waiting_on_customer", "closed"),
    ("waiting_on_third_party", "open"), ("waiting_on_third_party", "waiting_on_customer"),
    ("waiting_on_third_party", "resolved"), ("waiting_on_third_party", "closed"),
    ("resolved", "open"), ("resolved", "closed"),
    ("closed", "open"),
}


@pytest.mark.parametrize("current", t.STATUSES)
@pytest.mark.parametrize("target", t.STATUSES)
def test_the_status_machine_allows_exactly_its_edges(current: t.Status, target: t.Status) -> None:
    if (current, target) in EDGES:
        t.check_transition(current, target)
    else:
        with pytest.raises(t.IllegalTransition) as caught:
            t.check_transition(current, target)
        assert caught.value.extra["allowed"] == t.allowed_moves(current)
        assert all(s in caught.value.detail for s in t.allowed_moves(current))


def test_patch_cannot_resolve_but_names_what_it_can_do() -> None:
    with pytest.raises(t.IllegalTransition) as caught:
        t.check_transition("open", "resolved", t.PATCHABLE_TARGETS)
    assert caught.value.extra["allowed"] == ["waiting_on_customer", "waiting_on_third_party",
                                             "closed"]


def test_a_closed_ticket_can_only_reopen() -> None:
    assert t.allowed_moves("closed") == ["open"]
    assert t.group_of("closed") == "closed"
    assert {t.group_of(s) for s in t.STATUSES if s != "closed"} == {"active"}


def _type(*fields: tuple[str, t.FieldType]) -> t.TicketType:
    label = t.LocalizedName(sv="x", fi="x", en="x")
    return t.TicketType(id="custom", name=label, created_at="2026-01-01T00:00:00Z",
                        updated_at="2026-01-01T00:00:00Z",
                        required_fields=[t.RequiredField(name=n, label=label, type=k)
                                         for n, k in fields])


def test_fields_are_checked_against_the_type_and_every_problem_is_named() -> None:
    kind = _type(("benefit", "text"), ("amount", "number"), ("due", "date"),
                 ("invoice", "reference"))
    with pytest.raises(InvalidInput) as caught:
        t.validate_fields(kind, {"amount": "12", "due": "2026-13-01", "invoice": "a b;c",
                                 "colour": "red"})
    by_field = {e.loc[-1]: e.msg for e in caught.value.errors}
    assert set(by_field) == {"benefit", "amount", "due", "invoice", "colour"}
    assert "required" in by_field["benefit"] and "number" in by_field["amount"]
    assert "date" in by_field["due"] and "reference" in by_field["invoice"]
    assert "not a field" in by_field["colour"]


def test_valid_fields_come_back_cleaned() -> None:
    kind = _type(("benefit", "text"), ("amount", "number"), ("due", "date"),
                 ("invoice", "reference"))
    cleaned = t.validate_fields(kind, {"benefit": " Faster <b>billing</b> ", "amount": 12.5,
                                       "due": "2026-12-01", "invoice": "INV-1000/31"})
    assert cleaned == {"benefit": "Faster billing", "amount": 12.5, "due": "2026-12-01",
                       "invoice": "INV-1000/31"}


def test_a_boolean_is_not_a_number_and_blank_is_missing() -> None:
    kind = _type(("amount", "number"), ("benefit", "text"))
    with pytest.raises(InvalidInput) as caught:
        t.validate_fields(kind, {"amount": True, "benefit": "   "})
    assert {e.loc[-1] for e in caught.value.errors} == {"amount", "benefit"}


def test_the_ready_made_types_follow_the_seeds() -> None:
    types = dict(t.default_ticket_types())
    assert set(types) == {"technical_fault", "question", "change_request",
                          "development_suggestion", "third_party"}
    assert types["technical_fault"].billable is False
    assert types["question"].billable and types["change_request"].billable
    suggestion = types["development_suggestion"]
    assert suggestion.kind == "suggestion"
    assert [f.name for f in suggestion.required_fields] == ["benefit", "current_problem"]
    assert types["third_party"].kind == "third_party" and types["third_party"].third_party
    templates = dict(t.default_templates())
    assert {tpl.ticket_type_id for tpl in templates.values()} == set(types)


@pytest.mark.parametrize(("given", "stored"), [
    ("<script>alert(1)</script>Hello", "Hello"),
    ("<b>bold</b> and <i>it</i>", "bold and it"),
    ("x<img src=x onerror=alert(1)>y", "xy"),
    ("a < b and 3 > 2", "a < b and 3 > 2"),
    ("Rad ett\nRad två", "Rad ett\nRad två"),
    ("  spaced  ", "spaced"),
])
def test_user_text_is_stored_without_markup(given: str, stored: str) -> None:
    assert t.plain_text(given) == stored


def test_search_terms_hold_words_and_their_beginnings() -> None:
    terms = t.search_terms("Fakturan skickas inte till Pagero")
    assert {"fakturan", "skickas", "inte", "till", "pagero"} <= set(terms)
    assert {"fak", "fakt", "faktura", "pag", "page"} <= set(terms)
    assert len(terms) == len(set(terms)) <= t.MAX_TERMS


def test_search_terms_fold_case_and_keep_nordic_letters() -> None:
    assert "överföring" in t.search_terms("ÖVERFÖRING misslyckas")
    assert "över" in t.search_terms("ÖVERFÖRING misslyckas")


def test_a_query_matches_the_start_of_each_word() -> None:
    terms = t.query_terms("fakt Pag")
    assert terms == ["fakt", "pag"]
    assert t.matches_all("Fakturan skickas inte till Pagero", terms)
    assert not t.matches_all("Fakturan skickas", terms)


@pytest.mark.parametrize(("q", "number"), [
    ("T-1001", 1001), ("t-1001", 1001), ("1001", 1001), (" T1002 ", 1002), ("faktura", None),
    ("T-", None),
])
def test_a_ticket_number_in_a_query(q: str, number: int | None) -> None:
    assert t.number_in_query(q) == number


@pytest.mark.parametrize(("content_type", "allowed"), [
    ("image/png", True), ("application/pdf", True),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
    ("application/x-msdownload", False), ("text/html", False),
])
def test_attachment_types_follow_the_tenant_patterns(content_type: str, allowed: bool) -> None:
    from chalicelib.domain.directory import DEFAULT_ATTACHMENT_TYPES

    assert t.content_type_allowed(content_type, DEFAULT_ATTACHMENT_TYPES) is allowed


@pytest.mark.parametrize(("name", "safe", "key"), [
    ("../../etc/passwd", "passwd", "passwd"),
    ("C:\\Users\\me\\Skärmdump 1.png", "Skärmdump 1.png", "Skarmdump_1.png"),
    ("bad\x00name.pdf", "badname.pdf", "badname.pdf"),
    ("...", "file", "file"),
])
def test_filenames_are_made_safe(name: str, safe: str, key: str) -> None:
    assert t.safe_filename(name) == safe
    assert t.key_filename(t.safe_filename(name)) == key
