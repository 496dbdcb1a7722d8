"""The app's own request limits (fixed windows, counted in DynamoDB):

- sign-in: per e-mail address tried and per client IP;
- forgot-password and reset-password: per e-mail address and per client IP;
- attachment announcements: per user and per client IP;
- the help center's public votes ("was this helpful?") and article views: per client IP.

Each check counts the request or raises ``TooManyRequests`` with the seconds until the
window ends. Checks run before the work they guard (before Cognito sees a password), so a
limited account answers the same whether the password would have been right or wrong.
Subjects are stored as HMAC digests under the server secret: no address is kept raw.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.config import RateLimit, get_config
from chalicelib.domain.errors import TooManyRequests
from chalicelib.domain.rate_limits import window_at
from chalicelib.store.rate_limits import RateLimitStore
from chalicelib.store.tables import idempotency_table

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = _system_clock

# API Gateway always names the peer; a request without one (a direct invocation) shares
# one bucket rather than escaping the per-IP limit.
UNKNOWN_IP = "unknown"


def use_clock(clock: Clock | None) -> None:
    """Tests move time with this instead of sleeping; None restores the system clock."""
    global _clock
    _clock = clock or _system_clock


def _digest(name: str, subject: str) -> str:
    secret = get_config().secret.encode()
    return hmac.new(secret, f"{name}\0{subject}".encode(), hashlib.sha256).hexdigest()[:40]


def _take(name: str, limit: RateLimit, subject: str, now_epoch: int) -> None:
    window = window_at(now_epoch, limit.seconds)
    store = RateLimitStore(idempotency_table())
    if not store.take(name, _digest(name, subject), window.start, limit.count, window.end):
        wait = window.seconds_left(now_epoch)
        raise TooManyRequests(f"Too many attempts; try again in {wait} seconds.", wait)


def _email_key(email: str) -> str:
    # Cognito's user names are case-insensitive (UsernameConfiguration in the template).
    return email.strip().casefold()


def _ip(source_ip: str) -> str:
    return source_ip.strip() or UNKNOWN_IP


def sign_in_attempt(email: str, source_ip: str) -> None:
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("login-ip", limits.login_per_ip, _ip(source_ip), now)
    _take("login-email", limits.login_per_email, _email_key(email), now)


def password_reset_request(email: str, source_ip: str) -> None:
    """``POST /auth/forgot-password``: each one mails a code, so it is limited per address."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("forgot-ip", limits.forgot_password_per_ip, _ip(source_ip), now)
    _take("forgot-email", limits.forgot_password_per_email, _email_key(email), now)


def password_reset_attempt(email: str, source_ip: str) -> None:
    """``POST /auth/reset-password``: guesses at the mailed code."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("reset-ip", limits.reset_password_per_ip, _ip(source_ip), now)
    _take("reset-email", limits.reset_password_per_email, _email_key(email), now)


def attachment_announcement(tenant: str, user_id: str, source_ip: str) -> None:
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("attach-ip", limits.attachments_per_ip, _ip(source_ip), now)
    _take("attach-user", limits.attachments_per_user, f"{tenant}\0{user_id}", now)


def help_feedback(source_ip: str) -> None:
    """``POST /help/{tenant}/articles/{slug}/feedback``: anyone votes, so one client cannot
    sway an article's figures."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("help-feedback-ip", limits.help_feedback_per_ip, _ip(source_ip), now)


def help_view(source_ip: str) -> None:
    """``POST /help/{tenant}/articles/{slug}/views``: nor lift an article to the most read."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("help-views-ip", limits.help_views_per_ip, _ip(source_ip), now)


def status_subscription(tenant: str, email: str, source_ip: str) -> None:
    """``POST /status/{tenant}/subscriptions``: each one mails a confirmation link."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("status-sub-ip", limits.status_subscriptions_per_ip, _ip(source_ip), now)
    _take("status-sub-email", limits.status_subscriptions_per_email,
          f"{tenant}\0{_email_key(email)}", now)


def chat_start(tenant: str, source_ip: str) -> None:
    """``POST /chat/sessions`` and ``/chat/{tenant}/messages`` without login (issue 18): each
    one opens a chat or a ticket for anyone."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("chat-start-ip", limits.chat_starts_per_ip, f"{tenant}\0{_ip(source_ip)}", now)


def chat_message(tenant: str, session_id: str, side: str) -> None:
    """``POST /chat/sessions/{id}/messages``: what the socket's frame limit is over HTTP."""
    limits, now = get_config().rate_limits, int(_clock().timestamp())
    _take("chat-message", limits.chat_messages_per_session, f"{tenant}\0{session_id}\0{side}",
          now)
