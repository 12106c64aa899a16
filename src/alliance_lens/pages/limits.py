"""Rate limits of the kernel-less pages: token buckets per key, bounded in memory.

A bucket holds up to ``burst`` requests and refills at ``rate`` per second. :meth:`RateLimiter.take` answers
``None`` (go ahead) or the seconds to wait (the ``Retry-After`` of a 429). Keys are link ids or addresses; the
table forgets the least recently used keys past ``max_keys``, so a flood of new keys cannot grow it without
bound (a forgotten key starts with a full bucket, which only ever errs towards serving).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """Token buckets by key: ``burst`` at once, then ``rate`` per second."""

    def __init__(
        self, rate: float, burst: int, *, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = float(rate)
        self.burst = max(1, int(burst))
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, when)

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - when) * self.rate)

    def take(self, key: str, cost: float = 1.0) -> float | None:
        """Spend ``cost`` from ``key``'s bucket: ``None`` if it had enough, else whole seconds until it will."""
        now = self._clock()
        tokens = self._tokens(key, now)
        if tokens >= cost:
            self._store(key, tokens - cost, now)
            return None
        self._store(key, tokens, now)
        if self.rate <= 0:
            return 3600.0
        return float(max(1, math.ceil((cost - tokens) / self.rate)))

    def peek(self, key: str) -> float | None:
        """Like :meth:`take` with nothing spent: ``None`` while ``key`` has at least one request left."""
        tokens = self._tokens(key, self._clock())
        if tokens >= 1.0:
            return None
        return 3600.0 if self.rate <= 0 else float(max(1, math.ceil((1.0 - tokens) / self.rate)))

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self._buckets)


class Gauge:
    """Counts of things open at once (live requests) per key and in all, each with a ceiling."""

    def __init__(self, per_key: int, total: int) -> None:
        self.per_key = per_key
        self.total = total
        self._open: dict[str, int] = {}
        self._all = 0

    def enter(self, key: str) -> bool:
        """Count one more for ``key``; ``False`` (nothing counted) when a ceiling is reached."""
        if self._open.get(key, 0) >= self.per_key or self._all >= self.total:
            return False
        self._open[key] = self._open.get(key, 0) + 1
        self._all += 1
        return True

    def leave(self, key: str) -> None:
        """One fewer for ``key``."""
        left = self._open.get(key, 0) - 1
        if left > 0:
            self._open[key] = left
        else:
            self._open.pop(key, None)
        self._all = max(0, self._all - 1)

    def count(self, key: str | None = None) -> int:
        """Open now for ``key`` (or in all)."""
        return self._all if key is None else self._open.get(key, 0)
