"""The store (chalicelib/store) on both engines the project runs on: moto's in-process
mock, as the other integration tests use it, and DynamoDB Local, AWS's own engine, which
the local stack uses. Where the two disagree, DynamoDB Local is the one that behaves as
DynamoDB does.

Every test works in a tenant (or on keys) of its own, so the tests share the tables
without depending on each other or on their order.

- the unit of work: a cancelled transaction writes nothing and raises the error of the
  write whose condition failed; ``create``, ``replace``, ``check``; 100 writes commit and
  101 are refused before DynamoDB is asked;
- the conditional writes outside transactions (idempotency keys, delivery records, rate-limit
  counters);
- numbering: 16 creates at once through the ticket service get 16 consecutive numbers;
- every global secondary index of ``infra/resources.yaml`` answers a Query for an item
  carrying its keys, and returns what its projection says (generic over the template);
- the store's own list queries: tickets by status, the ``due`` index sweep.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from chalicelib.api import health
from chalicelib.config import get_config
from chalicelib.domain import directory as directory_models
from chalicelib.domain import tickets as ticket_models
from chalicelib.domain.errors import Conflict, DomainError, NotFound, PreconditionFailed
from chalicelib.domain.permissions import Permission
from chalicelib.domain.principal import Principal
from chalicelib.services import directory as directory_svc
from chalicelib.services import tickets as tickets_svc
from chalicelib.services.context import Ctx
from chalicelib.services.tenants import provision
from chalicelib.store import deliveries, schedule
from chalicelib.store.clients import client, reset_clients
from chalicelib.store.contact_orders import ContactOrdersRepository
from chalicelib.store.counters import NumberTaken, claim_number, last_number
from chalicelib.store.directory import DirectoryRepository
from chalicelib.store.dynamo import UnitOfWork, get_item, query, query_all
from chalicelib.store.idempotency import TTL_SECONDS, IdempotencyStore
from chalicelib.store.rate_limits import RateLimitStore, rate_limit_pk
from chalicelib.store.tables import scoped_pk, tenant_pk
from chalicelib.store.tickets import TICKET_COUNTER, TicketsRepository
from local.bootstrap import TABLE, Resolver, create_resources, load_template

ENGINES = ("moto", "dynamodb-local")
TEMPLATE = load_template()


# ---------------------------------------------------------------- the two engines


@dataclass(frozen=True)
class Engine:
    name: str
    dynamodb_endpoint: str | None  # None: moto's mock answers DynamoDB too


def _reset_caches() -> None:
    get_config.cache_clear()
    reset_clients()
    health.probes.queue_url.cache_clear()


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """moto's mock for everything, or the same with DynamoDB on DynamoDB Local: moto's
    ``mock_aws`` intercepts AWS's own addresses only, so the app's DynamoDB calls to
    ``AWS_ENDPOINT_URL_DYNAMODB`` (127.0.0.1) reach the engine while S3, SQS and Cognito
    stay on the mock (checked by ``test_dynamodb_calls_reach_the_engine_in_use``)."""
    endpoint = request.getfixturevalue("dynamodb_local") if request.param != "moto" else None
    with mock_aws(), pytest.MonkeyPatch.context() as env:
        if endpoint:
            env.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        else:
            env.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
        resources = create_resources(None, dynamodb_endpoint_url=endpoint)
        for name, value in resources.env().items():
            env.setenv(name, value)
        for name, value in {"DIRECTORY_TABLE": resources.directory_table,
                            "TICKETS_TABLE": resources.tickets_table,
                            "CONTACT_ORDERS_TABLE": resources.contact_orders_table,
                            "NETWORKS_TABLE": resources.networks_table,
                            "HELP_TABLE": resources.help_table,
                            "CHAT_TABLE": resources.chat_table,
                            "IDEMPOTENCY_TABLE": resources.idempotency_table}.items():
            env.setenv(name, value)
        _reset_caches()
        try:
            yield Engine(request.param, endpoint)
        finally:
            _reset_caches()
    _reset_caches()


def new_tenant() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def tables() -> dict[str, str]:
    cfg = get_config()
    return {"directory": cfg.directory_table, "tickets": cfg.tickets_table,
            "contact_orders": cfg.contact_orders_table, "networks": cfg.networks_table,
            "idempotency": cfg.idempotency_table}


@contextmanager
def transact_calls() -> Iterator[list[int]]:
    """Counts the TransactWriteItems requests the app's client sends."""
    calls: list[int] = []
    events = client("dynamodb").meta.events

    def count(**_: Any) -> None:
        calls.append(1)

    events.register("before-call.dynamodb.TransactWriteItems", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb.TransactWriteItems", count)


def test_dynamodb_calls_reach_the_engine_in_use(engine: Engine) -> None:
    ddb = client("dynamodb")
    assert set(tables().values()) <= set(ddb.list_tables()["TableNames"])
    answer = ddb.list_tables()["ResponseMetadata"]["HTTPHeaders"]
    if engine.dynamodb_endpoint:
        assert ddb.meta.endpoint_url == engine.dynamodb_endpoint
        assert "jetty" in answer.get("server", "").lower()  # DynamoDB Local answered
    else:
        assert "amazonaws.com" in ddb.meta.endpoint_url
        assert answer.get("server") == "amazon.com"  # moto's mock answered
    # The rest of AWS stays on moto's mock with either engine.
    assert client("sqs").list_queues()["ResponseMetadata"]["HTTPHeaders"]["server"] \
        == "amazon.com"


# ---------------------------------------------------------------- the unit of work


class FirstBroken(Conflict):
    pass


class SecondBroken(Conflict):
    pass


class ThirdBroken(Conflict):
    pass


def _errors(cls: type[DomainError]) -> Callable[[], DomainError]:
    return lambda: cls(cls.__name__)


def test_a_transaction_with_one_failing_condition_writes_nothing_and_names_that_write(
    engine: Engine,
) -> None:
    """Four writes over two tables; only the third's condition fails. Nothing is written,
    and the error raised is the one named for the third write."""
    tenant, tabs = new_tenant(), tables()
    pk = tenant_pk(tenant)
    seed = UnitOfWork()
    seed.put(tabs["tickets"], {"PK": pk, "SK": "TAKEN", "value": "before"})
    seed.put(tabs["directory"], {"PK": pk, "SK": "COUNTER", "n": 1})
    seed.put(tabs["directory"], {"PK": pk, "SK": "DOOMED", "value": "kept"})
    seed.commit()

    uow = UnitOfWork()
    uow.put(tabs["tickets"], {"PK": pk, "SK": "NEW", "value": "new"},
            condition="attribute_not_exists(PK)", error=_errors(FirstBroken))
    uow.update(tabs["directory"], {"PK": pk, "SK": "COUNTER"}, "SET n = :two",
               condition="n = :one", values={":one": 1, ":two": 2}, error=_errors(SecondBroken))
    uow.create(tabs["tickets"], {"PK": pk, "SK": "TAKEN", "value": "after"},
               _errors(ThirdBroken))
    uow.delete(tabs["directory"], {"PK": pk, "SK": "DOOMED"},
               condition="attribute_exists(PK)", error=_errors(FirstBroken))
    ran: list[str] = []
    uow.after_commit(lambda: ran.append("hook"))
    with pytest.raises(ThirdBroken):
        uow.commit()

    assert get_item(tabs["tickets"], pk, "NEW", consistent=True) is None
    assert get_item(tabs["tickets"], pk, "TAKEN", consistent=True)["value"] == "before"
    assert get_item(tabs["directory"], pk, "COUNTER", consistent=True)["n"] == 1
    assert get_item(tabs["directory"], pk, "DOOMED", consistent=True)["value"] == "kept"
    assert ran == []  # a failed commit runs no after-commit hook
    assert uow.ops == []  # the unit of work is empty again


def test_create_of_an_existing_item_raises_its_error_and_keeps_the_item(engine: Engine) -> None:
    tenant, table = new_tenant(), tables()["directory"]
    repo = DirectoryRepository(table)
    settings = directory_models.TenantSettings(tenant=tenant, updated_at="2026-01-01T00:00:00Z",
                                               name="First")
    first = UnitOfWork()
    repo.put_settings(first, tenant, settings.model_dump(mode="json"), expected=None)
    first.commit()

    again = UnitOfWork()
    repo.put_settings(again, tenant, {**settings.model_dump(mode="json"), "name": "Second"},
                      expected=None)
    with pytest.raises(Conflict, match="already exists"):
        again.commit()
    assert repo.get_settings(tenant)["name"] == "First"


def test_replace_with_a_stale_version_is_refused_and_the_current_one_is_accepted(
    engine: Engine,
) -> None:
    tenant, table = new_tenant(), tables()["tickets"]
    repo = TicketsRepository(table)
    type_ = {"id": "kind", "name": "Kind", "version": 1}
    uow = UnitOfWork()
    repo.put_type(uow, tenant, type_, expected=None)
    uow.commit()

    fresh = UnitOfWork()
    repo.put_type(fresh, tenant, {**type_, "name": "Second", "version": 2}, expected=1)
    fresh.commit()
    stale = UnitOfWork()  # a writer who still holds version 1
    repo.put_type(stale, tenant, {**type_, "name": "Lost", "version": 2}, expected=1)
    with pytest.raises(PreconditionFailed, match="changed meanwhile"):
        stale.commit()
    stored = repo.get_type(tenant, "kind")
    assert (stored["name"], stored["version"]) == ("Second", 2)


def test_check_on_a_missing_parent_fails_the_transaction(engine: Engine) -> None:
    tenant, tabs = new_tenant(), tables()
    repo = DirectoryRepository(tabs["directory"])
    child = {"PK": scoped_pk(tenant, "ORG", "ghost"), "SK": "CONTACT#1", "name": "Orphan"}
    uow = UnitOfWork()
    repo.require_organization(uow, tenant, "ghost")
    uow.put(tabs["directory"], child)
    with pytest.raises(NotFound, match="No such organisation"):
        uow.commit()
    assert get_item(tabs["directory"], child["PK"], child["SK"], consistent=True) is None

    # With the parent there, the same transaction commits; check() wrote nothing to it.
    parent = {"PK": tenant_pk(tenant), "SK": "ORG#ghost", "name": "Now here"}
    made = UnitOfWork()
    made.put(tabs["directory"], parent)
    made.commit()
    uow = UnitOfWork()
    repo.require_organization(uow, tenant, "ghost")
    uow.put(tabs["directory"], child)
    uow.commit()
    assert get_item(tabs["directory"], child["PK"], child["SK"], consistent=True) == child
    assert get_item(tabs["directory"], parent["PK"], parent["SK"], consistent=True) == parent


def test_a_check_of_a_version_fails_on_another_version(engine: Engine) -> None:
    tenant, table = new_tenant(), tables()["tickets"]
    repo = TicketsRepository(table)
    ticket_pk = scoped_pk(tenant, "TICKET", "x")
    made = UnitOfWork()
    made.put(table, {"PK": ticket_pk, "SK": "TICKET", "version": 3})
    made.commit()
    uow = UnitOfWork()
    repo.check_version(uow, tenant, "x", 2, _errors(SecondBroken))
    uow.put(table, {"PK": ticket_pk, "SK": "COMMENT#1", "body": "on a version we did not see"})
    with pytest.raises(SecondBroken):
        uow.commit()
    assert get_item(table, ticket_pk, "COMMENT#1", consistent=True) is None


def test_the_counter_claim_fails_for_a_second_first_claim_and_for_a_stale_previous(
    engine: Engine,
) -> None:
    tenant, table = new_tenant(), tables()["contact_orders"]
    assert last_number(table, tenant, "CO") is None
    first = UnitOfWork()
    claim_number(first, table, tenant, "CO", None, 1001)
    first.commit()
    for previous, number in ((None, 1001), (1000, 1001)):
        late = UnitOfWork()
        claim_number(late, table, tenant, "CO", previous, number)
        with pytest.raises(NumberTaken):
            late.commit()
    follow = UnitOfWork()
    claim_number(follow, table, tenant, "CO", 1001, 1002)
    follow.commit()
    assert last_number(table, tenant, "CO") == 1002


def test_a_transaction_of_100_writes_commits_and_101_are_refused_before_dynamodb(
    engine: Engine,
) -> None:
    tenant, table = new_tenant(), tables()["tickets"]
    pk = scoped_pk(tenant, "BULK")
    full = UnitOfWork()
    for n in range(100):
        full.create(table, {"PK": pk, "SK": f"ITEM#{n:03d}", "n": n}, _errors(FirstBroken))
    with transact_calls() as calls:
        full.commit()
    assert len(calls) == 1
    stored = query_all(table, "PK = :pk", {":pk": pk})
    assert [i["n"] for i in stored] == list(range(100))

    other = scoped_pk(tenant, "BULK2")
    over = UnitOfWork()
    for n in range(101):
        over.put(table, {"PK": other, "SK": f"ITEM#{n:03d}", "n": n})
    with transact_calls() as calls, pytest.raises(ValueError, match="at most 100"):
        over.commit()
    assert calls == []
    assert query_all(table, "PK = :pk", {":pk": other}) == []


# ---------------------------------------------------------------- conditional writes


def test_an_idempotency_key_is_claimed_once_until_it_expires_or_is_released(
    engine: Engine,
) -> None:
    store = IdempotencyStore(tables()["idempotency"])
    pk = scoped_pk(new_tenant(), "U", "user", uuid.uuid4().hex)
    now = 1_900_000_000
    assert store.claim(pk, "first", now, running_until=now + 30) is None
    pending = store.claim(pk, "second", now + 1, running_until=now + 31)
    assert pending is not None and (pending.state, pending.fingerprint) == ("pending", "first")
    # Still running: the same body waits too.
    assert store.claim(pk, "first", now + 30, running_until=now + 60) is not None

    store.complete(pk, 201, '{"id": "x"}', {"Location": "/x"})
    done = store.claim(pk, "first", now + 40, running_until=now + 70)
    assert done is not None
    assert (done.state, done.status, done.body, done.headers) == (
        "done", 201, '{"id": "x"}', {"Location": "/x"})

    # Past its TTL (which DynamoDB Local never applies), the key counts as free.
    assert store.claim(pk, "later", now + TTL_SECONDS + 1, running_until=now + TTL_SECONDS + 31) \
        is None
    again = store.claim(pk, "other", now + TTL_SECONDS + 2, running_until=now + TTL_SECONDS + 32)
    assert again is not None and again.fingerprint == "later"

    store.release(pk)
    assert store.claim(pk, "after release", now + TTL_SECONDS + 3,
                       running_until=now + TTL_SECONDS + 33) is None


def test_a_crashed_claim_is_taken_over_once_by_the_same_request(engine: Engine) -> None:
    """Issue 14, item 8: a pending claim whose request is over (its Lambda died) is free
    for a retry with the same body; of two racing retries one wins."""
    store = IdempotencyStore(tables()["idempotency"])
    pk = scoped_pk(new_tenant(), "U", "user", uuid.uuid4().hex)
    now = 1_900_000_000
    assert store.claim(pk, "body", now, running_until=now + 30) is None  # then dies
    other = store.claim(pk, "other body", now + 31, running_until=now + 61)
    assert other is not None and other.fingerprint == "body"
    assert store.claim(pk, "body", now + 31, running_until=now + 61) is None
    racer = store.claim(pk, "body", now + 31, running_until=now + 61)
    assert racer is not None and racer.state == "pending"


# The real engine only, as for the parallel creates below: moto applies a conditional
# UpdateItem without a lock, so under threads more than the limit get in on moto's mock.
@pytest.mark.parametrize("engine", ["dynamodb-local"], indirect=True)
def test_16_parallel_takes_at_a_rate_limit_of_5_count_exactly_5(engine: Engine) -> None:
    """The rate-limit counter is one conditional ADD: requests racing for the last places
    of a window cannot both get in (no read-then-write)."""
    store = RateLimitStore(tables()["idempotency"])
    subject = uuid.uuid4().hex
    pk = rate_limit_pk("login-email", subject, 1_900_000_000)
    start = threading.Barrier(16)
    answers: list[bool] = []

    def take() -> None:
        start.wait(timeout=30)
        answers.append(store.take("login-email", subject, 1_900_000_000, 5, 1_900_000_300))

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [False] * 11 + [True] * 5
    item = get_item(tables()["idempotency"], pk)
    assert item is not None and (item["count"], item["expires_at"]) == (5, 1_900_000_300)
    # Another window of the same subject starts from zero.
    assert store.take("login-email", subject, 1_900_000_300, 5, 1_900_000_600)


def test_a_delivery_is_claimed_once_until_released(engine: Engine) -> None:
    tenant, delivery = new_tenant(), f"{uuid.uuid4().hex}:user:email"
    now = 1_900_000_000
    assert deliveries.claim(tenant, delivery, now) is True
    assert deliveries.claim(tenant, delivery, now) is False
    deliveries.sent(tenant, delivery, "ses-1")
    assert deliveries.claim(tenant, delivery, now) is False
    record = get_item(tables()["idempotency"], scoped_pk(tenant, "DELIVERY", delivery),
                      consistent=True)
    assert record is not None and (record["state"], record["provider_id"]) == ("sent", "ses-1")
    deliveries.release(tenant, delivery)
    assert deliveries.claim(tenant, delivery, now) is True


# ---------------------------------------------------------------- numbering


def _staff(tenant: str) -> Principal:
    return Principal(tenant=tenant, user_id="system", email="system@localhost", roles=("admin",),
                     permissions=frozenset(p.value for p in Permission), kind="staff",
                     organization_id=None, language="en", record={"name": "System"})


def _tenant_with_org() -> tuple[Ctx, str]:
    """A provisioned tenant of its own (settings, default ticket types) and one customer."""
    tenant = new_tenant()
    ctx = Ctx(_staff(tenant), datetime.now(UTC))
    provision(tenant, f"Tenant {tenant}", ctx.now)
    org = directory_svc.create_organization(
        ctx, directory_models.OrganizationCreate(name="Acme AB"))
    return ctx, org.id


# The real engine only: moto's mock checks and applies conditional writes in Python without
# a lock, so under threads most creates fail inside moto ("dictionary changed size during
# iteration"); DynamoDB Local's transactions are atomic, as DynamoDB's are.
@pytest.mark.parametrize("engine", ["dynamodb-local"], indirect=True)
def test_16_parallel_creates_get_16_consecutive_numbers(engine: Engine) -> None:
    """16 threads, each creating one ticket through the ticket service at the same moment:
    the numbers are T-1001..T-1016, no gap and no duplicate, each recorded once (the
    losers of a race get ``ConditionalCheckFailed`` on the counter and retry)."""
    ctx, org_id = _tenant_with_org()
    start = threading.Barrier(16)
    made: list[ticket_models.Ticket] = []
    failures: list[BaseException] = []

    def create(n: int) -> None:
        try:
            start.wait(timeout=30)
            made.append(tickets_svc.create_ticket(
                Ctx(ctx.principal, datetime.now(UTC)),
                ticket_models.TicketCreate(subject=f"Parallel {n}", ticket_type_id="question",
                               organization_id=org_id)))
        except BaseException as exc:  # reported below, with the engine's words
            failures.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == [], [repr(f) for f in failures]
    numbers = sorted(int(ticket.number[2:]) for ticket in made)
    assert numbers == list(range(ticket_models.FIRST_NUMBER, ticket_models.FIRST_NUMBER + 16))
    repo = tickets_svc.repo()
    assert last_number(repo.table, ctx.tenant, TICKET_COUNTER) == ticket_models.FIRST_NUMBER + 15
    assert {repo.ticket_id_by_number(ctx.tenant, int(x.number[2:])): x.id for x in made} \
        == {x.id: x.id for x in made}
    after = tickets_svc.create_ticket(ctx, ticket_models.TicketCreate(
        subject="After", ticket_type_id="question", organization_id=org_id))
    assert after.number == ticket_models.ticket_number(ticket_models.FIRST_NUMBER + 16)


# ---------------------------------------------------------------- every index


def _indexes() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != TABLE:
            continue
        for index in resource["Properties"].get("GlobalSecondaryIndexes", []):
            found.append((logical_id, resource["Properties"], index))
    return found


INDEXES = _indexes()


def _value(kind: str, token: str) -> Any:
    return {"S": f"v-{token}", "N": int(token[:12], 16), "B": token.encode()}[kind]


@pytest.mark.parametrize(("logical_id", "table", "index"), INDEXES,
                         ids=[f"{lid}-{i['IndexName']}" for lid, _, i in INDEXES])
def test_every_index_answers_a_query_for_an_item_with_its_keys(
    engine: Engine, logical_id: str, table: dict[str, Any], index: dict[str, Any],
) -> None:
    """Generic over ``infra/resources.yaml``: an item carrying the index's key attributes
    (and the table's) is found by a Query on the index, with what its projection names."""
    name = Resolver(TEMPLATE, {"Stage": "local"}, region=get_config().region) \
        .physical_name(logical_id)
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    table_keys = [k["AttributeName"] for k in table["KeySchema"]]
    index_keys = [k["AttributeName"] for k in index["KeySchema"]]
    token = uuid.uuid4().hex
    item: dict[str, Any] = {a: _value(types[a], token) for a in {*table_keys, *index_keys}}
    projection = index["Projection"]
    included = list(projection.get("NonKeyAttributes", []))
    item |= {a: f"included {a}" for a in included[:2] if a not in item}
    item["not_in_any_projection"] = "only with ALL"
    uow = UnitOfWork()
    uow.create(name, item, _errors(FirstBroken))
    uow.commit()

    names = {f"#k{n}": a for n, a in enumerate(index_keys)}
    condition = " AND ".join(f"#k{n} = :k{n}" for n in range(len(index_keys)))
    page = query(name, condition, {f":k{n}": item[a] for n, a in enumerate(index_keys)},
                 index=index["IndexName"], names=names, limit=10)
    assert len(page.items) == 1, page.items
    found = page.items[0]
    expected_attributes = {
        "ALL": set(item),
        "KEYS_ONLY": {*table_keys, *index_keys},
        "INCLUDE": {*table_keys, *index_keys, *(a for a in included if a in item)},
    }[projection["ProjectionType"]]
    assert set(found) == expected_attributes
    assert all(found[a] == item[a] for a in found)


def test_the_template_has_the_indexes_the_store_queries() -> None:
    """The store names these indexes in code; the generic test above covers each."""
    by_table = {lid: {i["IndexName"] for lid2, _, i in INDEXES if lid2 == lid}
                for lid, _, _ in INDEXES}
    assert {f"GSI{n}" for n in range(1, 7)} | {"due"} <= by_table["TicketsTable"]
    assert {f"GSI{n}" for n in range(1, 9)} | {"due"} <= by_table["ContactOrdersTable"]
    assert {"GSI1", "GSI2"} <= by_table["DirectoryTable"]


# ---------------------------------------------------------------- the store's list queries


def test_tickets_are_listed_by_status_and_group(engine: Engine) -> None:
    ctx, org_id = _tenant_with_org()

    def now() -> Ctx:
        return Ctx(ctx.principal, datetime.now(UTC))

    def create(subject: str) -> ticket_models.Ticket:
        return tickets_svc.create_ticket(now(), ticket_models.TicketCreate(
            subject=subject, ticket_type_id="question", organization_id=org_id))

    fresh, opened, closed = create("Fresh one"), create("Opened one"), create("Closed one")
    tickets_svc.patch_ticket(now(), opened.id, ticket_models.TicketPatch(status="open"))
    tickets_svc.patch_ticket(now(), closed.id,
                             ticket_models.TicketPatch(status="closed", reason="duplicate"))

    def listed(status: str | None, limit: int = 25) -> list[str]:
        ids: list[str] = []
        positions: dict[str, str] | None = {}
        while positions is not None:
            items, positions = tickets_svc.list_tickets(
                ctx, tickets_svc.TicketFilters(status=status), limit, positions)
            ids += [i.id for i in items]
        return ids

    assert listed("new") == [fresh.id]
    assert listed("open") == [opened.id]
    assert listed("closed") == [closed.id]
    assert listed("waiting_on_customer") == []
    assert listed("active") == [opened.id, fresh.id]  # newest activity first
    assert listed(None) == [closed.id, opened.id, fresh.id]
    assert listed(None, limit=1) == [closed.id, opened.id, fresh.id]  # page by page
    by_org = tickets_svc.list_tickets(
        ctx, tickets_svc.TicketFilters(status="active", organization_id=org_id), 25, {})[0]
    assert [i.id for i in by_org] == [opened.id, fresh.id]


def test_the_due_sweep_reads_what_is_due_in_every_shard_and_nothing_else(
    engine: Engine,
) -> None:
    tenant, table = new_tenant(), tables()["tickets"]
    kind = f"probe{uuid.uuid4().hex[:8]}"  # a kind no other test writes
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    stamp = lambda delta: (now + delta).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    due = {f"due{n}": stamp(timedelta(minutes=-n)) for n in range(12)}
    later = {f"later{n}": stamp(timedelta(minutes=n + 1)) for n in range(3)}
    uow = UnitOfWork()
    for parent, at in {**due, **later}.items():
        schedule.put_timer(uow, table, tenant, "TICKET", parent, kind, at)
    uow.commit()
    shards = {schedule.shard_of(kind, schedule.timer_pk(tenant, "TICKET", p)) for p in due}
    assert len(shards) > 1  # the sweep has more than one shard to read

    found = list(schedule.due_items(table, kind, stamp(timedelta()), page_size=5))
    assert sorted(i["parent_id"] for i in found) == sorted(due)
    assert {i["kind"] for i in found} == {kind} and {i["tenant"] for i in found} == {tenant}
    # Oldest first within each shard.
    for shard in shards:
        ats = [i["due_at"] for i in found if i["due_shard"] == shard]
        assert ats == sorted(ats)

    # Done work leaves the index: a deleted timer is not read again.
    done = UnitOfWork()
    schedule.sync_timers(done, table, tenant, "TICKET", "due0", {kind: due["due0"]}, {})
    done.commit()
    left = {i["parent_id"] for i in schedule.due_items(table, kind, stamp(timedelta()))}
    assert left == set(due) - {"due0"}
    everything = {i["parent_id"] for i in schedule.due_items(table, kind, stamp(timedelta(1)))}
    assert everything == (set(due) | set(later)) - {"due0"}


def test_a_created_tickets_timers_are_found_by_the_sweep(engine: Engine) -> None:
    ctx, org_id = _tenant_with_org()
    ticket = tickets_svc.create_ticket(ctx, ticket_models.TicketCreate(
        subject="Timed", ticket_type_id="question", organization_id=org_id))
    timers = query_all(tickets_svc.repo().table, "PK = :pk AND begins_with(SK, :p)",
                       {":pk": scoped_pk(ctx.tenant, "TICKET", ticket.id), ":p": "TIMER#"})
    assert timers, "a new ticket waits for its first response"
    far = (ctx.now + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for timer in timers:
        swept = [i for i in schedule.due_items(tickets_svc.repo().table, timer["kind"], far)
                 if i["tenant"] == ctx.tenant]
        assert [(i["parent_id"], i["kind"]) for i in swept] == [(ticket.id, timer["kind"])]


def test_a_bookings_reminder_waits_in_the_due_index_until_it_is_sent(engine: Engine) -> None:
    tenant, table = new_tenant(), tables()["contact_orders"]
    repo = ContactOrdersRepository(table)
    booking = {"id": uuid.uuid4().hex, "order_id": "o1", "assignee_id": "u1",
               "at": "2026-03-01T09:00:00Z"}
    uow = UnitOfWork()
    repo.put_booking(uow, tenant, booking, expected_done=None)
    uow.commit()
    swept = [i for i in schedule.due_items(table, "booking_reminder", "2026-03-01T09:00:00Z")
             if i["tenant"] == tenant]
    assert [i["id"] for i in swept] == [booking["id"]]
    assert [b["id"] for b in repo.user_bookings(tenant, "u1", "open", None, 10)] \
        == [booking["id"]]

    reminded = UnitOfWork()
    repo.mark_reminded(reminded, tenant, "o1", booking["id"], "2026-03-01T09:00:01Z")
    reminded.commit()
    assert not [i for i in schedule.due_items(table, "booking_reminder", "2026-03-01T10:00:00Z")
                if i["tenant"] == tenant]
    twice = UnitOfWork()  # a second sweep's write fails its condition
    repo.mark_reminded(twice, tenant, "o1", booking["id"], "2026-03-01T09:00:02Z")
    with pytest.raises(Conflict, match="reminded"):
        twice.commit()
