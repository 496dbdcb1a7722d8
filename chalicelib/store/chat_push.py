"""Pushing to WebSocket connections through API Gateway's management API
(``apigatewaymanagementapi``: ``post_to_connection``, ``delete_connection``).

The endpoint is ``CHAT_PUSH_ENDPOINT``: API Gateway's on AWS, the local server's on the
local stack (local/server.py answers ``POST /@connections/{id}`` the same way), so this
is the code that runs on AWS either way. The client (``store/clients.py``) is made on first
use, not at a cold start.
"""

from __future__ import annotations

from typing import Any


def _client() -> Any:
    from chalicelib.store.clients import connections_client

    return connections_client()


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
