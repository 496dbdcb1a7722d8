"""Fixed-window rate limits: which window a moment falls in and how long until it ends.

Pure: no boto3, no clock. The count per window is kept by chalicelib/store/rate_limits.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, a multiple of the window's length
    end: int

    def seconds_left(self, now_epoch: int) -> int:
        """``Retry-After``: at least 1, so a client never retries within the same second."""
        return max(1, self.end - now_epoch)


def window_at(now_epoch: int, seconds: int) -> Window:
    if seconds <= 0:
        raise ValueError("a window lasts at least one second")
    start = now_epoch - now_epoch % seconds
    return Window(start, start + seconds)
