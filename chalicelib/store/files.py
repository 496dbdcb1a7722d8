"""The S3 adapter: every object the app reads, writes, deletes or hands out an address
for goes through here (``store/clients.py`` makes the client).

Buckets: the attachments bucket (ticket attachments, contact-order documents and the
original of every mail kept with a ticket, under ``t/<tenant>/...``) unless a call names
another; the inbound bucket, where SES stores received mail, is named by the S3 event
that announces each message.
"""

from __future__ import annotations

from typing import Any

from chalicelib.config import get_config
from chalicelib.store.clients import client

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _bucket(bucket: str | None) -> str:
    return bucket or get_config().attachments_bucket


def mail_source_key(tenant: str, ticket_id: str, name: str) -> str:
    """Where the whole original of a mail is kept with its ticket."""
    return f"t/{tenant}/tickets/{ticket_id}/mail/{name}.eml"


def presigned_post(key: str, content_type: str, size: int, seconds: int) -> dict[str, Any]:
    """A presigned POST (``url``, ``fields``) that S3 accepts only for this key, exactly
    this size and this type, for ``seconds``."""
    post: dict[str, Any] = client("s3").generate_presigned_post(
        Bucket=_bucket(None), Key=key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
        ExpiresIn=seconds)
    return post


def presigned_get(key: str, disposition: str, content_type: str, seconds: int) -> str:
    """A presigned GET that answers with these ``Content-Disposition`` and type."""
    return str(client("s3").generate_presigned_url("get_object", Params={
        "Bucket": _bucket(None), "Key": key, "ResponseContentDisposition": disposition,
        "ResponseContentType": content_type}, ExpiresIn=seconds))


def size_of(key: str) -> int | None:
    """The stored object's size (one HeadObject), or None when there is no such object."""
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=_bucket(None), Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _MISSING:
            return None
        raise
    return int(head.get("ContentLength", -1))


def read(key: str, bucket: str | None = None) -> bytes:
    body: bytes = client("s3").get_object(Bucket=_bucket(bucket), Key=key)["Body"].read()
    return body


def write(key: str, body: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=_bucket(None), Key=key, Body=body, ContentType=content_type)


def copy(source: str, target: str) -> None:
    """A server-side copy within the files bucket (a chat's file onto its ticket)."""
    bucket = _bucket(None)
    client("s3").copy_object(Bucket=bucket, Key=target,
                             CopySource={"Bucket": bucket, "Key": source})


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=_bucket(None), Key=key)
