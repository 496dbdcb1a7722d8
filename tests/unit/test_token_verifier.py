"""The token checks, with keys made here: signature, expiry, audience, issuer, token use."""

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.domain.errors import Unauthenticated
from chalicelib.identity.tokens import TokenVerifier

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"
AUDIENCE = "client-1"


def _key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


def _jwks(key: Any, kid: str = "k1") -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


def _token(key: Any = KEY, kid: str = "k1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "token_use": "id", "iat": now,
              "exp": now + 3600, "email": "a@demo.test", "custom:tenant": "demo",
              "cognito:groups": ["agent", "admin"]}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _verifier() -> TokenVerifier:
    return TokenVerifier(lambda: _jwks(KEY), ISSUER, AUDIENCE)


def test_a_valid_token_gives_tenant_and_user_only() -> None:
    claims = _verifier().verify(_token())
    assert (claims.tenant, claims.user_id) == ("demo", "u-1")
    # Neither the groups nor the e-mail claim reach the app: roles are the directory's and
    # the e-mail attribute is not a key to anything (ISSUE14 items 4 and 5).
    assert vars(claims) == {"tenant": "demo", "user_id": "u-1"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_token(exp=int(time.time()) - 120), "expired"),
        (_token(key=OTHER_KEY), "not valid"),
        (_token(kid="unknown"), "unknown key"),
        (_token(aud="another-client"), "not valid"),
        (_token(iss="https://cognito-idp.eu-west-1.amazonaws.com/other_pool"), "not valid"),
        (_token(token_use="access"), "ID token"),
        (_token(**{"custom:tenant": None}), "no tenant"),
        (_token(sub=None), "not valid"),
        ("garbage", "not valid"),
        (jwt.encode({"sub": "x"}, "s" * 32, algorithm="HS256"), "unknown key"),
    ],
    # Named by what is wrong, not by the token (signed anew at each collection, so the
    # test workers would otherwise collect different ids).
    ids=["expired", "other-key", "unknown-kid", "other-audience", "other-issuer",
         "access-token", "no-tenant", "no-subject", "garbage", "hs256"],
)
def test_bad_tokens_are_refused(token: str, reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        _verifier().verify(token)


def test_the_key_set_is_fetched_once_and_reused() -> None:
    calls = []

    def source() -> dict[str, Any]:
        calls.append(1)
        return _jwks(KEY)

    verifier = TokenVerifier(source, ISSUER, AUDIENCE)
    for _ in range(5):
        verifier.verify(_token())
    assert len(calls) == 1
