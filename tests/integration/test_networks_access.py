"""Every networks endpoint by every role (issue 16): staff (admin; agent, who holds no network
right by default; account manager), the supplier whose subscription it is, another supplier,
a buyer of the network, a plain customer, another tenant's admin. Reads are made on real
ids; writes are sent with an empty body, so a caller the guard lets through gets the 400 of
the body and one it stops a 403, and nothing changes. Another tenant's admin, or a portal
user on someone else's subscription, gets a 404 where the guard lets them through."""

from __future__ import annotations

import pytest

from chalicelib.identity import cognito
from tests.integration.api_client import PASSWORD, Api
from tests.integration.networks_world import QUESTIONNAIRE, make_org, make_portal_user
from tests.integration.tenants import emails, module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS
ADMIN, AGENT, CUSTOMER = emails(TENANT)
MANAGER = f"manager@{TENANT}.test"
SUPPLIER, RIVAL, BUYER = (f"{n}@{TENANT}.test" for n in ("supplier", "rival", "buyer"))
OTHER = f"admin@{OTHER_TENANT}.test"
ROLES = ("admin", "agent", "manager", "supplier", "rival", "buyer", "customer", "other")
USERS = dict(zip(ROLES, (ADMIN, AGENT, MANAGER, SUPPLIER, RIVAL, BUYER, CUSTOMER, OTHER),
                 strict=True))


@pytest.fixture(scope="module")
def ids(api: Api) -> dict[str, str]:
    answer = api.call("POST", "/users", {"email": MANAGER, "name": "Maja Manager",
                                         "kind": "staff", "roles": ["account_manager"]},
                      as_user=ADMIN)
    assert answer.status == 201, answer.body
    cognito.set_permanent_password(answer.body["id"], PASSWORD)
    buyer_org = make_org(api, ADMIN, "Köpare AB", "buyer")
    supplier_org = make_org(api, ADMIN, "Leverantör AB", "supplier")
    make_portal_user(api, ADMIN, SUPPLIER, supplier_org, "supplier")
    make_portal_user(api, ADMIN, RIVAL, make_org(api, ADMIN, "Rival AB", "supplier"), "supplier")
    make_portal_user(api, ADMIN, BUYER, buyer_org, "buyer")
    network = api.call("POST", "/networks", {
        "name": {"sv": "Nätverket"}, "sector": "build", "regions": ["se"],
        "price_tiers": [{"up_to": None, "yearly_price": 1}],
        "code_list": [{"code": "45.1", "name": {"en": "x"}}],
        "member_organization_ids": [buyer_org], "questionnaire": QUESTIONNAIRE}, as_user=ADMIN)
    assert network.status == 201, network.body
    sub = api.call("POST", "/subscriptions", {"network_id": network.body["id"],
                                             "product_codes": ["45.1"]}, as_user=SUPPLIER).body
    path = f"/subscriptions/{sub['id']}"
    api.call("PUT", f"{path}/questionnaire", {"answers": {
        "codes": ["45.1"], "iso9001": True, "liability": 1}}, as_user=SUPPLIER)
    api.call("POST", f"{path}/submit", as_user=SUPPLIER)
    api.call("POST", f"{path}/validate", {"decision": "publish"}, as_user=ADMIN)
    audit = api.call("POST", f"{path}/audits", {"scheduled_on": "2027-01-01", "auditor": "A"},
                     as_user=ADMIN).body
    return {"network": network.body["id"], "sub": sub["id"], "supplier": sub["supplier_id"],
            "audit": audit["id"], "org": supplier_org}


# (method, path, who gets what: a role's status; the rest get ``rest``)
OK, BAD, FORBIDDEN, GONE = 200, 400, 403, 404
STAFF_READ = {"admin": OK, "manager": OK}
# The supplier's subscription: its own users and staff with subscriptions.view.
SUBSCRIPTION_READ = {**STAFF_READ, "supplier": OK, "rival": GONE, "buyer": GONE,
                     "customer": GONE, "other": GONE, "agent": FORBIDDEN}
CASES: list[tuple[str, str, dict[str, int], int]] = [
    ("GET", "/networks", {"admin": OK, "manager": OK, "supplier": OK, "rival": OK,
                          "buyer": OK, "other": OK}, FORBIDDEN),
    ("GET", "/networks/{network}", {"admin": OK, "manager": OK, "supplier": OK, "rival": OK,
                                    "buyer": OK, "other": GONE}, FORBIDDEN),
    ("GET", "/networks/{network}/quote?codes=3", {"admin": OK, "manager": OK, "supplier": OK,
                                                  "rival": OK, "buyer": OK, "other": GONE},
     FORBIDDEN),
    ("POST", "/networks", {"admin": BAD, "other": BAD}, FORBIDDEN),
    ("PATCH", "/networks/{network}", {"admin": OK, "other": GONE}, FORBIDDEN),
    ("GET", "/subscriptions", {"admin": OK, "manager": OK, "supplier": OK, "rival": OK,
                               "buyer": OK, "customer": OK, "other": OK}, FORBIDDEN),
    ("POST", "/subscriptions", {"admin": BAD, "manager": BAD, "supplier": BAD, "rival": BAD,
                                "other": BAD}, FORBIDDEN),
    ("GET", "/subscriptions/{sub}", SUBSCRIPTION_READ, GONE),
    ("GET", "/subscriptions/{sub}/questionnaire", SUBSCRIPTION_READ, GONE),
    ("GET", "/subscriptions/{sub}/events", SUBSCRIPTION_READ, GONE),
    ("GET", "/subscriptions/{sub}/edit-requests", SUBSCRIPTION_READ, GONE),
    ("GET", "/subscriptions/{sub}/audits", SUBSCRIPTION_READ, GONE),
    ("GET", "/audits/{audit}", SUBSCRIPTION_READ, GONE),
    ("PUT", "/subscriptions/{sub}/questionnaire", {"admin": BAD, "manager": BAD,
                                                   "supplier": BAD, "rival": BAD,
                                                   "other": BAD}, FORBIDDEN),
    ("POST", "/subscriptions/{sub}/validate", {"admin": BAD, "manager": BAD, "other": BAD},
     FORBIDDEN),
    ("POST", "/subscriptions/{sub}/edit-requests", {"admin": BAD, "manager": BAD,
                                                    "supplier": BAD, "rival": BAD,
                                                    "other": BAD}, FORBIDDEN),
    ("POST", "/subscriptions/{sub}/audits", {"admin": BAD, "manager": BAD, "other": BAD},
     FORBIDDEN),
    ("PATCH", "/audits/{audit}", {"admin": OK, "manager": OK, "other": GONE}, FORBIDDEN),
    ("POST", "/subscriptions/{sub}/files", {"admin": BAD, "manager": BAD, "supplier": BAD,
                                            "rival": BAD, "other": BAD}, FORBIDDEN),
    ("GET", "/suppliers?network_id={network}", {"admin": OK, "manager": OK, "buyer": OK,
                                                "supplier": GONE, "rival": GONE,
                                                "customer": GONE, "other": GONE}, FORBIDDEN),
    ("GET", "/suppliers/{supplier}", {"admin": OK, "manager": OK, "buyer": OK,
                                      "supplier": GONE, "rival": GONE, "customer": GONE,
                                      "other": GONE}, FORBIDDEN),
    ("GET", "/me/followed-suppliers", {"buyer": OK}, FORBIDDEN),
    ("GET", "/me/account-manager", {}, GONE),  # none named in this tenant
    ("PUT", "/organizations/{org}/account-manager", {"admin": BAD, "manager": BAD,
                                                     "other": BAD}, FORBIDDEN),
    ("PUT", "/local-teams", {"admin": BAD, "other": BAD}, FORBIDDEN),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected", "rest"), CASES,
                         ids=[f"{m} {p}" for m, p, _, _ in CASES])
def test_every_endpoint_answers_every_role_as_it_should(
        api: Api, ids: dict[str, str], role: str, method: str, path: str,
        expected: dict[str, int], rest: int) -> None:
    body = None if method == "GET" else {}
    if method == "PATCH":
        body = {}  # an empty change: allowed callers get the unchanged thing back
    answer = api.call(method, path.format(**ids), body, as_user=USERS[role])
    assert answer.status == expected.get(role, rest), (role, answer.body)
