"""Put a tenant's existing sites and service objects into the registers (issue 20).

    STAGE=prod .venv/bin/python scripts/index_registers.py acme [other-tenant ...]

Sites and service objects written since the registers exist (GET /sites, GET
/service-objects) carry their register keys; this sets them on the older ones. Table names
come from the stage in .chalice/config.json. Running it again changes nothing.
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
    from chalicelib.services.directory import index_registers

    for tenant in args.tenants:
        print(f"tenant {tenant}: {index_registers(tenant)} sites and service objects indexed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
