"""Settings from environment variables, read once per process (a Lambda container)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from functools import lru_cache


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests per fixed window of ``seconds``."""

    count: int
    seconds: int


@dataclass(frozen=True)
class RateLimits:
    """The app's own limits (API Gateway's stage and route throttling come on top).
    Each is ``RATE_LIMIT_<NAME>=<count>/<seconds>`` in the environment."""

    login_per_email: RateLimit = RateLimit(10, 300)
    login_per_ip: RateLimit = RateLimit(30, 300)
    forgot_password_per_email: RateLimit = RateLimit(5, 3600)
    forgot_password_per_ip: RateLimit = RateLimit(20, 3600)
    reset_password_per_email: RateLimit = RateLimit(10, 3600)
    reset_password_per_ip: RateLimit = RateLimit(30, 3600)
    attachments_per_user: RateLimit = RateLimit(60, 3600)
    attachments_per_ip: RateLimit = RateLimit(300, 3600)
    # The help center's public counters: "was this helpful?" votes and article views.
    help_feedback_per_ip: RateLimit = RateLimit(30, 3600)
    help_views_per_ip: RateLimit = RateLimit(600, 3600)
    # Each status-page subscription mails a confirmation link (issue 17).
    status_subscriptions_per_email: RateLimit = RateLimit(3, 3600)
    status_subscriptions_per_ip: RateLimit = RateLimit(30, 3600)
    # Chats and "leave a message" started without login (issue 18), per client address.
    chat_starts_per_ip: RateLimit = RateLimit(20, 3600)
    # Messages sent over HTTP to one chat by one side (the socket counts its own frames).
    chat_messages_per_session: RateLimit = RateLimit(60, 60)


@dataclass(frozen=True)
class Config:
    stage: str
    region: str
    directory_table: str
    tickets_table: str
    contact_orders_table: str
    networks_table: str
    help_table: str  # the help center and the status page (issue 17)
    chat_table: str  # chat sessions, messages and socket connections (issue 18)
    idempotency_table: str
    notifications_queue: str
    notifications_dlq: str
    # S3 tells this queue of each message SES stores; jobs/inbound.py reads it.
    inbound_mail_queue: str
    inbound_mail_dlq: str
    attachments_bucket: str
    inbound_mail_bucket: str
    portal_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    # The JWKS address; on AWS it follows from region and pool, locally moto serves it.
    jwks_url: str
    # Signs cursors and other tokens we hand out; never leaves the server.
    secret: str
    max_body_bytes: int
    portal_origin: str
    # Where e-mail links point (the portal's address); the origin when that is a URL.
    portal_url: str
    # The sender of notification e-mail: an address of the tenant-facing mail domain.
    mail_from: str
    # Chat (issue 18): the WebSocket address clients open, and the management API's
    # endpoint the app pushes through (API Gateway's; the local server's on the local stack).
    chat_socket_url: str = "ws://127.0.0.1:8000/chat"
    chat_push_endpoint: str = "http://127.0.0.1:8000"
    rate_limits: RateLimits = RateLimits()

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def mail_domain(self) -> str:
        """The domain we send from and receive at (MX -> SES): ``<tenant>@``, ``reply+…@``."""
        return self.mail_from.rsplit("@", 1)[-1].lower()

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


# The tables, queues and buckets: each is named by the environment variable of its field
# in capitals (``directory_table``: ``DIRECTORY_TABLE``), which the template sets; the
# local stack's name stands in without it (``_local_name``).
RESOURCES = (
    "directory_table", "tickets_table", "contact_orders_table", "networks_table", "help_table",
    "chat_table", "idempotency_table", "notifications_queue", "notifications_dlq",
    "inbound_mail_queue", "inbound_mail_dlq", "attachments_bucket", "inbound_mail_bucket",
    "portal_bucket",
)


def _local_name(field: str) -> str:
    """``helpdesk-local-`` and the field's name without its kind: ``contact_orders_table``
    is ``helpdesk-local-contact-orders``; a dead-letter queue keeps its ``-dlq``."""
    base = field.removesuffix("_table").removesuffix("_queue").removesuffix("_bucket")
    return "helpdesk-local-" + base.replace("_", "-")


@lru_cache(maxsize=1)
def get_config() -> Config:
    region = _env("AWS_REGION") or _env("AWS_DEFAULT_REGION", "eu-west-1")
    pool = _env("COGNITO_USER_POOL_ID")
    jwks = _env("COGNITO_JWKS_URL") or (
        f"https://cognito-idp.{region}.amazonaws.com/{pool}/.well-known/jwks.json"
    )
    return Config(
        stage=_env("HELPDESK_STAGE", "local"),
        region=region,
        **{name: _env(name.upper(), _local_name(name)) for name in RESOURCES},
        user_pool_id=pool,
        user_pool_client_id=_env("COGNITO_CLIENT_ID"),
        jwks_url=jwks,
        secret=_env("HELPDESK_SECRET"),
        max_body_bytes=int(_env("MAX_BODY_BYTES", str(256 * 1024))),
        portal_origin=_portal_origin(_env("HELPDESK_STAGE", "local"), _env("PORTAL_ORIGIN")),
        portal_url=_env("PORTAL_URL") or _portal_url(_env("PORTAL_ORIGIN")),
        mail_from=_env("MAIL_FROM", "noreply@helpdesk.localhost"),
        chat_socket_url=_env("CHAT_SOCKET_URL", "ws://127.0.0.1:8000/chat"),
        chat_push_endpoint=_env("CHAT_PUSH_ENDPOINT", "http://127.0.0.1:8000"),
        rate_limits=_rate_limits(),
    )


def _rate_limits() -> RateLimits:
    found: dict[str, RateLimit] = {}
    for name in (f.name for f in fields(RateLimits)):
        variable = f"RATE_LIMIT_{name.upper()}"
        raw = _env(variable)
        if not raw:
            continue
        count, _, seconds = raw.partition("/")
        if not (count.strip().isdigit() and seconds.strip().isdigit()
                and int(count) > 0 and int(seconds) > 0):
            raise ValueError(f"{variable} must be <count>/<seconds> (e.g. 10/300), not {raw!r}")
        found[name] = RateLimit(int(count), int(seconds))
    return replace(RateLimits(), **found)

def _portal_origin(stage: str, origin: str) -> str:
    """The origin CORS answers. ``*`` (any origin) only on the local stage; a deployment
    without its portal's origin answers none (the template requires it, so this is only
    what packaging sees)."""
    if stage == "local":
        return origin or "*"
    return "" if origin.strip() in ("", "*") else origin


def _portal_url(origin: str) -> str:
    return origin if origin.startswith("http") else "http://127.0.0.1:8000"
