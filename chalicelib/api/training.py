"""Training (seed 000): webinars and one-to-one sessions, signups, the iCalendar
invitation. The API contract names no paths for it; these are added."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.paging import ListQuery, Paging
from chalicelib.api.routing import Call, Reply, route
from chalicelib.api.schemas import PageOf
from chalicelib.domain import training
from chalicelib.domain.models import Language
from chalicelib.domain.permissions import Permission
from chalicelib.services import training as svc

bp = Blueprint(__name__)

TAG = "training"
VIEW = Permission.NETWORKS_VIEW
MANAGE = Permission.NETWORKS_MANAGE


class TrainingListQuery(ListQuery):
    language: Language | None = None
    kind: training.TrainingKind | None = None
    audience: training.Audience | None = None


@route(bp, "GET", "/trainings", guard=VIEW, tag=TAG, query=TrainingListQuery,
       response=PageOf(training.TrainingView),
       summary="Sessions from now on, in time order: a portal user's audience's (supplier "
               "or buyer), every one for staff; by language and kind")
def list_trainings(call: Call) -> dict[str, object]:
    query: TrainingListQuery = call.query
    paging = Paging.of(call, "trainings", query.language, query.kind, query.audience)
    page = svc.list_trainings(call.ctx, query.language, query.kind, query.audience,
                              paging.limit, paging.start)
    return paging.answer(page.items, page.last_key)


@route(bp, "POST", "/trainings", guard=MANAGE, tag=TAG, body=training.TrainingCreate,
       response=training.TrainingView, status=201, idempotent=True,
       summary="Staff: publish a webinar or a one-to-one slot (one seat)")
def create_training(call: Call) -> Reply:
    created = svc.create_training(call.ctx, call.body)
    return Reply(created, status=201, version=created.version)


@route(bp, "GET", "/trainings/{id}", guard=VIEW, tag=TAG, response=training.TrainingView,
       summary="One session, its seats left and whether I signed up")
def get_training(call: Call) -> Reply:
    found = svc.get_training(call.ctx, call.params["id"])
    return Reply(found, version=found.version)


@route(bp, "PATCH", "/trainings/{id}", guard=MANAGE, tag=TAG, body=training.TrainingPatch,
       response=training.TrainingView, if_match=True, errors=(409,),
       summary="Staff: change a session (a moved one moves its signups' reminders)")
def patch_training(call: Call) -> Reply:
    changed = svc.patch_training(call.ctx, call.params["id"], call.body)
    return Reply(changed, version=changed.version)


@route(bp, "DELETE", "/trainings/{id}", guard=MANAGE, tag=TAG,
       response=training.TrainingView, if_match=True,
       summary="Staff: cancel a session (it stays, cancelled; its invitations cancel)")
def cancel_training(call: Call) -> Reply:
    cancelled = svc.cancel_training(call.ctx, call.params["id"])
    return Reply(cancelled, version=cancelled.version)


@route(bp, "POST", "/trainings/{id}/signups", guard=VIEW, tag=TAG,
       response=training.Signup, status=201, errors=(409, 422),
       summary="Sign me up (201; 200 when I was already): a full, cancelled or started "
               "session is refused, naming why")
def sign_up(call: Call) -> Reply:
    signup, new = svc.sign_up(call.ctx, call.params["id"])
    return Reply(signup, status=201 if new else 200)


@route(bp, "DELETE", "/trainings/{id}/signups/me", guard=VIEW, tag=TAG, status=204,
       errors=(422,), summary="Cancel my signup; the seat is free again")
def cancel_signup(call: Call) -> Reply:
    svc.cancel_signup(call.ctx, call.params["id"])
    return Reply(None, status=204)


@route(bp, "GET", "/trainings/{id}/signups", guard=VIEW, tag=TAG, query=ListQuery,
       response=PageOf(training.Signup), summary="Staff: who signed up")
def list_signups(call: Call) -> dict[str, object]:
    paging = Paging.of(call, "training-signups", call.params["id"])
    page = svc.list_signups(call.ctx, call.params["id"], paging.limit, paging.start)
    return paging.answer(page.items, page.last_key)


@route(bp, "GET", "/trainings/{id}/invitation.ics", guard=VIEW, tag=TAG,
       response={"type": "string", "contentMediaType": "text/calendar"},
       summary="My invitation (iCalendar METHOD:REQUEST; CANCEL once cancelled)")
def invitation(call: Call) -> Reply:
    body: Any = svc.invitation(call.ctx, call.params["id"])
    return Reply(body, headers={"Content-Type": "text/calendar; charset=utf-8",
                                "Content-Disposition": 'attachment; filename="training.ics"'})
