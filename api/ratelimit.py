"""Rate limits: a token bucket per API key (and per client address for invalid keys), refilled continuously.

A key may send ``limit`` requests per minute, in bursts of up to ``limit``. The buckets live in
the process: behind several replicas each replica counts on its own. A bucket left alone for a
minute is full again, the same as no bucket, so such buckets are dropped: memory grows with the
callers of the last minute, not with every caller ever seen.
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


FULL_AFTER_S = 60.0  # an empty bucket is full again after a minute, whatever its limit


class RateLimiter:
    """Token buckets keyed by name (an API key id, or a client address with a prefix of its own).

    Args:
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, last refill)
        self._lock = threading.Lock()
        self._next_sweep = clock() + FULL_AFTER_S

    def take(self, key_id: str, per_minute: int, cost: int = 1) -> Decision:
        """Spend ``cost`` tokens of the bucket ``key_id``, if it has them.

        Args:
            key_id: whose bucket.
            per_minute: the limit, at least 1 (no limit at all is the caller's business: it does not ask).
            cost: what the request is worth (a long text is worth several short ones); at most the
                limit counts, so every request can go ahead once the bucket is full.

        Returns:
            Whether the request may go ahead, and what the ``X-RateLimit-*`` headers say; a refused
            request's ``retry_after_s`` is at least 1.

        Raises:
            ValueError: ``per_minute`` is below 1.
        """
        if per_minute < 1:
            raise ValueError(f"a rate limit is at least 1 request per minute, not {per_minute}")
        rate = per_minute / 60.0
        with self._lock:
            now = self.clock()
            self._sweep(now)
            tokens, last = self._buckets.get(key_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            cost = min(cost, per_minute)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._buckets[key_id] = (tokens, now)
        return Decision(allowed, per_minute, int(tokens),
                        0 if allowed else math.ceil((cost - tokens) / rate),
                        math.ceil((per_minute - tokens) / rate))

    def __len__(self) -> int:
        """How many buckets are held."""
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        """Once a minute, drop the buckets nobody drew from for a minute (they are full: like new)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + FULL_AFTER_S
        self._buckets = {name: (tokens, last) for name, (tokens, last) in self._buckets.items()
                         if now - last < FULL_AFTER_S}
