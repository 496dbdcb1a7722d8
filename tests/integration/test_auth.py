"""Sign-in, refresh, password reset and token rejection through Cognito on moto."""

from __future__ import annotations

import time

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.cognitoidp.models import cognitoidp_backends

from local.bootstrap import LocalResources
from tests.integration.api_client import PASSWORD, Api
from tests.integration.tenants import module_tenants

TENANTS = module_tenants(__name__)
TENANT, OTHER_TENANT = TENANTS

ADMIN = f"admin@{TENANT}.test"


def _decoded(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_login_gives_a_token_and_the_user(api: Api) -> None:
    answer = api.call("POST", "/auth/login", {"email": f"Agent@{TENANT.capitalize()}.test",
                                              "password": PASSWORD})
    assert answer.status == 200, answer.body
    assert answer.body["user"]["email"] == f"agent@{TENANT}.test"
    assert answer.body["user"]["roles"] == ["agent"]
    assert answer.body["expires_in"] > 0 and answer.body["refresh_token"]
    assert "tickets.resolve" in answer.body["user"]["permissions"]


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({"email": ADMIN, "password": "wrong-password-1"}, 401, None),
        ({"email": f"nobody@{TENANT}.test", "password": PASSWORD}, 401, None),
        ({"email": "not-an-email", "password": PASSWORD}, 400, ["body", "email"]),
        ({"email": ADMIN}, 400, ["body", "password"]),
        ({"email": ADMIN, "password": PASSWORD, "tenant": OTHER_TENANT}, 400, ["body", "tenant"]),
    ],
)
def test_bad_logins_are_refused_with_the_field_named(
    api: Api, body: dict[str, str], status: int, loc: list[str] | None
) -> None:
    answer = api.call("POST", "/auth/login", body)
    assert answer.status == status
    assert answer.headers["content-type"] == "application/problem+json"
    if loc:
        assert loc in [e["loc"] for e in answer.body["errors"]]


def test_refresh_gives_a_working_token(api: Api) -> None:
    login = api.call("POST", "/auth/login", {"email": ADMIN, "password": PASSWORD}).body
    answer = api.call("POST", "/auth/refresh", {"refresh_token": login["refresh_token"]})
    assert answer.status == 200, answer.body
    me = api.call("GET", "/me", headers={"Authorization": f"Bearer {answer.body['token']}"})
    assert me.status == 200 and me.body["email"] == ADMIN
    assert api.call("POST", "/auth/refresh", {"refresh_token": "forged"}).status == 401


def test_forgotten_password_is_reset_with_the_mailed_code(
        api: Api, local_resources: LocalResources) -> None:
    email = f"agent@{OTHER_TENANT}.test"
    assert api.call("POST", "/auth/forgot-password", {"email": email}).status == 202
    # An unknown address gets the same answer: no probing for accounts.
    assert api.call("POST", "/auth/forgot-password", {"email": "ghost@x.test"}).status == 202
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[local_resources.user_pool_id]
    code = pool._get_user(email).confirmation_code  # what Cognito would have mailed
    wrong = api.call("POST", "/auth/reset-password",
                     {"email": email, "code": "moto-confirmation-code:000000",
                      "password": "New-password-2"})
    assert wrong.status == 400 and wrong.body["errors"][0]["loc"] == ["body", "code"]
    ok = api.call("POST", "/auth/reset-password",
                  {"email": email, "code": code, "password": "New-password-2"})
    assert ok.status == 200, ok.body
    login = api.call("POST", "/auth/login", {"email": email, "password": "New-password-2"})
    assert login.status == 200
    assert api.call("POST", "/auth/login", {"email": email, "password": PASSWORD}).status == 401


def _resign(token: str, key: object, **changes: object) -> str:
    claims = {**_decoded(token), **changes}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def _moto_private_key(local_resources: LocalResources) -> object:
    pool_id = local_resources.user_pool_id
    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[pool_id]
    return pool.json_web_key.private_key


def test_tokens_are_refused_when_missing_forged_expired_or_from_another_pool(
    api: Api, local_resources: LocalResources
) -> None:
    good = api.token(ADMIN)
    assert api.call("GET", "/me", headers={"Authorization": f"Bearer {good}"}).status == 200
    moto_key = _moto_private_key(local_resources)
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "missing": None,
        "not a bearer": f"Basic {good}",
        "garbage": "Bearer abc.def.ghi",
        "expired": "Bearer " + _resign(good, moto_key, exp=int(time.time()) - 300),
        "wrong signature": "Bearer " + _resign(good, stranger_key),
        "another tenant claimed": "Bearer " + _resign(good, stranger_key,
                                                      **{"custom:tenant": OTHER_TENANT}),
        "access token": "Bearer " + _resign(good, moto_key, token_use="access"),
    }
    # A genuine token from another pool of the same Cognito (moto signs every pool alike).
    cognito = boto3.client("cognito-idp")
    other = cognito.create_user_pool(PoolName="someone-elses")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=other, ClientName="c", ExplicitAuthFlows=["USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=other, Username="x@y.test", UserAttributes=[
        {"Name": "custom:tenant", "Value": TENANT}])
    cognito.admin_set_user_password(UserPoolId=other, Username="x@y.test",
                                    Password=PASSWORD, Permanent=True)
    foreign = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "x@y.test",
                                                    "PASSWORD": PASSWORD})
    cases["other pool"] = "Bearer " + foreign["AuthenticationResult"]["IdToken"]
    for name, header in cases.items():
        headers = {"Authorization": header} if header else {}
        answer = api.call("GET", "/me", headers=headers)
        assert answer.status == 401, name
        assert answer.headers["www-authenticate"].startswith("Bearer"), name


def test_a_disabled_user_is_refused_even_with_a_valid_token(api: Api) -> None:
    created = api.call("POST", "/users", {"email": f"temp@{TENANT}.test", "name": "Temp",
                                          "roles": ["agent"]}, as_user=ADMIN)
    assert created.status == 201, created.body
    user_id = created.body["id"]
    from chalicelib.identity import cognito

    cognito.set_permanent_password(f"temp@{TENANT}.test", PASSWORD)
    token = api.token(f"temp@{TENANT}.test")
    assert api.call("GET", "/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    off = api.call("PATCH", f"/users/{user_id}", {"active": False}, as_user=ADMIN)
    assert off.status == 200 and off.body["active"] is False
    assert api.call("GET", "/me", headers={"Authorization": f"Bearer {token}"}).status == 401
    again = api.call("POST", "/auth/login", {"email": f"temp@{TENANT}.test", "password": PASSWORD})
    assert again.status == 401


def test_a_new_user_chooses_a_password_at_first_sign_in(api: Api) -> None:
    created = api.call("POST", "/users", {"email": f"fresh@{TENANT}.test", "name": "Fresh"},
                       as_user=ADMIN)
    assert created.status == 201
    from chalicelib.identity import cognito

    cognito._cognito().admin_set_user_password(
        UserPoolId=cognito.get_config().user_pool_id, Username=f"fresh@{TENANT}.test",
        Password="Temporary-pass-1", Permanent=False)
    first = api.call("POST", "/auth/login",
                     {"email": f"fresh@{TENANT}.test", "password": "Temporary-pass-1"})
    assert first.status == 401 and first.body["challenge"] == "NEW_PASSWORD_REQUIRED"
    done = api.call("POST", "/auth/new-password",
                    {"email": f"fresh@{TENANT}.test", "session": first.body["session"],
                     "password": "Chosen-password-9"})
    assert done.status == 200, done.body
    assert done.body["user"]["roles"] == ["agent"]


def test_logout_ends_every_refresh_token(api: Api) -> None:
    email = f"customer@{OTHER_TENANT}.test"
    login = api.call("POST", "/auth/login", {"email": email, "password": PASSWORD}).body
    headers = {"Authorization": f"Bearer {login['token']}"}
    assert api.call("POST", "/auth/logout", headers=headers).status == 204
    assert api.call("POST", "/auth/refresh",
                    {"refresh_token": login["refresh_token"]}).status == 401
    assert api.call("POST", "/auth/login", {"email": email, "password": PASSWORD}).status == 200


@pytest.mark.parametrize(
    "weak", ["Short-1a", "alllowercase-123", "NoDigitsHere-!", "NoSymbols1234A"])
def test_a_new_password_must_meet_the_pool_policy(api: Api, weak: str) -> None:
    answer = api.call("POST", "/auth/reset-password",
                      {"email": ADMIN, "code": "123456", "password": weak})
    assert answer.status == 400
    assert [e["loc"] for e in answer.body["errors"]] == [["body", "password"]]
