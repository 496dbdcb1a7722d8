"""``GET /_local/outbox``: the mail sent so far, as a person would read it.

Two sources: what the app sent through SES (moto keeps it), and what Cognito itself would
have mailed on AWS — invitations with a temporary password and password-reset codes. moto
sends neither, so the local stack writes them here when the API answers the request that
makes Cognito mail (``POST /users``, ``POST /auth/forgot-password``).
"""

from __future__ import annotations

import json
import secrets
import string
import threading
from datetime import UTC, datetime
from email import message_from_string, policy
from typing import Any

ACCOUNT = "123456789012"


def temporary_password() -> str:
    """Meets the pool's policy: 12+ characters with upper, lower, digit and symbol."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"Tmp-{core}-{secrets.randbelow(10)}a"


class LocalOutbox:
    def __init__(self, user_pool_id: str, region: str, *, skip_sent: int = 0) -> None:
        """``skip_sent``: that many of the SES messages sent first are not listed (mail
        sent before this outbox was made, where several test modules share one moto)."""
        self.user_pool_id = user_pool_id
        self.region = region
        self.skip_sent = skip_sent
        self._cognito_mail: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _pool(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[ACCOUNT][self.region].user_pools[self.user_pool_id]

    def _cognito_sender(self) -> str:
        """The pool's From (infra/resources.yaml: our SES identity), else Cognito's own."""
        configured = self._pool().extended_config.get("EmailConfiguration") or {}
        return str(configured.get("From") or "no-reply@verificationemail.com")

    def _add(self, to: str, subject: str, text: str) -> None:
        with self._lock:
            self._cognito_mail.append({
                "to": [to], "from": self._cognito_sender(), "subject": subject,
                "headers": {}, "text": text, "html": None, "via": "cognito",
                "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            })

    def after_api(self, method: str, path: str, status: int, request_body: bytes,
                  response_headers: dict[str, str], response_body: bytes) -> None:
        """Called by the local server after each API answer."""
        route = f"{method} {path.split('?', 1)[0]}"
        if route == "POST /auth/forgot-password" and status == 202:
            self._reset_code(json.loads(request_body)["email"].strip().lower())
        elif route == "POST /users" and status == 201 and not any(
                name.lower() == "idempotent-replayed" for name in response_headers):
            self._invitation(json.loads(response_body)["email"])

    def _reset_code(self, email: str) -> None:
        user = self._pool()._get_user(email)
        if user is None or not getattr(user, "confirmation_code", None):
            return  # an unknown address: Cognito sends nothing either
        self._add(email, "Your Helpdesk password reset code",
                  f"Your password reset code is {user.confirmation_code}")

    def _invitation(self, email: str) -> None:
        import boto3

        password = temporary_password()
        boto3.client("cognito-idp").admin_set_user_password(
            UserPoolId=self.user_pool_id, Username=email, Password=password, Permanent=False)
        self._add(email, "Your Helpdesk account",
                  f"Your username is {email} and your temporary password is {password}")

    def messages(self) -> list[dict[str, Any]]:
        from moto.ses.models import ses_backends

        sent = []
        for message in ses_backends[ACCOUNT][self.region].sent_messages[self.skip_sent:]:
            if hasattr(message, "raw_data"):
                sent.append(_raw(message.source, message.destinations, message.raw_data,
                                 f"<{message.id}@{self.region}.amazonses.com>"))
            else:
                sent.append({"to": [a for group in message.destinations.values() for a in group],
                             "from": message.source, "subject": message.subject,
                             "headers": {}, "text": message.body, "html": None, "via": "ses"})
        with self._lock:
            return [*self._cognito_mail, *sent]


def _raw(source: str, destinations: list[str], raw: str, ses_id: str) -> dict[str, Any]:
    """What the recipient gets: SES replaces the Message-ID we set with its own."""
    parsed = message_from_string(raw, policy=policy.default)
    del parsed["Message-ID"]
    parsed["Message-ID"] = ses_id
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return {
        # moto lists the To header besides the Destinations we gave: each address once.
        "to": list(dict.fromkeys(destinations or [str(parsed.get("To", ""))])),
        "from": str(parsed.get("From", source)),
        "subject": str(parsed.get("Subject", "")),
        "headers": {k: str(v) for k, v in parsed.items()},
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "via": "ses",
    }
