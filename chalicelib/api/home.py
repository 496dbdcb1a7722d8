"""``GET /home``: what the signed-in user's home page leads with (issue 23, item 4)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.routing import AUTHENTICATED, Call, route
from chalicelib.domain.home import Home
from chalicelib.services import home as svc

bp = Blueprint(__name__)


@route(bp, "GET", "/home", guard=AUTHENTICATED, tag="auth", response=Home,
       summary="What awaits me: a customer's tickets to approve and answer, an agent's "
               "queue in numbers")
def get_home(call: Call) -> dict[str, Any]:
    return svc.get_home(call.ctx).model_dump(mode="json")
