"""Fixed windows (chalicelib/domain/rate_limits.py) and the limits' settings."""

from __future__ import annotations

import pytest

from chalicelib.config import RateLimit, RateLimits, get_config
from chalicelib.domain.rate_limits import window_at


@pytest.mark.parametrize(
    ("now", "seconds", "start", "left"),
    [
        (1_900_000_000, 300, 1_899_999_900, 200),
        (1_899_999_900, 300, 1_899_999_900, 300),  # at the start: the whole window
        (1_900_000_199, 300, 1_899_999_900, 1),  # the last second: never 0
        (7_199, 3600, 3600, 1),
        (7_200, 3600, 7_200, 3600),
    ],
)
def test_a_moment_falls_in_one_window_and_retry_after_counts_to_its_end(
    now: int, seconds: int, start: int, left: int
) -> None:
    window = window_at(now, seconds)
    assert (window.start, window.end) == (start, start + seconds)
    assert window.seconds_left(now) == left


def test_a_window_has_a_length() -> None:
    with pytest.raises(ValueError):
        window_at(1_900_000_000, 0)


def test_the_defaults_are_the_documented_ones() -> None:
    limits = RateLimits()
    assert limits.login_per_email == RateLimit(10, 300)
    assert limits.login_per_ip == RateLimit(30, 300)
    assert limits.forgot_password_per_email == RateLimit(5, 3600)
    assert limits.attachments_per_user == RateLimit(60, 3600)


@pytest.mark.parametrize("raw", ["10", "10/", "/300", "0/300", "10/0", "-1/300", "ten/300"])
def test_a_malformed_limit_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL", raw)
    get_config.cache_clear()
    try:
        with pytest.raises(ValueError, match="RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL"):
            get_config()
    finally:
        monkeypatch.undo()
        get_config.cache_clear()


def test_a_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_ATTACHMENTS_PER_IP", " 7 / 60 ")
    get_config.cache_clear()
    try:
        assert get_config().rate_limits.attachments_per_ip == RateLimit(7, 60)
    finally:
        monkeypatch.undo()
        get_config.cache_clear()
