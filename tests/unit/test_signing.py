"""The one signing module behind cursors and one-click answer links."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import signing
from chalicelib.domain.errors import InvalidInput
from chalicelib.services import answer_links

SECRET = "k" * 32


def test_a_sealed_payload_opens_only_in_its_scope_with_its_secret() -> None:
    token = signing.seal(SECRET, "scope-a", b'{"x":1}')
    assert signing.unseal(SECRET, "scope-a", token) == b'{"x":1}'
    with pytest.raises(signing.BadSignature):
        signing.unseal(SECRET, "scope-b", token)
    with pytest.raises(signing.BadSignature):
        signing.unseal("z" * 32, "scope-a", token)


@pytest.mark.parametrize("forged", ["", "no-dot", "a.b.c", ".j\u009e", "e30.\ud800", "e30.ä"])
def test_anything_but_a_sealed_token_is_a_bad_signature(forged: str) -> None:
    with pytest.raises(signing.BadSignature):
        signing.unseal(SECRET, "scope", forged)


def test_a_short_secret_refuses_to_sign() -> None:
    with pytest.raises(RuntimeError, match="HELPDESK_SECRET"):
        signing.seal("short", "scope", b"payload")


def test_a_token_expires_at_its_moment() -> None:
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    expires = int(moment.timestamp())
    assert not signing.expired(expires, moment - timedelta(seconds=1))
    assert signing.expired(expires, moment)


def test_an_answer_link_keeps_its_wire_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """Links already mailed keep working after a release: the same bytes, read the same."""
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _: "random-id")
    token = answer_links.issue("demo", "01JTICKET", "T-1", "01JUSER", "answer",
                               "2026-11-22T09:30:00Z", datetime(2026, 12, 1, tzinfo=UTC))
    assert token == (
        "eyJlIjoxNzk2MDgzMjAwLCJqIjoicmFuZG9tLWlkIiwiayI6IjAxSlRJQ0tFVCIsIm0iOiIyMDI2LTEx"
        "LTIyVDA5OjMwOjAwWiIsIm4iOiJULTEiLCJwIjoiYW5zd2VyIiwidCI6ImRlbW8iLCJ1IjoiMDFKVVNF"
        "UiIsInYiOjF9.eZWDpz5OAEotP6aQcMzs6OvIPD8")
    read = answer_links.read(token)
    assert (read.tenant, read.ticket_id, read.number, read.user_id, read.purpose,
            read.token_id) == ("demo", "01JTICKET", "T-1", "01JUSER", "answer", "random-id")
    assert read.expired(datetime(2026, 12, 1, tzinfo=UTC))
    assert not read.expired(datetime(2026, 11, 30, tzinfo=UTC))


def test_an_altered_answer_link_is_refused_naming_the_token() -> None:
    token = answer_links.issue("demo", "01JTICKET", "T-1", "01JUSER", "rate",
                               "2026-11-22T09:30:00Z", datetime(2026, 12, 1, tzinfo=UTC))
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" + token,
                   token.split(".")[0] + ".ä", "garbage"):
        with pytest.raises(InvalidInput) as caught:
            answer_links.read(forged)
        assert caught.value.errors[0].loc == ("body", "token")
