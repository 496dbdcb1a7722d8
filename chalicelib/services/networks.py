"""Network and subscription use cases (seed 000): networks and their quotes, subscribing
(with the organisation's six-digit supplier id), the questionnaire's answers, submitting,
validation by staff and edit requests after submission, renewal.

Who sees what: staff with ``subscriptions.view`` see every subscription; a portal user sees
the subscriptions of their own organisation (with ``subscriptions.view``); any other is a
404, as if it did not exist. Networks are read with ``networks.view`` and written with
``networks.manage``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import networks as rules
from chalicelib.domain.directory import Organization, name_key
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from chalicelib.domain.models import utc_iso
from chalicelib.domain.networks import (
    AccountManager,
    AccountManagerPut,
    AnswersPut,
    Audit,
    AuditCreate,
    AuditPatch,
    EditRequest,
    EditRequestCreate,
    EditRequestDecision,
    LocalTeamsPut,
    Network,
    NetworkCreate,
    NetworkPatch,
    NetworkSummary,
    Questionnaire,
    Quote,
    Subscription,
    SubscriptionCreate,
    ValidationDecision,
)
from chalicelib.domain.notifications import SUBSCRIPTION_EVENTS
from chalicelib.domain.permissions import Permission
from chalicelib.services import files
from chalicelib.services.context import Ctx
from chalicelib.services.directory import get_settings, system_principal
from chalicelib.services.directory import repo as directory
from chalicelib.services.publish import publish
from chalicelib.services.writes import (
    check_version,
    commit_versioned,
    history_event,
    retry_lost_races,
)
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.networks import (
    PUBLISHED,
    NetworksRepository,
    SupplierIdTakenError,
)
from chalicelib.store.schedule import delete_timer, sync_timers


def repo() -> NetworksRepository:
    return NetworksRepository(get_config().networks_table)


def record(uow: UnitOfWork, tenant: str, subscription_id: str, event: Item) -> None:
    """A subscription's history event and, for those that tell someone, its outbox record,
    in the transaction of the change."""
    repo().add_event(uow, tenant, subscription_id, event)
    publish(uow, repo().table, tenant, "networks", subscription_id, [event],
            SUBSCRIPTION_EVENTS)


def _not_found(what: str = "subscription") -> NotFound:
    return NotFound(f"No such {what}.")


# --- networks -----------------------------------------------------------------------------


def _network(ctx: Ctx, network_id: str) -> Network:
    item = repo().get_network(ctx.tenant, network_id)
    if item is None:
        raise _not_found("network")
    return Network.model_validate(item)


def _sort_name(name: dict[str, Any]) -> str:
    return name_key(rules.in_language(name, "sv"))


def create_network(ctx: Ctx, command: NetworkCreate) -> Network:
    _check_members(ctx, command.member_organization_ids, ("body", "member_organization_ids"))
    data = command.model_dump(mode="json")
    network = Network(id=ctx.new_id(), **data, questionnaire_version=1, created_at=ctx.stamp,
                      updated_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_network(uow, ctx.tenant, network.model_dump(mode="json"),
                       _sort_name(network.name), None)
    uow.commit()
    return network


def _check_members(ctx: Ctx, ids: list[str], where: tuple[str, ...]) -> None:
    """Members are buyer organisations of this tenant."""
    errors = ErrorList()
    for n, org_id in enumerate(ids):
        item = directory().get_organization(ctx.tenant, org_id)
        if item is None:
            errors.add((*where, n), "no such organization")
        elif item.get("kind") != "buyer":
            errors.add((*where, n), "only a buyer organization can be a member")
    errors.raise_if_any()


def patch_network(ctx: Ctx, network_id: str, patch: NetworkPatch) -> Network:
    current = _network(ctx, network_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None and k != "description"]
    if nulls:
        raise InvalidInput("These fields cannot be null.",
                           [FieldError(("body", k), "must not be null", "null") for k in nulls])
    if "member_organization_ids" in changes:
        _check_members(ctx, changes["member_organization_ids"],
                       ("body", "member_organization_ids"))
    data = current.model_dump(mode="json") | changes
    if "questionnaire" in changes and changes["questionnaire"] != current.questionnaire:
        data["questionnaire_version"] = current.questionnaire_version + 1
    data |= {"version": current.version + 1, "updated_at": ctx.stamp}
    network = Network.model_validate(data)
    uow = UnitOfWork()
    repo().put_network(uow, ctx.tenant, network.model_dump(mode="json"),
                       _sort_name(network.name), current.version)
    if network.questionnaire_version != current.questionnaire_version:
        # Its published suppliers are told by the sweep, a page at a time (there may be
        # thousands); the new questions are required from their next submission on.
        repo().put_new_questions_timer(uow, ctx.tenant, network.id,
                                       network.questionnaire_version, None, ctx.stamp)
    commit_versioned(ctx, uow)
    return network


def get_network(ctx: Ctx, network_id: str) -> Network:
    return _network(ctx, network_id)


def search_networks(ctx: Ctx, q: str | None, sector: str | None,
                    region: str | None) -> list[NetworkSummary]:
    """Every network of the tenant is one Query of one partition (a tenant runs tens); the
    words of ``q`` must all appear in its name (any language), sector or regions."""
    words = rules.search_words(q)
    found = []
    for item in repo().list_networks(ctx.tenant):
        network = Network.model_validate(item)
        if rules.matches(network, words, sector, region):
            found.append(NetworkSummary.model_validate(network.model_dump()))
    return found


def get_quote(ctx: Ctx, network_id: str, codes: int) -> Quote:
    return rules.quote(_network(ctx, network_id), codes)


# --- subscriptions ------------------------------------------------------------------------


def _visible(ctx: Ctx, subscription: Item | None) -> Subscription:
    """The subscription if the caller may see it, else a 404 (never a 403: no probing)."""
    if subscription is None:
        raise _not_found()
    principal = ctx.principal
    own = (principal.organization_id is not None
           and subscription["organization_id"] == principal.organization_id)
    if not (principal.is_staff and principal.can(Permission.SUBSCRIPTIONS_VIEW)) and not (
            own and principal.can(Permission.SUBSCRIPTIONS_VIEW)):
        raise _not_found()
    return _shown(Subscription.model_validate(subscription), ctx.now)


def _shown(subscription: Subscription, now: datetime) -> Subscription:
    status = rules.shown_status(subscription.status, subscription.expires_at, now)
    return subscription.model_copy(update={"status": status})


def _stored(ctx: Ctx, subscription_id: str, consistent: bool = False) -> Subscription:
    """The subscription as stored (its status not yet turned ``expired``), if visible."""
    item = repo().get_subscription(ctx.tenant, subscription_id, consistent=consistent)
    _visible(ctx, item)
    assert item is not None
    return Subscription.model_validate(item)


def get_subscription(ctx: Ctx, subscription_id: str) -> Subscription:
    return _visible(ctx, repo().get_subscription(ctx.tenant, subscription_id))


def _staff(ctx: Ctx, permission: Permission) -> None:
    if not (ctx.principal.is_staff and ctx.principal.can(permission)):
        raise Forbidden(f"This needs the permission {permission.value}.")


def _subscriber_org(ctx: Ctx, command: SubscriptionCreate) -> Organization:
    principal = ctx.principal
    if principal.is_staff:
        if not principal.can(Permission.SUBSCRIPTIONS_MANAGE):
            raise Forbidden("Staff subscribe on a supplier's behalf with subscriptions.manage.")
        if command.organization_id is None:
            raise InvalidInput("Name the supplier organisation.", [
                FieldError(("body", "organization_id"), "required", "missing")])
        org_id = command.organization_id
    else:
        if command.organization_id not in (None, principal.organization_id):
            raise _not_found("organization")
        if principal.organization_id is None:
            raise Forbidden("Only a user of a supplier organisation subscribes.")
        org_id = principal.organization_id
    item = directory().get_organization(ctx.tenant, org_id)
    if item is None:
        raise _not_found("organization")
    org = Organization.model_validate(item)
    if org.kind != "supplier":
        raise BusinessRuleViolation("Only a supplier organisation can subscribe to a network.")
    return org


def subscribe(ctx: Ctx, command: SubscriptionCreate) -> Subscription:
    """A year's subscription in draft, with the organisation's supplier id: the one it has,
    or a new random one claimed with a conditional write (a taken id is drawn again)."""
    network = _network(ctx, command.network_id)
    org = _subscriber_org(ctx, command)
    problems = [_code_error(n, text) for n, text in rules.check_codes(command.product_codes,
                                                                       network)]
    problems += [FieldError(("body", "regions", n), text)
                 for n, text in rules.check_regions(command.regions or [], network)]
    if problems:
        raise InvalidInput("Some product codes or regions are not right.", problems)
    price = rules.quote(network, len(command.product_codes))
    store = repo()

    def attempt() -> Subscription:
        supplier_id = store.organization_supplier_id(ctx.tenant, org.id)
        uow = UnitOfWork()
        if supplier_id is None:
            supplier_id = rules.supplier_id_from(secrets.randbelow(900_000))
            store.claim_supplier_id(uow, ctx.tenant, org.id, supplier_id, ctx.stamp)
        subscription = Subscription(
            id=ctx.new_id(), network_id=network.id, organization_id=org.id,
            organization_name=org.name, supplier_id=supplier_id, status="draft",
            product_codes=command.product_codes,
            regions=list(command.regions or network.regions), yearly_price=price.yearly_price,
            currency=price.currency, questionnaire_version=network.questionnaire_version,
            starts_at=ctx.stamp, expires_at=utc_iso(rules.year_from(ctx.now)),
            created_at=ctx.stamp, updated_at=ctx.stamp)
        data = subscription.model_dump(mode="json")
        store.claim_organization_network(uow, ctx.tenant, org.id, network.id, subscription.id)
        store.put_subscription(uow, ctx.tenant, data, None)
        _sync_reminders(uow, ctx.tenant, None, subscription)
        store.put_answers(uow, ctx.tenant, subscription.id,
                          {"answers": {}, "version": 1, "updated_at": ctx.stamp}, None)
        record(uow, ctx.tenant, subscription.id, history_event(
            ctx, "subscribed", {"network_id": network.id, "supplier_id": supplier_id,
                                "product_codes": len(command.product_codes),
                                "yearly_price": price.yearly_price}))
        uow.commit()
        return subscription

    return retry_lost_races(attempt, SupplierIdTakenError, attempts=8, first_wait=0.005,
                            gave_up=lambda: Conflict("Try again: too many subscribed at once."))


def _code_error(n: int, text: str) -> FieldError:
    where: tuple[str | int, ...] = ("body", "product_codes") if n < 0 else (
        "body", "product_codes", n)
    return FieldError(where, text)


def list_subscriptions(ctx: Ctx, status: str | None, organization_id: str | None,
                       limit: int, start_key: dict[str, Any] | None) -> Page:
    """Staff: by status, oldest first (``submitted`` is the validation queue), or one
    organisation's; a portal user: their organisation's."""
    principal = ctx.principal
    if not principal.can(Permission.SUBSCRIPTIONS_VIEW):
        raise Forbidden("This needs the permission subscriptions.view.")
    if not principal.is_staff:
        if organization_id not in (None, principal.organization_id) or (
                principal.organization_id is None):
            raise _not_found("organization")
        page = repo().organization_subscriptions(ctx.tenant, principal.organization_id,
                                                 limit, start_key)
    elif organization_id is not None:
        page = repo().organization_subscriptions(ctx.tenant, organization_id, limit, start_key)
    else:
        page = repo().subscriptions_by_status(ctx.tenant, status or "submitted", limit,
                                              start_key)
    items = [_shown(Subscription.model_validate(i), ctx.now).model_dump(mode="json")
             for i in page.items]
    if status is not None and (organization_id is not None or not principal.is_staff):
        items = [i for i in items if i["status"] == status]
    return Page(items, page.last_key)


# --- the questionnaire --------------------------------------------------------------------


def _questionnaire_of(network: Network) -> Questionnaire:
    return Questionnaire.model_validate(network.questionnaire)


def _writable_sections(subscription: Subscription, questionnaire: Questionnaire,
                       now: datetime) -> set[str]:
    """Draft and returned: every section; published after an approved edit request: the
    sections it named; otherwise none."""
    status = rules.shown_status(subscription.status, subscription.expires_at, now)
    if status in ("draft", "returned"):
        return {s.key for s in questionnaire.sections}
    if status == "published":
        return set(subscription.open_sections)
    return set()


def get_questionnaire(ctx: Ctx, subscription_id: str) -> tuple[dict[str, Any], int]:
    subscription = _stored(ctx, subscription_id)
    network = _network(ctx, subscription.network_id)
    questionnaire = _questionnaire_of(network)
    stored = repo().get_answers(ctx.tenant, subscription_id) or {"answers": {}, "version": 1}
    answers = stored["answers"]
    return {
        "subscription_id": subscription.id, "supplier_id": subscription.supplier_id,
        "network_id": network.id, "questionnaire_version": network.questionnaire_version,
        "questionnaire": questionnaire.model_dump(mode="json"), "answers": answers,
        "progress": rules.progress(questionnaire, answers),
        "issues": subscription.issues,
        "writable_sections": sorted(_writable_sections(subscription, questionnaire, ctx.now)),
        "version": stored["version"],
    }, int(stored["version"])


def put_questionnaire(ctx: Ctx, subscription_id: str,
                      command: AnswersPut) -> tuple[dict[str, Any], int]:
    """Saves answers as a draft: each checked against its question's type, only in sections
    that may be written; ``If-Match`` names the answers' version."""
    subscription = _stored(ctx, subscription_id, consistent=True)
    if ctx.principal.is_staff and not ctx.principal.can(Permission.SUBSCRIPTIONS_MANAGE):
        raise Forbidden("Staff change answers with subscriptions.manage.")
    network = _network(ctx, subscription.network_id)
    questionnaire = _questionnaire_of(network)
    writable = _writable_sections(subscription, questionnaire, ctx.now)
    if not writable:
        raise BusinessRuleViolation(
            "The questionnaire is closed while it is "
            f"{rules.shown_status(subscription.status, subscription.expires_at, ctx.now)}; "
            "ask your account manager for an edit.")
    codes = {c["code"] for c in network.code_list}
    rules.check_answers(questionnaire, command.answers, codes, writable)
    questions = questionnaire.questions()
    _check_files(ctx, subscription_id, questions, command.answers)
    stored = repo().get_answers(ctx.tenant, subscription_id, consistent=True) or {
        "answers": {}, "version": 0}
    check_version(ctx, int(stored["version"]))
    answers = dict(stored["answers"])
    for question_id, value in command.answers.items():
        if value is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = rules.normalised_answer(questions[question_id][1], value)
    version = int(stored["version"]) + 1
    uow = UnitOfWork()
    repo().put_answers(uow, ctx.tenant, subscription_id,
                       {"answers": answers, "version": version, "updated_at": ctx.stamp},
                       int(stored["version"]) or None)
    commit_versioned(ctx, uow)
    return get_questionnaire(ctx, subscription_id)


def _change(ctx: Ctx, subscription: Subscription, changes: dict[str, Any], kind: str,
            data: dict[str, Any], extra: list[Any] | None = None) -> Subscription:
    """The subscription's next version and its history event, in one transaction."""
    updated = subscription.model_copy(update={**changes, "version": subscription.version + 1,
                                              "updated_at": ctx.stamp})
    uow = UnitOfWork()
    repo().put_subscription(uow, ctx.tenant, updated.model_dump(mode="json"),
                            subscription.version)
    _sync_reminders(uow, ctx.tenant, subscription, updated)
    record(uow, ctx.tenant, subscription.id, history_event(ctx, kind, data))
    for write in extra or []:
        write(uow)
    commit_versioned(ctx, uow)
    return _shown(updated, ctx.now)


def _sync_reminders(uow: UnitOfWork, tenant: str, before: Subscription | None,
                    after: Subscription) -> None:
    """The subscription's timers in the ``due`` index follow every change of it."""
    sync_timers(uow, repo().table, tenant, "SUB", after.id,
                rules.subscription_timers(before) if before else {},
                rules.subscription_timers(after))


def submit(ctx: Ctx, subscription_id: str) -> Subscription:
    subscription = _stored(ctx, subscription_id, consistent=True)
    check_version(ctx, subscription.version)
    status = rules.shown_status(subscription.status, subscription.expires_at, ctx.now)
    reopened = status == "published" and subscription.open_sections
    if status not in rules.SUBMITTABLE and not reopened:
        rules.check_step(status, rules.SUBMITTABLE, "submitted")
    network = _network(ctx, subscription.network_id)
    stored = repo().get_answers(ctx.tenant, subscription_id, consistent=True) or {"answers": {}}
    missing = rules.missing_required(_questionnaire_of(network), stored["answers"])
    if missing:
        raise InvalidInput("Answer every required question before submitting.", [
            _answer_error(q) for q in missing])
    return _change(ctx, subscription, {"status": "submitted", "submitted_at": ctx.stamp,
                                       "open_sections": []},
                   "submitted", {"round": subscription.round + 1})


def _answer_error(question_id: str) -> FieldError:
    return FieldError(("body", "answers", question_id), "a required question is not answered",
                      "missing")


def validate(ctx: Ctx, subscription_id: str, decision: ValidationDecision) -> Subscription:
    _staff(ctx, Permission.SUBSCRIPTIONS_VALIDATE)
    subscription = _stored(ctx, subscription_id, consistent=True)
    check_version(ctx, subscription.version)
    rules.check_step(rules.shown_status(subscription.status, subscription.expires_at, ctx.now),
                     rules.VALIDATABLE, "validated")
    network = _network(ctx, subscription.network_id)
    questions = _questionnaire_of(network).questions()
    errors = ErrorList()
    for n, issue in enumerate(decision.issues):
        if issue.question_id not in questions:
            errors.add(("body", "issues", n, "question_id"), "no such question")
    errors.raise_if_any()
    round_ = subscription.round + 1
    if decision.decision == "return":
        issues: dict[str, list[str]] = {}
        for issue in decision.issues:
            issues.setdefault(issue.question_id, []).append(issue.text)
        return _change(ctx, subscription, {"status": "returned", "issues": issues,
                                           "round": round_},
                       "returned", {"round": round_, "issues": issues, "note": decision.note})
    answers = repo().get_answers(ctx.tenant, subscription_id, consistent=True) or {
        "answers": {}}
    published = repo().get_answers(ctx.tenant, subscription_id, PUBLISHED, consistent=True)

    def snapshot(uow: UnitOfWork) -> None:
        repo().put_answers(uow, ctx.tenant, subscription_id, {
            "answers": answers["answers"], "version": (published or {}).get("version", 0) + 1,
            "published_at": ctx.stamp, "round": round_},
            published["version"] if published else None, PUBLISHED)

    changes = {"status": "published", "issues": {}, "round": round_,
               "published_at": ctx.stamp, "open_sections": [],
               "certifications": rules.certifications_in(_questionnaire_of(network),
                                                         answers["answers"])}
    listed = subscription.model_copy(update=changes)
    return _change(ctx, subscription, {**changes, "listed_as": _listing(ctx, listed).sort_key},
                   "published", {"round": round_, "note": decision.note},
                   [snapshot, _list_in_search(ctx, listed)])


def _listing(ctx: Ctx, subscription: Subscription) -> rules.SupplierListing:
    name = subscription.organization_name or subscription.organization_id
    return rules.listing_of(subscription, name, name_key(name))


def _list_in_search(ctx: Ctx, subscription: Subscription) -> Any:
    """A writer of the subscription's entry in the buyers' search: in the transaction as far
    as it holds, the rest of its code entries right after the commit (idempotent puts)."""

    def write(uow: UnitOfWork) -> None:
        listing = _listing(ctx, subscription).model_dump(mode="json", exclude={"followed"})
        rest = repo().put_listing(uow, ctx.tenant, listing, MAX_WRITES - len(uow.ops))
        if rest:
            uow.after_commit(lambda: repo().put_listing_rest(rest))

    return write


MAX_WRITES = 100  # DynamoDB's limit on one transaction


def renew(ctx: Ctx, subscription_id: str) -> Subscription:
    """A new year from the old expiry, or from now when it has passed; an expired
    subscription's stored status comes back with it."""
    subscription = _stored(ctx, subscription_id, consistent=True)
    check_version(ctx, subscription.version)
    if ctx.principal.is_staff and not ctx.principal.can(Permission.SUBSCRIPTIONS_MANAGE):
        raise Forbidden("Staff renew with subscriptions.manage.")
    expires = datetime.fromisoformat(subscription.expires_at)
    until = utc_iso(rules.renewed_until(expires, ctx.now))
    renewed = subscription.model_copy(update={"expires_at": until, "renewal_reminded": []})
    # A published supplier's entry in the search carries the new expiry too.
    relist = [_list_in_search(ctx, renewed)] if subscription.published_at else []
    return _change(ctx, subscription, {"expires_at": until, "renewal_reminded": []}, "renewed",
                   {"from": subscription.expires_at, "until": until}, relist)


# --- edit requests ------------------------------------------------------------------------


def request_edit(ctx: Ctx, subscription_id: str, command: EditRequestCreate) -> EditRequest:
    subscription = _stored(ctx, subscription_id, consistent=True)
    status = rules.shown_status(subscription.status, subscription.expires_at, ctx.now)
    rules.check_step(status, rules.EDITABLE_AFTER_SUBMISSION, "edited by request")
    known = {s.key for s in _questionnaire_of(_network(ctx, subscription.network_id)).sections}
    errors = ErrorList()
    for n, section in enumerate(command.sections):
        if section not in known:
            errors.add(("body", "sections", n), "not a section of this questionnaire")
    errors.raise_if_any()
    request = EditRequest(id=ctx.new_id(), subscription_id=subscription.id,
                          reason=command.reason, sections=list(command.sections), status="open",
                          requested_by=ctx.principal.user_id, requested_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_edit_request(uow, ctx.tenant, request.model_dump(mode="json"), None)
    record(uow, ctx.tenant, subscription.id, history_event(
        ctx, "edit_requested", {"request_id": request.id, "sections": request.sections,
                                "reason": request.reason}))
    uow.commit()
    return request


def list_edit_requests(ctx: Ctx, subscription_id: str) -> list[EditRequest]:
    _stored(ctx, subscription_id)
    return [EditRequest.model_validate(i)
            for i in repo().edit_requests(ctx.tenant, subscription_id)]


def open_edit_requests(ctx: Ctx, limit: int, start_key: dict[str, Any] | None) -> Page:
    """Staff's queue of edit requests waiting for a decision, oldest first."""
    _staff(ctx, Permission.SUBSCRIPTIONS_MANAGE)
    return repo().open_edit_requests(ctx.tenant, limit, start_key)


def decide_edit(ctx: Ctx, subscription_id: str, request_id: str,
                decision: EditRequestDecision) -> EditRequest:
    """The account manager approves (the named sections open again; a submitted
    questionnaire goes back to the supplier) or refuses, with a note."""
    _staff(ctx, Permission.SUBSCRIPTIONS_MANAGE)
    subscription = _stored(ctx, subscription_id, consistent=True)
    item = repo().get_edit_request(ctx.tenant, subscription_id, request_id)
    if item is None:
        raise _not_found("edit request")
    request = EditRequest.model_validate(item)
    if request.status != "open":
        raise Conflict(f"The edit request was {request.status} already.")
    decided = request.model_copy(update={
        "status": "approved" if decision.decision == "approve" else "refused",
        "decided_by": ctx.principal.user_id, "decided_at": ctx.stamp, "note": decision.note})

    def write_request(uow: UnitOfWork) -> None:
        repo().put_edit_request(uow, ctx.tenant, decided.model_dump(mode="json"), "open")

    changes: dict[str, Any] = {}
    if decision.decision == "approve":
        status = rules.shown_status(subscription.status, subscription.expires_at, ctx.now)
        rules.check_step(status, rules.EDITABLE_AFTER_SUBMISSION, "opened for an edit")
        changes = {"open_sections": sorted(set(subscription.open_sections)
                                           | set(request.sections))}
        if status == "submitted":
            changes["status"] = "returned"
    _change(ctx, subscription, changes, f"edit_{decided.status}",
            {"request_id": request.id, "sections": request.sections, "note": decision.note},
            [write_request])
    return decided


def history(ctx: Ctx, subscription_id: str, limit: int,
            start_key: dict[str, Any] | None) -> Page:
    _stored(ctx, subscription_id)
    return repo().history(ctx.tenant, subscription_id, limit, start_key)


# --- audits -------------------------------------------------------------------------------


def schedule_audit(ctx: Ctx, subscription_id: str, command: AuditCreate) -> Audit:
    """Staff schedule an audit of one subscription (one network), one at a time."""
    _staff(ctx, Permission.SUBSCRIPTIONS_VALIDATE)
    subscription = _stored(ctx, subscription_id, consistent=True)
    rules.check_new_audit(rules.shown_status(subscription.status, subscription.expires_at,
                                             ctx.now), subscription.open_audit_id)
    audit = Audit(id=ctx.new_id(), subscription_id=subscription.id,
                  network_id=subscription.network_id,
                  organization_id=subscription.organization_id,
                  supplier_id=subscription.supplier_id,
                  scheduled_on=command.scheduled_on.isoformat(), auditor=command.auditor,
                  note=command.note, created_at=ctx.stamp, updated_at=ctx.stamp)

    def write_audit(uow: UnitOfWork) -> None:
        repo().put_audit(uow, ctx.tenant, audit.model_dump(mode="json"), None)

    _change(ctx, subscription, {"open_audit_id": audit.id}, "audit_scheduled",
            {"audit_id": audit.id, "scheduled_on": audit.scheduled_on,
             "auditor": audit.auditor}, [write_audit])
    return audit


def _audit(ctx: Ctx, audit_id: str) -> Audit:
    item = repo().get_audit(ctx.tenant, audit_id)
    if item is None:
        raise _not_found("audit")
    _visible(ctx, repo().get_subscription(ctx.tenant, item["subscription_id"]))
    return Audit.model_validate(item)


def get_audit(ctx: Ctx, audit_id: str) -> Audit:
    return _audit(ctx, audit_id)


def patch_audit(ctx: Ctx, audit_id: str, patch: AuditPatch) -> Audit:
    """Reschedule, or record the result once; a result closes the audit, so a failed one
    allows a new audit, and the subscription's history and last result change with it."""
    _staff(ctx, Permission.SUBSCRIPTIONS_VALIDATE)
    current = _audit(ctx, audit_id)
    check_version(ctx, current.version)
    changes = patch.model_dump(mode="json", exclude_unset=True)
    if any(changes.get(k, "") is None for k in ("scheduled_on", "auditor", "result")):
        raise InvalidInput("These fields cannot be null.", [
            FieldError(("body", k), "must not be null", "null")
            for k in ("scheduled_on", "auditor", "result") if k in changes
            and changes[k] is None])
    if current.result is not None:
        raise Conflict(f"The audit's result ({current.result}) is recorded already.")
    if "result" in changes:
        changes["completed_at"] = ctx.stamp
        changes["findings"] = changes.get("findings") or []
    updated = current.model_copy(update={**changes, "version": current.version + 1,
                                         "updated_at": ctx.stamp})

    def write_audit(uow: UnitOfWork) -> None:
        repo().put_audit(uow, ctx.tenant, updated.model_dump(mode="json"), current.version)

    subscription = _stored(ctx, current.subscription_id, consistent=True)
    if updated.result is None:
        uow = UnitOfWork()
        write_audit(uow)
        commit_versioned(ctx, uow)
        return updated
    _change(ctx, subscription, {"open_audit_id": None, "last_audit_result": updated.result},
            f"audit_{updated.result}",
            {"audit_id": updated.id, "findings": updated.findings}, [write_audit])
    return updated


def list_audits(ctx: Ctx, subscription_id: str) -> list[Audit]:
    _stored(ctx, subscription_id)
    return [Audit.model_validate(i) for i in repo().audits(ctx.tenant, subscription_id)]


# --- account managers and local teams -----------------------------------------------------


def _manager_view(ctx: Ctx, organization_id: str, user_id: str | None) -> AccountManager | None:
    user = directory().get_user(ctx.tenant, user_id) if user_id else None
    if user is None or not user.get("active", True):
        return None
    return AccountManager(organization_id=organization_id, user_id=user["id"],
                          name=user.get("name", ""), email=user.get("email"),
                          phone=user.get("phone"))


def set_account_manager(ctx: Ctx, organization_id: str,
                        command: AccountManagerPut) -> AccountManager:
    """Staff (``subscriptions.manage``) name or change a supplier or buyer organisation's
    account manager: an active staff member of the tenant."""
    _staff(ctx, Permission.SUBSCRIPTIONS_MANAGE)
    org = directory().get_organization(ctx.tenant, organization_id)
    if org is None:
        raise _not_found("organization")
    user = directory().get_user(ctx.tenant, command.user_id)
    if user is None or user.get("kind") != "staff" or not user.get("active", True):
        raise InvalidInput("The account manager is an active staff member.", [
            FieldError(("body", "user_id"), "no such active staff member")])
    uow = UnitOfWork()
    repo().set_account_manager(uow, ctx.tenant, organization_id, command.user_id, ctx.stamp)
    uow.commit()
    view = _manager_view(ctx, organization_id, command.user_id)
    assert view is not None
    return view


def get_account_manager(ctx: Ctx, organization_id: str | None) -> AccountManager:
    """The account manager of an organisation: staff ask for any; a portal user gets their
    own organisation's (``None``). None named yet is a 404."""
    principal = ctx.principal
    if organization_id is None or not principal.is_staff:
        if organization_id not in (None, principal.organization_id) or (
                principal.organization_id is None):
            raise _not_found("organization")
        organization_id = principal.organization_id
    elif directory().get_organization(ctx.tenant, organization_id) is None:
        raise _not_found("organization")
    view = _manager_view(ctx, organization_id,
                         repo().account_manager(ctx.tenant, organization_id))
    if view is None:
        raise NotFound("No account manager is named for this organisation yet.")
    return view


def get_local_teams(tenant: str) -> dict[str, Any]:
    """Public: the tenant's contacts per region (an unknown tenant has none)."""
    stored = repo().local_teams(tenant) or {}
    return {"teams": stored.get("teams", [])}


def put_local_teams(ctx: Ctx, command: LocalTeamsPut) -> tuple[dict[str, Any], int]:
    _staff(ctx, Permission.NETWORKS_MANAGE)
    current = repo().local_teams(ctx.tenant)
    version = int(current["version"]) if current else 0
    check_version(ctx, version)
    teams = command.model_dump(mode="json")["teams"]
    uow = UnitOfWork()
    repo().put_local_teams(uow, ctx.tenant, {"teams": teams, "version": version + 1,
                                             "updated_at": ctx.stamp}, version or None)
    commit_versioned(ctx, uow)
    return {"teams": teams}, version + 1


# --- reminders (the lifecycle sweep) --------------------------------------------------------


def run_timer(timer: Item, now: datetime) -> str:
    """A due subscription timer: renewal 60, 30 and 7 days ahead, the expiry, a published
    certification 30 days before it runs out, the yearly review. Each is told once: the
    change that marks it told, its event and the next timers commit together, on the
    subscription's version (a second sweep at once loses and does nothing)."""
    tenant = str(timer["tenant"])
    ctx = Ctx(system_principal(tenant), now)
    item = repo().get_subscription(tenant, str(timer["parent_id"]), consistent=True)
    if item is None:
        uow = UnitOfWork()
        delete_timer(uow, repo().table, tenant, "SUB", str(timer["parent_id"]),
                     str(timer["kind"]))
        uow.commit()
        return "gone"
    subscription = Subscription.model_validate(item)
    due = rules.due_reminder(subscription, str(timer["kind"]), now)
    if due is None:
        # Nothing to tell (renewed or told meanwhile): the timers follow the subscription.
        uow = UnitOfWork()
        sync_timers(uow, repo().table, tenant, "SUB", subscription.id,
                    {str(timer["kind"]): str(timer["due_at"])},
                    rules.subscription_timers(subscription))
        uow.commit()
        return "nothing_due"
    kind, data, changes = due
    extra = []
    if kind == "expired" and subscription.published_at:
        listing = _listing(ctx, subscription).model_dump(mode="json", exclude={"followed"})

        def unlist(uow: UnitOfWork) -> None:
            uow.after_commit(lambda: repo().delete_listing(tenant, listing))

        extra.append(unlist)
    try:
        _change(ctx, subscription, changes, kind or "reminders_skipped", data, extra)
    except (Conflict, PreconditionFailed):
        return "raced"
    return kind or "skipped"


def run_new_questions(timer: Item, now: datetime) -> str:
    """A page of a network's published suppliers told of its new questionnaire version,
    each once (the subscription's ``questions_told_version``, on its version); the timer
    goes on from where it got to, or goes when the list is done."""
    tenant, network_id = str(timer["tenant"]), str(timer["parent_id"])
    version = int(timer["version"])
    ctx = Ctx(system_principal(tenant), now)
    page = repo().published_page(tenant, network_id, rules.NEW_QUESTIONS_PAGE,
                                 timer.get("cursor"))
    told = 0
    for listing in page.items:
        item = repo().get_subscription(tenant, str(listing["subscription_id"]), consistent=True)
        if item is None:
            continue
        subscription = Subscription.model_validate(item)
        if subscription.questions_told_version >= version:
            continue
        try:
            _change(ctx, subscription, {"questions_told_version": version}, "questions_added",
                    {"questionnaire_version": version})
            told += 1
        except (Conflict, PreconditionFailed):
            continue  # changed meanwhile: the next run of this page tells it
    uow = UnitOfWork()
    if page.last_key:
        repo().put_new_questions_timer(uow, tenant, network_id, version, page.last_key,
                                       ctx.stamp)
    else:
        repo().delete_new_questions_timer(uow, tenant, network_id)
    uow.commit()
    return f"told {told}"


# --- files of the answers -----------------------------------------------------------------


def _check_files(ctx: Ctx, subscription_id: str,
                 questions: dict[str, tuple[str, rules.Question]],
                 answers: dict[str, Any]) -> None:
    """A file an answer names is one announced for this subscription (never another's)."""
    errors = ErrorList()
    for question_id, value in answers.items():
        for file_id in rules.file_ids_in(questions[question_id][1], value):
            if repo().get_file(ctx.tenant, subscription_id, file_id) is None:
                errors.add(("body", "answers", question_id), "no such file of this subscription")
    errors.raise_if_any()


def create_file(ctx: Ctx, subscription_id: str,
                command: rules.QuestionnaireFileCreate) -> dict[str, Any]:
    """A presigned S3 POST for a file of the answers; the tenant's types and size apply."""
    subscription = _stored(ctx, subscription_id, consistent=True)
    network = _network(ctx, subscription.network_id)
    if not _writable_sections(subscription, _questionnaire_of(network), ctx.now):
        raise BusinessRuleViolation("The questionnaire is closed; ask for an edit.")
    errors = ErrorList()
    files.check_file(get_settings(ctx), command.content_type, command.size, errors)
    errors.raise_if_any()
    record = files.announce(ctx, f"subscriptions/{subscription_id}", command.filename,
                            command.content_type, command.size,
                            subscription_id=subscription_id)
    uow = UnitOfWork()
    repo().put_file(uow, ctx.tenant, subscription_id, record)
    uow.commit()
    return files.upload(record, ctx.now)


def download_file(ctx: Ctx, subscription_id: str, file_id: str) -> dict[str, Any]:
    _stored(ctx, subscription_id)
    item = repo().get_file(ctx.tenant, subscription_id, file_id)
    if item is None:
        raise _not_found("file")
    return files.link_confirming(
        item, lambda uow: repo().mark_file_uploaded(uow, ctx.tenant, subscription_id, file_id),
        ctx.now)
