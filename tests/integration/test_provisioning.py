"""A new tenant and its first admin, as an operator creates them on a deployed stage."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from moto.cognitoidp.models import cognitoidp_backends

from local.bootstrap import LocalResources
from tests.integration.api_client import Api

# The run's shared resources; the test provisions a tenant of its own (acme).
TENANTS: tuple[()] = ()

_spec = importlib.util.spec_from_file_location(
    "provision_tenant", Path(__file__).resolve().parents[2] / "scripts" / "provision_tenant.py")
assert _spec and _spec.loader
provisioning = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(provisioning)


def test_a_provisioned_admin_signs_in_with_a_new_password_and_runs_the_tenant(
    api: Api, local_resources: LocalResources
) -> None:
    user_id = provisioning.provision("acme", "Acme Support AB", "Boss@Acme.example", "Bo Ss")
    again = provisioning.provision("acme", "Acme Support AB", "boss@acme.example", "Bo Ss")
    assert again == user_id
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[local_resources.user_pool_id]
    user = pool._get_user("boss@acme.example")
    assert user.status == "FORCE_CHANGE_PASSWORD"
    # Cognito mails a generated temporary password; moto generates none, so choose it here.
    temporary = "Temporary-pass-1"
    user.password = temporary
    first = api.call("POST", "/auth/login", {"email": "boss@acme.example", "password": temporary})
    assert first.status == 401 and first.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    done = api.call("POST", "/auth/new-password", {"email": "boss@acme.example",
                                                   "session": first.body["session"],
                                                   "password": "Acme-admin-pass-1"})
    assert done.status == 200, done.body
    assert done.body["user"]["tenant"] == "acme" and done.body["user"]["roles"] == ["admin"]
    headers = {"Authorization": f"Bearer {done.body['token']}"}
    assert api.call("GET", "/settings", headers=headers).body["name"] == "Acme Support AB"
    users = api.call("GET", "/users", headers=headers).body["items"]
    assert [u["email"] for u in users] == ["boss@acme.example"]
