"""Sign-in, token refresh, password reset (all through Cognito) and ``GET /me``."""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Blueprint
from pydantic import AfterValidator, StringConstraints

from chalicelib.api.routing import AUTHENTICATED, PUBLIC, Call, Reply, route
from chalicelib.domain.directory import MePatch, NotificationPreferences
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.models import Command, Email, Language, Model
from chalicelib.identity import cognito
from chalicelib.services import directory as svc
from chalicelib.services import rate_limits

bp = Blueprint(__name__)

Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def _strong(value: str) -> str:
    """The pool's policy (infra/resources.yaml), checked here too so the answer names the
    field, and so the local stack (moto skips the check on reset) behaves as AWS does."""
    missing = [what for what, ok in (
        ("a lower-case letter", any(c.islower() for c in value)),
        ("an upper-case letter", any(c.isupper() for c in value)),
        ("a digit", any(c.isdigit() for c in value)),
        ("a symbol", any(not c.isalnum() and not c.isspace() for c in value)),
    ) if not ok]
    if missing:
        raise ValueError("the password needs " + ", ".join(missing))
    return value


NewPassword = Annotated[str, StringConstraints(min_length=12, max_length=256),
                        AfterValidator(_strong)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class LoginBody(Command):
    email: Email
    password: Password


class RefreshBody(Command):
    refresh_token: Secret


class ForgotBody(Command):
    email: Email


class ResetBody(Command):
    email: Email
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    password: NewPassword


class NewPasswordBody(Command):
    email: Email
    session: Annotated[str, StringConstraints(min_length=20, max_length=2048)]
    password: NewPassword


class Me(Model):
    id: str
    email: str
    name: str
    kind: str
    organization_id: str | None
    contact_id: str | None = None
    roles: list[str]
    permissions: list[str]
    language: Language
    tenant: str
    # The tenant's display name (its settings' name; the id when it has none).
    tenant_name: str
    # Dates are shown in this zone: the user's own (timezone_own) or the tenant's.
    timezone: str
    timezone_own: bool = False
    phone: str | None = None
    # Mail to the address bounced for good: no e-mail goes there until it is cleared.
    email_undeliverable: bool = False
    version: int = 1
    # Client cases (issue 19): the module is on; for a contact, their organisation is
    # connected (its main contact accepted the firm's invitation).
    client_cases_active: bool = False
    organization_connected: bool | None = None


class TokenAnswer(Model):
    token: str
    refresh_token: str
    expires_in: int
    user: Me


class Accepted(Model):
    status: str


class PasswordChangeRequired(Unauthenticated):
    """First sign-in with a temporary password: choose a new one with the session."""

    def __init__(self, session: str) -> None:
        super().__init__("Choose a new password to finish signing in.")
        self.extra = {"challenge": "NEW_PASSWORD_REQUIRED", "session": session}


def _signed_in(tokens: cognito.Tokens) -> TokenAnswer:
    from datetime import UTC, datetime

    from chalicelib.identity.verifier import verifier
    from chalicelib.services.client_cases import record_sign_in
    from chalicelib.services.context import Ctx

    principal = svc.load_principal(verifier().verify(tokens.id_token))
    now = datetime.now(UTC)
    record_sign_in(principal, now)
    me = svc.get_me(Ctx(principal=principal, now=now))
    return TokenAnswer(token=tokens.id_token, refresh_token=tokens.refresh_token,
                       expires_in=tokens.expires_in, user=Me.model_validate(me))


@route(bp, "POST", "/auth/login", guard=PUBLIC, tag="auth", body=LoginBody,
       response=TokenAnswer, errors=(401, 429), summary="Sign in with e-mail and password")
def login(call: Call) -> TokenAnswer:
    # Before Cognito sees the password: a limited account answers 429 either way.
    rate_limits.sign_in_attempt(call.body.email, call.source_ip)
    try:
        return _signed_in(cognito.login(call.body.email, call.body.password))
    except cognito.PasswordChallenge as challenge:
        raise PasswordChangeRequired(challenge.session) from None


@route(bp, "POST", "/auth/new-password", guard=PUBLIC, tag="auth", body=NewPasswordBody,
       response=TokenAnswer, errors=(401, 429),
       summary="Finish the first sign-in by choosing a password")
def new_password(call: Call) -> TokenAnswer:
    body: NewPasswordBody = call.body
    return _signed_in(cognito.complete_new_password(body.email, body.session, body.password))


@route(bp, "POST", "/auth/refresh", guard=PUBLIC, tag="auth", body=RefreshBody,
       response=TokenAnswer, errors=(401, 429), summary="A fresh token from a refresh token")
def refresh(call: Call) -> TokenAnswer:
    return _signed_in(cognito.refresh(call.body.refresh_token))


@route(bp, "POST", "/auth/forgot-password", guard=PUBLIC, tag="auth", body=ForgotBody,
       response=Accepted, status=202, errors=(429,),
       summary="Mail a reset code (the answer is the same for unknown addresses)")
def forgot_password(call: Call) -> Reply:
    rate_limits.password_reset_request(call.body.email, call.source_ip)
    cognito.forgot_password(call.body.email)
    return Reply(Accepted(status="sent"), status=202)


@route(bp, "POST", "/auth/reset-password", guard=PUBLIC, tag="auth", body=ResetBody,
       response=Accepted, errors=(429,), summary="Set a new password with the mailed code")
def reset_password(call: Call) -> Accepted:
    body: ResetBody = call.body
    rate_limits.password_reset_attempt(body.email, call.source_ip)
    cognito.reset_password(body.email, body.code, body.password)
    return Accepted(status="reset")


@route(bp, "POST", "/auth/logout", guard=AUTHENTICATED, tag="auth", status=204,
       summary="Sign out on every device: refresh tokens stop working")
def logout(call: Call) -> Reply:
    # By username (the user's id), not the e-mail attribute, which may have changed.
    cognito.sign_out_everywhere(call.ctx.principal.user_id)
    return Reply(None, status=204)


@route(bp, "GET", "/me", guard=AUTHENTICATED, tag="auth", response=Me,
       summary="The signed-in user")
def me(call: Call) -> dict[str, Any]:
    return Me.model_validate(svc.get_me(call.ctx)).model_dump(mode="json")


@route(bp, "PATCH", "/me", guard=AUTHENTICATED, tag="auth", body=MePatch, response=Me,
       if_match=True, errors=(409,),
       summary="Change my name, language, phone or time zone (null: the tenant's), or clear "
               "my address's bounce mark")
def patch_me(call: Call) -> dict[str, Any]:
    user = svc.patch_me(call.ctx, call.body)
    me = svc.get_me(call.ctx, user.model_dump(mode="json"))
    return Me.model_validate(me).model_dump(mode="json")


@route(bp, "GET", "/me/notification-preferences", guard=AUTHENTICATED, tag="auth",
       response=NotificationPreferences, summary="The kinds of notification I get no e-mail for")
def get_notification_preferences(call: Call) -> NotificationPreferences:
    record = call.ctx.principal.record
    return NotificationPreferences(muted_email=record.get("muted_email", []))


@route(bp, "PUT", "/me/notification-preferences", guard=AUTHENTICATED, tag="auth",
       body=NotificationPreferences, response=NotificationPreferences, if_match=True,
       errors=(409,), summary="Mute e-mail per kind (the in-app inbox still shows them)")
def put_notification_preferences(call: Call) -> NotificationPreferences:
    return svc.set_notification_preferences(call.ctx, call.body)
