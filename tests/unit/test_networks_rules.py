"""The pure rules of networks and subscriptions (seed 000): price tiers and quotes, supplier
ids, renewal, expiry, and each question type's answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain import networks as rules
from chalicelib.domain.errors import BusinessRuleViolation, InvalidInput

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def _network(tiers: list[dict[str, Any]], codes: list[str] | None = None) -> rules.Network:
    return rules.Network(
        id="n1", name={"sv": "Bygg", "fi": "Rakennus", "en": "Construction"}, sector="build",
        regions=["se"], currency="SEK", price_tiers=tiers,
        code_list=[{"code": c, "name": {"en": c}} for c in codes or []],
        questionnaire={}, created_at="x", updated_at="x")


def test_a_quote_takes_the_first_tier_that_holds_the_codes_and_unlimited_above() -> None:
    network = _network([{"up_to": 5, "yearly_price": 4900}, {"up_to": 25, "yearly_price": 9900},
                        {"up_to": None, "yearly_price": 14900}])
    assert rules.quote(network, 0).yearly_price == 4900
    assert rules.quote(network, 5).yearly_price == 4900
    assert rules.quote(network, 6).yearly_price == 9900
    above = rules.quote(network, 1500)
    assert (above.yearly_price, above.unlimited) == (14900, True)


def test_a_tier_table_that_does_not_cover_the_codes_is_a_business_error() -> None:
    network = _network([{"up_to": 10, "yearly_price": 100}])
    with pytest.raises(BusinessRuleViolation, match="at most 10 codes, not 11"):
        rules.quote(network, 11)


@pytest.mark.parametrize("tiers", [
    [{"up_to": None, "yearly_price": 1}, {"up_to": 5, "yearly_price": 2}],
    [{"up_to": 10, "yearly_price": 1}, {"up_to": 5, "yearly_price": 2}],
    [{"up_to": 5, "yearly_price": 1}, {"up_to": 5, "yearly_price": 2}],
])
def test_tier_tables_out_of_order_are_refused(tiers: list[dict[str, Any]]) -> None:
    assert rules.check_tiers([rules.PriceTier(**t) for t in tiers])


def test_supplier_ids_are_six_digits_for_every_draw() -> None:
    for number in (0, 1, 899_999, 900_000, 123_456_789):
        supplier_id = rules.supplier_id_from(number)
        assert len(supplier_id) == 6 and supplier_id.isdigit() and supplier_id[0] != "0"


def test_renewal_runs_a_year_from_the_old_expiry_or_from_now_once_expired() -> None:
    later = NOW + timedelta(days=30)
    assert rules.renewed_until(later, NOW) == later + timedelta(days=365)
    earlier = NOW - timedelta(days=30)
    assert rules.renewed_until(earlier, NOW) == NOW + timedelta(days=365)


def test_a_subscription_is_expired_once_its_year_has_run_out() -> None:
    assert rules.shown_status("published", "2026-12-06T09:59:59Z", NOW) == "expired"
    assert rules.shown_status("published", "2026-12-06T10:00:01Z", NOW) == "published"


def _question(kind: str, **extra: Any) -> rules.Question:
    return rules.Question(id="q", type=kind, title={"en": "Q"}, **extra)  # type: ignore[arg-type]


OPTIONS = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]


@pytest.mark.parametrize(("kind", "extra", "good", "bad"), [
    ("text", {}, "ISO 9001 since 2019", 12),
    ("yes_no", {}, True, "yes"),
    ("number", {}, 12.5, True),
    ("date", {}, "2027-03-31", "31.3.2027"),
    ("date", {}, "2028-02-29", "2027-02-29"),
    ("single_choice", {"options": OPTIONS}, "a", "c"),
    ("multiple_choice", {"options": OPTIONS}, ["a", "b"], ["a", "a"]),
    ("codes", {}, ["72.1"], ["99.9"]),
    ("file", {}, {"file_id": "f1", "filename": "policy.pdf"}, {"file_id": ""}),
    ("certification", {}, {"name": "ISO 14001", "issuer": "DNV", "valid_until": "2027-05-01"},
     {"name": "ISO 14001", "issuer": "DNV", "valid_until": "soon"}),
])
def test_each_question_type_takes_its_own_answers_only(kind: str, extra: dict[str, Any],
                                                        good: Any, bad: Any) -> None:
    question = _question(kind, **extra)
    assert rules.answer_problem(question, good, {"72.1"}) is None
    assert rules.answer_problem(question, bad, {"72.1"})


def test_a_choice_question_needs_options_and_others_take_none() -> None:
    with pytest.raises(ValidationError):
        _question("single_choice")
    with pytest.raises(ValidationError):
        _question("text", options=OPTIONS)


def _questionnaire() -> rules.Questionnaire:
    return rules.Questionnaire(sections=[
        {"key": "quality", "title": {"en": "Quality"}, "questions": [
            {"id": "iso9001", "type": "yes_no", "title": {"en": "ISO 9001?"}, "required": True},
            {"id": "notes", "type": "text", "title": {"en": "Notes"}}]},
        {"key": "insurance", "title": {"en": "Insurance"}, "questions": [
            {"id": "liability", "type": "number", "title": {"en": "Cover"}, "required": True}]},
    ])


def test_one_answer_check_names_every_wrong_field_and_closed_sections() -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_answers(_questionnaire(), {"iso9001": "yes", "nope": 1, "liability": 5},
                            set(), {"quality"})
    where = {e.loc[-1]: e.msg for e in caught.value.errors}
    assert set(where) == {"iso9001", "nope", "liability"}
    assert "closed" in where["liability"]


def test_required_questions_and_progress_per_section() -> None:
    questionnaire = _questionnaire()
    assert rules.missing_required(questionnaire, {"iso9001": False}) == ["liability"]
    rows = rules.progress(questionnaire, {"iso9001": False, "notes": ""})
    assert rows[0] == {"section": "quality", "questions": 2, "answered": 1,
                       "missing_required": []}
    assert rows[1]["missing_required"] == ["liability"]


def test_question_ids_and_sections_are_unique_in_a_questionnaire() -> None:
    section = {"key": "quality", "title": {"en": "Q"}, "questions": [
        {"id": "x", "type": "text", "title": {"en": "X"}}]}
    with pytest.raises(ValidationError):
        rules.Questionnaire(sections=[section, section])


def test_a_return_needs_issues_and_a_publication_takes_none() -> None:
    with pytest.raises(ValidationError):
        rules.ValidationDecision(decision="return")
    with pytest.raises(ValidationError):
        rules.ValidationDecision(decision="publish",
                                 issues=[{"question_id": "q", "text": "Attach the policy"}])


def _subscription(**changes: Any) -> rules.Subscription:
    data: dict[str, Any] = {
        "id": "s1", "network_id": "n1", "organization_id": "o1", "supplier_id": "482913",
        "status": "published", "yearly_price": 1, "currency": "SEK", "questionnaire_version": 1,
        "starts_at": "2026-01-10T10:00:00Z", "expires_at": "2027-01-10T10:00:00Z",
        "published_at": "2026-02-01T09:00:00Z", "created_at": "x", "updated_at": "x",
        "certifications": [{"question_id": "iso14001", "name": "ISO 14001",
                            "valid_until": "2026-09-30"}]}
    return rules.Subscription.model_validate(data | changes)


def test_reminder_timers_of_a_published_subscription() -> None:
    assert rules.subscription_timers(_subscription()) == {
        "sub_renewal": "2026-11-11T10:00:00Z",  # 60 days before the expiry
        "sub_expiry": "2027-01-10T10:00:00Z",
        "sub_review": "2027-01-02T09:00:00Z",  # eleven months after the publication
        "sub_certification": "2026-08-31T00:00:00Z",  # 30 days before it runs out
    }
    told = _subscription(renewal_reminded=[60, 30, 7], expiry_told_for="2027-01-10T10:00:00Z",
                         certifications_reminded=["iso14001:2026-09-30"],
                         review_reminded_for="2026-02-01T09:00:00Z")
    assert rules.subscription_timers(told) == {}


def test_each_renewal_stage_is_told_once_and_missed_stages_together() -> None:
    subscription = _subscription()
    at_60 = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
    kind, data, changes = rules.due_reminder(subscription, "sub_renewal", at_60) or ("", {}, {})
    assert (kind, data, changes) == ("renewal_reminder", {"days": 60},
                                     {"renewal_reminded": [60]})
    late = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)  # nobody swept for 55 days
    kind, data, changes = rules.due_reminder(subscription, "sub_renewal", late) or ("", {}, {})
    assert (kind, data["days"], changes["renewal_reminded"]) == ("renewal_reminder", 5,
                                                                  [7, 30, 60])
    assert rules.due_reminder(subscription, "sub_renewal",
                              datetime(2026, 11, 1, tzinfo=UTC)) is None


def test_after_the_expiry_no_renewal_reminder_only_the_expiry() -> None:
    subscription = _subscription()
    after = datetime(2027, 1, 11, tzinfo=UTC)
    assert rules.due_reminder(subscription, "sub_renewal", after) == (
        None, {}, {"renewal_reminded": [7, 30, 60]})
    assert rules.due_reminder(subscription, "sub_expiry", after) == (
        "expired", {"expired_at": "2027-01-10T10:00:00Z"},
        {"expiry_told_for": "2027-01-10T10:00:00Z"})
    renewed = _subscription(expires_at="2028-01-10T10:00:00Z")
    assert rules.due_reminder(renewed, "sub_expiry", after) is None


def test_a_certification_is_told_thirty_days_before_it_runs_out() -> None:
    subscription = _subscription()
    assert rules.due_reminder(subscription, "sub_certification",
                              datetime(2026, 8, 30, tzinfo=UTC)) is None
    kind, data, changes = rules.due_reminder(
        subscription, "sub_certification", datetime(2026, 9, 1, tzinfo=UTC)) or ("", {}, {})
    assert kind == "certification_expiring" and data["certification"] == "ISO 14001"
    assert changes == {"certifications_reminded": ["iso14001:2026-09-30"]}


def test_certifications_are_read_from_the_answers() -> None:
    questionnaire = rules.Questionnaire(sections=[{
        "key": "environment", "title": {"en": "Environment"}, "questions": [
            {"id": "iso14001", "type": "certification", "title": {"en": "ISO 14001"}},
            {"id": "notes", "type": "text", "title": {"en": "Notes"}}]}])
    answers = {"iso14001": {"name": "ISO 14001", "issuer": "DNV", "valid_until": "2027-05-01"},
               "notes": "x"}
    assert rules.certifications_in(questionnaire, answers) == [
        {"question_id": "iso14001", "name": "ISO 14001", "valid_until": "2027-05-01"}]
