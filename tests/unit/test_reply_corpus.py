"""The reply corpus (tests/fixtures/mail/replies/<language>/): bodies as mail clients write
them, one per class of quoted history, footer and signature, in every language we read, each
with its exact reply and signature in the folder's expected.json. Written by us, never
copied from another parser's corpus."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from chalicelib.mail.html_text import html_to_text
from chalicelib.mail.quotes import Reply, split_reply

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail" / "replies"
LANGUAGES = ("sv", "fi", "no", "da", "en", "de", "fr", "nl", "it", "pl", "pt", "ru", "es")
# 1 unquoted old text under a quote header, 2 quote headers, 3 headers without a verb,
# 4 Outlook header blocks, 5 separators, 6 mobile footers, 7 not cutting too much,
# 8 signatures, H the clients' HTML structure.
CLASSES = ("1", "2", "3", "4", "5", "6", "7", "8", "H")


@cache
def expected(language: str) -> dict[str, Any]:
    return json.loads((CORPUS / language / "expected.json").read_text(encoding="utf-8"))


def cases() -> list[tuple[str, str]]:
    return [(language, name) for language in LANGUAGES if (CORPUS / language).is_dir()
            for name in sorted(expected(language))]


def body(language: str, name: str) -> tuple[str, bool]:
    """The case's text (HTML cases converted as inbound mail does) and whether it was HTML."""
    for suffix, is_html in ((".txt", False), (".html", True)):
        path = CORPUS / language / f"{name}{suffix}"
        if path.exists():
            text = path.read_text(encoding="utf-8")
            return (html_to_text(text) if is_html else text), is_html
    raise AssertionError(f"{language}/{name}: no .txt or .html file")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_covers_every_class(language: str) -> None:
    assert (CORPUS / language / "expected.json").exists(), f"no corpus for {language}"
    # A class may be named with its variant ("7a" a ">" line of one's own, "7b" a forward,
    # "7c" a quoted line answered).
    covered = {str(c)[0] for spec in expected(language).values() for c in spec["classes"]}
    missing = [c for c in CLASSES if c not in covered]
    assert missing == [], f"{language} lacks classes {missing}"
    files = {p.stem for p in (CORPUS / language).iterdir() if p.suffix in (".txt", ".html")}
    assert files == set(expected(language)), "every file has its expectation and back"


@pytest.mark.parametrize(("language", "name"), cases(), ids=[f"{lang}/{n}" for lang, n in cases()])
def test_reply_and_signature_are_exact(language: str, name: str) -> None:
    spec = expected(language)[name]
    text, _ = body(language, name)
    assert split_reply(text) == Reply(spec["reply"], spec["signature"])
