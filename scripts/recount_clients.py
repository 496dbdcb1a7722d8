"""Count a tenant's active clients into the price-basis counter of client cases (issue 19).

    STAGE=prod .venv/bin/python scripts/recount_clients.py acme [other-tenant ...]

Organisations written since the counter exists move it in their own transactions; this sets
it for a tenant whose organisations are older. Run it when nobody edits organisations (a
write during the run may be missed; running it again corrects that). Table names come from
the stage in .chalice/config.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    from chalicelib.services.client_cases import recount_clients

    for tenant in args.tenants:
        clients, private_persons = recount_clients(tenant)
        print(f"tenant {tenant}: {clients} active clients, {private_persons} private persons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
