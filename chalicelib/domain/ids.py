"""Time-sortable ids (ULIDs): 48 bits of milliseconds, 80 random bits, Crockford base32.

The caller passes the time, so tests choose it.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


_lock = threading.Lock()
_last = [0, 0]  # the millisecond and random part of the last id made in this process


def new_ulid(now: datetime) -> str:
    """Ids made in the same millisecond (and process) increase: a change's events sort in
    the order they were made."""
    millis = int(now.timestamp() * 1000)
    with _lock:
        # Half the random bits leave room to count up within a millisecond.
        random_part = _last[1] + 1 if millis == _last[0] else secrets.randbits(79)
        _last[0], _last[1] = millis, random_part
    value = (millis << 80) | random_part
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# Every id the API hands out (ULIDs, user ids, the ready-made types' slugs) fits this; a
# path id that does not is refused before it reaches a key.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
