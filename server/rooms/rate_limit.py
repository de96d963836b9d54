"""How fast one may send: a token bucket, and the retry_after a refusal names."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from server.policy import RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND
from server.protocol.codes import ErrorCode
from server.protocol.refusals import Refused


def retry_after_seconds(wait: float) -> float:
    """`wait` in whole milliseconds, rounded up: a client that retries exactly when told is let
    in (rounding to nearest could name a moment just short of it), and never "retry in 0 s".
    Float noise under a microsecond (10 s computed as 10.0000000001) is not a millisecond more."""
    return max(0.001, math.ceil(round(wait * 1000, 3)) / 1000)


class RateLimiter:
    """A token bucket: `burst` frames at once, refilled at `per_second`."""

    __slots__ = ("_clock", "_tokens", "_updated", "burst", "per_second")

    def __init__(
        self,
        burst: int = RATE_LIMIT_BURST,
        per_second: float = RATE_LIMIT_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> None:
        """Spend one token, or raise Refused(RATE_LIMITED) saying when to retry."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return
        retry_after = retry_after_seconds((1.0 - self._tokens) / self.per_second)
        raise Refused(
            ErrorCode.RATE_LIMITED,
            f"Too many frames; at most {self.per_second:g} a second. Retry in {retry_after:g} s.",
            retry_after=retry_after,
        )
