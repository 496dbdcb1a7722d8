"""Demo status page (issue 17, item 9) for the ``demo`` tenant: one resolved incident from
last week, delayed e-mail notifications for an hour and a half, with its updates, so the
status page shows a history. Once: nothing is added when the incident is there already."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chalicelib.domain import status as status_models
from chalicelib.domain.models import utc_iso
from chalicelib.services import status
from chalicelib.services.context import Ctx

TITLE = {"sv": "Fördröjda e-postaviseringar", "fi": "Viivästyneet sähköposti-ilmoitukset",
         "en": "Delayed e-mail notifications"}


def seed_demo_status(ctx: Ctx) -> None:
    since = utc_iso(status_models.window_start(ctx.now))
    if any(i.get("title") == TITLE for i in status.repo().incidents_since(ctx.tenant, since)):
        return
    began = replace(ctx, now=(ctx.now - timedelta(days=7)).replace(hour=9, minute=40,
                                                                   second=0, microsecond=0))
    incident = status.create_incident(began, status_models.IncidentCreate.model_validate({
        "title": TITLE, "component_ids": ["email"], "impact": "degraded",
        "message": "Aviseringar via e-post skickas med upp till 30 minuters fördröjning. "
                   "Vi felsöker."}))
    status.add_update(replace(began, now=began.now + timedelta(minutes=40)), incident.id,
                      status_models.IncidentUpdateCreate(
                          message="Orsaken är hittad: en överbelastad kö. Kön betas av."))
    status.patch_incident(replace(began, now=began.now + timedelta(minutes=90)), incident.id,
                          status_models.IncidentPatch(
                              resolved=True, message="Alla fördröjda aviseringar är "
                                                     "skickade. Allt fungerar normalt."))
