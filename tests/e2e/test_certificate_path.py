"""A published supplier's certificate over real HTTP against the local stack: the PDF's
bytes through the gateway (base64 to API Gateway, bytes to the client), its code checked
without a token, and a forged code refused the same way as an unknown one; then the
portal's check page (``#/verify``) in Chromium, as the PDF's printed address opens it."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Portal
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


def _published(stack: Stack, token: str) -> dict[str, Any]:
    status, _, page = stack.request("GET", "/subscriptions?status=published&limit=100",
                                    token=token)
    assert status == 200, page
    return dict(next(s for s in page["items"] if s["organization_name"] == PUBLISHED_SUPPLIER))


def _code(stack: Stack, token: str, subscription_id: str) -> str:
    status, _, pdf = _download(stack, f"/subscriptions/{subscription_id}/certificate?lang=en",
                               token, "application/pdf")
    assert status == 200, pdf[:300]
    return next(s.split(": ", 1)[1] for s in pdf_strings(pdf)
                if s.startswith("Verification code: "))


def test_the_demo_suppliers_certificate_downloads_and_verifies_over_http(
        stack: Stack, tokens: dict[str, str]) -> None:
    token = tokens[ADMIN]
    sub = _published(stack, token)
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


@pytest.mark.parametrize("portal", ["sv-SE"], indirect=True)
def test_the_check_page_shows_a_valid_certificate_and_refuses_a_forged_code(
        portal: Portal, tokens: dict[str, str]) -> None:
    stack = portal.stack
    sub = _published(stack, tokens[ADMIN])
    code = _code(stack, tokens[ADMIN], sub["id"])
    page = portal.open(f"#/verify?code={code}")  # not signed in
    result = page.locator(".verify__result")
    expect(result.locator("h2")).to_have_text("Giltigt certifikat")
    expect(result).to_contain_text(PUBLISHED_SUPPLIER)
    expect(result).to_contain_text(sub["supplier_id"])
    expect(page.locator("#account")).to_be_hidden()

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    portal.expect_http_error(404, f"/certificates/{forged}")
    page.fill("#verify-code", forged.replace("-", " "))
    page.click(".verify button[type=submit]")
    expect(result).to_have_text(
        "Inget certifikat har den här koden. Kontrollera att den är skriven exakt som på "
        "certifikatet.")
