"""Certificates and logos (seed 000): a published supplier's PDF certificate per network,
its public verification by code, its revocation by staff, a copy by e-mail on request, and
each network's logo for the suppliers published in it.

Who sees what: a subscription's certificate is seen by whoever sees the subscription
(``services/networks.py``: staff with ``subscriptions.view``, the supplier's own users);
anyone else gets the same 404 as for a subscription that does not exist. The certificate
is issued on its first download for the current publication and expiry (its record, the
subscription's certificate head and the ``certificate_issued`` history event in one
transaction), so publishing needs no extra step and a renewal issues the next one. Events
go through ``networks.record``: once the notification rules name them, they are told like
the subscription's other steps.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from chalicelib.config import get_config
from chalicelib.domain import certificates as rules
from chalicelib.domain.certificates import (
    Certificate,
    CertificateDocument,
    CertificateHead,
    CertificateRevoke,
    LogoUpload,
    Verification,
)
from chalicelib.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    ErrorList,
    Forbidden,
    NotFound,
)
from chalicelib.domain.networks import Subscription, in_language, shown_status
from chalicelib.domain.permissions import Permission
from chalicelib.services import files
from chalicelib.services import networks as subscriptions
from chalicelib.services.context import Ctx
from chalicelib.services.directory import repo as directory
from chalicelib.services.writes import commit_versioned, history_event, retry_lost_races
from chalicelib.store import files as stored_files
from chalicelib.store.certificates import CertificateRaceLost, CertificatesRepository
from chalicelib.store.dynamo import UnitOfWork


def repo() -> CertificatesRepository:
    return CertificatesRepository(get_config().networks_table)


def _no_certificate() -> NotFound:
    return NotFound("No such certificate.")


def _head(ctx: Ctx, subscription_id: str) -> CertificateHead | None:
    item = repo().get_head(ctx.tenant, subscription_id, consistent=True)
    return CertificateHead.model_validate(item) if item else None


def verify_url(code: str) -> str:
    """The portal's page for a code (``portal/js/views/verify.js``: it asks
    ``GET /certificates/{code}`` and shows the answer)."""
    return f"{get_config().portal_url.rstrip('/')}/#/verify?code={quote(code)}"


# --- the certificate ----------------------------------------------------------------------


def current_certificate(ctx: Ctx, subscription_id: str) -> tuple[Subscription, Certificate]:
    """The certificate of the subscription's current publication and expiry: the one
    issued already, or a new one (422 before publication, after expiry or revocation)."""
    subscription = subscriptions.get_subscription(ctx, subscription_id)

    publication = rules.publication_of(subscription.round, subscription.published_at)

    def attempt() -> Certificate:
        head = _head(ctx, subscription.id)
        rules.check_issuable(subscription.status, subscription.expires_at, head, publication)
        assert publication is not None
        if head is not None and head.serial is not None and head.current(
                publication, subscription.expires_at):
            item = repo().get_certificate(ctx.tenant, head.serial)
            if item is not None:
                return Certificate.model_validate(item)
        return _issue(ctx, subscription, publication, head or CertificateHead(
            subscription_id=subscription.id))

    certificate = retry_lost_races(
        attempt, CertificateRaceLost, attempts=6, first_wait=0.005,
        gave_up=lambda: Conflict("The certificate is being issued; try again."))
    return subscription, certificate


def _issue(ctx: Ctx, subscription: Subscription, publication: str,
           head: CertificateHead) -> Certificate:
    network = subscriptions.get_network(ctx, subscription.network_id)
    supplier_name = subscription.organization_name or _organization_name(
        ctx, subscription.organization_id)
    assert subscription.published_at is not None
    certificate = Certificate(
        serial=rules.new_serial(secrets.randbits(rules.SERIAL_BITS)),
        number=head.last_number + 1, subscription_id=subscription.id,
        network_id=network.id, organization_id=subscription.organization_id,
        supplier_name=supplier_name, supplier_id=subscription.supplier_id,
        network_name=network.name, valid_from=subscription.published_at,
        valid_until=subscription.expires_at, issued_at=ctx.stamp,
        issued_by=ctx.principal.user_id)
    # A new publication lifts a revocation; the certificates it covered stay revoked.
    updated = head.model_copy(update={
        "last_number": certificate.number, "serial": certificate.serial,
        "publication": publication, "valid_until": subscription.expires_at,
        "revoked": False, "revoked_at": None, "reason": None, "version": head.version + 1})
    uow = UnitOfWork()
    repo().create_certificate(uow, ctx.tenant, certificate.model_dump(mode="json"))
    repo().put_head(uow, ctx.tenant, updated.model_dump(mode="json"), head.version)
    subscriptions.record(uow, ctx.tenant, subscription.id, history_event(
        ctx, "certificate_issued", {"serial": certificate.serial, "number": certificate.number,
                                    "valid_until": certificate.valid_until}))
    uow.commit()
    return certificate


def _organization_name(ctx: Ctx, organization_id: str) -> str:
    item = directory().get_organization(ctx.tenant, organization_id)
    return str((item or {}).get("name") or organization_id)


def document(ctx: Ctx, certificate: Certificate, language: str | None) -> CertificateDocument:
    language = language or ctx.principal.language
    code = rules.code_for(get_config().secret, ctx.tenant, certificate.serial)
    return CertificateDocument(
        language=language, supplier_name=certificate.supplier_name,
        supplier_id=certificate.supplier_id,
        network_name=in_language(certificate.network_name, language),
        valid_from=certificate.valid_from, valid_until=certificate.valid_until,
        serial=certificate.serial, code=code, verify_url=verify_url(code))


def certificate_pdf(ctx: Ctx, subscription_id: str,
                    language: str | None) -> tuple[bytes, str]:
    """The PDF and its file name."""
    _, certificate = current_certificate(ctx, subscription_id)
    shown = document(ctx, certificate, language)
    return rules.render_pdf(shown), rules.filename(shown)


def verify(code: str, now: datetime, language: str | None) -> Verification:
    """Public: what the code's certificate says and whether it holds now. A code that is
    malformed, altered, forged or names nothing is the one same 404."""
    try:
        tenant, serial = rules.read_code(get_config().secret, code)
    except rules.UnknownCode:
        raise _no_certificate() from None
    item = repo().get_certificate(tenant, serial)
    if item is None:
        raise _no_certificate()
    certificate = Certificate.model_validate(item)
    head_item = repo().get_head(tenant, certificate.subscription_id)
    head = CertificateHead.model_validate(head_item) if head_item else None
    return Verification(
        status=rules.status_of(certificate, head, now), supplier_name=certificate.supplier_name,
        supplier_id=certificate.supplier_id,
        network_name=in_language(certificate.network_name, language or "sv"),
        valid_until=certificate.valid_until)


def revoke(ctx: Ctx, subscription_id: str, command: CertificateRevoke) -> dict[str, Any]:
    """Staff: every certificate of the subscription issued so far stops verifying, and no
    new one is issued until it is published again."""
    if not (ctx.principal.is_staff and ctx.principal.can(Permission.SUBSCRIPTIONS_VALIDATE)):
        raise Forbidden("Staff revoke certificates with subscriptions.validate.")
    subscription = subscriptions.get_subscription(ctx, subscription_id)
    head = _head(ctx, subscription.id) or CertificateHead(subscription_id=subscription.id)
    publication = rules.publication_of(subscription.round, subscription.published_at)
    revoked = rules.revoked_head(head, publication, ctx.now, command.reason)
    revoked = revoked.model_copy(update={"version": head.version + 1})
    uow = UnitOfWork()
    repo().put_head(uow, ctx.tenant, revoked.model_dump(mode="json"), head.version)
    subscriptions.record(uow, ctx.tenant, subscription.id, history_event(
        ctx, "certificate_revoked", {"serial": revoked.serial,
                                     "revoked_through": revoked.revoked_through,
                                     "reason": command.reason}))
    commit_versioned(ctx, uow)
    return {"subscription_id": subscription.id, "serial": revoked.serial,
            "revoked_through": revoked.revoked_through, "revoked_at": revoked.revoked_at,
            "reason": revoked.reason}


def mail_copy(ctx: Ctx, subscription_id: str, language: str | None) -> dict[str, Any]:
    """The certificate as a PDF attachment, to the caller's own address (never another:
    the address is the directory's, not the request's), through SES as notifications go."""
    from markupsafe import escape

    from chalicelib.notify.senders import build_email, send_recorded_email

    address = ctx.principal.email
    if not address or ctx.principal.record.get("email_undeliverable"):
        raise BusinessRuleViolation("Mail to your address cannot be delivered; download the "
                                    "certificate instead.")
    _, certificate = current_certificate(ctx, subscription_id)
    shown = document(ctx, certificate, language)
    pdf, name = rules.render_pdf(shown), rules.filename(shown)
    words = rules.labels(shown.language)
    settings = directory().get_settings(ctx.tenant) or {}
    subject = f"{words['subject']} {shown.network_name}"
    download = (f"{get_config().portal_url.rstrip('/')}/#/subscriptions/"
                f"{certificate.subscription_id}")
    text = (f"{words['mail_intro']}\n\n{words['supplier']}: {shown.supplier_name}\n"
            f"{words['supplier_id']}: {shown.supplier_id}\n{words['network']}: "
            f"{shown.network_name}\n{words['valid']}: {shown.valid_from[:10]} {words['to']} "
            f"{shown.valid_until[:10]}\n{words['code']}: {shown.code}\n\n{words['verify']}: "
            f"{shown.verify_url}\n{words['download']}: {download}\n")
    html = (f"<p>{escape(words['mail_intro'])}</p><p>{escape(words['supplier'])}: "
            f"<b>{escape(shown.supplier_name)}</b><br>{escape(words['supplier_id'])}: "
            f"<b>{escape(shown.supplier_id)}</b><br>{escape(words['network'])}: "
            f"{escape(shown.network_name)}<br>{escape(words['code'])}: "
            f"<code>{escape(shown.code)}</code></p><p><a href=\"{escape(shown.verify_url)}\">"
            f"{escape(words['verify'])}</a> · <a href=\"{escape(download)}\">"
            f"{escape(words['download'])}</a></p>")
    message = build_email(address, str(settings.get("name") or "Helpdesk"), subject, text,
                          html)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    send_recorded_email(ctx.tenant, message, ctx.principal.user_id)
    return {"sent_to": address, "serial": certificate.serial, "filename": name}


# --- logos --------------------------------------------------------------------------------


def _logo_key(tenant: str, network_id: str, upload_id: str, content_type: str) -> str:
    return f"t/{tenant}/networks/{network_id}/logo/{upload_id}{rules.LOGO_TYPES[content_type]}"


def upload_logo(ctx: Ctx, network_id: str, command: LogoUpload) -> dict[str, Any]:
    """Staff: a presigned POST for the network's new logo (PNG or JPEG, at most 1 MB); it
    replaces the current one, whose object is deleted once the new record is written."""
    if not (ctx.principal.is_staff and ctx.principal.can(Permission.NETWORKS_MANAGE)):
        raise Forbidden("Staff change logos with networks.manage.")
    subscriptions.get_network(ctx, network_id)
    errors = ErrorList()
    if (problem := rules.logo_type_problem(command.content_type)) is not None:
        errors.add(("body", "content_type"), problem)
    errors.raise_if_any()
    current = repo().get_logo(ctx.tenant, network_id, consistent=True)
    key = _logo_key(ctx.tenant, network_id, ctx.new_id(), command.content_type)
    logo = rules.Logo(network_id=network_id, content_type=command.content_type,
                      size=command.size, uploaded_by=ctx.principal.user_id,
                      created_at=ctx.stamp)
    uow = UnitOfWork()
    repo().put_logo(uow, ctx.tenant, {**logo.model_dump(mode="json"), "key": key},
                    current["key"] if current else None)
    if current is not None:
        uow.after_commit(lambda: files.delete_object(current["key"]))
    uow.commit()
    return {**logo.model_dump(mode="json"),
            **files.presigned_upload(key, command.content_type, command.size, ctx.now)}


def _may_have_logo(ctx: Ctx, network_id: str) -> None:
    """Staff who see networks, and the users of a supplier published in this network."""
    principal = ctx.principal
    if principal.is_staff:
        return
    published = False
    if principal.organization_id is not None:
        subscription_id = subscriptions.repo().organization_network(
            ctx.tenant, principal.organization_id, network_id)
        item = (subscriptions.repo().get_subscription(ctx.tenant, subscription_id)
                if subscription_id else None)
        published = item is not None and shown_status(
            item["status"], item["expires_at"], ctx.now) == "published"
    if not published:
        raise Forbidden("The network's logo is for the suppliers published in it.")


def logo_link(ctx: Ctx, network_id: str) -> dict[str, Any]:
    """A short-lived download address of the network's logo. The first download checks
    that the upload arrived whole and really is the declared image, then marks it."""
    subscriptions.get_network(ctx, network_id)
    _may_have_logo(ctx, network_id)
    item = repo().get_logo(ctx.tenant, network_id)
    if item is None:
        raise NotFound("This network has no logo.")
    if item.get("state") != "uploaded":
        files.confirm_upload(item["key"], item["size"])
        if not rules.looks_like(item["content_type"], stored_files.read(item["key"])[:16]):
            files.delete_object(item["key"])
            raise BusinessRuleViolation(
                f"The uploaded logo is not a {item['content_type']} file; upload it again.")
        uow = UnitOfWork()
        repo().put_logo(uow, ctx.tenant, {**item, "state": "uploaded"}, item["key"])
        with contextlib.suppress(Conflict):  # a newer upload replaced it meanwhile
            uow.commit()
    name = f"logo-{network_id}{rules.LOGO_TYPES[item['content_type']]}"
    return {**files.download_link(item["key"], name, item["content_type"], ctx.now),
            "content_type": item["content_type"]}
