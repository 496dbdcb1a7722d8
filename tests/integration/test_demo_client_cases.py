"""The demo client cases (issue 19, demo data): ``seed_demo_client_cases`` activates the
module, connects one client whose main contact signs in as ``client@<tenant>.test``, leaves
one invitation waiting, adds a private person and billable hours in the previous month;
once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from chalicelib.domain.client_cases import month_start
from local.demo_client_cases import CONNECTED, INVITED, PRIVATE, seed_demo_client_cases
from local.seed import _as, _system
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, _ = TENANTS
ADMIN, _, _ = emails(TENANT)


def test_the_demo_client_cases_once(api: Api) -> None:
    system = _system(TENANT)
    for _ in range(2):  # a restart adds nothing
        logins = seed_demo_client_cases(system, TENANT, PASSWORD, partial(_as, system))
    client = f"client@{TENANT}.test"
    assert logins == [(client, "contact_admin")]
    me = api.call("GET", "/me", as_user=client).body
    assert me["client_cases_active"] is True and me["organization_connected"] is True
    assert me["roles"] == ["contact_admin"]
    sent = api.call("GET", "/invitations?state=sent", as_user=ADMIN).body["items"]
    assert [i["organization_name"] for i in sent] == [INVITED]
    accepted = api.call("GET", "/invitations?state=accepted", as_user=ADMIN).body["items"]
    assert [i["organization_name"] for i in accepted] == [CONNECTED]
    private = api.call("GET", f"/organizations?q={PRIVATE}", as_user=ADMIN).body["items"]
    assert [o["kind"] for o in private] == ["private_person"]
    this_month = datetime.now(UTC).strftime("%Y-%m")
    previous = (month_start(this_month) - timedelta(days=1)).strftime("%Y-%m")
    usage = api.call("GET", f"/billing/usage?month={previous}", as_user=ADMIN).body
    row = next(r for r in usage["items"] if r["name"] == CONNECTED)
    assert row["billable_tickets"] == 3 and row["hours"] == 5.0
    assert PRIVATE not in {r["name"] for r in usage["items"]}
