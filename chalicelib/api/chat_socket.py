"""The chat's WebSocket API (issue 18): chalice's ``WEBSOCKETS`` handlers for ``$connect``,
``$default`` (every frame) and ``$disconnect``, as API Gateway invokes them.

``$connect`` carries the signed grant from ``POST /chat/sessions`` (or a join) in
``?token=``, never a bearer token. chalice wraps a handler in its WebSocket event class
only when the decorating object has a ``websocket_api``, which a blueprint lacks; this one
gets its own, so the Lambda handlers ``chalicelib.api.chat_socket.*`` are the wrapped ones.
(The app pushes through ``store/chat_push.py``, not through that object.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from chalice.app import Blueprint, WebsocketAPI

from chalicelib.logs import log_context

bp = Blueprint(__name__)
bp.websocket_api = WebsocketAPI()

log = logging.getLogger("helpdesk.chat")


def _refusal(status: int, reason: str) -> dict[str, Any]:
    return {"statusCode": status, "body": reason}


@bp.on_ws_connect()
def websocket_connect(event: Any) -> dict[str, Any]:
    from chalicelib.services import chat

    query = (event.to_dict().get("queryStringParameters") or {})
    with log_context(connection_id=event.connection_id):
        try:
            chat.connect(event.connection_id, query.get("token"), datetime.now(UTC))
        except chat.Refused as refused:
            log.info("chat connection refused", extra={"reason": str(refused)})
            return _refusal(refused.status, str(refused))
    return {"statusCode": 200}


@bp.on_ws_message()
def websocket_message(event: Any) -> dict[str, Any]:
    from chalicelib.services import chat

    with log_context(connection_id=event.connection_id):
        chat.on_frame(event.connection_id, event.body, datetime.now(UTC))
    return {"statusCode": 200}


@bp.on_ws_disconnect()
def websocket_disconnect(event: Any) -> dict[str, Any]:
    from chalicelib.services import chat

    with log_context(connection_id=event.connection_id):
        chat.disconnect(event.connection_id)
    return {"statusCode": 200}
