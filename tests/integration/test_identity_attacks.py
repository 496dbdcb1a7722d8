"""ISSUE14 items 4 and 5, performed: a user renaming themselves in Cognito with their own
token, and a token whose roles (Cognito groups) say more than the directory does.

Each test does what an attacker (or an interrupted sync) would do against moto's Cognito,
made as strict as Cognito where it matters (``local/moto_fidelity.py``), and shows the app
neither trusts nor depends on what changed behind its back."""

from __future__ import annotations

from typing import Any

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError
from moto.cognitoidp.models import cognitoidp_backends

from chalicelib.config import get_config
from chalicelib.identity import cognito
from local.bootstrap import LocalResources
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN = f"admin@{TENANT}.test"


def _idp() -> Any:
    return boto3.client("cognito-idp")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_user(api: Api, email: str, roles: list[str]) -> str:
    created = api.call("POST", "/users", {"email": email, "name": email.split("@")[0],
                                          "roles": roles}, as_user=ADMIN)
    assert created.status == 201, created.body
    cognito.set_permanent_password(created.body["id"], PASSWORD)
    return str(created.body["id"])


def _login(api: Api, email: str) -> dict[str, Any]:
    answer = api.call("POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert answer.status == 200, answer.body
    body: dict[str, Any] = answer.body
    return body


def _put_in_cognito_group(user_id: str, group: str) -> None:
    """What the app no longer does: a Cognito group (left over from before, added in the
    console, or half-synced) that names a role."""
    pool = get_config().user_pool_id
    try:
        _idp().create_group(UserPoolId=pool, GroupName=group)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "GroupExistsException":
            raise
    _idp().admin_add_user_to_group(UserPoolId=pool, Username=user_id, GroupName=group)


def _claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def _make_role(api: Api, token: str) -> int:
    """An admin-only act: define a role."""
    return api.call("PUT", "/roles/auditor", {"permissions": ["tickets.view"]},
                    headers=_bearer(token)).status


# --- item 5: roles are the directory's -----------------------------------------------


def test_an_admin_demoted_in_the_directory_is_refused_at_the_next_request(api: Api) -> None:
    boss_id = _new_user(api, f"boss@{TENANT}.test", ["admin"])
    # The token even claims the admin group, as tokens did when groups carried the roles.
    _put_in_cognito_group(boss_id, "admin")
    token = _login(api, f"boss@{TENANT}.test")["token"]
    assert _claims(token)["cognito:groups"] == ["admin"]
    assert _make_role(api, token) == 200

    demoted = api.call("PATCH", f"/users/{boss_id}", {"roles": ["agent"]}, as_user=ADMIN)
    assert demoted.status == 200, demoted.body

    # The same, still valid token: the very next request is an agent's.
    me = api.call("GET", "/me", headers=_bearer(token))
    assert me.status == 200 and me.body["roles"] == ["agent"]
    assert "roles.manage" not in me.body["permissions"]
    assert _make_role(api, token) == 403
    refused = api.call("POST", "/users", {"email": f"x@{TENANT}.test", "name": "X"},
                       headers=_bearer(token))
    assert refused.status == 403
    assert api.call("GET", "/users", headers=_bearer(token)).status == 200  # agents may


def test_an_admin_removed_from_the_directory_is_refused_with_a_valid_token(
    api: Api, local_resources: LocalResources
) -> None:
    gone_id = _new_user(api, f"gone@{TENANT}.test", ["admin"])
    _put_in_cognito_group(gone_id, "admin")
    token = _login(api, f"gone@{TENANT}.test")["token"]
    assert _make_role(api, token) == 200
    # Removed from the directory (the Cognito user and its token are untouched).
    boto3.client("dynamodb").delete_item(
        TableName=get_config().directory_table,
        Key={"PK": {"S": f"T#{TENANT}"}, "SK": {"S": f"USER#{gone_id}"}})
    assert _make_role(api, token) == 401
    assert api.call("GET", "/me", headers=_bearer(token)).status == 401


def test_a_disabled_admin_is_refused_and_their_refresh_token_ends(api: Api) -> None:
    off_id = _new_user(api, f"off@{TENANT}.test", ["admin"])
    login = _login(api, f"off@{TENANT}.test")
    assert _make_role(api, login["token"]) == 200
    assert api.call("PATCH", f"/users/{off_id}", {"active": False}, as_user=ADMIN).status == 200
    assert _make_role(api, login["token"]) == 401
    assert api.call("POST", "/auth/refresh",
                    {"refresh_token": login["refresh_token"]}).status == 401


def test_a_half_done_enable_or_disable_fails_closed_and_saying_it_again_repairs(
    api: Api,
) -> None:
    user_id = _new_user(api, f"half@{TENANT}.test", ["agent"])
    pool = get_config().user_pool_id
    # Disabled in Cognito, the directory's write lost: no sign-in, and the admin's
    # repeated "active: true" (unchanged in the directory) enables the user again.
    _idp().admin_disable_user(UserPoolId=pool, Username=user_id)
    assert api.call("POST", "/auth/login",
                    {"email": f"half@{TENANT}.test", "password": PASSWORD}).status == 401
    again = api.call("PATCH", f"/users/{user_id}", {"active": True}, as_user=ADMIN)
    assert again.status == 200, again.body
    token = _login(api, f"half@{TENANT}.test")["token"]
    # Disabled in the directory, re-enabled in Cognito behind its back: Cognito signs the
    # user in, the directory refuses every request.
    assert api.call("PATCH", f"/users/{user_id}", {"active": False}, as_user=ADMIN).status == 200
    _idp().admin_enable_user(UserPoolId=pool, Username=user_id)
    fresh = api.call("POST", "/auth/login", {"email": f"half@{TENANT}.test", "password": PASSWORD})
    assert fresh.status == 401
    assert api.call("GET", "/me", headers=_bearer(token)).status == 401


def test_a_token_whose_groups_claim_admin_gets_no_admin_rights(
    api: Api, local_resources: LocalResources
) -> None:
    agent_id = _new_user(api, f"climber@{TENANT}.test", ["agent"])
    # A genuine token, signed by the pool, whose groups say admin (an interrupted sync, a
    # console edit): the directory says agent, and the directory decides.
    _put_in_cognito_group(agent_id, "admin")
    token = _login(api, f"climber@{TENANT}.test")["token"]
    assert _claims(token)["cognito:groups"] == ["admin"]
    assert _make_role(api, token) == 403
    me = api.call("GET", "/me", headers=_bearer(token))
    assert me.status == 200 and me.body["roles"] == ["agent"]
    # Signed-in answers show the directory's roles too.
    assert _login(api, f"climber@{TENANT}.test")["user"]["roles"] == ["agent"]
    # A token re-signed with the pool's own key and every admin claim: still an agent.
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[local_resources.user_pool_id]
    forged = jwt.encode({**_claims(token), "cognito:groups": ["admin"], "roles": ["admin"],
                         "custom:roles": "admin"},
                        pool.json_web_key.private_key, algorithm="RS256",
                        headers={"kid": "dummy"})
    assert api.call("GET", "/me", headers=_bearer(forged)).status == 200
    assert _make_role(api, forged) == 403


# --- item 4: the e-mail attribute ------------------------------------------------------


def _cognito_session(email: str) -> dict[str, Any]:
    """What anyone can do with the portal's public client id: sign in to Cognito directly
    and hold the access token the app never hands out."""
    answer: dict[str, Any] = _idp().initiate_auth(
        ClientId=get_config().user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    return answer


def _attributes(user_id: str) -> dict[str, str]:
    user = _idp().admin_get_user(UserPoolId=get_config().user_pool_id, Username=user_id)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


@pytest.mark.parametrize("attribute", [
    {"Name": "email", "Value": "taken-over@evil.test"},
    {"Name": "email_verified", "Value": "true"},
    {"Name": "custom:tenant", "Value": OTHER_TENANT},
])
def test_a_user_cannot_rewrite_their_own_login_or_tenant(
    api: Api, attribute: dict[str, str]
) -> None:
    email = f"mover-{attribute['Name'].replace(':', '-')}@{TENANT}.test"
    user_id = _new_user(api, email, ["agent"])
    session = _cognito_session(email)
    with pytest.raises(ClientError) as refused:
        _idp().update_user_attributes(AccessToken=session["AccessToken"],
                                      UserAttributes=[attribute])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    after = _attributes(user_id)
    assert (after["email"], after["custom:tenant"]) == (email, TENANT)
    # The check is not a blanket refusal: the attributes the client may write still work.
    _idp().update_user_attributes(AccessToken=session["AccessToken"],
                                  UserAttributes=[{"Name": "name", "Value": "Renamed"}])
    assert _attributes(user_id)["name"] == "Renamed"


def test_logout_and_disable_work_after_the_email_changed_behind_the_apps_back(
    api: Api,
) -> None:
    """Before the fix, the app addressed Cognito by e-mail: once the attribute changed (by the
    user, as the client allowed, or in the console) logout and disabling failed with 503."""
    user_id = _new_user(api, f"alias@{TENANT}.test", ["agent"])
    login = _login(api, f"alias@{TENANT}.test")
    _idp().admin_update_user_attributes(
        UserPoolId=get_config().user_pool_id, Username=user_id,
        UserAttributes=[{"Name": "email", "Value": f"renamed@{TENANT}.test"}])
    assert _attributes(user_id)["email"] == f"renamed@{TENANT}.test"

    # The old token still names the old address; the app does not care.
    assert _claims(login["token"])["email"] == f"alias@{TENANT}.test"
    me = api.call("GET", "/me", headers=_bearer(login["token"]))
    assert me.status == 200 and me.body["email"] == f"alias@{TENANT}.test"  # the directory's
    assert api.call("POST", "/auth/logout", headers=_bearer(login["token"])).status == 204
    assert api.call("POST", "/auth/refresh",
                    {"refresh_token": login["refresh_token"]}).status == 401

    # Signed in again under the new alias, then disabled by an admin through the API.
    again = _login(api, f"renamed@{TENANT}.test")
    off = api.call("PATCH", f"/users/{user_id}", {"active": False}, as_user=ADMIN)
    assert off.status == 200, off.body
    enabled = _idp().admin_get_user(UserPoolId=get_config().user_pool_id,
                                    Username=user_id)["Enabled"]
    assert enabled is False
    assert api.call("GET", "/me", headers=_bearer(again["token"])).status == 401
    assert api.call("POST", "/auth/refresh",
                    {"refresh_token": again["refresh_token"]}).status == 401
    assert api.call("POST", "/auth/login",
                    {"email": f"renamed@{TENANT}.test", "password": PASSWORD}).status == 401
