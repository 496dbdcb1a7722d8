"""Put a tenant's existing sites and service objects into the registers (issue 20).

    STAGE=prod .venv/bin/python scripts/index_registers.py acme [other-tenant ...]

Sites and service objects written since the registers exist (GET /sites, GET
/service-objects) carry their register keys; this sets them on the older ones. Table names
come from the stage in .chalice/config.json. Running it again changes nothing.
"""

from __future__ import annotations

import sys

from stage_env import tenants_of_stage  # beside this script: its folder is on the path


def main() -> int:
    tenants = tenants_of_stage(__doc__.split("\n")[0])
    from chalicelib.services.directory import index_registers

    for tenant in tenants:
        print(f"tenant {tenant}: {index_registers(tenant)} sites and service objects indexed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
