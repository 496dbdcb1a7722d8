"""Rebuild a tenant's report counters from its tickets' history (issue 23).

    STAGE=prod .venv/bin/python scripts/backfill_report_counters.py acme [other-tenant ...]

Tickets written since the counters exist are counted as they change; this counts the older
ones, or repairs the counters, by replaying every ticket's history through the rule live
counting uses. Each counter item is written whole, so running it again changes nothing.
Run it while the tenant is quiet. Table names come from the stage in .chalice/config.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tenants", nargs="+")
    args = parser.parse_args()
    stage = os.environ.get("STAGE", "dev")
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for key, value in config["stages"][stage]["environment_variables"].items():
        os.environ.setdefault(key, value)
    from chalicelib.services.report_backfill import rebuild

    for tenant in args.tenants:
        result = rebuild(tenant, datetime.now(UTC))
        print(f"tenant {tenant}: {result['tickets']} tickets replayed, {result['items']} "
              f"counter items written, {result['deleted']} stale ones deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
