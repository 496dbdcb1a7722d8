"""Pushing to WebSocket connections through API Gateway's management API
(``apigatewaymanagementapi``: ``post_to_connection``, ``delete_connection``).

The endpoint is ``CHAT_PUSH_ENDPOINT``: API Gateway's on AWS, the local server's on the
local stack (local/server.py answers ``POST /@connections/{id}`` the same way), so this
is the code that runs on AWS either way. The client is made on first use (cold start).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from chalicelib.config import get_config

log = logging.getLogger("helpdesk.chat")


@cache
def _client() -> Any:
    from botocore.config import Config as BotoConfig

    from chalicelib.store.clients import session, with_standard_retries

    return session().client(
        "apigatewaymanagementapi", endpoint_url=get_config().chat_push_endpoint,
        config=with_standard_retries(BotoConfig(connect_timeout=2, read_timeout=5,
                                                retries={"max_attempts": 2})))


def _gone(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("GoneException", "410")


def post(connection_id: str, data: str) -> bool:
    """Sends ``data`` to the connection; False when it is gone (the caller forgets it)."""
    from botocore.exceptions import ClientError

    try:
        _client().post_to_connection(ConnectionId=connection_id, Data=data.encode())
    except ClientError as exc:
        if _gone(exc):
            return False
        raise
    return True


def close(connection_id: str) -> None:
    """Closes the connection (API Gateway then sends ``$disconnect``); gone already is fine."""
    from botocore.exceptions import ClientError

    try:
        _client().delete_connection(ConnectionId=connection_id)
    except ClientError as exc:
        if not _gone(exc):
            raise
