"""Certificates and logos (seed 000): a published supplier's PDF certificate, its public
verification by code, revocation, a copy by e-mail, and each network's logo."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint
from pydantic import ConfigDict

from chalicelib.api.routing import PUBLIC, Call, Reply, route
from chalicelib.domain import certificates
from chalicelib.domain.models import Language, Model
from chalicelib.domain.permissions import Permission
from chalicelib.services import certificates as svc

bp = Blueprint(__name__)

TAG = "networks"
# Bounded only: the service checks the code's exact form and signature, and any code that
# does not hold is the same 404 (a 400 here would tell a guesser which part was wrong).
CODE_PATTERN = r"^[^\x00-\x1f\x7f/]{1,100}$"


class LanguageQuery(Model):
    model_config = ConfigDict(extra="forbid")

    lang: Language | None = None


class Revocation(Model):
    subscription_id: str
    serial: str | None
    revoked_through: int
    revoked_at: str | None
    reason: str | None


class MailSent(Model):
    sent_to: str
    serial: str
    filename: str


class LogoUploadAnswer(certificates.Logo):
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: str


class LogoLink(Model):
    url: str
    expires_at: str
    content_type: str


@route(bp, "GET", "/subscriptions/{id}/certificate", guard=Permission.SUBSCRIPTIONS_VIEW,
       tag=TAG, query=LanguageQuery, errors=(409, 422),
       response={"type": "string", "contentMediaType": "application/pdf"},
       summary="The published subscription's certificate as PDF (send Accept: "
               "application/pdf); the network's name in lang, else the user's language")
def get_certificate(call: Call) -> Reply:
    pdf, filename = svc.certificate_pdf(call.ctx, call.params["id"], call.query.lang)
    return Reply(pdf, headers={"Content-Type": "application/pdf",
                               "Content-Disposition": f'attachment; filename="{filename}"',
                               "Cache-Control": "private, no-store"})


@route(bp, "POST", "/subscriptions/{id}/certificate/revoke",
       guard=Permission.SUBSCRIPTIONS_VALIDATE, tag=TAG, body=certificates.CertificateRevoke,
       response=Revocation, errors=(409, 422),
       summary="Staff: revoke the subscription's certificates until it is published again")
def revoke_certificate(call: Call) -> dict[str, Any]:
    return svc.revoke(call.ctx, call.params["id"], call.body)


@route(bp, "POST", "/subscriptions/{id}/certificate/mail", guard=Permission.SUBSCRIPTIONS_VIEW,
       tag=TAG, query=LanguageQuery, response=MailSent, status=202, idempotent=True,
       errors=(409, 422),
       summary="Mail the certificate (PDF attached) to my own address (a retry with the "
               "same Idempotency-Key sends nothing twice)")
def mail_certificate(call: Call) -> Reply:
    return Reply(svc.mail_copy(call.ctx, call.params["id"], call.query.lang), status=202)


@route(bp, "GET", "/certificates/{code}", guard=PUBLIC, tag=TAG, query=LanguageQuery,
       response=certificates.Verification, errors=(404,), path_patterns={"code": CODE_PATTERN},
       summary="Anyone: whether a certificate's code holds (valid, expired or revoked)")
def verify_certificate(call: Call) -> certificates.Verification:
    # A path parameter may arrive percent-encoded (a space typed between the groups).
    return svc.verify(unquote(call.params["code"]), datetime.now(UTC), call.query.lang)


@route(bp, "PUT", "/networks/{id}/logo", guard=Permission.NETWORKS_MANAGE, tag=TAG,
       body=certificates.LogoUpload, response=LogoUploadAnswer,
       summary="Staff: a presigned POST for the network's logo (PNG or JPEG, at most 1 MB; "
               "SVG is refused)")
def upload_logo(call: Call) -> dict[str, Any]:
    return svc.upload_logo(call.ctx, call.params["id"], call.body)


@route(bp, "GET", "/networks/{id}/logo", guard=Permission.NETWORKS_VIEW, tag=TAG,
       response=LogoLink, errors=(409, 422),
       summary="A short-lived download address of the network's logo (staff, and the "
               "suppliers published in the network)")
def logo_link(call: Call) -> dict[str, Any]:
    return svc.logo_link(call.ctx, call.params["id"])
