"""Count a tenant's active clients into the price-basis counter of client cases (issue 19).

    STAGE=prod .venv/bin/python scripts/recount_clients.py acme [other-tenant ...]

Organisations written since the counter exists move it in their own transactions; this sets
it for a tenant whose organisations are older. Run it when nobody edits organisations (a
write during the run may be missed; running it again corrects that). Table names come from
the stage in .chalice/config.json.
"""

from __future__ import annotations

import sys

from stage_env import tenants_of_stage  # beside this script: its folder is on the path


def main() -> int:
    tenants = tenants_of_stage(__doc__.split("\n")[0])
    from chalicelib.services.client_cases import recount_clients

    for tenant in tenants:
        clients, private_persons = recount_clients(tenant)
        print(f"tenant {tenant}: {clients} active clients, {private_persons} private persons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
