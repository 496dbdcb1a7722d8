"""The process-wide token verifier, created on first use (not at import)."""

from __future__ import annotations

from functools import cache

from chalicelib.config import get_config
from chalicelib.identity.tokens import JwksSource, TokenVerifier, fetch_jwks

_jwks_override: JwksSource | None = None


def use_jwks(source: JwksSource | None) -> None:
    """Tests on moto's in-process mock hand the key set over directly."""
    global _jwks_override
    _jwks_override = source
    verifier.cache_clear()


@cache
def verifier() -> TokenVerifier:
    cfg = get_config()
    return TokenVerifier(_jwks_override or fetch_jwks(cfg.jwks_url), cfg.issuer,
                         cfg.user_pool_client_id)
