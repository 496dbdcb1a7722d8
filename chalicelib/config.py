"""Settings from environment variables, read once per process (a Lambda container)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Config:
    stage: str
    region: str
    directory_table: str
    tickets_table: str
    contact_orders_table: str
    networks_table: str
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
        directory_table=_env("DIRECTORY_TABLE", "helpdesk-local-directory"),
        tickets_table=_env("TICKETS_TABLE", "helpdesk-local-tickets"),
        contact_orders_table=_env("CONTACT_ORDERS_TABLE", "helpdesk-local-contact-orders"),
        networks_table=_env("NETWORKS_TABLE", "helpdesk-local-networks"),
        idempotency_table=_env("IDEMPOTENCY_TABLE", "helpdesk-local-idempotency"),
        notifications_queue=_env("NOTIFICATIONS_QUEUE", "helpdesk-local-notifications"),
        notifications_dlq=_env("NOTIFICATIONS_DLQ", "helpdesk-local-notifications-dlq"),
        inbound_mail_queue=_env("INBOUND_MAIL_QUEUE", "helpdesk-local-inbound-mail"),
        inbound_mail_dlq=_env("INBOUND_MAIL_DLQ", "helpdesk-local-inbound-mail-dlq"),
        attachments_bucket=_env("ATTACHMENTS_BUCKET", "helpdesk-local-attachments"),
        inbound_mail_bucket=_env("INBOUND_MAIL_BUCKET", "helpdesk-local-inbound-mail"),
        portal_bucket=_env("PORTAL_BUCKET", "helpdesk-local-portal"),
        user_pool_id=pool,
        user_pool_client_id=_env("COGNITO_CLIENT_ID"),
        jwks_url=jwks,
        secret=_env("HELPDESK_SECRET"),
        max_body_bytes=int(_env("MAX_BODY_BYTES", str(256 * 1024))),
        portal_origin=_portal_origin(_env("HELPDESK_STAGE", "local"), _env("PORTAL_ORIGIN")),
        portal_url=_env("PORTAL_URL") or _portal_url(_env("PORTAL_ORIGIN")),
        mail_from=_env("MAIL_FROM", "noreply@helpdesk.localhost"),
    )


def _portal_origin(stage: str, origin: str) -> str:
    """The origin CORS answers. ``*`` (any origin) only on the local stage; a deployment
    without its portal's origin answers none (the template requires it, so this is only
    what packaging sees)."""
    if stage == "local":
        return origin or "*"
    return "" if origin.strip() in ("", "*") else origin


def _portal_url(origin: str) -> str:
    return origin if origin.startswith("http") else "http://127.0.0.1:8000"
