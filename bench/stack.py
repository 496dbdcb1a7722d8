"""Part 8 of ``make bench``: the local stack on DynamoDB Local, over HTTP.

``python -m local`` runs as a separate process, as ``make run`` starts it (its Java child,
DynamoDB Local, keeps every table in one SQLite file), and the bench measures it from the
outside: p50 and p95 of five requests with a small and a large tenant (``SIZES`` tickets,
``ORDERS`` contact orders), the resident memory of every process of the stack, the time a
restart takes to answer ``GET /health`` and sixteen ``POST /tickets`` sent at once.

The bulk is made and stored by the ticket and contact-order parts' own ``fill`` (the
app's code builds the items, ``_ticket_items`` and ``_order_items``; ``store_numbered``
sends them with ``BatchWriteItem``, 25 a call from its writer threads while the next are
built, then moves the counters, so the next ``POST`` gets the next number), run in this
process with chalicelib pointed at the running stack's engine and moto (``_point_at``).
The users, customers and organisations the bulk refers to are made through the stack's
API (the two parts' ``_world``).

Loading (``load``) runs the stack on a state folder under ``/dev/shm``: DynamoDB Local
commits each batch with an fsync, which costs nothing on tmpfs. After each size the stack
is stopped and the whole folder (the SQLite file, moto's ``state.pickle``, the secret)
copied to the real disk, ``.local/bench/stack/loaded/{small,large}``. The two snapshots are
used again by the next run while ``fingerprint()`` (the sizes and every file the items
depend on) is the same; ``BENCH_STACK_RELOAD=1`` loads anyway. Each size is then measured
on a fresh copy on disk (``measure``), so the engine reads a disk file, as a user's does:

1. the requests, ``WARMUP`` untimed rounds and ``REPEATS`` timed ones, interleaved;
2. ``PARALLEL`` creates released at once;
3. VmRSS of the stack's process and its children, from /proc;
4. the same requests in this process through ``chalice.test.Client`` on the same engine,
   for their DynamoDB calls (the stack's own process cannot be hooked from outside);
5. after both sizes, ``RESTARTS`` restarts of ``make run``'s ``python -m local`` on the
   larger state, timed from the process's start to the first health 200.

The measured stacks run with ``--no-background``: the bulk tickets carry the SLA timers
they were created with, so at start the schedules would work through thousands of overdue
timers (which a real stack does as each falls due) while the requests are measured. The
restarts run exactly ``make run``'s command (seed and schedules on).

``BENCH_STACK_SIZES=1000,5000 BENCH_STACK_ORDERS=200,1000`` for a quick try;
``BENCH_STACK_REPEATS`` (timed requests of each kind per size, 40).
``python -m bench.stack`` prints the figures as JSON; ``python -m bench stack`` rewrites
the section of docs/performance.md. No timing here is asserted by a test.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.e2e.stack import Stack, free_port

ROOT = Path(__file__).resolve().parent.parent
TENANT = "demo"


def _sizes(name: str, default: str) -> tuple[int, int]:
    small, large = (int(n) for n in os.environ.get(name, default).split(","))
    return small, large


SIZES = _sizes("BENCH_STACK_SIZES", "1000,100000")  # tickets
ORDERS = _sizes("BENCH_STACK_ORDERS", "1000,20000")  # contact orders at the same two points
REPEATS = int(os.environ.get("BENCH_STACK_REPEATS", "40"))
WARMUP = 5  # untimed rounds of each request after a start
PARALLEL = 16
RESTARTS = 2
RAM_DIR = Path(os.environ.get("BENCH_STACK_RAM_DIR", "/dev/shm/helpdesk-bench-stack"))
DISK_DIR = Path(os.environ.get("BENCH_STACK_DISK_DIR", ROOT / ".local" / "bench" / "stack"))
LOADED = DISK_DIR / "loaded"  # the snapshots: "small" and "large", and meta.json

RATIO_LIMIT = 1.2  # p50 at the large size / p50 at the small one
RSS_LIMIT_MB = 1536  # the whole stack at the large size
RESTART_LIMIT_S = 15.0
PARALLEL_LIMIT_S = 2.0

REQUESTS = ("POST /tickets", "GET /tickets?status=active", "GET /tickets/{id}",
            "POST /tickets/{id}/comments", "GET /contact-orders")


# --- the stack as a process ----------------------------------------------------------------


@dataclass
class BenchStack(Stack):
    """tests/e2e/stack.py's ``Stack`` with a longer start and a stop that must succeed;
    started with the environment of the bench's start (not what the bench set meanwhile)."""

    def start(self, timeout: float = 300) -> BenchStack:
        super().start(timeout)  # 100,000 tickets take longer to start than a test's stack
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        code = super().stop(sig)
        if code != 0:
            raise RuntimeError(f"the local stack stopped with {code}:\n"
                               + "".join(self.output[-30:]))
        return code


def _processes(root: int) -> list[int]:
    """``root`` and every process below it (the stack: python and its java child)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def memory(root: int) -> list[dict[str, Any]]:
    """Per process of the stack: name, VmRSS and VmHWM (its peak) in MB, from /proc."""
    rows = []
    for pid in _processes(root):
        try:
            status = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        kb = {k: int(status.get(k, "0 kB").split()[0]) for k in ("VmRSS", "VmHWM")}
        rows.append({"pid": pid, "name": status["Name"].strip(),
                     "rss_mb": round(kb["VmRSS"] / 1024, 1),
                     "peak_mb": round(kb["VmHWM"] / 1024, 1)})
    return rows


def _copy_state(source: Path, target: Path) -> float:
    """The stopped stack's whole state folder (the SQLite file, moto's state.pickle, the
    secret): ``target`` is replaced. Seconds taken."""
    started = time.perf_counter()
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return time.perf_counter() - started


# --- this process pointed at the stack -------------------------------------------------------


def _point_at(stack: Stack) -> None:
    """chalicelib in this process talks to the stack's engine and moto, as the stack's own
    process does (``local/__main__.py``'s environment), for building items and counting."""
    import boto3

    from local.__main__ import _stage_environment

    endpoints = json.loads((stack.state_dir / "endpoint.json").read_text())
    os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                       "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                       **_stage_environment(),
                       "AWS_ENDPOINT_URL": endpoints["aws_endpoint"],
                       "AWS_ENDPOINT_URL_DYNAMODB": endpoints["dynamodb_endpoint"],
                       "HELPDESK_SECRET": (stack.state_dir / "secret").read_text().strip(),
                       "PORTAL_ORIGIN": stack.url})
    os.environ.pop("AWS_PROFILE", None)
    cognito = boto3.client("cognito-idp", region_name="eu-west-1")
    pool = next(p["Id"] for p in cognito.list_user_pools(MaxResults=10)["UserPools"]
                if p["Name"].startswith("helpdesk-local"))
    app_client = cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]
    os.environ.update({
        "COGNITO_USER_POOL_ID": pool, "COGNITO_CLIENT_ID": app_client["ClientId"],
        "COGNITO_JWKS_URL": f"{endpoints['aws_endpoint']}/{pool}/.well-known/jwks.json"})
    _reset_clients()


class _Answer:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body


class Http:
    """What bench/tickets.py's ``Api`` needs of ``chalice.test.Client.http``, over HTTP to
    the running stack; ``url`` moves with each start."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, path: str, headers: dict[str, str],
                body: bytes | str) -> _Answer:
        status, payload, _ = send(self.url, method, path, headers,
                                  body.encode() if isinstance(body, str) else body)
        return _Answer(status, payload)


def send(url: str, method: str, path: str, headers: dict[str, str],
         body: bytes | None) -> tuple[int, bytes, float]:
    """One request on a new connection: status, body, seconds from sending to the last
    byte of the answer."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        payload = answer.read()
        return answer.status, payload, time.perf_counter() - started
    finally:
        connection.close()


# --- loading --------------------------------------------------------------------------------


def stored(table: str, counter: str, first: int) -> int:
    """How many the tenant holds: numbers run without gaps from ``first``."""
    from chalicelib.store.counters import last_number

    return (last_number(table, TENANT, counter) or first - 1) - first + 1


def fill_tickets(w: Any, until: int) -> tuple[int, float]:
    """bench/tickets.py's ``fill`` (``store_numbered``: ``BatchWriteItem`` straight to the
    engine the app's client points at, from its ``WRITERS`` threads while the next items
    are built): items written and seconds."""
    from bench import tickets as ticket_bench

    done = ticket_bench.fill(w, until)
    return done.items, done.seconds


def fill_orders(w: Any, until: int) -> tuple[int, float]:
    """bench/contact_orders.py's ``fill``, its count first set to the orders the tenant
    holds (the seed's demo orders too): items written and seconds."""
    from bench import contact_orders
    from chalicelib.domain.contact_orders import FIRST_NUMBER
    from chalicelib.services.contact_orders import repo

    w.made = stored(repo().table, "CO", FIRST_NUMBER)
    done = contact_orders.fill(w, until)
    return done["items"], done["seconds"]


@dataclass
class Tenant:
    """The two worlds of the bulk (bench/tickets.py's and bench/contact_orders.py's) and the
    HTTP client their ``Api`` goes through."""

    http: Http
    tickets: Any
    orders: Any

    def login(self) -> None:
        """Fresh tokens after a start."""
        for api in (self.tickets.api, self.orders.api):
            for user in list(api.tokens):
                api.login(user)


# --- measuring --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


@dataclass
class Session:
    """The admin on a running stack, and the tickets and organisation the requests use:
    the 25 tickets of the first page of active ones, the first organisation listed."""

    url: str
    token: str
    ticket_ids: list[str]
    organization: str

    @classmethod
    def open(cls, stack: Stack) -> Session:
        token = stack.login(f"admin@{TENANT}.test")
        page = stack.request("GET", "/tickets?status=active", token=token)[2]
        organizations = stack.request("GET", "/organizations", token=token)[2]
        ids = [item["id"] for item in page["items"]]
        assert len(ids) == 25, page
        return cls(stack.url, token, ids, organizations["items"][0]["id"])

    def request(self, label: str, i: int) -> tuple[str, str, dict[str, Any] | None]:
        ticket = self.ticket_ids[i % len(self.ticket_ids)]
        return {
            "POST /tickets": ("POST", "/tickets", {
                "subject": f"Customer called: payslip {i} does not open",
                "ticket_type_id": "question", "organization_id": self.organization,
                "channel": "phone"}),
            "GET /tickets?status=active": ("GET", "/tickets?status=active", None),
            "GET /tickets/{id}": ("GET", f"/tickets/{ticket}", None),
            "POST /tickets/{id}/comments": ("POST", f"/tickets/{ticket}/comments", {
                "body": f"Checked the export again ({i}); it stops at 80 %."}),
            "GET /contact-orders": ("GET", "/contact-orders", None),
        }[label]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def timed(self, label: str, i: int) -> tuple[float, Any]:
        method, path, body = self.request(label, i)
        status, payload, seconds = send(self.url, method, path, self.headers,
                                        json.dumps(body).encode() if body else None)
        answer = json.loads(payload) if payload else None
        if status >= 300:
            raise RuntimeError(f"{label}: {status} {answer}")
        _check(label, answer)
        return seconds, answer


def _check(label: str, answer: Any) -> None:
    """A time means something only if the request did what it says."""
    if label.startswith("GET") and "{id}" not in label:
        assert len(answer["items"]) == 25, (label, len(answer["items"]))
    else:
        assert answer.get("id"), (label, answer)


def _number(answer: Any) -> int:
    return int(answer["number"].split("-")[1])


def time_requests(sessions: list[Session]) -> list[dict[str, Any]]:
    """``WARMUP`` untimed rounds, then ``REPEATS`` rounds of the five requests, one after
    another, on each stack in turn (which goes first alternates): a busy moment of the
    machine weighs on every request and both sizes alike."""
    numbers: list[list[int]] = [[] for _ in sessions]
    seconds: list[dict[str, list[float]]] = [{label: [] for label in REQUESTS}
                                             for _ in sessions]
    for i in range(-WARMUP, REPEATS):
        for label in REQUESTS:
            order = range(len(sessions)) if i % 2 == 0 else reversed(range(len(sessions)))
            for k in order:
                spent, answer = sessions[k].timed(label, i)
                if i >= 0:
                    seconds[k][label].append(spent)
                if label == "POST /tickets":
                    numbers[k].append(_number(answer))
    for made in numbers:
        assert made == list(range(made[0], made[0] + len(made))), made
    return [{"rows": {label: {"p50_ms": _ms(statistics.median(v)),
                              "p95_ms": _ms(_percentile(v, 0.95)),
                              "max_ms": _ms(max(v)), "n": len(v)}
                      for label, v in timed.items()},
             "last_number": made[-1]} for timed, made in zip(seconds, numbers, strict=True)]


def parallel_creates(s: Session, last_number: int) -> dict[str, Any]:
    """``PARALLEL`` threads, one ``POST /tickets`` each on its own connection, released
    together by a barrier."""
    gate = threading.Barrier(PARALLEL)
    answers: list[tuple[float, str, Any]] = [(0.0, "not sent", None)] * PARALLEL

    def create(i: int) -> None:
        body = json.dumps({"subject": f"Sixteen at once: {i}", "ticket_type_id": "question",
                           "organization_id": s.organization, "channel": "phone"}).encode()
        gate.wait()
        started = time.perf_counter()
        try:
            status, payload, seconds = send(s.url, "POST", "/tickets", s.headers, body)
            answers[i] = (seconds, str(status), json.loads(payload) if payload else None)
        except OSError as exc:  # the connection refused or reset: a failed create
            answers[i] = (time.perf_counter() - started, repr(exc), None)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [f"{status} after {_ms(spent)} ms" for spent, status, _ in answers
              if status != "201"]
    numbers = sorted(_number(a) for _, status, a in answers if status == "201")
    seconds = [spent for spent, _, _ in answers]
    return {"max_ms": _ms(max(seconds)), "p50_ms": _ms(statistics.median(seconds)),
            "min_ms": _ms(min(seconds)), "failed": failed, "numbers": numbers,
            "distinct_consecutive": numbers == list(range(last_number + 1,
                                                          last_number + 1 + PARALLEL))}


def count_calls(s: Session, runs: int = 10) -> dict[str, dict[str, Any]]:
    """The five requests again, ``runs`` times each, through ``chalice.test.Client`` in
    this process on the stack's engine: their DynamoDB calls (bench/tickets.py's
    ``counting``, the first run) and the time spent inside them (p50 of the runs), from
    botocore's ``provide-client-params`` to ``after-call``."""
    from chalice.test import Client

    from app import app
    from bench.tickets import counting
    from chalicelib.store.clients import client

    log = logging.getLogger("helpdesk")  # the app's request lines: not the bench's output
    level = log.level
    log.setLevel(logging.WARNING)
    events = client("dynamodb").meta.events
    inside: list[float] = []

    def asked(context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def answered(context: dict[str, Any], **_: Any) -> None:
        inside.append(time.perf_counter() - context.pop("bench_started"))

    counts: dict[str, dict[str, Any]] = {}
    with Client(app, stage_name="local") as local:
        events.register("provide-client-params.dynamodb", asked)
        events.register("after-call.dynamodb", answered)
        try:
            for label in REQUESTS:
                spent, total = [], []
                for run in range(runs):
                    method, path, body = s.request(label, 10_000 + run)
                    inside.clear()
                    with counting(events) as tally:
                        started = time.perf_counter()
                        answer = local.http.request(
                            method, path, headers=s.headers,
                            body=json.dumps(body).encode() if body else b"")
                        total.append(time.perf_counter() - started)
                    assert answer.status_code < 300, (label, answer.body)
                    _check(label, json.loads(answer.body))
                    spent.append(sum(inside))
                    if run == 0:
                        calls = dict(sorted(tally.calls.items()))
                counts[label] = {"calls": calls, "dynamodb_ms": _ms(statistics.median(spent)),
                                 "total_ms": _ms(statistics.median(total))}
        finally:
            events.unregister("provide-client-params.dynamodb", asked)
            events.unregister("after-call.dynamodb", answered)
            log.setLevel(level)
    return counts


def restart(state_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """``make run``'s ``python -m local`` on a stopped stack's state: seconds from starting
    the process to the first ``GET /health`` answered 200, and the memory then."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**env, "PORT": str(port)}
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        env.pop(name, None)
    with (state_dir / "restart.log").open("a") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", str(port), "--state-dir",
             str(state_dir)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"python -m local exited with {process.returncode};"
                                       f" see {state_dir / 'restart.log'}")
                try:
                    if send(url, "GET", "/health", {}, None)[0] == 200:
                        break
                except OSError:
                    pass
                if time.perf_counter() - started > 300:
                    raise RuntimeError("no health 200 within 300 s")
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            rss = memory(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return {"seconds": round(seconds, 2), "memory": rss, "exit": process.returncode}


# --- the run ---------------------------------------------------------------------------------

# Bump when the loading changes in a way the fingerprint's files do not show.
LOAD_VERSION = 1
FINGERPRINTED = ("bench/tickets.py", "bench/contact_orders.py", "chalicelib", "local",
                 "infra/resources.yaml", ".chalice/config.json", "constraints.txt",
                 ".tools/dynamodb-local/VERSION")


def fingerprint() -> str:
    """What the loaded data depends on: the sizes, the code that makes and stores the items,
    the tables' definitions, the pinned versions, the engine's version."""
    digest = hashlib.sha256(json.dumps([LOAD_VERSION, SIZES, ORDERS]).encode())
    for name in FINGERPRINTED:
        path = ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def load(env: dict[str, str]) -> dict[str, Any]:
    """The two snapshots, ``LOADED/small`` and ``LOADED/large``: a stopped stack's state
    with ``SIZES[i]`` tickets and ``ORDERS[i]`` orders, loaded on tmpfs and copied to disk.
    Kept with their ``meta.json`` and used again while the fingerprint is the same
    (``BENCH_STACK_RELOAD=1``: load anyway; ``BENCH_STACK_REUSE=1``: use them whatever the
    fingerprint, when the sizes are the same, e.g. after a change that does not touch the
    items)."""
    from bench import contact_orders
    from bench import tickets as ticket_bench

    meta_file = LOADED / "meta.json"
    kept = json.loads(meta_file.read_text()) if meta_file.exists() else None
    if kept and not os.environ.get("BENCH_STACK_RELOAD"):
        fits = kept["fingerprint"] == fingerprint()
        same_sizes = [(s["tickets"], s["orders"]) for s in kept["steps"]] == list(
            zip(SIZES, ORDERS, strict=True))
        if fits or (same_sizes and os.environ.get("BENCH_STACK_REUSE")):
            return {**kept, "reused": True, "fingerprint_matches": fits}
    shutil.rmtree(LOADED, ignore_errors=True)
    ram = RAM_DIR / "state"
    shutil.rmtree(ram, ignore_errors=True)
    RAM_DIR.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"fingerprint": fingerprint(), "steps": [],
                            "writers": ticket_bench.WRITERS,
                            "loaded_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    started = time.perf_counter()
    t: Tenant | None = None
    try:
        for name, tickets, orders in zip(("small", "large"), SIZES, ORDERS, strict=True):
            stack = BenchStack(ram, flags=("--no-background",), env=env).start()
            try:
                _point_at(stack)
                if t is None:
                    http = Http(stack.url)
                    t = Tenant(http, ticket_bench._world(ticket_bench.Api(http)),
                               contact_orders._world(ticket_bench.Api(http)))
                else:
                    t.http.url = stack.url
                    t.login()
                step: dict[str, Any] = {"tickets": tickets, "orders": orders}
                items, seconds = fill_tickets(t.tickets, tickets)
                step |= {"ticket_items": items, "ticket_seconds": round(seconds, 1)}
                items, seconds = fill_orders(t.orders, orders)
                step |= {"order_items": items, "order_seconds": round(seconds, 1)}
            finally:
                stack.stop()
            step["copy_seconds"] = round(_copy_state(ram, LOADED / name), 1)
            meta["steps"].append(step)
    finally:
        shutil.rmtree(RAM_DIR, ignore_errors=True)
    meta["seconds"] = round(time.perf_counter() - started)
    meta_file.write_text(json.dumps(meta, indent=1))
    return {**meta, "reused": False, "fingerprint_matches": True}


def measure(env: dict[str, str]) -> dict[int, dict[str, Any]]:
    """Each snapshot copied to disk and a stack started on each, the requests timed on both
    in turn, then on each: the 16 creates, the memory, the calls. The stacks are stopped;
    their states stay for the restarts."""
    from chalicelib.domain.tickets import FIRST_NUMBER
    from chalicelib.services.tickets import repo
    from chalicelib.store.tickets import TICKET_COUNTER

    figures: dict[int, dict[str, Any]] = {}
    stacks: list[BenchStack] = []
    try:
        for name, size in zip(("small", "large"), SIZES, strict=True):
            work = DISK_DIR / f"state-{name}"
            figures[size] = {"copy_seconds": round(_copy_state(LOADED / name, work), 1)}
            stacks.append(BenchStack(work, flags=("--no-background",), env=env).start())
        sessions = [Session.open(stack) for stack in stacks]
        began = os.getloadavg()[0]
        timed = time_requests(sessions)
        load_average = [round(began, 1), round(os.getloadavg()[0], 1)]
        for size, stack, session, times in zip(SIZES, stacks, sessions, timed, strict=True):
            assert stack.process is not None
            _point_at(stack)
            last_number = times.pop("last_number")
            figures[size] |= {
                **times, "load_average": load_average,
                "parallel": parallel_creates(session, last_number),
                "memory": memory(stack.process.pid), "calls": count_calls(session),
                "tickets_after": stored(repo().table, TICKET_COUNTER, FIRST_NUMBER)}
    finally:
        for stack in stacks:
            stack.stop()
    for size, stack in zip(SIZES, stacks, strict=True):
        figures[size]["db_mb"] = round(
            (stack.state_dir / "dynamodb" / "shared-local-instance.db").stat().st_size / 2**20)
    return figures


def run() -> dict[str, Any]:
    """Load (or reuse) the two snapshots, measure both on disk copies, then the restarts
    on the larger one's state as its measurement left it."""
    started = time.perf_counter()
    env = dict(os.environ)
    DISK_DIR.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"ram_dir": str(RAM_DIR), "disk_dir": str(DISK_DIR),
                              "tickets": SIZES, "orders": ORDERS, "repeats": REPEATS,
                              "warmup": WARMUP, "sizes": {}}
    try:
        result["load"] = load(env)
        result["sizes"] = measure(env)
        result["restarts"] = [restart(DISK_DIR / "state-large", env)
                              for _ in range(RESTARTS)]
    finally:
        os.environ.clear()
        os.environ.update(env)
        _reset_clients()
    result["seconds"] = round(time.perf_counter() - started)
    result["measured_at"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    result["failed"] = problems(result)
    return result


def _reset_clients() -> None:
    """chalicelib's caches of settings, clients, queue addresses and the key set: each
    start of the stack has new ports."""
    from chalicelib.config import get_config
    from chalicelib.identity.verifier import use_jwks
    from chalicelib.store import health, outbox
    from chalicelib.store.clients import reset_clients

    get_config.cache_clear()
    reset_clients()
    health.queue_url.cache_clear()
    outbox.queue_url.cache_clear()
    use_jwks(None)


def ratios(result: dict[str, Any]) -> dict[str, float]:
    small, large = (result["sizes"][s]["rows"] for s in result["tickets"])
    return {label: round(large[label]["p50_ms"] / small[label]["p50_ms"], 2)
            for label in REQUESTS}


def total_rss(rows: list[dict[str, Any]], key: str = "rss_mb") -> float:
    return round(sum(r[key] for r in rows), 1)


def problems(result: dict[str, Any]) -> list[str]:
    small, large = result["tickets"]
    found = [f"p50 of {label} at {large:,} is {ratio} x that at {small:,}"
             for label, ratio in ratios(result).items() if ratio > RATIO_LIMIT]
    rss = total_rss(result["sizes"][large]["memory"])
    if rss > RSS_LIMIT_MB:
        found.append(f"the stack's resident memory is {rss} MB at {large:,} tickets")
    found += [f"restart took {r['seconds']} s" for r in result["restarts"]
              if r["seconds"] > RESTART_LIMIT_S]
    for size in result["tickets"]:
        p = result["sizes"][size]["parallel"]
        if p["max_ms"] > PARALLEL_LIMIT_S * 1000 or p["failed"]:
            found.append(f"{PARALLEL} parallel creates at {size:,}: max {p['max_ms']} ms,"
                         f" failed {p['failed']}")
        if not p["distinct_consecutive"]:
            found.append(f"{PARALLEL} parallel creates at {size:,}: numbers {p['numbers']}")
    return found


# --- docs/performance.md ---------------------------------------------------------------------

STACK_HEADING = "## The local stack on DynamoDB Local"


def _ops(counter: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counter.items())) or "none"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _load_lines(result: dict[str, Any]) -> list[str]:
    load = result["load"]
    lines = [
        "| loaded | items written (tickets + orders) | seconds | items/s | copy to disk |",
        "| --- | --- | --- | --- | --- |"]
    for step in load["steps"]:
        items = step["ticket_items"] + step["order_items"]
        seconds = step["ticket_seconds"] + step["order_seconds"]
        lines.append(f"| up to {step['tickets']:,} tickets, {step['orders']:,} orders |"
                     f" {step['ticket_items']:,} + {step['order_items']:,} |"
                     f" {step['ticket_seconds']} + {step['order_seconds']} |"
                     f" {items / max(seconds, 0.1):,.0f} | {step['copy_seconds']} s |")
    how = f"by this run, {load['loaded_at']}"
    if load["reused"] and load["fingerprint_matches"]:
        how = (f"by an earlier run on {load['loaded_at']} (the same fingerprint of the sizes"
               " and of the code that makes and stores the items), copied for this one")
    elif load["reused"]:
        how = (f"by an earlier run on {load['loaded_at']} and used again on request"
               " (`BENCH_STACK_REUSE=1`) although files of the fingerprint have changed"
               " since")
    return [*lines, "", f"Loaded {how}: {load['seconds']} s in all, starts and copies"
            " included. Each size is measured on a fresh copy on disk"
            f" (`{result['disk_dir']}/state-small` and `state-large`; "
            + " and ".join(f"{result['sizes'][s]['copy_seconds']} s"
                           for s in result["tickets"])
            + " to copy)."]


def _parallel_lines(result: dict[str, Any]) -> list[str]:
    lines = ["", f"### {PARALLEL} creates at once (each at most {PARALLEL_LIMIT_S:g} s)", "",
             f"{PARALLEL} threads, one `POST /tickets` each on its own connection, released"
             " together by a barrier, right after the requests above. The numbers must be"
             " distinct and follow the last number before them without a gap.", "",
             "| tickets | max | p50 | min | numbers | verdict |",
             "| --- | --- | --- | --- | --- | --- |"]
    for size in result["tickets"]:
        p = result["sizes"][size]["parallel"]
        numbers = p["numbers"]
        shown = f"T-{numbers[0]}..T-{numbers[-1]}" if numbers else "none"
        shown += (", distinct and consecutive" if p["distinct_consecutive"]
                  else ", **not** distinct and consecutive")
        shown += f"; failed: {', '.join(p['failed'])}" if p["failed"] else ""
        ok = (p["max_ms"] <= PARALLEL_LIMIT_S * 1000 and not p["failed"]
              and p["distinct_consecutive"])
        lines.append(f"| {size:,} | {p['max_ms']} ms | {p['p50_ms']} ms | {p['min_ms']} ms |"
                     f" {shown} | {_verdict(ok)} |")
    return lines


def stack_section(result: dict[str, Any]) -> list[str]:
    """The section of docs/performance.md for part 8, from ``run()``'s result."""
    small, large = sizes = result["tickets"]
    orders = result["orders"]
    rows = {size: result["sizes"][size] for size in sizes}
    ratio = ratios(result)
    lines = [
        "",
        STACK_HEADING,
        "",
        f"Measured by `.venv/bin/python -m bench stack` (part 8 of `make bench`,"
        f" `bench/stack.py`) on {result['measured_at']}: one run of {result['seconds']} s"
        f" on this project's 2-core machine (1-minute load average"
        f" {rows[large]['load_average'][0]} when the timed requests began,"
        f" {rows[large]['load_average'][1]} when they ended: other work on the machine"
        " weighs on these times). The stack is `python -m local` in its own"
        " process, as `make run` starts it: DynamoDB Local (its Java child, every table in"
        " one SQLite file) and moto in the stack's process for S3, SQS, Cognito and SES."
        " Every figure is taken from outside, over HTTP on 127.0.0.1, a new connection per"
        " request.",
        "",
        f"**Data.** The `demo` tenant with {small:,} tickets and {orders[0]:,} contact"
        f" orders, then {large:,} tickets and {orders[1]:,} orders. Users, organisations and"
        " customers through the API; the tickets and orders made by the app's own code as in"
        " the ticket and contact-order parts above (`_ticket_items`, `_order_items`: the"
        " items the services write, in the state each ticket's or order's life has left"
        " it), written with `BatchWriteItem` (25 items a call, from"
        f" {result['load']['writers']} threads while the next are built), then the counters,"
        " so the next `POST` gets the next number. Loading runs on a state folder under"
        f" `{result['ram_dir']}` (tmpfs: DynamoDB Local syncs each batch to disk); the"
        " stack is stopped and the folder copied to"
        f" `{result['disk_dir']}/loaded` on the real disk.",
        "",
        *_load_lines(result),
        "",
        f"The SQLite file held {rows[small]['db_mb']:,} MB and then {rows[large]['db_mb']:,}"
        " MB. The measured stacks run with `--no-background`: the bulk tickets carry the"
        " SLA timers they were made with, and the schedules would work through thousands"
        " of overdue ones while the requests are timed.",
        "",
        f"**Requests.** After {result['warmup']} untimed rounds, {result['repeats']} rounds"
        " of the five requests in turn, as the admin: `POST /tickets` (a phone ticket for"
        " an organisation), `GET /tickets?status=active` (the first page of 25),"
        " `GET /tickets/{id}` and"
        " `POST /tickets/{id}/comments` on the 25 tickets of that page in turn, and"
        " `GET /contact-orders` (the first page of 25). Time from sending the request to"
        " the answer's last byte. Two stacks run, one started on a copy of each size's"
        " snapshot; each request goes to one and then the other (which goes first"
        " alternates), so a busy moment of the machine weighs on both sizes alike.",
    ]
    for size, ordered in zip(sizes, orders, strict=True):
        lines += ["", f"### {size:,} tickets, {ordered:,} contact orders", "",
                  "| request | p50 | p95 | max |", "| --- | --- | --- | --- |"]
        lines += [f"| `{label}` | {r['p50_ms']} ms | {r['p95_ms']} ms | {r['max_ms']} ms |"
                  for label, r in rows[size]["rows"].items()]
    lines += ["", f"### p50 at {large:,} against {small:,} tickets (at most {RATIO_LIMIT})",
              "", f"| request | p50 at {small:,} | p50 at {large:,} | ratio | verdict |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| `{label}` | {rows[small]['rows'][label]['p50_ms']} ms |"
              f" {rows[large]['rows'][label]['p50_ms']} ms | {ratio[label]} |"
              f" {_verdict(ratio[label] <= RATIO_LIMIT)} |" for label in REQUESTS]
    mem = rows[large]["memory"]
    rss = total_rss(mem)
    lines += ["", f"### Resident memory at {large:,} tickets (at most {RSS_LIMIT_MB:,} MB)",
              "", "VmRSS (and VmHWM, the process's peak) from `/proc/<pid>/status` of the"
              " stack's process and every process below it, after the requests and the"
              f" {PARALLEL} creates.", "",
              "| process | resident | peak |", "| --- | --- | --- |"]
    lines += [f"| {m['name']} | {m['rss_mb']} MB | {m['peak_mb']} MB |" for m in mem]
    lines += [f"| **whole stack** | **{rss} MB** | {total_rss(mem, 'peak_mb')} MB |", "",
              f"{_verdict(rss <= RSS_LIMIT_MB)}. At {small:,} tickets the stack held"
              f" {total_rss(rows[small]['memory'])} MB."]
    restarts = result["restarts"]
    worst = max(r["seconds"] for r in restarts)
    lines += ["", f"### Restart with {rows[large]['tickets_after']:,} tickets stored"
              f" (at most {RESTART_LIMIT_S:g} s)", "",
              "`python -m local --port <free> --state-dir <the measured state>` (what"
              " `make run` runs, seed and schedules on; `make run`'s check that DynamoDB"
              " Local is installed not included) on the stopped stack's state, timed from"
              " starting the process to the first `GET /health` answered 200 (polled every"
              f" 50 ms), {len(restarts)} times: "
              + ", ".join(f"{r['seconds']} s" for r in restarts)
              + f". {_verdict(worst <= RESTART_LIMIT_S)}. The stack held "
              + ", ".join(f"{total_rss(r['memory'])} MB" for r in restarts)
              + " when it first answered."]
    lines += _parallel_lines(result)
    lines += ["", "### DynamoDB calls per request", "",
              "The same five requests ten times more at each size, through"
              " `chalice.test.Client` in the bench's process on the same DynamoDB Local (the"
              " stack's process cannot be hooked from outside): the calls of the first"
              " (counted as in the ticket part above) and the p50 of the time inside them"
              " (botocore's `provide-client-params` to `after-call`) and of the whole"
              " request.", "",
              f"| request | calls | in DynamoDB at {small:,} | at {large:,} |"
              f" request at {small:,} | at {large:,} |",
              "| --- | --- | --- | --- | --- | --- |"]
    for label in REQUESTS:
        a, b = rows[small]["calls"][label], rows[large]["calls"][label]
        calls = _ops(a["calls"]) if a["calls"] == b["calls"] else (
            f"{_ops(a['calls'])} / {_ops(b['calls'])}")
        lines.append(f"| `{label}` | {calls} | {a['dynamodb_ms']} ms | {b['dynamodb_ms']} ms"
                     f" | {a['total_ms']} ms | {b['total_ms']} ms |")
    failed = result["failed"]
    lines += ["", "**Part 8: " + ("pass.**" if not failed else "FAIL:** " + "; ".join(failed)),
              "", "This part alone: `.venv/bin/python -m bench stack` (rewrites only this"
              " section) or `.venv/bin/python -m bench.stack` (the figures as JSON);"
              " `BENCH_STACK_SIZES=1000,5000 BENCH_STACK_ORDERS=200,1000` for a quick try,"
              " `BENCH_STACK_RELOAD=1` to load again although the snapshots fit."]
    return lines


if __name__ == "__main__":
    figures = run()
    print(json.dumps(figures, indent=1, default=str))
    sys.exit(1 if figures["failed"] else 0)
