"""``make bench``: the figures in docs/performance.md, measured in one run.

1. Cold start: the time to import ``app.py`` in a fresh interpreter (what a Lambda cold
   start pays before the first request), against importing Chalice alone, and the AWS
   clients created on the way (must be none).
2. Per request: the DynamoDB operations each directory read makes, counted with a
   botocore hook on moto, with a small tenant and with one a hundred times larger.
   Counts, not times: moto's speed says nothing about DynamoDB's.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def _import_seconds(statement: str) -> float:
    probe = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip())


def cold_start() -> dict[str, Any]:
    app = [_import_seconds("import app") for _ in range(RUNS)]
    chalice = [_import_seconds("import chalice.app") for _ in range(RUNS)]
    clients = subprocess.run(
        [sys.executable, "-c", "import app, sys; from chalicelib.store.clients import client;"
         "print(client.cache_info().currsize, 'boto3' in sys.modules)"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    return {
        "app_import_ms_median": round(statistics.median(app) * 1000, 1),
        "chalice_import_ms_median": round(statistics.median(chalice) * 1000, 1),
        "ratio_app_to_chalice": round(statistics.median(app) / statistics.median(chalice), 2),
        "aws_clients_created_at_import": int(clients[0]),
        "boto3_imported_at_import": clients[1] == "True",
    }


READS = ["/me", "/settings", "/roles", "/users", "/organizations", "/organizations?q=acme",
         "/organizations/{org}", "/organizations/{org}/contacts", "/organizations/{org}/sites",
         "/organizations/{org}/service-objects", "/notifications"]


def request_budget() -> dict[str, Any]:
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
                       "HELPDESK_SECRET": "bench-secret-bench-secret-bench-secret"})
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from local.bootstrap import create_resources

        resources = create_resources(None)
        os.environ.update(resources.env())
        import requests

        from app import app
        from chalicelib.identity.verifier import use_jwks
        from chalicelib.store.clients import client
        from local.seed import seed

        use_jwks(lambda: requests.get(resources.jwks_url, timeout=5).json())
        seed("Demo-password-1")
        with Client(app, stage_name="local") as http:
            def call(method: str, path: str, token: str, body: Any = None) -> Any:
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                answer = http.http.request(method, path, headers=headers,
                                           body=json.dumps(body) if body else b"")
                return json.loads(answer.body)

            login = http.http.post("/auth/login", headers={"Content-Type": "application/json"},
                                   body=json.dumps({"email": "admin@demo.test",
                                                    "password": "Demo-password-1"}))
            token = json.loads(login.body)["token"]
            org = call("POST", "/organizations", token, {"name": "Bench AB"})["id"]

            def measure() -> dict[str, Counter[str]]:
                counts: dict[str, Counter[str]] = {}
                events = client("dynamodb").meta.events
                for path in READS:
                    seen: Counter[str] = Counter()

                    def hook(model: Any, _seen: Counter[str] = seen, **_: Any) -> None:
                        _seen[model.name] += 1

                    events.register("before-call.dynamodb", hook)
                    call("GET", path.format(org=org), token)
                    events.unregister("before-call.dynamodb", hook)
                    counts[path] = seen
                return counts

            small = measure()
            for i in range(300):
                call("POST", "/organizations", token, {"name": f"Filler {i:03d}"})
                call("POST", f"/organizations/{org}/contacts", token, {"name": f"C {i}"})
            large = measure()
    return {
        "rows": [{"request": f"GET {p}", "small": dict(small[p]), "large": dict(large[p])}
                 for p in READS],
        "organisations_small": 2, "organisations_large": 302,
    }


def _ops(counter: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counter.items())) or "none"


def write_report(cold: dict[str, Any], budget: dict[str, Any], seconds: float) -> Path:
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`python -m bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,",
        f"one run of {seconds:.0f} s on this project's 2-core machine. Rewritten on every run.",
        "",
        "## Cold start: importing app.py",
        "",
        f"Median of {RUNS} fresh interpreters each.",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| import app.py | {cold['app_import_ms_median']} ms |",
        f"| import chalice alone | {cold['chalice_import_ms_median']} ms |",
        f"| ratio app / chalice | {cold['ratio_app_to_chalice']} |",
        f"| AWS clients created at import | {cold['aws_clients_created_at_import']} |",
        f"| boto3 imported at import | {'yes' if cold['boto3_imported_at_import'] else 'no'} |",
        "",
        "## DynamoDB operations per request",
        "",
        f"Counted with a botocore hook on moto, in a tenant with {budget['organisations_small']}"
        f" and then {budget['organisations_large']} organisations (and 300 more contacts on the"
        " organisation read). Equal counts mean the request does not grow with the table; no"
        " request uses Scan.",
        "",
        "| request | small tenant | 150x larger |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{r['request']}` | {_ops(r['small'])} | {_ops(r['large'])} |"
              for r in budget["rows"]]
    path = ROOT / "docs" / "performance.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> int:
    started = time.perf_counter()
    cold = cold_start()
    budget = request_budget()
    scans = [r["request"] for r in budget["rows"] if "Scan" in r["large"]]
    grew = [r["request"] for r in budget["rows"] if r["small"] != r["large"]]
    path = write_report(cold, budget, time.perf_counter() - started)
    print(path.read_text())
    if scans or grew or cold["aws_clients_created_at_import"]:
        print(f"FAILED: scans {scans}, growing {grew}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
