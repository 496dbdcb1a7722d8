"""Where moto is less strict than AWS in a way our guarantees depend on, make it as strict.

S3 checks a presigned POST's policy (size range, content type, expiry); moto does not.

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
        expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
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


def make_moto_faithful() -> None:
    make_s3_post_policies_enforced()
