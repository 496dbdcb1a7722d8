"""Tickets: types, templates, the status machine, comments, attachments and history.

Pure: no boto3, no clock, no I/O. Time and ids come in as arguments.
"""


import html
import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal, Self, cast

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from chalicelib.domain.directory import Priority
from chalicelib.domain.errors import BusinessRuleViolation, ErrorList
from chalicelib.domain.models import (
    Command,
    Email,
    HistoryEvent,
    Id,
    Language,
    Model,
    Name,
    Phone,
    Record,
    StoredFile,
)

# --- statuses and the state machine ---------------------------------------------------

Status = Literal[
    "new", "open", "waiting_on_customer", "waiting_on_third_party", "resolved", "closed"
]
STATUSES: tuple[Status, ...] = (
    "new", "open", "waiting_on_customer", "waiting_on_third_party", "resolved", "closed"
)
Group = Literal["active", "closed"]

# Every move a ticket may make, whoever asks. Resolving goes through ``resolve`` (it needs
# a resolution), approval through ``approve``/``reject``; the table holds them all.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    "new": frozenset({"open", "waiting_on_customer", "waiting_on_third_party", "resolved",
                      "closed"}),
    "open": frozenset({"waiting_on_customer", "waiting_on_third_party", "resolved", "closed"}),
    "waiting_on_customer": frozenset({"open", "waiting_on_third_party", "resolved", "closed"}),
    "waiting_on_third_party": frozenset({"open", "waiting_on_customer", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset({"open"}),
}

# What ``PATCH status`` may do: not resolve (``POST /resolve`` carries the resolution).
PATCHABLE_TARGETS: frozenset[Status] = frozenset(
    {"new", "open", "waiting_on_customer", "waiting_on_third_party", "closed"}
)


def group_of(status: str) -> Group:
    return "closed" if status == "closed" else "active"


def allowed_moves(current: Status) -> list[Status]:
    return sorted(TRANSITIONS[current], key=STATUSES.index)


class IllegalTransition(BusinessRuleViolation):
    def __init__(self, current: Status, target: str, allowed: list[Status]) -> None:
        names = ", ".join(allowed) or "none"
        super().__init__(
            f"A ticket cannot move from {current} to {target}; allowed: {names}."
        )
        self.extra = {"current": current, "allowed": list(allowed)}


def check_transition(current: Status, target: Status,
                     permitted: frozenset[Status] | None = None) -> None:
    """Raises unless ``current -> target`` is an edge (and, if given, a permitted target)."""
    allowed = [s for s in allowed_moves(current) if permitted is None or s in permitted]
    if target not in allowed:
        raise IllegalTransition(current, target, allowed)


# --- ticket types ---------------------------------------------------------------------

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
FieldType = Literal["text", "number", "date", "reference"]
TypeKind = Literal["standard", "suggestion", "third_party"]
Channel = Literal["portal", "email", "phone", "staff", "chat"]
# A ticket the customer opened (inbound), or a case the firm sent to a client's contacts
# (outbound, seed 003: domain/outbound.py).
Direction = Literal["inbound", "outbound"]


class LocalizedName(Model):
    model_config = {"extra": "forbid"}

    sv: Name
    fi: Name
    en: Name


class RequiredField(Model):
    model_config = {"extra": "forbid"}

    name: Slug
    label: LocalizedName
    type: FieldType = "text"


class ThirdParty(Model):
    model_config = {"extra": "forbid"}

    name: Name
    email: Email | None = None
    phone: Phone | None = None
    advice: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class TicketTypeBody(Command):
    name: LocalizedName
    billable: bool = False
    required_fields: list[RequiredField] = Field(default_factory=list, max_length=20)
    kind: TypeKind = "standard"
    third_party: ThirdParty | None = None
    default_priority: Priority = "normal"
    # Seed 002's checklist, shown on the form; per language.
    help: dict[Literal["sv", "fi", "en"], Annotated[str, StringConstraints(max_length=2000)]] = (
        Field(default_factory=dict)
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [f.name for f in self.required_fields]
        if len(set(names)) != len(names):
            raise ValueError("required_fields names must not repeat")
        if self.kind == "third_party" and self.third_party is None:
            raise ValueError("a third_party type needs third_party")
        if self.kind != "third_party" and self.third_party is not None:
            raise ValueError("only a third_party type has third_party")
        return self


class TicketTypePatch(Command):
    name: LocalizedName | None = None
    billable: bool | None = None
    required_fields: list[RequiredField] | None = Field(default=None, max_length=20)
    kind: TypeKind | None = None
    third_party: ThirdParty | None = None
    default_priority: Priority | None = None
    help: dict[Literal["sv", "fi", "en"], Annotated[str, StringConstraints(max_length=2000)]] | None = None  # noqa: E501
    active: bool | None = None


class Catalogued(Record):
    """A stored ticket type or template: ready-made (``builtin``) or the tenant's own, and
    retired rather than deleted (``active``), since tickets keep pointing at it."""

    model_config = {"extra": "ignore", "frozen": False}

    id: str
    active: bool = True
    builtin: bool = False
    created_at: str
    updated_at: str


class TicketType(TicketTypeBody, Catalogued):
    model_config = {"extra": "ignore", "frozen": False}


FieldValue = str | int | float
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/#:-]{0,63}$")


def validate_fields(ticket_type: TicketType, given: dict[str, FieldValue]) -> dict[str, Any]:
    """Checks a ticket's ``fields`` against its type: every missing, wrong-typed or unknown
    field is reported at once (400). Returns the cleaned values."""
    errors = ErrorList()
    cleaned: dict[str, Any] = {}
    spec = {f.name: f for f in ticket_type.required_fields}
    for name in given:
        if name not in spec:
            errors.add(("body", "fields", name), f"not a field of the type {ticket_type.id}")
    for name, field in spec.items():
        value = given.get(name)
        loc = ("body", "fields", name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.add(loc, f"required by the type {ticket_type.id}")
            continue
        problem, clean = _check_value(field.type, value)
        if problem:
            errors.add(loc, problem)
        else:
            cleaned[name] = clean
    errors.raise_if_any("The ticket's fields do not match its type.")
    return cleaned


def _check_value(kind: FieldType, value: FieldValue) -> tuple[str | None, Any]:
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number", None
        return None, value
    if not isinstance(value, str):
        return f"must be a string ({kind})", None
    text = value.strip()
    if kind == "date":
        try:
            return None, date.fromisoformat(text).isoformat()
        except ValueError:
            return "must be a date YYYY-MM-DD", None
    if kind == "reference":
        if not REFERENCE.fullmatch(text):
            return "must be a reference: letters, digits and . _ / # : - (at most 64)", None
        return None, text
    if len(text) > 4000:
        return "must be at most 4000 characters", None
    return None, plain_text(text)


# --- templates ------------------------------------------------------------------------

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MAX_BODY = 20_000
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]
OptionalBody = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_BODY)]


class TemplateText(Command):
    """A template's name and texts in one language."""

    name: Name
    subject: Subject
    body: OptionalBody = ""


class TemplateBody(Command):
    """``name``, ``subject`` and ``body`` are the template's own; ``translations`` give
    them in other languages (a reader gets their language's, else these)."""

    name: Name
    ticket_type_id: Id
    subject: Subject
    body: OptionalBody = ""
    translations: dict[Language, TemplateText] = Field(default_factory=dict)
    # For cases the firm sends (their texts may use {client_name}, {period}, {due_date}).
    direction: Direction = "inbound"


class TemplatePatch(Command):
    name: Name | None = None
    ticket_type_id: Id | None = None
    subject: Subject | None = None
    body: OptionalBody | None = None
    translations: dict[Language, TemplateText] | None = None
    active: bool | None = None


class Template(TemplateBody, Catalogued):
    model_config = {"extra": "ignore", "frozen": False}

    def text(self, lang: str) -> TemplateText:
        """The name and texts in ``lang`` when the template has them, else its own."""
        found = next((text for key, text in self.translations.items() if key == lang), None)
        return found or TemplateText(name=self.name, subject=self.subject, body=self.body)


# --- tickets --------------------------------------------------------------------------


# A new ticket's subject may come blank through validation: the use case reports it with
# every other problem of the request (a missing type, fields) rather than alone.
SubjectInput = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class TicketCreate(Command):
    subject: SubjectInput | None = None
    description: OptionalBody | None = None
    ticket_type_id: Id | None = None
    template_id: Id | None = None
    fields: dict[Annotated[str, StringConstraints(max_length=40)], FieldValue] = Field(
        default_factory=dict, max_length=20
    )
    priority: Priority | None = None
    organization_id: Id | None = None
    requester_id: Id | None = None
    channel: Channel | None = None
    watchers: list[Id] = Field(default_factory=list, max_length=20)
    # A case from the firm (seed 003): staff, to named contacts of a connected client.
    direction: Direction | None = None
    recipients: list[Id] = Field(default_factory=list, max_length=20)
    period: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    # A date YYYY-MM-DD (a string: bodies are validated strictly, which refuses a date
    # given as a JSON string; ``case_due_date`` reads it).
    due_date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    reminder_days: list[Annotated[int, Field(ge=1, le=90)]] | None = Field(
        default=None, max_length=5)

    @field_validator("due_date")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)  # a ValueError names the field: no such day
        return value

    def case_due_date(self) -> date | None:
        return date.fromisoformat(self.due_date) if self.due_date else None

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: Any) -> Any:
        """A request that fails validation also names a blank subject and a missing type
        (when no template is named to give them), so one answer lists every problem. A
        request that passes has them checked by the use case, which reads the template."""
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict) or data.get("template_id"):
                raise
            named = {tuple(e["loc"][:1]) for e in exc.errors()}
            subject = data.get("subject")
            # A case from the firm has a type of its own when none is named.
            outbound = data.get("direction") == "outbound"
            missing = [name for name, given in (
                ("subject", isinstance(subject, str) and subject.strip()),
                ("ticket_type_id", data.get("ticket_type_id") or outbound)) if not given
                and (name,) not in named]
            if not missing:
                raise
            found: list[InitErrorDetails] = [cast(InitErrorDetails, e) for e in exc.errors()]
            found += [InitErrorDetails(
                type=PydanticCustomError("missing", "required (or a template that has one)"),
                loc=(name,), input=data.get(name)) for name in missing]
            raise ValidationError.from_exception_data(exc.title, found) from None


class TicketPatch(Command):
    status: Status | None = None
    assignee_id: Id | None = None
    priority: Priority | None = None
    ticket_type_id: Id | None = None
    watchers: list[Id] | None = Field(default=None, max_length=20)
    # Why a ticket is closed by staff (e.g. a duplicate); recorded in the history.
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Approval(Model):
    state: Literal["pending", "approved", "rejected", "auto_approved"]
    at: str | None = None
    by: str | None = None
    reason: str | None = None


class AutoApprovalPause(Model):
    """Staff stopped the approval timer (e.g. the customer tests after a holiday)."""

    at: str
    by: str
    by_name: str | None = None
    reason: str


class Satisfaction(Model):
    rating: Literal["good", "bad"]
    comment: str = ""
    at: str
    by: str


class TicketSummary(Record):
    """What a list shows of a ticket."""

    id: str
    number: str
    subject: str
    status: Status
    priority: Priority
    ticket_type_id: str
    organization_id: str
    requester_id: str | None = None
    requester_name: str | None = None
    assignee_id: str | None = None
    channel: Channel
    billable: bool = False
    created_at: str
    updated_at: str
    first_response_at: str | None = None
    first_response_due_at: str | None = None
    resolution_due_at: str | None = None
    approval_due_at: str | None = None


class CaseFacts(Model):
    """What a case from the firm (issue 19) shows besides a ticket's row, to staff and to
    its recipients alike: the recipients (contact ids, and their names), the due date, the
    period and when it was marked done."""

    direction: Direction = "inbound"
    recipients: list[str] = Field(default_factory=list)
    recipient_names: list[str] = Field(default_factory=list)
    due_date: str | None = None
    period: str | None = None
    done_at: str | None = None


class CaseSummary(TicketSummary, CaseFacts):
    """A row of a list of cases from the firm. (Those lists are read from entries holding
    the whole ticket; the other lists' indexes carry a ``TicketSummary`` only.)"""


class CaseReminder(Model):
    """A reminder before a case's due date: ``days`` before it, at ``at``; sent or not."""

    days: int
    at: str
    sent_at: str | None = None


class Ticket(CaseSummary):
    description: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    watchers: list[str] = Field(default_factory=list)
    created_by: str
    template_id: str | None = None
    resolved_at: str | None = None
    resolution: str | None = None
    approval: Approval | None = None
    closed_at: str | None = None
    closed_reason: str | None = None
    total_hours: float = 0
    comment_count: int = 0
    # Lifecycle (domain/lifecycle.py): SLA warnings, the approval reminder and auto-close.
    first_response_warn_at: str | None = None
    resolution_warn_at: str | None = None
    sla_alerts: dict[str, Literal["warned", "breached"]] = Field(default_factory=dict)
    reminder_sent_at: str | None = None
    auto_close_at: str | None = None
    auto_approval_paused: AutoApprovalPause | None = None
    satisfaction: Satisfaction | None = None
    # Mail from an address that is no portal user: who wrote, unverified.
    requester_email: str | None = None
    # A ticket opened from mail about another (a follow-up after the reopen window, a
    # stranger's mail naming it, a forward): that ticket.
    related_ticket_id: str | None = None
    # A case from the firm: the recipients' portal users (who may read, answer and mark it
    # done), its reminders before the due date and who marked it done.
    recipient_user_ids: list[str] = Field(default_factory=list)
    reminder_days: list[int] = Field(default_factory=list)
    reminders: list[CaseReminder] = Field(default_factory=list)
    done_by: str | None = None
    done_by_name: str | None = None


def ticket_number(n: int) -> str:
    return f"T-{n}"


FIRST_NUMBER = 1001

# --- comments, attachments, history ---------------------------------------------------

Hours = Annotated[float, Field(gt=0, le=24, allow_inf_nan=False)]


class CommentCreate(Command):
    body: Body
    internal: bool = False
    hours: Hours | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=20)


class CommentEmail(Model):
    message_id: str | None = None
    sender: str
    # The sender's sign-off, set apart from the body (``mail.quotes.split_reply``): kept,
    # and shown folded away.
    signature: str = ""
    subject: str = ""
    has_source: bool = True
    # Parts not kept (a type the tenant does not accept).
    refused_attachments: list[str] = Field(default_factory=list)


class Comment(Model):
    id: str
    ticket_id: str
    body: str
    internal: bool
    author_id: str
    author_name: str | None = None
    author_kind: Literal["staff", "contact", "system"]
    via: Literal["portal", "email", "api"] = "api"
    hours: float | None = None
    attachment_ids: list[str] = Field(default_factory=list)
    created_at: str
    # A comment from mail: its Message-ID and sender; the whole original message stays
    # beside the ticket's attachments (GET .../comments/{id}/source).
    email: CommentEmail | None = None


class ResolveBody(Command):
    resolution: Body
    hours: Hours | None = None


class RejectBody(Command):
    reason: Body


class ApproveBody(Command):
    comment: OptionalBody = ""


class PauseBody(Command):
    """``POST /tickets/{id}/pause-auto-approval``: why the approval timer stops."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class TicketAnswer(Command):
    """``POST /ticket-answers``: a one-click answer from an e-mail, signed token inside."""

    token: Annotated[str, StringConstraints(min_length=10, max_length=2000)]
    answer: Literal["approve", "reject", "rate"]
    reason: OptionalBody = ""
    rating: Literal["good", "bad"] | None = None
    comment: OptionalBody = ""


Filename = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ContentType = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=120,
                           pattern=r"^[a-zA-Z]+/[a-zA-Z0-9][a-zA-Z0-9.+-]*$")
]


class AttachmentCreate(Command):
    filename: Filename
    content_type: ContentType
    size: int = Field(ge=1, le=1024**3)
    internal: bool = False


class Attachment(StoredFile):
    ticket_id: str
    internal: bool = False


class Event(HistoryEvent):
    internal: bool = False


# --- what contacts see ------------------------------------------------------------------
# A contact reads a ticket through the portal: its own facts, not how support works it
# (assignee, SLA alerts, hours, other watchers, the paused approval timer and its reason,
# reminders, related tickets, the unverified sender, the count of internal comments).
# These shapes hold only what the portal shows a contact; the staff shapes above are never
# sent to one. They repeat the staff shapes' field names on purpose: an allow-list, so a
# field added to a staff shape stays hidden from contacts until it is added here.

# Says in /openapi.json that a contact's shape carries nothing more.
_CLOSED_SHAPE: dict[str, Any] = {"additionalProperties": False}


class ContactTicketSummary(Record):
    """A row of a contact's ticket list."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_CLOSED_SHAPE)

    id: str
    number: str
    subject: str
    status: Status
    priority: Priority
    ticket_type_id: str
    organization_id: str
    requester_id: str | None = None
    requester_name: str | None = None
    channel: Channel
    billable: bool = False
    created_at: str
    updated_at: str
    # The targets are what support promised the customer; whether one was missed or is
    # about to be (``sla_alerts``) is support's business.
    first_response_due_at: str | None = None
    resolution_due_at: str | None = None
    approval_due_at: str | None = None


class ContactCaseSummary(ContactTicketSummary, CaseFacts):
    """A row of a contact's list of cases from the firm."""


class ContactApproval(Model):
    model_config = ConfigDict(extra="ignore", json_schema_extra=_CLOSED_SHAPE)

    state: Literal["pending", "approved", "rejected", "auto_approved"]
    at: str | None = None
    reason: str | None = None


class ContactSatisfaction(Model):
    """The customer's own answer to "how did we do?"."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_CLOSED_SHAPE)

    rating: Literal["good", "bad"]
    comment: str = ""
    at: str


class ContactTicket(ContactCaseSummary):
    """One ticket as its contact sees it. ``watchers`` holds the caller alone, when they
    watch it (so the portal knows they may comment), never the other watchers."""

    description: str = ""
    fields: dict[str, Any] = Field(default_factory=dict)
    watchers: list[str] = Field(default_factory=list)
    template_id: str | None = None
    resolved_at: str | None = None
    resolution: str | None = None
    approval: ContactApproval | None = None
    closed_at: str | None = None
    closed_reason: str | None = None
    satisfaction: ContactSatisfaction | None = None
    done_by: str | None = None
    done_by_name: str | None = None


class ContactCommentEmail(Model):
    """Of the mail a comment came from, only which of its files were not kept."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_CLOSED_SHAPE)

    refused_attachments: list[str] = Field(default_factory=list)


class ContactComment(Model):
    """A public comment as a contact sees it: without staff time (``hours``) and without
    the mail it came from (sender, Message-ID, its source); only the files refused."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_CLOSED_SHAPE)

    id: str
    ticket_id: str
    body: str
    internal: bool
    author_id: str
    author_name: str | None = None
    author_kind: Literal["staff", "contact", "system"]
    via: Literal["portal", "email", "api"] = "api"
    attachment_ids: list[str] = Field(default_factory=list)
    created_at: str
    email: ContactCommentEmail | None = None


# The history's data a contact sees, per event type; other types and keys are dropped
# (a status change's staff reason, hours, SLA targets, how a mail was routed, ...).
CONTACT_EVENT_DATA: dict[str, frozenset[str]] = {
    "created": frozenset({"number", "subject", "ticket_type_id", "priority",
                          "organization_id"}),
    "status_changed": frozenset({"from", "to"}),
    "assigned": frozenset({"from", "to"}),
    "priority_changed": frozenset({"from", "to"}),
    "retyped": frozenset({"from", "to", "billable_from", "billable_to", "billing_changed"}),
    "commented": frozenset({"comment_id"}),
    "attachment_added": frozenset({"attachment_id", "filename", "size", "content_type"}),
    "resolved": frozenset({"comment_id", "billable", "approval_due_at"}),
    "approved": frozenset({"comment"}),
    "rejected": frozenset({"reason", "comment_id"}),
    "reminder_sent": frozenset({"auto_close_at"}),
    "auto_approved": frozenset({"resolved_at"}),
    "rated": frozenset({"rating", "comment"}),
    "marked_done": frozenset({"by_name"}),
    "due_reminder_sent": frozenset({"days", "due_date"}),
}


class Abilities(Model):
    """What the caller may do with one ticket now (``GET /tickets/{id}``), so the portal
    shows only the buttons that work rather than learning it from a 403."""

    can_comment: bool
    can_approve: bool
    can_edit: bool
    can_assign: bool
    # A case from the firm: a recipient marks it done (``POST /tickets/{id}/done``).
    can_mark_done: bool = False


class TicketView(Ticket, Abilities):
    """Staff's ticket with what they may do with it."""


class ContactTicketView(ContactTicket, Abilities):
    """A contact's ticket with what they may do with it."""


def contact_ticket(ticket: Ticket, viewer_id: str) -> ContactTicket:
    shown = ContactTicket.model_validate(ticket.model_dump(mode="json"))
    return shown.model_copy(update={"watchers": [viewer_id] if viewer_id in ticket.watchers
                                    else []})


def contact_summary(summary: TicketSummary) -> ContactTicketSummary:
    if isinstance(summary, CaseSummary):
        return ContactCaseSummary.model_validate(summary.model_dump(mode="json"))
    return ContactTicketSummary.model_validate(summary.model_dump(mode="json"))


def contact_comment(comment: Comment) -> ContactComment:
    return ContactComment.model_validate(comment.model_dump(mode="json"))


def contact_event(event: Event) -> Event:
    """Internal events never reach a contact (the store leaves them out); this trims the
    data of the others."""
    kept = CONTACT_EVENT_DATA.get(event.type, frozenset())
    return event.model_copy(update={"data": {k: v for k, v in event.data.items()
                                             if k in kept}})


def content_type_allowed(content_type: str, patterns: list[str]) -> bool:
    """``image/*`` and ``application/vnd.oasis.opendocument.*`` style patterns."""
    for pattern in patterns:
        if pattern.endswith("*"):
            if content_type.startswith(pattern[:-1]):
                return True
        elif content_type == pattern:
            return True
    return False


def safe_filename(name: str) -> str:
    """The last path part, without control characters: what we store and offer back."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "file"


def key_filename(name: str) -> str:
    """An ASCII form of a filename for the S3 key."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", folded).strip("_.")[:100] or "file"


# --- text -----------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """User text without markup: nh3 removes every tag (and script/style content); entities
    are decoded so the stored text is what the user meant. Every renderer escapes."""
    import nh3

    cleaned = nh3.clean(text, tags=set())
    return html.unescape(cleaned).strip()


# --- search ---------------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MIN_PREFIX = 3
MAX_PREFIX = 15
MAX_TERMS = 60
NUMBER_QUERY = re.compile(r"^\s*(?:[Tt]-?)?(\d{1,9})\s*$")


def words(text: str) -> list[str]:
    """Case-folded words, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        seen.setdefault(w, None)
    return list(seen)


def search_terms(subject: str) -> list[str]:
    """The index terms of a subject: every word, then the prefixes (3..15 characters) that
    let a search for the start of a word find it. At most ``MAX_TERMS``."""
    found = words(subject)
    terms: dict[str, None] = {w[:MAX_PREFIX]: None for w in found if len(w) >= 2}
    for w in found:
        for length in range(MIN_PREFIX, min(len(w), MAX_PREFIX)):
            terms.setdefault(w[:length], None)
    return list(terms)[:MAX_TERMS]


def query_terms(q: str) -> list[str]:
    """The words of a search, longest (most selective) first, each cut to the indexed length."""
    found = [w[:MAX_PREFIX] for w in words(q) if len(w) >= 2]
    return sorted(dict.fromkeys(found), key=len, reverse=True)


def matches_all(subject: str, terms: list[str]) -> bool:
    """Every term starts some word of the subject."""
    subject_words = words(subject)
    return all(any(w.startswith(t) for w in subject_words) for t in terms)


def number_in_query(q: str) -> int | None:
    found = NUMBER_QUERY.fullmatch(q)
    return int(found.group(1)) if found else None


# --- the ready-made types and templates of a new tenant -------------------------------

_CHECKLIST: dict[Literal["sv", "fi", "en"], str] = {
    "sv": "1. Beskriv problemet eller frågan så noggrant som möjligt. 2. Ange person, faktura, "
          "dokument, arbetsorder, objekt och/eller kundnummer som ärendet gäller. "
          "3. Bifoga bilagor eller skärmdumpar.",
    "fi": "1. Kuvaa ongelma tai kysymäsi asia mahdollisimman tarkasti. 2. Yksilöi henkilö, "
          "lasku, asiakirja, työtilaus, kohde ja/tai asiakasnumero, jota pyyntösi koskee. "
          "3. Lisää tarvittavat liitteet tai kuvankaappaukset mukaan.",
    "en": "1. Describe the problem or question as precisely as you can. 2. Identify the person, "
          "invoice, document, work order, site and/or customer number it concerns. "
          "3. Attach files or screenshots.",
}


def default_ticket_types() -> list[tuple[str, TicketTypeBody]]:
    """Seed 002 and 004: a technical fault is free, guidance and changes are billable,
    suggestions need benefit and current problem, third-party issues name the third party."""

    def n(sv: str, fi: str, en: str) -> LocalizedName:
        return LocalizedName(sv=sv, fi=fi, en=en)

    return [
        ("technical_fault", TicketTypeBody(
            name=n("Tekniskt fel", "Tekninen vika", "Technical fault"),
            billable=False, default_priority="high", help=dict(_CHECKLIST))),
        ("question", TicketTypeBody(
            name=n("Fråga/vägledning", "Kysymys/opastus", "Question/guidance"),
            billable=True, help=dict(_CHECKLIST))),
        ("change_request", TicketTypeBody(
            name=n("Ändringsbegäran", "Muutospyyntö", "Change request"),
            billable=True, help=dict(_CHECKLIST))),
        ("development_suggestion", TicketTypeBody(
            name=n("Utvecklingsförslag", "Kehitysehdotus", "Development suggestion"),
            kind="suggestion", default_priority="low",
            required_fields=[
                RequiredField(name="benefit", label=n(
                    "Nytta", "Hyöty", "Benefit")),
                RequiredField(name="current_problem", label=n(
                    "Nuvarande problem", "Nykyinen ongelma", "Current problem")),
            ],
            help={
                "sv": "Förslagen bedöms månadsvis av produktutvecklingen; vi kan inte svara "
                      "på enskilda förslag.",
                "fi": "Tuotekehitystiimi arvioi ehdotukset kuukausittain; emme voi vastata "
                      "yksittäisiin ehdotuksiin.",
                "en": "Suggestions are reviewed monthly by product development; we cannot "
                      "reply to each one.",
            })),
        ("third_party", TicketTypeBody(
            name=n("Tredjepartsärende", "Kolmannen osapuolen asia", "Third-party issue"),
            kind="third_party",
            third_party=ThirdParty(
                name="E-invoice operator",
                advice="Questions about sent or received e-invoices are answered fastest "
                       "by the e-invoice operator: contact it directly.",
            ))),
    ]


def default_templates() -> list[tuple[str, TemplateBody]]:
    """The ready-made templates, in English with Swedish and Finnish translations."""
    texts: dict[str, tuple[str, dict[Language, tuple[str, str, str]]]] = {
        "technical_fault": ("technical_fault", {
            "en": ("Technical fault", "Error in ", "What happened:\n\nWhat I expected:\n\n"
                                                   "Invoice/document/work order number:\n"),
            "sv": ("Tekniskt fel", "Fel i ", "Vad hände:\n\nVad jag väntade mig:\n\n"
                                             "Faktura-/dokument-/arbetsordernummer:\n"),
            "fi": ("Tekninen vika", "Virhe: ", "Mitä tapahtui:\n\nMitä odotin:\n\n"
                                               "Laskun/asiakirjan/työtilauksen numero:\n")}),
        "question": ("question", {
            "en": ("Question", "How do I ", "My question:\n\nWhere in the system:\n"),
            "sv": ("Fråga", "Hur gör jag för att ", "Min fråga:\n\nVar i systemet:\n"),
            "fi": ("Kysymys", "Miten ", "Kysymykseni:\n\nMissä kohtaa järjestelmää:\n")}),
        "change_request": ("change_request", {
            "en": ("Change request", "Please change ", "What should change:\n\nWhy:\n"),
            "sv": ("Ändringsbegäran", "Ändra ", "Vad ska ändras:\n\nVarför:\n"),
            "fi": ("Muutospyyntö", "Muutos: ", "Mitä pitäisi muuttaa:\n\nMiksi:\n")}),
        "development_suggestion": ("development_suggestion", {
            "en": ("Development suggestion", "Suggestion: ", "The suggestion:\n"),
            "sv": ("Utvecklingsförslag", "Förslag: ", "Förslaget:\n"),
            "fi": ("Kehitysehdotus", "Ehdotus: ", "Ehdotus:\n")}),
        "third_party": ("third_party", {
            "en": ("E-invoice question", "E-invoice: ", "Invoice number:\n\nWhat happened:\n"),
            "sv": ("Fråga om e-faktura", "E-faktura: ", "Fakturanummer:\n\nVad hände:\n"),
            "fi": ("Verkkolaskukysymys", "Verkkolasku: ", "Laskun numero:\n\nMitä tapahtui:\n")}),
    }
    return [(f"tpl_{key}", TemplateBody(
        name=by_lang["en"][0], ticket_type_id=type_id, subject=by_lang["en"][1],
        body=by_lang["en"][2], translations={
            lang: TemplateText(name=name, subject=subject, body=body)
            for lang, (name, subject, body) in by_lang.items() if lang != "en"}))
        for key, (type_id, by_lang) in texts.items()]
