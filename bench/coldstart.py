"""Part 1 of ``make bench``: the cold start, every figure the median of ``RUNS`` fresh
interpreters (``python -c``, a new process each).

1. Importing ``app.py`` against ``import boto3, pydantic`` (and against Chalice alone), the
   three interleaved so that a busy moment of the machine weighs on all of them alike; the
   ratio of the medians is the figure issue 15 bounds (at most ``RATIO_LIMIT``).
2. The first request: in one fresh interpreter, ``import app`` and then the first
   ``GET /tickets``, handed to ``app.app(event, context)`` as Lambda hands it (an API Gateway
   proxy event, a real Cognito token in its ``Authorization`` header). The app reads the
   local stack's DynamoDB Local and moto (``python -m local --no-background`` in its own
   process, started here and seeded with the demo tenant), so the request pays what a
   Lambda's first request pays: the token's key set fetched, the AWS clients created, every
   model the request touches built. It shows that deferring work at import did not just move
   it into the first request.

Each interpreter times itself with ``time.perf_counter`` (wall clock) and
``time.process_time`` (the process's CPU time: the work done, less disturbed by other work
on the machine; both are reported). Bytecode: the interpreters get their own cache folder
(``PYTHONPYCACHEPREFIX``), filled by one untimed run of each probe first, so every figure is
of importing cached bytecode, as a developer's checkout and the libraries' installed
``__pycache__`` are, whatever ``PYTHONDONTWRITEBYTECODE`` this shell has.

``BENCH_COLD_BEFORE=<commit>`` (default ``BEFORE``, the last commit before issue 15's
cold-start work) measures that commit's ``app.py`` too, in the same run and interleaved
with today's (``git archive`` into a temporary folder), so the two are compared under the
same load; ``BENCH_COLD_BEFORE=`` (empty) skips it.

``python -m bench coldstart``: this part alone, rewriting only its section of
docs/performance.md; ``python -m bench.coldstart`` prints the figures as JSON.
``BENCH_COLD_RUNS`` (15) for a quicker try.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "15"))
RATIO_LIMIT = 1.3
BEFORE = os.environ.get("BENCH_COLD_BEFORE", "fbe3970")
ADMIN = "admin@demo.test"
COLD_HEADING = "## Cold start: importing app.py"

IMPORTS = {
    "app": "import app",
    "libraries": "import boto3, pydantic",
    "chalice": "import chalice.app",
}

# Runs in the fresh interpreter: only ``time`` is imported before the clock starts.
_IMPORT_PROBE = """
import time
cpu, wall = time.process_time(), time.perf_counter()
{statement}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(cpu, wall)
"""

_REQUEST_PROBE = """
import time
cpu, wall = time.process_time(), time.perf_counter()
import app
import_cpu, import_wall = time.process_time() - cpu, time.perf_counter() - wall


class LambdaContext:
    aws_request_id = "bench-cold-start"
    function_name = "helpdesk-dev"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


event = {{
    "resource": "/tickets", "path": "/tickets", "httpMethod": "GET",
    "headers": {{"authorization": "Bearer {token}", "host": "bench.local"}},
    "multiValueHeaders": None, "queryStringParameters": None,
    "multiValueQueryStringParameters": None, "pathParameters": None,
    "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {{"httpMethod": "GET", "resourcePath": "/tickets", "path": "/tickets",
                        "requestId": "bench-cold-start",
                        "identity": {{"sourceIp": "127.0.0.1"}}}},
}}
answer = app.app(event, LambdaContext())
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
import json
print(json.dumps({{"import_cpu": import_cpu, "import_wall": import_wall, "cpu": cpu,
                  "wall": wall, "status": answer["statusCode"],
                  "items": len(json.loads(answer["body"]).get("items", []))}}))
"""


def _run(code: str, env: dict[str, str], app_root: Path) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=app_root, env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def _environment(cache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {}), "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def import_times(checkouts: dict[str, Path], cache: Path) -> dict[str, dict[str, Any]]:
    """Per checkout: medians of ``RUNS`` fresh imports of each statement in ``IMPORTS``,
    all interleaved (the libraries' and Chalice's imports are the same for every checkout:
    measured once a round, in the first checkout)."""
    env = _environment(cache)
    probes = [(name, root, _IMPORT_PROBE.format(statement=statement))
              for name, statement in IMPORTS.items()
              for root in (checkouts.values() if name == "app" else [ROOT])]
    for _, root, probe in probes:  # fills the bytecode cache; not timed
        _run(probe, env, root)
    cpu: dict[tuple[str, Path], list[float]] = {(name, root): [] for name, root, _ in probes}
    wall: dict[tuple[str, Path], list[float]] = {key: [] for key in cpu}
    for _ in range(RUNS):
        for name, root, probe in probes:
            spent_cpu, spent_wall = _run(probe, env, root).split()
            cpu[name, root].append(float(spent_cpu))
            wall[name, root].append(float(spent_wall))
    result = {}
    for label, root in checkouts.items():
        clients = _run("import app, sys; from chalicelib.store.clients import client;"
                       "print(client.cache_info().currsize, 'boto3' in sys.modules)",
                       env, root).split()
        figures: dict[str, Any] = {}
        for name in IMPORTS:
            key = (name, root if name == "app" else ROOT)
            figures[f"{name}_ms"], figures[f"{name}_cpu_ms"] = _ms(wall[key]), _ms(cpu[key])
        for suffix in ("", "_cpu"):
            for other in ("libraries", "chalice"):
                figures[f"ratio_app_to_{other}{suffix}"] = round(
                    figures[f"app{suffix}_ms"] / figures[f"{other}{suffix}_ms"], 2)
        figures["aws_clients_created_at_import"] = int(clients[0])
        figures["boto3_imported_at_import"] = clients[1] == "True"
        result[label] = figures
    return result


def _stack_environment(state_dir: Path, url: str) -> dict[str, str]:
    """What the stack's own process runs the app with (``local/__main__.py``), for a
    separate interpreter: the stage's variables, the endpoints, the pool, the secret."""
    import boto3

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    endpoints = json.loads((state_dir / "endpoint.json").read_text())
    env = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
           "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
           **config["stages"]["local"]["environment_variables"],
           "LOG_LEVEL": "INFO",  # the deployed stages' level, not the local stack's DEBUG
           "AWS_ENDPOINT_URL": endpoints["aws_endpoint"],
           "AWS_ENDPOINT_URL_DYNAMODB": endpoints["dynamodb_endpoint"],
           "HELPDESK_SECRET": (state_dir / "secret").read_text().strip(),
           "PORTAL_ORIGIN": url}
    cognito = boto3.client("cognito-idp", region_name="eu-west-1",
                           endpoint_url=endpoints["aws_endpoint"],
                           aws_access_key_id="local", aws_secret_access_key="local")
    pool = next(p["Id"] for p in cognito.list_user_pools(MaxResults=10)["UserPools"]
                if p["Name"].startswith("helpdesk-local"))
    app_client = cognito.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"][0]
    env |= {"COGNITO_USER_POOL_ID": pool, "COGNITO_CLIENT_ID": app_client["ClientId"],
            "COGNITO_JWKS_URL": f"{endpoints['aws_endpoint']}/{pool}/.well-known/jwks.json"}
    env.pop("AWS_PROFILE", None)
    return env


def first_request(checkouts: dict[str, Path], cache: Path) -> dict[str, dict[str, Any]]:
    """Per checkout: medians of ``RUNS`` fresh interpreters each importing the app and
    answering its first ``GET /tickets`` on the local stack's engines (one stack for all,
    the checkouts in turn)."""
    from tests.e2e.stack import Stack

    state = Path(tempfile.mkdtemp(prefix="helpdesk-bench-cold-"))
    stack = Stack(state, flags=("--no-background",)).start()
    try:
        token = stack.login(ADMIN)
        env = _environment(cache, _stack_environment(state, stack.url))
        probe = _REQUEST_PROBE.format(token=token)
        for root in checkouts.values():  # fills the bytecode cache; not timed
            _run(probe, env, root)
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in checkouts}
        for _ in range(RUNS):
            for label, root in checkouts.items():
                runs[label].append(json.loads(_run(probe, env, root)))
    finally:
        stack.stop()
        shutil.rmtree(state, ignore_errors=True)
    return {label: {
        "import_ms": _ms([r["import_wall"] for r in done]),
        "import_cpu_ms": _ms([r["import_cpu"] for r in done]),
        "total_ms": _ms([r["wall"] for r in done]),
        "total_cpu_ms": _ms([r["cpu"] for r in done]),
        "request_ms": _ms([r["wall"] - r["import_wall"] for r in done]),
        "request_cpu_ms": _ms([r["cpu"] - r["import_cpu"] for r in done]),
        "statuses": sorted({r["status"] for r in done}),
        "items": done[0]["items"],
    } for label, done in runs.items()}


def _checkout(commit: str, into: Path) -> Path:
    """``commit``'s tree, unpacked into ``into`` (no git worktree: nothing in .git changes)."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run() -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    cache = Path(tempfile.mkdtemp(prefix="helpdesk-bench-pycache-"))
    checkouts = {"now": ROOT}
    try:
        if BEFORE:
            checkouts["before"] = _checkout(BEFORE, Path(tempfile.mkdtemp(
                prefix="helpdesk-bench-before-")))
        imports = import_times(checkouts, cache)
        first = first_request(checkouts, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if "before" in checkouts:
            shutil.rmtree(checkouts["before"], ignore_errors=True)
    result: dict[str, Any] = {"runs": RUNS, "before_commit": BEFORE or None,
                              "measured_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                              "load": [round(load_before, 1), round(os.getloadavg()[0], 1)]}
    for label in checkouts:
        result[label] = {"imports": imports[label], "first_request": first[label]}
    result["failed"] = problems(result["now"])
    return result


def problems(figures: dict[str, Any]) -> list[str]:
    imports, first = figures["imports"], figures["first_request"]
    found = []
    if imports["ratio_app_to_libraries"] > RATIO_LIMIT:
        found.append(f"import app is {imports['ratio_app_to_libraries']} x"
                     f" import boto3, pydantic (at most {RATIO_LIMIT})")
    if imports["aws_clients_created_at_import"]:
        found.append("AWS clients created at import")
    if first["statuses"] != [200]:
        found.append(f"the first GET /tickets answered {first['statuses']}")
    return found


def _pair(figures: dict[str, Any], before: dict[str, Any] | None, key: str,
          unit: str = " ms") -> str:
    """``now`` or ``now (before: was)`` for a table cell."""
    now = f"{figures[key]}{unit}"
    return now if before is None else f"{now} (before: {before[key]}{unit})"


def cold_section(result: dict[str, Any]) -> list[str]:
    """The section of docs/performance.md."""
    now, before = result["now"], result.get("before")
    imports, first = now["imports"], now["first_request"]
    was_imports = before["imports"] if before else None
    was_first = before["first_request"] if before else None
    verdict = "pass" if imports["ratio_app_to_libraries"] <= RATIO_LIMIT else "FAIL"
    lines = [
        "",
        COLD_HEADING,
        "",
        f"Measured on {result['measured_at']} (1-minute load average {result['load'][0]} when"
        f" it began, {result['load'][1]} when it ended: this 2-core machine is shared). Median"
        f" of {result['runs']} fresh interpreters for each figure (`bench/coldstart.py`;"
        " its docstring says how). Wall clock and, beside it, the process's CPU time (the"
        " work done, less disturbed by other work on this shared machine). Cached bytecode"
        " on both sides."
        + (f" \"before\": commit {result['before_commit']}, the code before issue 15's"
           " cold-start work, measured in the same run, interleaved with today's." if before
           else ""),
        "",
        "| what | wall clock | CPU time |",
        "| --- | --- | --- |",
        f"| `import app` | {_pair(imports, was_imports, 'app_ms')} |"
        f" {_pair(imports, was_imports, 'app_cpu_ms')} |",
        f"| `import boto3, pydantic` | {imports['libraries_ms']} ms |"
        f" {imports['libraries_cpu_ms']} ms |",
        f"| **ratio app / (boto3, pydantic)** (at most {RATIO_LIMIT}) |"
        f" **{_pair(imports, was_imports, 'ratio_app_to_libraries', '')}** |"
        f" {_pair(imports, was_imports, 'ratio_app_to_libraries_cpu', '')} |",
        f"| `import chalice.app` | {imports['chalice_ms']} ms | {imports['chalice_cpu_ms']} ms |",
        f"| ratio app / chalice | {imports['ratio_app_to_chalice']} |"
        f" {imports['ratio_app_to_chalice_cpu']} |",
        f"| AWS clients created at import | {imports['aws_clients_created_at_import']} | |",
        f"| boto3 imported at import | {'yes' if imports['boto3_imported_at_import'] else 'no'}"
        " | |",
        "",
        f"**{verdict}.**",
        "",
        "The first request, in the same fresh interpreter: `import app`, then `GET /tickets`"
        " as the admin (a real Cognito token of the local stack's moto; the app on the"
        " stack's DynamoDB Local), handed to `app.app(event, context)` as Lambda hands it;"
        f" answered {', '.join(map(str, first['statuses']))} with {first['items']} tickets."
        " The request pays what a Lambda's first one pays: boto3 imported and the DynamoDB"
        " client created, the token's key set fetched and PyJWT imported, the models it"
        " uses built (with `defer_build`, here and not at import).",
        "",
        "| what | wall clock | CPU time |",
        "| --- | --- | --- |",
        f"| `import app` | {_pair(first, was_first, 'import_ms')} |"
        f" {_pair(first, was_first, 'import_cpu_ms')} |",
        f"| the first `GET /tickets` after it | {_pair(first, was_first, 'request_ms')} |"
        f" {_pair(first, was_first, 'request_cpu_ms')} |",
        f"| **both** | **{_pair(first, was_first, 'total_ms')}** |"
        f" **{_pair(first, was_first, 'total_cpu_ms')}** |",
        "",
        "This part alone: `.venv/bin/python -m bench coldstart` (rewrites only this section;"
        " about two minutes) or `.venv/bin/python -m bench.coldstart` (the figures as JSON);"
        " `BENCH_COLD_RUNS` for fewer interpreters, `BENCH_COLD_BEFORE=` to skip the earlier"
        " commit.",
    ]
    return lines


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
