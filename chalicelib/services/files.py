"""Files that browsers upload straight to S3 and download from it: ticket attachments and
contact-order documents. The API hands out presigned addresses and never sees the bytes.

The policy lives here (the tenant's types and sizes, how long an address lasts); the S3
calls are ``store/files.py``'s."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.domain.directory import TenantSettings
from chalicelib.domain.errors import Conflict, ErrorList
from chalicelib.domain.models import utc_iso
from chalicelib.domain.tickets import content_type_allowed, key_filename, safe_filename
from chalicelib.services.context import Ctx
from chalicelib.store import files as stored_files
from chalicelib.store.dynamo import Item, UnitOfWork

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


def announce(ctx: Ctx, folder: str, filename: str, content_type: str, size: int,
             **fields: Any) -> Item:
    """The record of a file about to be uploaded: a new id, a safe name, and its S3 key
    under ``t/<tenant>/<folder>/`` (the caller stores it, then answers with ``upload``)."""
    file_id, name = ctx.new_id(), safe_filename(filename)
    return {"id": file_id, **fields, "filename": name, "content_type": content_type,
            "size": size, "state": "pending",
            "key": f"t/{ctx.tenant}/{folder}/{file_id}/{key_filename(name)}",
            "uploaded_by": ctx.principal.user_id,
            "uploaded_by_name": ctx.principal.record.get("name"), "created_at": ctx.stamp}


def upload(record: Item, now: datetime) -> dict[str, Any]:
    """The announced file as shown (no S3 key) with its presigned POST."""
    shown = {k: v for k, v in record.items() if k != "key"}
    return {**shown, **presigned_upload(record["key"], record["content_type"], record["size"],
                                        now)}


def link_confirming(record: Item, mark_uploaded: Callable[[UnitOfWork], None],
                    now: datetime) -> dict[str, Any]:
    """A download address; the first one checks the upload arrived whole and marks the
    record uploaded (``mark_uploaded`` adds that write)."""
    if record.get("state") != "uploaded":
        confirm_upload(record["key"], record["size"])
        uow = UnitOfWork()
        mark_uploaded(uow)
        with contextlib.suppress(Conflict):  # a concurrent download marked it first
            uow.commit()
    return download_link(record["key"], record["filename"], record["content_type"], now)


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
