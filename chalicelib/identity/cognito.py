"""Amazon Cognito: sign-in, refresh, password reset and user administration.

One pool serves every tenant; a user's tenant is the immutable ``custom:tenant``
attribute. Roles are not kept here: they are the directory's. Logins are e-mail
addresses, so an address belongs to one tenant.

The admin calls address a user by their username, never by e-mail: in a pool whose
``UsernameAttributes`` is ``email``, Cognito gives each user a generated username that
is their ``sub``, the id of their directory record. The e-mail attribute is only an alias
for signing in, and an alias can change (``infra/resources.yaml`` lets no user change it
themselves; an admin call could), after which a call addressed by the old one would miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.config import get_config
from chalicelib.domain.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    RateLimited,
    Unauthenticated,
)
from chalicelib.store.clients import client


@dataclass(frozen=True)
class Tokens:
    id_token: str
    refresh_token: str
    expires_in: int


class PasswordChallenge(Exception):
    """The user must choose a new password (first sign-in with a temporary one)."""

    def __init__(self, session: str) -> None:
        super().__init__("NEW_PASSWORD_REQUIRED")
        self.session = session


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _cognito() -> Any:
    return client("cognito-idp")


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    auth = result["AuthenticationResult"]
    return Tokens(
        id_token=auth["IdToken"],
        refresh_token=auth.get("RefreshToken") or refresh_token or "",
        expires_in=int(auth.get("ExpiresIn", 3600)),
    )


def _raise_auth_error(exc: ClientError) -> None:
    code = _code(exc)
    if code in {"TooManyRequestsException", "LimitExceededException"}:
        raise RateLimited("Too many attempts; wait a moment and try again.") from None
    if code in {
        "NotAuthorizedException",
        "UserNotFoundException",
        "ResourceNotFoundException",  # moto's answer to an unknown challenge session
        "CodeMismatchException",
        "ExpiredCodeException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }:
        raise Unauthenticated("The e-mail address or password is wrong.") from None
    raise exc


def login(email: str, password: str) -> Tokens:
    cfg = get_config()
    try:
        result = _cognito().initiate_auth(
            ClientId=cfg.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as exc:
        _raise_auth_error(exc)
        raise
    if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        raise PasswordChallenge(session=result["Session"])
    return _tokens(result)


def complete_new_password(email: str, session: str, password: str) -> Tokens:
    cfg = get_config()
    try:
        result = _cognito().respond_to_auth_challenge(
            ClientId=cfg.user_pool_client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": password},
        )
    except ClientError as exc:
        if _code(exc) == "InvalidPasswordException":
            raise _weak_password(exc) from None
        _raise_auth_error(exc)
        raise
    return _tokens(result)


def refresh(refresh_token: str) -> Tokens:
    cfg = get_config()
    try:
        result = _cognito().initiate_auth(
            ClientId=cfg.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as exc:
        _raise_auth_error(exc)
        raise
    return _tokens(result, refresh_token)


def forgot_password(email: str) -> None:
    """Cognito mails the code. Unknown addresses look the same (no account probing)."""
    cfg = get_config()
    try:
        _cognito().forgot_password(ClientId=cfg.user_pool_client_id, Username=email)
    except ClientError as exc:
        code = _code(exc)
        if code in {"TooManyRequestsException", "LimitExceededException"}:
            raise RateLimited("Too many attempts; wait a moment and try again.") from None
        if code not in {"UserNotFoundException", "NotAuthorizedException",
                        "InvalidParameterException", "ResourceNotFoundException"}:
            raise


def _weak_password(exc: ClientError) -> InvalidInput:
    message = exc.response.get("Error", {}).get("Message", "The password is too weak.")
    return InvalidInput("The password does not meet the policy.",
                        [FieldError(("body", "password"), message)])


def reset_password(email: str, code: str, password: str) -> None:
    cfg = get_config()
    try:
        _cognito().confirm_forgot_password(
            ClientId=cfg.user_pool_client_id, Username=email, ConfirmationCode=code,
            Password=password,
        )
    except ClientError as exc:
        kind = _code(exc)
        if kind == "InvalidPasswordException":
            raise _weak_password(exc) from None
        if kind in {"CodeMismatchException", "ExpiredCodeException", "UserNotFoundException",
                    "NotAuthorizedException", "InvalidParameterException",
                    "ResourceNotFoundException"}:
            raise InvalidInput("The code is wrong or has expired.",
                               [FieldError(("body", "code"), "wrong or expired code")]) from None
        if kind in {"TooManyRequestsException", "LimitExceededException",
                    "TooManyFailedAttemptsException"}:
            raise RateLimited("Too many attempts; wait a moment and try again.") from None
        raise


def create_user(email: str, name: str, tenant: str) -> str:
    """Creates the Cognito user (Cognito mails the invitation) and returns its ``sub``,
    which is also its username: the id every later call addresses it by."""
    cfg = get_config()
    params: dict[str, Any] = {
        "UserPoolId": cfg.user_pool_id,
        "Username": email,
        "UserAttributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
            {"Name": "custom:tenant", "Value": tenant},
        ],
        "DesiredDeliveryMediums": ["EMAIL"],
    }
    try:
        answer = _cognito().admin_create_user(**params)
    except ClientError as exc:
        if _code(exc) == "UsernameExistsException":
            raise Conflict(
                "A user with this e-mail address exists already.",
                [FieldError(("body", "email"), "already registered")],
            ) from None
        if _code(exc) == "InvalidParameterException":
            message = exc.response.get("Error", {}).get("Message", "not accepted")
            raise InvalidInput("Cognito refused the user.",
                               [FieldError(("body", "email"), message)]) from None
        raise
    attributes = {a["Name"]: a["Value"] for a in answer["User"].get("Attributes", [])}
    return str(attributes["sub"])


def set_permanent_password(username: str, password: str) -> None:
    """For the demo seed and tests (``username``: the user's id, or the e-mail alias)."""
    _cognito().admin_set_user_password(
        UserPoolId=get_config().user_pool_id, Username=username, Password=password,
        Permanent=True,
    )


def set_enabled(user_id: str, enabled: bool) -> None:
    pool = get_config().user_pool_id
    if enabled:
        _cognito().admin_enable_user(UserPoolId=pool, Username=user_id)
    else:
        _cognito().admin_disable_user(UserPoolId=pool, Username=user_id)
        _cognito().admin_user_global_sign_out(UserPoolId=pool, Username=user_id)


def sign_out_everywhere(user_id: str) -> None:
    """Invalidates every refresh token of the user; ID tokens run out within the hour."""
    _cognito().admin_user_global_sign_out(UserPoolId=get_config().user_pool_id,
                                          Username=user_id)


def delete_user(user_id: str) -> None:
    """Compensation when the directory write after a Cognito create fails."""
    try:
        _cognito().admin_delete_user(UserPoolId=get_config().user_pool_id, Username=user_id)
    except ClientError as exc:
        if _code(exc) != "UserNotFoundException":
            raise
