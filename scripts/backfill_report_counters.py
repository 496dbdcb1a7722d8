"""Rebuild a tenant's report counters from its tickets' history (issue 23).

    STAGE=prod .venv/bin/python scripts/backfill_report_counters.py acme [other-tenant ...]

Tickets written since the counters exist are counted as they change; this counts the older
ones, or repairs the counters, by replaying every ticket's history through the rule live
counting uses. Each counter item is written whole, so running it again changes nothing.
Run it while the tenant is quiet. Table names come from the stage in .chalice/config.json.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from stage_env import tenants_of_stage  # beside this script: its folder is on the path


def main() -> int:
    tenants = tenants_of_stage(__doc__.split("\n")[0])
    from chalicelib.services.report_backfill import rebuild

    for tenant in tenants:
        result = rebuild(tenant, datetime.now(UTC))
        print(f"tenant {tenant}: {result['tickets']} tickets replayed, {result['items']} "
              f"counter items written, {result['deleted']} stale ones deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
