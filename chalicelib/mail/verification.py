"""The code that proves a tenant owns a support address it claims (issue 14, item 3).

Pure: the secret and the clock are passed in. A code is ``<expiry>-<mac>``: the expiry in
epoch seconds (base 36) and an HMAC-SHA256 over tenant, address and expiry (base32, 26
characters, 130 bits). It is bound to one tenant and one address, so a code mailed for one
claim verifies no other, and it cannot be made or stretched without the server's secret.
Nothing is stored for it: the settings say which claims are pending.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Literal

CODE_SECONDS = 3 * 24 * 3600  # long enough for a forwarding rule to be set up and tried
_MAC_CHARS = 26
_CODE = re.compile(r"^([0-9a-z]{1,13})-([a-z2-7]{26})$")
CodeCheck = Literal["ok", "expired", "invalid"]


def _mac(secret: str, tenant: str, address: str, expires: int) -> str:
    message = f"address-verification\0{tenant}\0{address.lower()}\0{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:_MAC_CHARS]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def issue_code(secret: str, tenant: str, address: str, now_epoch: int) -> str:
    expires = now_epoch + CODE_SECONDS
    return f"{_base36(expires)}-{_mac(secret, tenant, address, expires)}"


def check_code(secret: str, tenant: str, address: str, code: str, now_epoch: int) -> CodeCheck:
    """"ok" when ``code`` was issued for this tenant and address and has not expired."""
    match = _CODE.match(code.strip().lower())
    if not match:
        return "invalid"
    expires = int(match.group(1), 36)
    if not hmac.compare_digest(match.group(2), _mac(secret, tenant, address, expires)):
        return "invalid"
    return "ok" if now_epoch <= expires else "expired"
