"""Files that browsers upload straight to S3 and download from it: ticket attachments and
contact-order documents. The API hands out presigned addresses and never sees the bytes.

The policy lives here (the tenant's types and sizes, how long an address lasts); the S3
calls are ``store/files.py``'s."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import Conflict, ErrorList
from chalicelib.domain.models import utc_iso
from chalicelib.domain.tickets import content_type_allowed
from chalicelib.store import files as stored_files

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
    post = stored_files.presigned_post(key, content_type, size, UPLOAD_SECONDS)
    return {"upload_url": post["url"], "upload_fields": post["fields"],
            "upload_expires_at": utc_iso(now + timedelta(seconds=UPLOAD_SECONDS))}


def confirm_upload(key: str, size: int) -> None:
    """Raises Conflict unless the object arrived whole (the declared size)."""
    stored = stored_files.size_of(key)
    if stored is None:
        raise Conflict("The file has not been uploaded yet.")
    if stored != int(size):
        raise Conflict("The uploaded file does not have the declared size.")


def download_link(key: str, filename: str, content_type: str, now: datetime) -> dict[str, Any]:
    """A short-lived address that downloads the file under its own name."""
    url = stored_files.presigned_get(
        key, f"attachment; filename*=UTF-8''{quote(filename)}", content_type,
        DOWNLOAD_SECONDS)
    return {"url": url, "expires_at": utc_iso(now + timedelta(seconds=DOWNLOAD_SECONDS))}


def delete_object(key: str) -> None:
    with contextlib.suppress(Exception):  # the record is gone; a leftover object is harmless
        stored_files.delete(key)
