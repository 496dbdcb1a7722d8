"""Whether a mail is authenticated for the address its ``From`` shows. Pure.

SES checks SPF (the envelope sender's domain), DKIM (the signing domain) and DMARC, and
writes what it found in an ``Authentication-Results`` header it puts on top of the
message. SPF and DKIM alone say nothing about ``From``: anyone can send from their own
domain with a valid signature and write someone else's address in ``From``. Only DMARC
ties them together, and a domain without a DMARC record gets ``dmarc=none``. So a mail
counts as written by the owner of its ``From`` address when (RFC 7489, relaxed alignment):

- SES says ``dmarc=pass`` (for the ``From`` domain, when it names one), or
- SPF passed for an envelope sender whose domain has the same organizational domain as
  the ``From`` domain, or
- a DKIM signature passed for a signing domain with that same organizational domain.

Only the topmost ``Authentication-Results`` is read, and only if SES wrote it (its
authserv-id is ``amazonses.com``): SES prepends its headers, so anything lower, even
under SES's name, came with the message and is the sender's word.

The organizational domain is the registrable domain under the Public Suffix List
(``publicsuffixlist``, which ships the list: no download at run time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

AUTHSERV_ID = "amazonses.com"
# A header longer than this is not SES's (it writes a few hundred characters); reading
# stops there, so a hostile header costs nothing.
MAX_HEADER = 4000
_COMMENT = re.compile(r"\([^()]*\)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_PAIR = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*([^\s;]*)")
_METHODS = ("spf", "dkim", "dmarc")


@dataclass(frozen=True)
class MethodResult:
    method: str  # spf, dkim, dmarc
    result: str  # lower-case: pass, fail, none, softfail, ...
    properties: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str:
        return next((v for k, v in self.properties if k == name), "")


@dataclass(frozen=True)
class Authentication:
    """What our receiving side (SES) found; ``trusted`` is False when the topmost
    ``Authentication-Results`` is missing or not SES's, and then nothing passed."""

    trusted: bool = False
    results: tuple[MethodResult, ...] = ()

    def of(self, method: str) -> list[MethodResult]:
        return [r for r in self.results if r.method == method]


def read_authentication(values: list[str]) -> Authentication:
    """``values``: every ``Authentication-Results`` header, topmost first."""
    if not values:
        return Authentication()
    top = values[0][:MAX_HEADER]
    # Quoted strings and comments may hold ";" and "=" (an envelope sender's local part
    # can be "a;dmarc=pass"@x): out before splitting.
    top = _QUOTED.sub('""', top)
    for _ in range(3):  # comments nest rarely, and never deeper than this in SES's text
        top = _COMMENT.sub(" ", top)
    authserv, _, rest = top.partition(";")
    if authserv.strip().lower() != AUTHSERV_ID:
        return Authentication()
    results: list[MethodResult] = []
    method: str | None = None
    result = ""
    properties: list[tuple[str, str]] = []
    for segment in rest.split(";"):
        pairs = _PAIR.findall(segment)
        if not pairs:
            continue
        first = pairs[0][0].lower()
        if first in _METHODS:
            if method is not None:
                results.append(MethodResult(method, result, tuple(properties)))
            method, result, properties = first, pairs[0][1].lower(), []
            pairs = pairs[1:]
        if method is None:
            continue
        # SES writes the SPF details as segments of their own ("envelope-from=a@b;").
        properties += [(k.lower(), v) for k, v in pairs]
    if method is not None:
        results.append(MethodResult(method, result, tuple(properties)))
    return Authentication(True, tuple(results))


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """``mail.example.co.uk`` -> ``example.co.uk``; a public suffix stays itself."""
    name = domain.strip().strip(".").lower()
    return _psl().privatesuffix(name) or name


def aligned(domain: str, from_domain: str) -> bool:
    """DMARC relaxed alignment: the same organizational domain."""
    if not domain or not from_domain:
        return False
    return organizational_domain(domain) == organizational_domain(from_domain)


def _domain_of(value: str) -> str:
    """``a@b.example`` / ``@b.example`` / ``b.example`` -> ``b.example``."""
    return value.strip().strip("<>").rpartition("@")[2].strip().strip(".").lower()


def _single(results: list[MethodResult]) -> MethodResult | None:
    """SES writes one SPF and one DMARC result; more than one is not its header."""
    return results[0] if len(results) == 1 else None


def authenticated_for(auth: Authentication, address: str) -> bool:
    """Whether the mail is authenticated for ``address`` (its ``From``), see above."""
    from_domain = _domain_of(address) if "@" in address else ""
    if not auth.trusted or not from_domain:
        return False
    dmarc = _single(auth.of("dmarc"))
    if dmarc is not None and dmarc.result == "pass":
        named = _domain_of(dmarc.get("header.from"))
        if not named or named == from_domain:
            return True
    spf = _single(auth.of("spf"))
    if spf is not None and spf.result == "pass":
        sender = spf.get("smtp.mailfrom") or spf.get("envelope-from")
        if aligned(_domain_of(sender), from_domain):
            return True
    for dkim in auth.of("dkim"):
        signer = dkim.get("header.d") or dkim.get("header.i")
        if dkim.result == "pass" and aligned(_domain_of(signer), from_domain):
            return True
    return False
