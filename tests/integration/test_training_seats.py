"""Training seats under concurrency, on DynamoDB Local (AWS's own engine; moto's mock applies
conditional writes without a lock, see tests/integration/test_store_engines.py): 10 users
signing up at the same moment for 3 seats get exactly 3 seats, the other 7 a 409 that
says the session is full, and the counter says 3. The same user asking 8 times at once
gets one seat."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chalicelib.domain import directory as directory_models
from chalicelib.domain import training as training_models
from chalicelib.domain.errors import DomainError
from chalicelib.domain.permissions import permissions_for
from chalicelib.domain.principal import Principal
from chalicelib.services import directory as directory_svc
from chalicelib.services import training
from chalicelib.services.context import Ctx
from chalicelib.services.tenants import provision
from tests.integration.on_engine import at_once, staff


def _supplier_user(tenant: str, org_id: str, n: int) -> Callable[[], Ctx]:
    principal = Principal(tenant=tenant, user_id=f"user{n}", email=f"user{n}@example.test",
                          roles=("supplier",), permissions=permissions_for(["supplier"], {}),
                          kind="contact", organization_id=org_id, language="sv",
                          record={"name": f"User {n}"})
    return lambda: Ctx(principal, datetime.now(UTC))


def _session(seats: int) -> tuple[str, str, str]:
    """A tenant of its own with a supplier organisation and a webinar of ``seats``."""
    tenant = f"t{uuid.uuid4().hex[:12]}"
    ctx = staff(tenant)
    provision(tenant, f"Tenant {tenant}", ctx.now)
    org = directory_svc.create_organization(ctx, directory_models.OrganizationCreate(
        name="Bygg AB", kind="supplier"))
    made = training.create_training(ctx, training_models.TrainingCreate.model_validate({
        "kind": "webinar", "topic": {"sv": "Logga in, fyll i, skicka"},
        "audience": "supplier", "language": "sv",
        "starts_at": ctx.now + timedelta(days=7), "duration_minutes": 45, "seats": seats,
        "join_url": "https://meet.example.com/j/1"}))
    return tenant, org.id, made.id


def test_10_parallel_signups_for_3_seats_get_exactly_3(engine: str) -> None:
    tenant, org_id, training_id = _session(3)
    users = [_supplier_user(tenant, org_id, n) for n in range(10)]
    done, failed = at_once([lambda who=who: training.sign_up(who(), training_id)
                             for who in users])
    assert len(done) == 3 and all(new for _, new in done)
    assert len(failed) == 7
    assert all(isinstance(f, training_models.SessionFull) for f in failed), failed
    assert all("full" in f.detail for f in failed if isinstance(f, DomainError))
    stored = training.repo().get_training(tenant, training_id, consistent=True)
    assert stored is not None and stored["seats_taken"] == 3
    signups = training.repo().signups(tenant, training_id, 100, None).items
    assert sorted(s["user_id"] for s in signups) == sorted(s.user_id for s, _ in done)


def test_one_user_asking_8_times_at_once_gets_one_seat(engine: str) -> None:
    tenant, org_id, training_id = _session(3)
    who = _supplier_user(tenant, org_id, 1)
    done, failed = at_once([lambda: training.sign_up(who(), training_id)] * 8)
    assert failed == [] and len(done) == 8
    assert sum(1 for _, new in done if new) == 1
    assert len({s.signed_up_at for s, _ in done}) == 1
    stored = training.repo().get_training(tenant, training_id, consistent=True)
    assert stored is not None and stored["seats_taken"] == 1
