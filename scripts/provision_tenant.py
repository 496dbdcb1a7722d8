"""Create a tenant and its first admin on a deployed stage (or the local stack).

    STAGE=prod COGNITO_USER_POOL_ID=... COGNITO_CLIENT_ID=... \\
    .venv/bin/python scripts/provision_tenant.py acme "Acme Support AB" boss@acme.example "Bo Ss"

Table names come from the stage in .chalice/config.json, the pool from the environment
(the stack's outputs UserPoolId and UserPoolClientId). Cognito mails the admin a
temporary password; the first sign-in asks for a new one. Running it again for the same
tenant changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def provision(tenant: str, name: str, admin_email: str, admin_name: str) -> str:
    """Returns the admin's user id (the existing one when the admin exists already)."""
    from chalicelib.domain import directory as d
    from chalicelib.domain.errors import Conflict
    from chalicelib.domain.permissions import Permission
    from chalicelib.domain.principal import Principal
    from chalicelib.mail.addresses import RESERVED_LOCAL_PARTS
    from chalicelib.services import directory as svc
    from chalicelib.services.context import Ctx
    from chalicelib.services.tenants import provision

    if not TENANT_ID.match(tenant):
        raise ValueError("a tenant id is 2-40 lower-case letters, digits and dashes")
    if tenant in RESERVED_LOCAL_PARTS:
        # <tenant>@<mail domain> is the tenant's support address; these are the system's.
        raise ValueError(f"{tenant!r} is reserved for the mail domain's own addresses")
    now = datetime.now(UTC)
    provision(tenant, name, now)
    system = Ctx(Principal(tenant=tenant, user_id="provisioning", email="", roles=("admin",),
                           permissions=frozenset(p.value for p in Permission), kind="staff",
                           organization_id=None, language="en"), now)
    for user in svc.list_users(system, 100, None).items:
        if user["email"] == admin_email.lower():
            return str(user["id"])
    try:
        admin = svc.create_user(system, d.UserCreate(email=admin_email, name=admin_name,
                                                     roles=["admin"], language="sv"))
    except Conflict as exc:
        raise SystemExit(f"{admin_email} is registered already (in another tenant?)") from exc
    return admin.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tenant")
    parser.add_argument("name")
    parser.add_argument("admin_email")
    parser.add_argument("admin_name")
    args = parser.parse_args()
    stage = os.environ.get("STAGE", "dev")
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for key, value in config["stages"][stage]["environment_variables"].items():
        os.environ.setdefault(key, value)
    for needed in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"):
        if not os.environ.get(needed):
            parser.error(f"set {needed} (the stack's outputs)")
    user_id = provision(args.tenant, args.name, args.admin_email, args.admin_name)
    print(f"tenant {args.tenant}: admin {args.admin_email} ({user_id}); Cognito mailed the "
          "temporary password")
    return 0


if __name__ == "__main__":
    sys.exit(main())
