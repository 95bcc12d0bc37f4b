"""Failures counted per key in a fixed window, in Django's default cache.

After `limit` failures for one key (e.g. a client address) within `window` seconds of the first,
the key is blocked until that window ends. The cache is per process unless CACHE_URL names a
shared one (Redis): with N workers on the local-memory default a client gets N times the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True, slots=True)
class FailureWindow:
    name: str  # a cache-key namespace, e.g. "bearer"
    limit: int
    window: int  # seconds

    def _keys(self, key: str) -> tuple[str, str]:
        base = f"throttle:{self.name}:{key}"
        return f"{base}:count", f"{base}:since"

    def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it is not blocked."""
        count_key, since_key = self._keys(key)
        values = cache.get_many([count_key, since_key])
        if values.get(count_key, 0) < self.limit:
            return 0
        since = values.get(since_key, time.time())
        return max(1, int(since + self.window - time.time()) + 1)

    def record_failure(self, key: str) -> None:
        count_key, since_key = self._keys(key)
        # add() only sets a missing key, so the window starts at the first failure and is not extended.
        cache.add(since_key, time.time(), timeout=self.window)
        cache.add(count_key, 0, timeout=self.window)
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add() and incr(): a new window
            cache.add(count_key, 1, timeout=self.window)
