"""Per-key rate limits: a token bucket per API key, refilled continuously.

A key may send ``limit`` requests per minute, in bursts of up to ``limit``. The buckets live in
the process: behind several replicas each replica counts on its own.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The outcome of one request's check, with what the ``X-RateLimit-*`` headers report."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int  # until the next request would be allowed (0 when allowed)
    reset_s: int  # until the bucket is full again

    def headers(self) -> dict[str, str]:
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": str(self.reset_s)}
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers


class RateLimiter:
    """Token buckets keyed by API key id.

    Args:
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, last refill)
        self._lock = threading.Lock()

    def take(self, key_id: str, per_minute: int) -> Decision:
        """Spend one token of the key's bucket, if it has one."""
        rate = per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key_id] = (tokens, now)
        return Decision(allowed, per_minute, int(tokens),
                        0 if allowed else math.ceil((1.0 - tokens) / rate),
                        math.ceil((per_minute - tokens) / rate))
