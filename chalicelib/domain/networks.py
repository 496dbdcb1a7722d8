"""Networks and subscriptions (seed 000): supplier-qualification networks, their price tiers
and questionnaires, a supplier organisation's yearly subscription with its answers, and the
rules of each (pure: no I/O, no clock; time and random numbers are passed in).

A subscription moves ``draft → submitted → (returned → submitted)… → published``; it is
``expired`` once ``expires_at`` has passed without a renewal (computed when read, so no
sweep has to run for the status to be right).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from chalicelib.domain.errors import BusinessRuleViolation, ErrorList
from chalicelib.domain.models import Command, Id, Language, Model, Name, Record, ShortText
from chalicelib.domain.tickets import ContentType, Filename

LANGUAGES: tuple[Language, ...] = ("sv", "fi", "en")

# The sections seed 000 lists ("Vilken information behöver vi lämna?"), in its order.
SectionKey = Literal[
    "products_services", "health_safety", "environment", "quality", "supply_chain",
    "carbon_footprint", "social_responsibility", "insurance", "financials", "compliance",
]
QuestionType = Literal[
    "text", "yes_no", "number", "date", "file", "single_choice", "multiple_choice", "codes",
    "certification",
]
SubscriptionStatus = Literal["draft", "submitted", "returned", "published", "expired"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                        pattern=r"^[A-Za-z0-9.\-]+$")]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
# A finding or an issue: a paragraph. Lists of them stay far under the API's body limit
# (256 KB) even one item over their length, so too many is a 400 naming the field.
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]

SUPPLIER_ID_DIGITS = 6
SUBSCRIPTION_YEAR = timedelta(days=365)
MAX_CODES = 2000


class LocalText(Command):
    """A text in the three languages; at least one is given."""

    sv: ShortText | None = None
    fi: ShortText | None = None
    en: ShortText | None = None

    @model_validator(mode="after")
    def _one_at_least(self) -> Self:
        if not any((self.sv, self.fi, self.en)):
            raise ValueError("give the text in at least one of sv, fi, en")
        return self

    def words(self) -> str:
        return " ".join(x for x in (self.sv, self.fi, self.en) if x)


def in_language(text: dict[str, Any] | LocalText, language: str) -> str:
    """The text in ``language``, else the first one given (sv, fi, en)."""
    values = text.model_dump() if isinstance(text, LocalText) else text
    return str(values.get(language) or next((values[x] for x in LANGUAGES if values.get(x)), ""))


# --- networks -----------------------------------------------------------------------------


class PriceTier(Command):
    """Up to ``up_to`` registered codes (inclusive) cost ``yearly_price``; ``up_to`` null is
    the unlimited tier above the others (its threshold varies per network)."""

    up_to: int | None = Field(default=None, ge=1, le=MAX_CODES)
    yearly_price: int = Field(ge=0, le=10_000_000, description="in the currency's main unit")


class CodeEntry(Command):
    code: Code
    name: LocalText


class ChoiceOption(Command):
    value: Slug
    label: LocalText


class Question(Command):
    id: Slug
    type: QuestionType
    title: LocalText
    help: LocalText | None = None
    required: bool = False
    options: list[ChoiceOption] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> Self:
        choice = self.type in ("single_choice", "multiple_choice")
        if choice and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if not choice and self.options:
            raise ValueError("only choice questions have options")
        if len({o.value for o in self.options}) != len(self.options):
            raise ValueError("option values must differ")
        return self


class Section(Command):
    key: SectionKey
    title: LocalText
    questions: list[Question] = Field(min_length=1, max_length=200)


class Questionnaire(Command):
    sections: list[Section] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [s.key for s in self.sections]
        ids = [q.id for s in self.sections for q in s.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("each section appears once")
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must differ across the questionnaire")
        return self

    def questions(self) -> dict[str, tuple[str, Question]]:
        """question id → (section key, question)."""
        return {q.id: (s.key, q) for s in self.sections for q in s.questions}


def check_tiers(tiers: list[PriceTier]) -> list[str]:
    """What is wrong with a tier table (empty when nothing)."""
    problems = []
    bounded = [t.up_to for t in tiers if t.up_to is not None]
    if any(t.up_to is None for t in tiers[:-1]):
        problems.append("only the last tier may be unlimited (up_to null)")
    if bounded != sorted(set(bounded)):
        problems.append("up_to must grow from tier to tier")
    return problems


class NetworkCreate(Command):
    name: LocalText
    sector: Slug
    regions: list[Slug] = Field(min_length=1, max_length=30)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "SEK"
    price_tiers: list[PriceTier] = Field(min_length=1, max_length=20)
    code_list: list[CodeEntry] = Field(default_factory=list, max_length=MAX_CODES)
    member_organization_ids: list[Id] = Field(default_factory=list, max_length=500)
    questionnaire: Questionnaire
    description: LocalText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = check_tiers(self.price_tiers)
        codes = [c.code for c in self.code_list]
        if len(set(codes)) != len(codes):
            problems.append("codes in the code list must differ")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class NetworkPatch(Command):
    """Changing the questionnaire makes a new version of it (existing subscriptions keep the
    version they answered until their next review)."""

    name: LocalText | None = None
    sector: Slug | None = None
    regions: list[Slug] | None = Field(default=None, min_length=1, max_length=30)
    price_tiers: list[PriceTier] | None = Field(default=None, min_length=1, max_length=20)
    code_list: list[CodeEntry] | None = Field(default=None, max_length=MAX_CODES)
    member_organization_ids: list[Id] | None = Field(default=None, max_length=500)
    questionnaire: Questionnaire | None = None
    description: LocalText | None = None

    @model_validator(mode="after")
    def _tiers(self) -> Self:
        if self.price_tiers is not None and (problems := check_tiers(self.price_tiers)):
            raise ValueError("; ".join(problems))
        return self


class Network(Record):
    id: str
    name: dict[str, str | None]
    sector: str
    regions: list[str]
    currency: str
    price_tiers: list[dict[str, Any]]
    code_list: list[dict[str, Any]] = Field(default_factory=list)
    member_organization_ids: list[str] = Field(default_factory=list)
    questionnaire: dict[str, Any]
    questionnaire_version: int = 1
    description: dict[str, str | None] | None = None
    created_at: str
    updated_at: str


class NetworkSummary(Model):
    """A network in a list or a search (no questionnaire, no code list)."""

    id: str
    name: dict[str, str | None]
    sector: str
    regions: list[str]
    currency: str
    price_tiers: list[dict[str, Any]]
    questionnaire_version: int


class Quote(Model):
    network_id: str
    codes: int
    yearly_price: int
    currency: str
    tier: dict[str, Any]
    unlimited: bool


def quote(network: Network, codes: int) -> Quote:
    """The yearly price for ``codes`` registered codes: the first tier that holds them."""
    for tier in network.price_tiers:
        if tier.get("up_to") is None or codes <= tier["up_to"]:
            return Quote(network_id=network.id, codes=codes, yearly_price=tier["yearly_price"],
                         currency=network.currency, tier=tier,
                         unlimited=tier.get("up_to") is None)
    largest = network.price_tiers[-1].get("up_to")
    raise BusinessRuleViolation(
        f"This network's price tiers cover at most {largest} codes, not {codes}; "
        "ask your account manager.")


def matches(network: Network, words: list[str], sector: str | None,
            region: str | None) -> bool:
    """A network fits a search: every word in its name (any language), the sector, a region."""
    haystack = " ".join([*(v or "" for v in network.name.values()), network.sector,
                         *network.regions]).casefold()
    return (all(w in haystack for w in words) and (sector is None or network.sector == sector)
            and (region is None or region in network.regions))


def search_words(q: str | None) -> list[str]:
    return [w for w in re.split(r"\W+", (q or "").casefold()) if w][:8]


# --- subscriptions ------------------------------------------------------------------------


class SubscriptionCreate(Command):
    network_id: Id
    product_codes: list[Code] = Field(default_factory=list, max_length=MAX_CODES)
    # Where the supplier delivers, of the network's regions (all of them when left out).
    regions: list[Slug] | None = Field(default=None, min_length=1, max_length=30)
    # Staff may subscribe on a supplier's behalf; a supplier's own users subscribe their own.
    organization_id: Id | None = None


class Subscription(Record):
    id: str
    network_id: str
    organization_id: str
    organization_name: str | None = None
    supplier_id: str
    status: SubscriptionStatus
    product_codes: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    yearly_price: int
    currency: str
    questionnaire_version: int
    starts_at: str
    expires_at: str
    submitted_at: str | None = None
    published_at: str | None = None
    # After an approved edit request: the sections that may change again.
    open_sections: list[str] = Field(default_factory=list)
    # The issues of the last validation that returned it, per question id.
    issues: dict[str, list[str]] = Field(default_factory=dict)
    round: int = 0  # validation rounds so far
    # The audit scheduled and not yet done (one at a time), and the last result.
    open_audit_id: str | None = None
    last_audit_result: str | None = None
    # The sort key of its entry in the buyers' search, while it is listed there.
    listed_as: str | None = None
    # Reminders (the lifecycle sweep): the renewal stages told for the current expiry, the
    # expiry told, the published certifications and which were told, the review told.
    renewal_reminded: list[int] = Field(default_factory=list)
    expiry_told_for: str | None = None
    certifications: list[dict[str, str]] = Field(default_factory=list)
    certifications_reminded: list[str] = Field(default_factory=list)
    review_reminded_for: str | None = None
    # The questionnaire version whose new questions the supplier was told of.
    questions_told_version: int = 0
    created_at: str
    updated_at: str


def shown_status(stored: str, expires_at: str, now: datetime) -> SubscriptionStatus:
    """``expired`` once the year has run out; the stored status otherwise."""
    if expires_at <= now.strftime("%Y-%m-%dT%H:%M:%SZ"):
        return "expired"
    return stored  # type: ignore[return-value]


def supplier_id_from(number: int) -> str:
    """Six digits, never starting with 0 (so it reads and prints the same everywhere)."""
    return str(100_000 + number % 900_000)


def year_from(start: datetime) -> datetime:
    return start + SUBSCRIPTION_YEAR


def renewed_until(expires_at: datetime, now: datetime) -> datetime:
    """A renewal runs a year from the old expiry, or from now when it has already passed."""
    return year_from(max(expires_at, now))


def check_codes(codes: list[str], network: Network) -> list[tuple[int, str]]:
    """(index, problem) for codes not in the network's code list (when it has one)."""
    known = {c["code"] for c in network.code_list}
    problems = []
    if len(set(codes)) != len(codes):
        problems.append((-1, "each code once"))
    if known:
        problems += [(n, f"{code!r} is not in this network's code list")
                     for n, code in enumerate(codes) if code not in known]
    return problems


# --- the questionnaire's answers ------------------------------------------------------------


class FileAnswer(Command):
    file_id: Id
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Certification(Command):
    name: Name
    issuer: Name
    number: ShortText | None = None
    valid_until: date
    file: FileAnswer | None = None


class QuestionnaireFileCreate(Command):
    """A file for a file or certification answer, announced before the browser uploads it
    to S3 (as ticket attachments are)."""

    filename: Filename
    content_type: ContentType
    size: int = Field(ge=1, le=1024**3)


class AnswersPut(Command):
    """``PUT /subscriptions/{id}/questionnaire``: answers by question id (null clears one);
    the questions not named keep their answers."""

    answers: dict[Slug, Any] = Field(max_length=500)


def _text(question: Question, value: Any, codes: set[str]) -> str | None:
    return None if isinstance(value, str) and len(value) <= 4000 else "text of 4000 at most"


def _yes_no(question: Question, value: Any, codes: set[str]) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _number(question: Question, value: Any, codes: set[str]) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok and abs(value) < 1e15 else "a number"


def _date(question: Question, value: Any, codes: set[str]) -> str | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return "a date, YYYY-MM-DD"


def _single(question: Question, value: Any, codes: set[str]) -> str | None:
    return None if value in {o.value for o in question.options} else "one of the options"


def _multiple(question: Question, value: Any, codes: set[str]) -> str | None:
    allowed = {o.value for o in question.options}
    ok = isinstance(value, list) and all(isinstance(v, str) and v in allowed for v in value)
    return None if ok and len(set(value)) == len(value) else "a list of the options, each once"


def _codes(question: Question, value: Any, codes: set[str]) -> str | None:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return "a list of codes"
    unknown = [v for v in value if codes and v not in codes]
    return f"not in the code list: {', '.join(unknown[:5])}" if unknown else None


def _file(question: Question, value: Any, codes: set[str]) -> str | None:
    return _model_problem(FileAnswer, value)


def _certification(question: Question, value: Any, codes: set[str]) -> str | None:
    return _model_problem(Certification, value)


_CHECKS = {"text": _text, "yes_no": _yes_no, "number": _number, "date": _date,
           "single_choice": _single, "multiple_choice": _multiple, "codes": _codes,
           "file": _file, "certification": _certification}


def answer_problem(question: Question, value: Any, codes: set[str]) -> str | None:
    """What is wrong with ``value`` as an answer to ``question`` (None: nothing)."""
    return _CHECKS[question.type](question, value, codes)


def _model_problem(model: type[Command], value: Any) -> str | None:
    from pydantic import ValidationError

    try:
        model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return None


def file_ids_in(question: Question, value: Any) -> list[str]:
    """The uploaded files an answer names (a file answer, a certification's file)."""
    if question.type == "file" and isinstance(value, dict):
        return [str(value.get("file_id"))]
    if question.type == "certification" and isinstance(value, dict) and isinstance(
            value.get("file"), dict):
        return [str(value["file"].get("file_id"))]
    return []


def normalised_answer(question: Question, value: Any) -> Any:
    """The answer as stored (dates and files in their canonical JSON shape)."""
    if question.type == "certification":
        return Certification.model_validate(value).model_dump(mode="json")
    if question.type == "file":
        return FileAnswer.model_validate(value).model_dump(mode="json")
    return value


def check_answers(questionnaire: Questionnaire, answers: dict[str, Any], codes: set[str],
                  writable_sections: set[str] | None) -> None:
    """Every answer fits its question and its section may be written; one 400 names all."""
    questions = questionnaire.questions()
    errors = ErrorList()
    for question_id, value in answers.items():
        where = ("body", "answers", question_id)
        if question_id not in questions:
            errors.add(where, "no such question in this questionnaire")
            continue
        section, question = questions[question_id]
        if writable_sections is not None and section not in writable_sections:
            errors.add(where, f"the section {section!r} is closed: ask for an edit")
            continue
        if value is None:
            continue
        if (problem := answer_problem(question, value, codes)) is not None:
            errors.add(where, problem)
    errors.raise_if_any()


def missing_required(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [q.id for s in questionnaire.sections for q in s.questions
            if q.required and answers.get(q.id) in (None, "", [])]


def progress(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Per section: questions, answered, required still missing (the portal's progress)."""
    rows = []
    for section in questionnaire.sections:
        answered = [q for q in section.questions if answers.get(q.id) not in (None, "", [])]
        rows.append({"section": section.key, "questions": len(section.questions),
                     "answered": len(answered),
                     "missing_required": [q.id for q in section.questions
                                          if q.required and q not in answered]})
    return rows


class ValidationIssue(Command):
    question_id: Slug
    text: Paragraph = Field(min_length=1)


class ValidationDecision(Command):
    decision: Literal["publish", "return"]
    issues: list[ValidationIssue] = Field(default_factory=list, max_length=40)
    note: LongText | None = None

    @model_validator(mode="after")
    def _issues_fit(self) -> Self:
        if self.decision == "return" and not self.issues:
            raise ValueError("returning needs at least one issue")
        if self.decision == "publish" and self.issues:
            raise ValueError("publishing takes no issues")
        return self


class EditRequestCreate(Command):
    reason: LongText = Field(min_length=1)
    sections: list[SectionKey] = Field(min_length=1, max_length=10)


class EditRequestDecision(Command):
    decision: Literal["approve", "refuse"]
    note: LongText | None = None


class EditRequest(Model):
    id: str
    subscription_id: str
    reason: str
    sections: list[str]
    status: Literal["open", "approved", "refused"]
    requested_by: str
    requested_at: str
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None


# Which statuses allow which step.
SUBMITTABLE = ("draft", "returned")
VALIDATABLE = ("submitted",)
EDITABLE_AFTER_SUBMISSION = ("submitted", "published")


def check_step(status: str, allowed: tuple[str, ...], what: str) -> None:
    if status not in allowed:
        raise BusinessRuleViolation(
            f"A subscription that is {status} cannot be {what} "
            f"(only one that is {' or '.join(allowed)}).")


# --- audits ---------------------------------------------------------------------------------

AuditResult = Literal["passed", "failed"]


class AuditCreate(Command):
    scheduled_on: date
    auditor: Name
    note: LongText | None = None


class AuditPatch(Command):
    """Reschedule, or record the result (once) with its findings."""

    scheduled_on: date | None = None
    auditor: Name | None = None
    result: AuditResult | None = None
    findings: list[Paragraph] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _findings_with_a_result(self) -> Self:
        if self.result == "failed" and not self.findings:
            raise ValueError("a failed audit names its findings")
        return self


class Audit(Record):
    """An audit of one subscription: it counts for that network only (seed 000: "Våra
    revisioner gäller därmed utan undantag bara för ett nätverk")."""

    id: str
    subscription_id: str
    network_id: str
    organization_id: str
    supplier_id: str
    scheduled_on: str
    auditor: str
    note: str | None = None
    result: AuditResult | None = None
    findings: list[str] = Field(default_factory=list)
    completed_at: str | None = None
    created_at: str
    updated_at: str


def check_new_audit(status: str, open_audit_id: str | None) -> None:
    """One audit at a time, of a subscription that was submitted or published; a failed
    audit allows a new one (its result closes it)."""
    if status not in ("submitted", "published"):
        raise BusinessRuleViolation(
            f"A subscription that is {status} is not audited (only a submitted or published one).")
    if open_audit_id is not None:
        raise BusinessRuleViolation(
            "This subscription has an audit without a result; record it or reschedule it.")


# --- the buyers' search ---------------------------------------------------------------------


class SupplierListing(Model):
    """A published supplier in one network, as buyers find it."""

    supplier_id: str
    organization_id: str
    name: str
    network_id: str
    subscription_id: str
    product_codes: list[str]
    regions: list[str]
    published_at: str
    expires_at: str
    sort_key: str
    followed: bool = False


def listing_of(subscription: Subscription, name: str, sort_name: str) -> SupplierListing:
    assert subscription.published_at is not None
    return SupplierListing(
        supplier_id=subscription.supplier_id, organization_id=subscription.organization_id,
        name=name, network_id=subscription.network_id, subscription_id=subscription.id,
        product_codes=subscription.product_codes, regions=subscription.regions,
        published_at=subscription.published_at, expires_at=subscription.expires_at,
        sort_key=f"{sort_name}#{subscription.id}")


def check_regions(regions: list[str], network: Network) -> list[tuple[int, str]]:
    return [(n, f"{region!r} is not one of this network's regions")
            for n, region in enumerate(regions) if region not in network.regions]


SUPPLIER_ID_PATTERN = re.compile(r"^[1-9][0-9]{5}$")


# --- account managers and local teams --------------------------------------------------------


class AccountManagerPut(Command):
    user_id: Id


class AccountManager(Model):
    """Who a supplier (or buyer) organisation turns to (seed 000: "din kontoansvarige")."""

    organization_id: str
    user_id: str
    name: str
    email: str | None = None
    phone: str | None = None


class LocalTeam(Command):
    region: Slug
    name: LocalText
    email: Annotated[str, StringConstraints(max_length=254,
                                            pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    phone: Annotated[str, StringConstraints(max_length=32,
                                            pattern=r"^\+?[0-9 ()-]{3,32}$")] | None = None
    hours: ShortText | None = None


class LocalTeamsPut(Command):
    """"Hitta ditt lokala team": the tenant's contacts per region, shown to anyone."""

    teams: list[LocalTeam] = Field(max_length=100)


# --- reminders (the lifecycle sweep) ----------------------------------------------------------

RENEWAL_DAYS = (60, 30, 7)  # reminders before the expiry (issue 16)
CERTIFICATION_DAYS = 30  # a certification's reminder before its valid-until date
REVIEW_AFTER = timedelta(days=335)  # the yearly review: eleven months after publication
TIMER_RENEWAL, TIMER_EXPIRY = "sub_renewal", "sub_expiry"
TIMER_CERTIFICATION, TIMER_REVIEW = "sub_certification", "sub_review"
SUBSCRIPTION_TIMERS = (TIMER_RENEWAL, TIMER_EXPIRY, TIMER_CERTIFICATION, TIMER_REVIEW)
# A network's new questionnaire version told to its published suppliers, a page at a time.
TIMER_NEW_QUESTIONS = "net_questions"
NEW_QUESTIONS_PAGE = 50


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def certification_key(certification: dict[str, str]) -> str:
    return f"{certification['question_id']}:{certification['valid_until']}"


def certifications_in(questionnaire: Questionnaire,
                      answers: dict[str, Any]) -> list[dict[str, str]]:
    """The certifications among the answers (name, valid until), to remind of before they
    run out."""
    found = []
    for question_id, (_, question) in questionnaire.questions().items():
        value = answers.get(question_id)
        if question.type == "certification" and isinstance(value, dict) and value.get(
                "valid_until"):
            found.append({"question_id": question_id, "name": str(value.get("name", "")),
                          "valid_until": str(value["valid_until"])})
    return found


def _certification_due(certification: dict[str, str]) -> datetime:
    until = datetime.combine(date.fromisoformat(certification["valid_until"]),
                             datetime.min.time(), tzinfo=UTC)
    return until - timedelta(days=CERTIFICATION_DAYS)


def subscription_timers(subscription: Subscription) -> dict[str, str]:
    """When each reminder of the subscription is next due (kind → time): the next renewal
    stage not yet told, the expiry not yet told, the first certification not yet told, the
    yearly review of the last publication."""
    expires = _at(subscription.expires_at)
    timers = {}
    stage = next((d for d in RENEWAL_DAYS if d not in subscription.renewal_reminded), None)
    if stage is not None:
        timers[TIMER_RENEWAL] = _iso(expires - timedelta(days=stage))
    if subscription.expiry_told_for != subscription.expires_at:
        timers[TIMER_EXPIRY] = subscription.expires_at
    if subscription.published_at:
        if subscription.review_reminded_for != subscription.published_at:
            timers[TIMER_REVIEW] = _iso(_at(subscription.published_at) + REVIEW_AFTER)
        waiting = [c for c in subscription.certifications
                   if certification_key(c) not in subscription.certifications_reminded]
        if waiting:
            timers[TIMER_CERTIFICATION] = _iso(min(map(_certification_due, waiting)))
    return timers


def due_reminder(subscription: Subscription, kind: str,
                 now: datetime) -> tuple[str | None, dict[str, Any], dict[str, Any]] | None:
    """What a due timer of ``kind`` does now: (event type, its data, the subscription's
    changes), or None when nothing is due (renewed meanwhile, told already). An event type
    of None records the changes only (renewal stages that passed after the expiry)."""
    expires = _at(subscription.expires_at)
    if kind == TIMER_RENEWAL:
        due = [d for d in RENEWAL_DAYS if d not in subscription.renewal_reminded
               and expires - timedelta(days=d) <= now]
        if not due:
            return None
        if now >= expires:  # too late to remind of renewing: the expiry tells of it
            return None, {}, {"renewal_reminded": sorted({*subscription.renewal_reminded, *due})}
        days = max(1, -(-int((expires - now).total_seconds()) // 86_400))
        # Stages passed while nobody swept are told once, by this reminder.
        return ("renewal_reminder", {"days": days},
                {"renewal_reminded": sorted({*subscription.renewal_reminded, *due})})
    if kind == TIMER_EXPIRY:
        if now < expires or subscription.expiry_told_for == subscription.expires_at:
            return None
        return "expired", {"expired_at": subscription.expires_at}, {
            "expiry_told_for": subscription.expires_at}
    if kind == TIMER_REVIEW:
        published = subscription.published_at
        if published is None or subscription.review_reminded_for == published or (
                now < _at(published) + REVIEW_AFTER):
            return None
        return "review_due", {"published_at": published}, {"review_reminded_for": published}
    if kind == TIMER_CERTIFICATION:
        expiring = [c for c in subscription.certifications
                    if certification_key(c) not in subscription.certifications_reminded
                    and _certification_due(c) <= now]
        if not expiring:
            return None
        first = min(expiring, key=lambda c: c["valid_until"])
        told = sorted({*subscription.certifications_reminded,
                       *map(certification_key, expiring)})
        return ("certification_expiring",
                {"certification": first["name"], "valid_until": first["valid_until"],
                 "question_id": first["question_id"]},
                {"certifications_reminded": told})
    return None
