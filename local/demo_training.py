"""Demo training (seed 000) for the ``demo`` tenant: a webinar for suppliers two weeks
ahead ("Logga in, fyll i, skicka") and one for buyers three weeks ahead, both with free
seats, published by the system as staff. Once: nothing is added when the tenant has any
session already, past or coming."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import training as training_models
from chalicelib.services import networks, training
from chalicelib.services.context import Ctx


def _text(sv: str, fi: str, en: str) -> dict[str, str]:
    return {"sv": sv, "fi": fi, "en": en}


def seed_demo_training(ctx: Ctx) -> None:
    if training.repo().has_sessions(ctx.tenant):
        return
    found = networks.search_networks(ctx, None, None, None)
    network_id = found[0].id if found else None
    nine = ctx.now.replace(hour=9, minute=0, second=0, microsecond=0)
    training.create_training(ctx, training_models.TrainingCreate.model_validate({
        "kind": "webinar", "audience": "supplier", "language": "sv",
        "topic": _text("Logga in, fyll i, skicka", "Kirjaudu, täytä, lähetä",
                       "Log in, fill in, submit"),
        "description": _text(
            "Så fyller du i frågeformuläret och skickar det för validering.",
            "Näin täytät kyselyn ja lähetät sen validoitavaksi.",
            "How to fill in the questionnaire and submit it for validation."),
        "starts_at": nine + timedelta(days=14), "duration_minutes": 45, "seats": 30,
        "network_id": network_id, "join_url": "https://meet.example.com/demo-leverantor"}))
    training.create_training(ctx, training_models.TrainingCreate.model_validate({
        "kind": "webinar", "audience": "buyer", "language": "sv",
        "topic": _text("Utbildning för inköpare: hitta rätt leverantör",
                       "Koulutus ostajille: löydä oikea toimittaja",
                       "Training for buyers: find the right supplier"),
        "starts_at": nine + timedelta(days=21, hours=4), "duration_minutes": 60,
        "seats": 20, "network_id": network_id,
        "join_url": "https://meet.example.com/demo-inkopare"}))
