"""The bench's own wiring into the app: what it resets between runs still exists (a
refactoring once renamed a cache the bench clears, and ``make bench`` failed at its start)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


def test_the_benches_reset_what_the_app_caches() -> None:
    from bench import stack, tickets

    tickets._reset_caches()
    stack._reset_clients()


def test_the_reply_bench_reads_the_whole_corpus_and_finds_it_exact(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m bench replies`` measures every message we keep: a corpus file it did not
    read, or a case it could not compare, would make its figure a figure of something else."""
    from pathlib import Path

    from bench import replies

    monkeypatch.setattr(replies, "RUNS", 1)
    monkeypatch.setattr(replies, "SHAPES", replies.SHAPES[:1])
    figures = replies.run()
    fixtures = Path(replies.FIXTURES)
    cases = [p for p in (fixtures / "replies").glob("*/*") if p.suffix in (".txt", ".html")]
    assert figures["messages"] == len(list(fixtures.glob("*.eml"))) + len(cases)
    assert figures["exact"] == figures["cases"] == len(cases)
    assert figures["shapes"][0]["bytes"] >= replies.MB
    assert figures["failed"] == []
    section = "\n".join(replies.replies_section(figures))
    assert replies.REPLIES_HEADING in section and "prose" in section
