"""Supplier ids under concurrency, on DynamoDB Local (AWS's own engine; moto's mock applies
conditional writes without a lock, see tests/integration/test_store_engines.py): sixteen
organisations subscribing at the same moment get sixteen distinct six-digit ids, and one
organisation subscribing to four networks at once keeps one id across them."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.domain import directory as directory_models
from chalicelib.domain import networks as network_models
from chalicelib.services import directory as directory_svc
from chalicelib.services import networks
from chalicelib.services.tenants import provision
from tests.integration.on_engine import at_once, staff

QUESTIONNAIRE = {"sections": [{"key": "quality", "title": {"en": "Quality"}, "questions": [
    {"id": "iso9001", "type": "yes_no", "title": {"en": "ISO 9001?"}}]}]}


def _tenant_with(networks_count: int) -> tuple[str, list[str]]:
    tenant = f"t{uuid.uuid4().hex[:12]}"
    ctx = staff(tenant)
    provision(tenant, f"Tenant {tenant}", ctx.now)
    made = [networks.create_network(ctx, network_models.NetworkCreate.model_validate({
        "name": {"sv": f"Nätverk {n}"}, "sector": "build", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 1}], "questionnaire": QUESTIONNAIRE,
    })).id for n in range(networks_count)]
    return tenant, made


def _supplier(tenant: str, name: str) -> str:
    return directory_svc.create_organization(staff(tenant), directory_models.OrganizationCreate(
        name=name, kind="supplier")).id


def _all_done(actions: list[Callable[[], Any]]) -> list[Any]:
    done, failed = at_once(actions)
    assert failed == []
    return done


def _subscribe(tenant: str, network: str, org: str) -> Callable[[], str]:
    return lambda: networks.subscribe(staff(tenant), network_models.SubscriptionCreate(
        network_id=network, organization_id=org)).supplier_id


def test_sixteen_parallel_subscriptions_get_sixteen_distinct_supplier_ids(engine: str) -> None:
    tenant, (network,) = _tenant_with(1)
    orgs = [_supplier(tenant, f"Parallell {n} AB") for n in range(16)]
    ids = _all_done([_subscribe(tenant, network, org) for org in orgs])
    assert len(set(ids)) == 16 and all(len(i) == 6 and i.isdigit() for i in ids)


def test_sixteen_at_once_with_ids_drawn_from_few_still_differ(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each value is drawn twice in a row (two of the sixteen race for every id): a taken
    id fails its claim and is drawn again."""
    tenant, (network,) = _tenant_with(1)
    orgs = [_supplier(tenant, f"Krock {n} AB") for n in range(16)]
    lock, drawn = threading.Lock(), iter(range(10_000))

    def few(_: int) -> int:
        with lock:
            return next(drawn) // 2

    monkeypatch.setattr("chalicelib.services.networks.secrets.randbelow", few)
    ids = _all_done([_subscribe(tenant, network, org) for org in orgs])
    assert len(set(ids)) == 16 and len(ids) == 16


def test_one_organisation_subscribing_to_four_networks_at_once_keeps_one_id(
        engine: str) -> None:
    tenant, made = _tenant_with(4)
    org = _supplier(tenant, "Samtidig AB")
    ids = _all_done([_subscribe(tenant, network, org) for network in made])
    assert len(set(ids)) == 1
