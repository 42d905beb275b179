"""Guessing throttle: too many misses from one address within a minute, and it must wait."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

#: Misses (unknown badge codes or private links) one address may make within the window.
GUESS_LIMIT = 5
#: Length of the sliding window, in seconds.
GUESS_WINDOW_SECONDS = 60.0
#: Addresses remembered at most; the one seen longest ago is forgotten first.
MAX_KEYS = 10_000


class Throttle:
    """Counts misses per key in a sliding window; thread-safe, in memory, bounded in size."""

    def __init__(
        self,
        limit: int = GUESS_LIMIT,
        window: float = GUESS_WINDOW_SECONDS,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._misses: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        """The key's misses still inside the window (older ones dropped), or None."""
        misses = self._misses.get(key)
        if misses is None:
            return None
        while misses and misses[0] <= now - self.window:
            misses.popleft()
        if not misses:
            del self._misses[key]
            return None
        return misses

    def blocked(self, key: str) -> bool:
        """True while ``key`` has used up its misses in the current window."""
        with self._lock:
            misses = self._recent(key, self.clock())
            return misses is not None and len(misses) >= self.limit

    def miss(self, key: str) -> bool:
        """Record one miss of ``key``; True when that used up its allowance."""
        with self._lock:
            now = self.clock()
            misses = self._recent(key, now)
            if misses is None:
                misses = self._misses[key] = deque(maxlen=self.limit)
                while len(self._misses) > self.max_keys:
                    self._misses.popitem(last=False)
            else:
                self._misses.move_to_end(key)
            misses.append(now)
            return len(misses) >= self.limit

    def clear(self) -> None:
        """Forget every miss."""
        with self._lock:
            self._misses.clear()
