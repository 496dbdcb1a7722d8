"""Verifies Cognito ID tokens ourselves: signature against the pool's JWKS, expiry,
audience (our app client) and issuer (our pool). The same code runs on AWS and on
the local stack, where moto plays Cognito and serves the JWKS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Unauthenticated

JwksSource = Callable[[], dict[str, Any]]

# Refetch the key set at most this often when a token names an unknown key id.
_REFETCH_SECONDS = 60


def fetch_jwks(url: str) -> JwksSource:
    def load() -> dict[str, Any]:
        # Imported here: http.client and email cost ~10 ms of every cold start, and the
        # first request imports them anyway (boto3 does).
        import urllib.request

        with urllib.request.urlopen(url, timeout=3) as answer:
            keys: dict[str, Any] = json.loads(answer.read())
            return keys

    return load


@dataclass(frozen=True)
class Claims:
    """What the app takes from a token: who (``sub``) in which tenant. Nothing else: the
    ``email`` claim is a Cognito attribute that may change, and the roles are the
    directory's (``cognito:groups`` is not read), so a demotion counts at the next request."""

    tenant: str
    user_id: str


class TokenVerifier:
    def __init__(self, jwks: JwksSource, issuer: str, audience: str) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _key(self, kid: str) -> Any:
        import jwt  # with cryptography, a fifth of the import time: paid on first use only

        with self._lock:
            stale = time.monotonic() - self._fetched_at > _REFETCH_SECONDS
            if kid not in self._keys and (stale or not self._keys):
                key_set = jwt.PyJWKSet.from_dict(self._jwks())
                self._keys = {k.key_id: k.key for k in key_set.keys if k.key_id}
                self._fetched_at = time.monotonic()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("The token is signed with an unknown key.")
        return key

    def verify(self, token: str) -> Claims:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                key=self._key(str(header.get("kid", ""))),
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The token is not valid: {exc}.") from None
        if claims.get("token_use") != "id":
            raise Unauthenticated("An ID token is required.")
        tenant = claims.get("custom:tenant")
        if not isinstance(tenant, str) or not tenant:
            raise Unauthenticated("The token names no tenant.")
        return Claims(tenant=tenant, user_id=str(claims["sub"]))
