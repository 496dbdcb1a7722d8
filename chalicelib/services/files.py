"""Files that browsers upload straight to S3 and download from it: ticket attachments and
contact-order documents. The API hands out presigned addresses and never sees the bytes."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.config import get_config
from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import Conflict, ErrorList
from chalicelib.domain.models import utc_iso
from chalicelib.domain.tickets import content_type_allowed
from chalicelib.store.clients import client

UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60


def check_file(settings: TenantSettings, content_type: str, size: int, errors: ErrorList) -> None:
    """The tenant's limits: accepted types (``image/*`` style patterns) and size."""
    if not content_type_allowed(content_type, settings.attachment_types):
        errors.add(("body", "content_type"), f"{content_type} files are not accepted")
    if size > settings.attachment_max_bytes:
        errors.add(("body", "size"), f"larger than the limit of {settings.attachment_max_bytes} "
                                     "bytes")


def presigned_upload(key: str, content_type: str, size: int, now: datetime) -> dict[str, Any]:
    """A presigned POST that S3 accepts only for this key, exactly this size and this type."""
    post = client("s3").generate_presigned_post(
        Bucket=get_config().attachments_bucket, Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return {"upload_url": post["url"], "upload_fields": post["fields"],
            "upload_expires_at": utc_iso(now + timedelta(seconds=UPLOAD_SECONDS))}


def confirm_upload(key: str, size: int) -> None:
    """Raises Conflict unless the object arrived whole (the declared size)."""
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=get_config().attachments_bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            raise Conflict("The file has not been uploaded yet.") from None
        raise
    if int(head.get("ContentLength", -1)) != int(size):
        raise Conflict("The uploaded file does not have the declared size.")


def download_link(key: str, filename: str, content_type: str, now: datetime) -> dict[str, Any]:
    """A short-lived address that downloads the file under its own name."""
    url = client("s3").generate_presigned_url("get_object", Params={
        "Bucket": get_config().attachments_bucket, "Key": key,
        "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "ResponseContentType": content_type}, ExpiresIn=DOWNLOAD_SECONDS)
    return {"url": url, "expires_at": utc_iso(now + timedelta(seconds=DOWNLOAD_SECONDS))}


def delete_object(key: str) -> None:
    with contextlib.suppress(Exception):  # the record is gone; a leftover object is harmless
        client("s3").delete_object(Bucket=get_config().attachments_bucket, Key=key)
