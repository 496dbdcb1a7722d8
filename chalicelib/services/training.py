"""Training use cases (seed 000): staff publish, change and cancel webinars and one-to-one
slots; the users of supplier and buyer organisations list the sessions of their audience,
sign up, cancel, and fetch their iCalendar invitation; the sweep reminds each signup once,
a day before.

Who sees what: staff with ``networks.view`` see every session; a portal user with
``networks.view`` sees the sessions of their organisation's kind (supplier or buyer); any
other session is a 404, as if it did not exist. Writing needs ``networks.manage`` (staff).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from chalicelib.config import get_config
from chalicelib.domain import training as rules
from chalicelib.domain.errors import (
    Conflict,
    ErrorList,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from chalicelib.domain.models import utc_iso
from chalicelib.domain.permissions import Permission
from chalicelib.domain.training import (
    Audience,
    Signup,
    Training,
    TrainingCreate,
    TrainingPatch,
    TrainingView,
)
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.directory import system_principal
from chalicelib.services.networks import repo as networks
from chalicelib.services.publish import outbox_record
from chalicelib.services.writes import (
    check_version,
    commit_versioned,
    history_event,
    refuse_nulls,
    retry_lost_races,
)
from chalicelib.store.dynamo import Item, Page, UnitOfWork
from chalicelib.store.training import (
    AlreadySignedUp,
    SeatNotTaken,
    TrainingRepository,
)

MODULE = "trainings"
REMINDED = "training_reminded"
MOVED = "training_moved"
CANCELLED = "training_cancelled"


def repo() -> TrainingRepository:
    return TrainingRepository(get_config().networks_table)


def _not_found() -> NotFound:
    return NotFound("No such training session.")


def invitation_path(training_id: str) -> str:
    return f"/trainings/{training_id}/invitation.ics"


# --- who sees what ----------------------------------------------------------------------


def _audience(ctx: Ctx) -> Audience | None:
    """A portal user's audience: their organisation's kind (one GetItem)."""
    org_id = ctx.principal.organization_id
    org = directory().get_organization(ctx.tenant, org_id) if org_id else None
    return rules.audience_of(org.get("kind") if org else None)


def _visible(ctx: Ctx, training_id: str, consistent: bool = False) -> Training:
    item = repo().get_training(ctx.tenant, training_id, consistent=consistent)
    if item is None:
        raise _not_found()
    training = Training.model_validate(item)
    if not ctx.principal.is_staff and training.audience != _audience(ctx):
        raise _not_found()
    return training


def _staff(ctx: Ctx) -> None:
    if not (ctx.principal.is_staff and ctx.principal.can(Permission.NETWORKS_MANAGE)):
        raise Forbidden("This needs the permission networks.manage.")


def _portal_user(ctx: Ctx) -> None:
    if ctx.principal.is_staff:
        raise Forbidden("Sessions are for the users of supplier and buyer organisations; "
                        "staff publish them.")


# --- sessions ---------------------------------------------------------------------------


def _check_network(ctx: Ctx, network_id: str | None) -> None:
    if network_id and networks().get_network(ctx.tenant, network_id) is None:
        raise InvalidInput("No such network.", [
            FieldError(("body", "network_id"), "no such network", "not_found")])


def create_training(ctx: Ctx, command: TrainingCreate) -> TrainingView:
    _staff(ctx)
    errors = ErrorList()
    rules.check_schedule(command.starts_at, ctx.now, errors)
    errors.raise_if_any()
    _check_network(ctx, command.network_id)
    data = command.model_dump(mode="json")
    training = Training(**data | {
        "id": ctx.new_id(), "starts_at": utc_iso(command.starts_at),
        "ends_at": utc_iso(rules.ends_at(command.starts_at, command.duration_minutes)),
        "created_by": ctx.principal.user_id, "created_at": ctx.stamp,
        "updated_at": ctx.stamp})
    uow = UnitOfWork()
    repo().create_training(uow, ctx.tenant, training.model_dump(mode="json"))
    uow.commit()
    return rules.view(training, False)


def get_training(ctx: Ctx, training_id: str) -> TrainingView:
    training = _visible(ctx, training_id)
    signed_up = not ctx.principal.is_staff and repo().get_signup(
        ctx.tenant, training_id, ctx.principal.user_id) is not None
    return rules.view(training, signed_up)


def patch_training(ctx: Ctx, training_id: str, patch: TrainingPatch) -> TrainingView:
    """A change on the version read (``If-Match``); a moved session moves its signups'
    times and reminders with it."""
    _staff(ctx)
    current = _visible(ctx, training_id, consistent=True)
    check_version(ctx, current.version)
    if current.status == "cancelled":
        raise Conflict("The session was cancelled; publish a new one.")
    changes = patch.model_dump(mode="json", exclude_unset=True)
    refuse_nulls(changes, ("topic", "language", "starts_at", "duration_minutes", "seats",
                           "join_url"))
    errors = ErrorList()
    if patch.starts_at is not None:
        rules.check_schedule(patch.starts_at, ctx.now, errors)
        changes["starts_at"] = utc_iso(patch.starts_at)
    try:
        rules.check_seats(current.kind, changes.get("seats", current.seats))
    except ValueError as exc:
        errors.add(("body", "seats"), str(exc))
    errors.raise_if_any()
    rules.check_seats_cover(changes.get("seats", current.seats), current.seats_taken)
    _check_network(ctx, changes.get("network_id"))
    data = current.model_dump(mode="json") | changes
    start = datetime.fromisoformat(data["starts_at"])
    data |= {"ends_at": utc_iso(rules.ends_at(start, data["duration_minutes"])),
             "version": current.version + 1, "updated_at": ctx.stamp}
    training = Training.model_validate(data)
    moved = training.starts_at != current.starts_at
    uow = UnitOfWork()
    repo().update_training(uow, ctx.tenant, training.model_dump(mode="json"), current.version)
    if moved and current.seats_taken:
        _announce(ctx, uow, training.id, MOVED, {"from": current.starts_at,
                                                 "to": training.starts_at})
    commit_versioned(ctx, uow)
    if moved:
        _retime_signups(ctx, training)
    return rules.view(_visible(ctx, training_id, consistent=True), False)


def _retime_signups(ctx: Ctx, training: Training) -> None:
    """Each signup's time and reminder, after the session moved: at most ``MAX_SEATS``
    signups, a transaction per page of them. A signup written meanwhile was timed from
    the new start already (its seat's condition names the start it read)."""
    reminder = rules.reminder_due(training.starts_at, ctx.now)
    data = training.model_dump(mode="json")
    start: dict[str, Any] | None = None
    while True:
        page = repo().signups(ctx.tenant, training.id, 90, start)
        uow = UnitOfWork()
        for signup in page.items:
            repo().retime_signup(uow, ctx.tenant, data, signup["user_id"], reminder)
        try:
            uow.commit()
        except Conflict:
            # A signup of the page was cancelled meanwhile: the rest one by one.
            for signup in page.items:
                one = UnitOfWork()
                repo().retime_signup(one, ctx.tenant, data, signup["user_id"], reminder)
                with suppress(Conflict):
                    one.commit()
        if not page.last_key:
            return
        start = page.last_key


def cancel_training(ctx: Ctx, training_id: str) -> TrainingView:
    """The session stays, cancelled: signups can no longer be made, their reminders are
    dropped by the sweep, and the invitation turns into a cancellation."""
    _staff(ctx)
    current = _visible(ctx, training_id, consistent=True)
    check_version(ctx, current.version)
    if current.status == "cancelled":
        return rules.view(current, False)
    training = current.model_copy(update={"status": "cancelled", "cancelled_at": ctx.stamp,
                                          "updated_at": ctx.stamp,
                                          "version": current.version + 1})
    uow = UnitOfWork()
    repo().update_training(uow, ctx.tenant, training.model_dump(mode="json"), current.version)
    if current.seats_taken:
        _announce(ctx, uow, training.id, CANCELLED, {"starts_at": current.starts_at})
    commit_versioned(ctx, uow)
    return rules.view(_visible(ctx, training_id, consistent=True), False)


def _announce(ctx: Ctx, uow: UnitOfWork, training_id: str, kind: str,
              data: dict[str, Any]) -> None:
    """Who signed up hears of it: one outbox record, in the change's transaction (the
    consumer reads the signups; ``seats_taken`` read as zero may miss a signup made in
    the same instant, which then sees the change itself)."""
    event = history_event(ctx, kind, data)
    repo().publish(uow, ctx.tenant, outbox_record(ctx.tenant, MODULE, training_id, event,
                                                  [kind]))


def list_trainings(ctx: Ctx, language: str | None, kind: str | None, audience: str | None,
                   limit: int, start_key: dict[str, Any] | None) -> Page:
    """Sessions from now on, in time order: staff every one (or one ``audience``'s), a
    portal user their audience's; each says whether the caller signed up."""
    if ctx.principal.is_staff:
        wanted = audience
    else:
        wanted = _audience(ctx)
        if audience not in (None, wanted):
            raise InvalidInput("You see the sessions of your own audience.", [
                FieldError(("query", "audience"), f"must be {wanted}" if wanted else
                           "your organisation is neither a supplier nor a buyer")])
        if wanted is None:
            return Page([], None)
    page = repo().sessions(ctx.tenant, wanted, ctx.stamp, limit, start_key, language, kind)
    mine = set() if ctx.principal.is_staff else {
        s["training_id"] for s in repo().user_signups(ctx.tenant, ctx.principal.user_id,
                                                      ctx.stamp)}
    items = [rules.view(Training.model_validate(i), i["id"] in mine).model_dump(mode="json")
             for i in page.items]
    return Page(items, page.last_key)


# --- signups ----------------------------------------------------------------------------


def _signup(item: Item) -> Signup:
    return Signup.model_validate(item | {"invitation_path":
                                         invitation_path(item["training_id"])})


def sign_up(ctx: Ctx, training_id: str) -> tuple[Signup, bool]:
    """The caller's seat: (their signup, whether it is new). Signing up again changes
    nothing; a full, cancelled or started session is refused, naming why."""
    _visible(ctx, training_id)
    _portal_user(ctx)
    store = repo()

    def attempt() -> tuple[Signup, bool]:
        existing = store.get_signup(ctx.tenant, training_id, ctx.principal.user_id,
                                    consistent=True)
        if existing is not None:
            return _signup(existing), False
        current = Training.model_validate(store.get_training(ctx.tenant, training_id,
                                                             consistent=True))
        rules.check_open_for_signup(current, ctx.now)
        record = ctx.principal.record
        signup = {"training_id": training_id, "user_id": ctx.principal.user_id,
                  "user_name": record.get("name"), "email": ctx.principal.email or None,
                  "organization_id": ctx.principal.organization_id,
                  "signed_up_at": ctx.stamp}
        uow = UnitOfWork()
        store.sign_up(uow, ctx.tenant, current.model_dump(mode="json"), signup,
                      rules.reminder_due(current.starts_at, ctx.now), ctx.stamp)
        try:
            uow.commit()
        except AlreadySignedUp:
            return attempt_existing()
        return _signup(signup), True

    def attempt_existing() -> tuple[Signup, bool]:
        existing = store.get_signup(ctx.tenant, training_id, ctx.principal.user_id,
                                    consistent=True)
        if existing is None:
            raise SeatNotTaken()  # signed up and cancelled meanwhile: try again
        return _signup(existing), False

    # Each attempt reads the seats it counts on; a lost race reads them again.
    return retry_lost_races(attempt, SeatNotTaken, attempts=12, first_wait=0.01,
                            gave_up=lambda: Conflict("Many are signing up at once; "
                                                     "try again."))


def cancel_signup(ctx: Ctx, training_id: str) -> None:
    training = _visible(ctx, training_id, consistent=True)
    _portal_user(ctx)
    rules.check_cancellable_signup(training, ctx.now)
    uow = UnitOfWork()
    repo().cancel_signup(uow, ctx.tenant, training_id, ctx.principal.user_id)
    uow.commit()


def list_signups(ctx: Ctx, training_id: str, limit: int,
                 start_key: dict[str, Any] | None) -> Page:
    _visible(ctx, training_id)
    if not ctx.principal.is_staff:
        raise Forbidden("Staff see who signed up.")
    page = repo().signups(ctx.tenant, training_id, limit, start_key)
    return Page([_signup(i).model_dump(mode="json") for i in page.items], page.last_key)


# --- the invitation ---------------------------------------------------------------------


def invitation(ctx: Ctx, training_id: str) -> bytes:
    """The caller's invitation (``METHOD:REQUEST``; a cancelled session's is a
    ``METHOD:CANCEL``): only for who signed up, or staff who publish sessions."""
    training = _visible(ctx, training_id)
    if ctx.principal.is_staff:
        _staff(ctx)
    elif repo().get_signup(ctx.tenant, training_id, ctx.principal.user_id) is None:
        raise NotFound("You are not signed up for this session.")
    settings = directory().get_settings(ctx.tenant) or {}
    organizer = _organizer(ctx.tenant)
    attendee = None if ctx.principal.is_staff else (
        ctx.principal.email, ctx.principal.record.get("name"))
    return render_invitation(training, ctx.principal.language, organizer,
                             str(settings.get("name") or "Helpdesk"), attendee, ctx.now)


def render_invitation(training: Training, language: str, organizer: str, organizer_name: str,
                      attendee: tuple[str, str | None] | None, now: datetime) -> bytes:
    """RFC 5546 ``REQUEST`` (``CANCEL`` once cancelled): one event whose ``UID`` is the
    session's, whatever the attendee, and whose ``SEQUENCE`` is its version, so a calendar
    replaces the event it has when the session is moved or cancelled."""
    from icalendar import Calendar, Event, vCalAddress, vText

    cancelled = training.status == "cancelled"
    calendar = Calendar()
    calendar.add("prodid", "-//Helpdesk//Training//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"training-{training.id}@helpdesk")
    event.add("sequence", training.version - 1)
    event.add("dtstamp", now)
    event.add("dtstart", datetime.fromisoformat(training.starts_at))
    event.add("dtend", datetime.fromisoformat(training.ends_at))
    event.add("summary", rules.topic_in(training, language))
    description = rules.description_in(training, language)
    event.add("description", "\n\n".join(x for x in (description, training.join_url) if x))
    event.add("url", training.join_url)
    event.add("location", training.join_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    host = vCalAddress(f"mailto:{organizer}")
    host.params["cn"] = vText(organizer_name)
    event.add("organizer", host)
    if attendee and attendee[0]:
        guest = vCalAddress(f"mailto:{attendee[0]}")
        if attendee[1]:
            guest.params["cn"] = vText(attendee[1])
        guest.params["role"] = vText("REQ-PARTICIPANT")
        guest.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", guest, encode=False)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _organizer(tenant: str) -> str:
    from chalicelib.mail.addresses import tenant_address

    return tenant_address(tenant, get_config().mail_domain)


# --- the reminder -----------------------------------------------------------------------


def remind_signup(signup: Item, now: datetime) -> str:
    """The sweep: a signup whose day-before came. Sent once (the signup leaves the ``due``
    index in the transaction that writes the outbox record); dropped when the session was
    cancelled or has started; put off when the session was moved later."""
    tenant = str(signup["tenant"])
    ctx = Ctx(system_principal(tenant), now)
    item = repo().get_training(tenant, signup["training_id"], consistent=True)
    training = Training.model_validate(item) if item else None
    step = rules.reminder_step(training, signup["due_at"], now)
    uow = UnitOfWork()
    if step == "later":
        assert training is not None
        due = rules.reminder_due(training.starts_at, now)
        assert due is not None
        repo().postpone_reminder(uow, signup, due)
    elif step == "drop":
        repo().end_reminder(uow, signup, None)
    else:
        assert training is not None
        repo().end_reminder(uow, signup, ctx.stamp)
        event = history_event(ctx, REMINDED, {"training_id": training.id,
                                              "user_id": signup["user_id"],
                                              "starts_at": training.starts_at})
        repo().publish(uow, tenant, outbox_record(tenant, MODULE, training.id, event,
                                                  [REMINDED]))
    try:
        uow.commit()
    except Conflict:
        return "raced"  # handled, re-timed or cancelled meanwhile
    return {"send": "reminded", "later": "postponed", "drop": "dropped"}[step]
