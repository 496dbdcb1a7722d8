"""A published supplier's certificate over real HTTP against the local stack: the PDF's
bytes through the gateway (base64 to API Gateway, bytes to the client), its code checked
without a token, and a forged code refused the same way as an unknown one."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.stack import Stack
from tests.unit.test_certificates import pdf_strings

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.test"
PUBLISHED_SUPPLIER = "Nordisk Stål AB"  # local/demo_networks.py


def _download(stack: Stack, path: str, token: str, accept: str) -> tuple[int, dict[str, str],
                                                                         bytes]:
    request = urllib.request.Request(stack.url + path, headers={
        "Authorization": f"Bearer {token}", "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_demo_suppliers_certificate_downloads_and_verifies_over_http(
        stack: Stack, tokens: dict[str, str]) -> None:
    token = tokens[ADMIN]
    status, _, page = stack.request("GET", "/subscriptions?status=published&limit=100",
                                    token=token)
    assert status == 200, page
    sub: dict[str, Any] = next(s for s in page["items"]
                               if s["organization_name"] == PUBLISHED_SUPPLIER)
    status, headers, pdf = _download(stack, f"/subscriptions/{sub['id']}/certificate?lang=en",
                                     token, "application/pdf")
    assert status == 200, pdf[:300]
    assert headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    shown = pdf_strings(pdf)
    assert {"Certificate", PUBLISHED_SUPPLIER, sub["supplier_id"]} <= set(shown)
    code = next(s.split(": ", 1)[1] for s in shown if s.startswith("Verification code: "))
    assert any(s.endswith(f"#/verify?code={code}") for s in shown)

    status, _, verified = stack.request("GET", f"/certificates/{code}?lang=en")
    assert status == 200, verified
    assert verified["status"] == "valid" and verified["supplier_name"] == PUBLISHED_SUPPLIER
    assert verified["supplier_id"] == sub["supplier_id"]
    assert set(verified) == {"status", "supplier_name", "supplier_id", "network_name",
                             "valid_until"}

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    status, headers, body = stack.request("GET", f"/certificates/{forged}")
    assert status == 404 and headers["Content-Type"] == "application/problem+json", body

    # Another tenant's admin: the subscription does not exist for them.
    status, _, _ = _download(stack, f"/subscriptions/{sub['id']}/certificate",
                             tokens["admin@other.test"], "application/pdf")
    assert status == 404
