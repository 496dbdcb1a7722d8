"""Where moto is less strict than AWS in a way our guarantees depend on, make it as strict.

S3 checks a presigned POST's policy (size range, content type, expiry); moto does not.
Cognito lets a user write with their own access token only the attributes the app
client's WriteAttributes name; moto lets them write any (``email``, ``custom:tenant``).
Cognito's tokens belong to the user; moto files them under the name typed at sign-in
(the e-mail alias), so a global sign-out addressed by the username (the ``sub``) missed them.

(DynamoDB needs nothing here any more: the local stack's tables are DynamoDB Local, and
the tests of conditional writes under concurrency run on it, not on moto's mock.)
"""

from __future__ import annotations

import base64
import functools
import json
from datetime import UTC, datetime
from typing import Any


def _policy_violation(fields: dict[str, str], size: int, policy_b64: str,
                      now: datetime) -> tuple[str, str] | None:
    """What real S3 checks of a browser-based POST's policy: expiry, the exact-match and
    starts-with conditions, and content-length-range. (code, message), or None when valid."""
    try:
        policy = json.loads(base64.b64decode(policy_b64))
        expires = datetime.fromisoformat(policy["expiration"])
    except (ValueError, KeyError, TypeError):
        return "InvalidPolicyDocument", "Invalid Policy: malformed"
    if expires <= now:
        return "AccessDenied", "Invalid according to Policy: Policy expired."
    lowered = {k.lower(): v for k, v in fields.items()}
    for condition in policy.get("conditions", []):
        failed = _condition_failure(condition, lowered, size)
        if failed:
            return failed
    return None


def _condition_failure(condition: Any, fields: dict[str, str],
                       size: int) -> tuple[str, str] | None:
    denied = "AccessDenied", "Invalid according to Policy: Policy Condition failed"
    if isinstance(condition, dict):
        ((name, value),) = condition.items()
        return None if fields.get(name.lower()) == value else denied
    kind = condition[0]
    if kind == "content-length-range":
        if size > int(condition[2]):
            return "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        if size < int(condition[1]):
            return "EntityTooSmall", "Your proposed upload is smaller than the minimum size"
        return None
    value = fields.get(condition[1].lstrip("$").lower(), "")
    ok = value == condition[2] if kind == "eq" else value.startswith(condition[2])
    return None if ok else denied


def make_s3_post_policies_enforced() -> None:
    """moto stores a presigned POST upload without reading its policy; S3 refuses one that
    breaks it (a larger file than allowed, another content type, an expired form)."""
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_post
    if getattr(original, "__helpdesk_policy__", False):
        return

    @functools.wraps(original)
    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        form = getattr(self, "querystring", {}) or {}
        if "policy" in form:
            # The bucket is a condition too; S3 compares it with the bucket posted to.
            fields = {**{k: v[0] for k, v in form.items() if v}, "bucket": bucket_name}
            body = self.body if isinstance(self.body, bytes | bytearray) else b""
            problem = _policy_violation(fields, len(body), fields["policy"],
                                        datetime.now(UTC))
            if problem:
                code, message = problem
                xml = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                       f"<Message>{message}</Message></Error>")
                return 400 if code != "AccessDenied" else 403, {}, xml
        return original(self, request, bucket_name)

    checked.__helpdesk_policy__ = True  # type: ignore[attr-defined]
    S3Response._bucket_response_post = checked


def make_cognito_write_attributes_enforced() -> None:
    """UpdateUserAttributes (the user's own call, with their access token) may change only
    the attributes its app client may write, as in Cognito; admin calls are not limited."""
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.update_user_attributes
    if getattr(original, "__helpdesk_write_attributes__", False):
        return

    @functools.wraps(original)
    def checked(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                app_client = pool.clients.get(client_id)
                allowed = app_client.extended_config.get("WriteAttributes") if app_client \
                    else None
                if allowed is not None and any(a["Name"] not in allowed for a in attributes):
                    raise NotAuthorizedError("A client attempted to write unauthorized "
                                             "attribute")
        original(self, access_token, attributes)

    checked.__helpdesk_write_attributes__ = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_attributes = checked  # type: ignore[method-assign]


def make_cognito_tokens_belong_to_the_user() -> None:
    """Files each new refresh and access token under the user's username (in an e-mail
    username pool, the generated id that is also the ``sub``), not under the alias they
    signed in with, so AdminUserGlobalSignOut by username ends every session, as in Cognito."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    if getattr(CognitoIdpUserPool.create_refresh_token, "__helpdesk_username__", False):
        return

    def by_username(original: Any) -> Any:
        @functools.wraps(original)
        def canonical(self: Any, client_id: str, username: str, *args: Any,
                      **kwargs: Any) -> Any:
            user = self._get_user(username)
            return original(self, client_id, user.username if user else username, *args,
                            **kwargs)

        canonical.__helpdesk_username__ = True  # type: ignore[attr-defined]
        return canonical

    for name in ("create_refresh_token", "create_access_token"):
        setattr(CognitoIdpUserPool, name, by_username(getattr(CognitoIdpUserPool, name)))


def make_moto_faithful() -> None:
    make_s3_post_policies_enforced()
    make_cognito_write_attributes_enforced()
    make_cognito_tokens_belong_to_the_user()
