"""Bounded, thread-safe caches that outlive one batch: a least-recently-used map with a cost per
entry, and a doorkeeper that admits a key only when it is seen a second time.

``functools.lru_cache`` wraps a function; the pipeline also needs to ask "is it there?" without
computing it (to batch the misses), and to store values computed elsewhere. The eviction is
cachetools'; this module adds the lock (the web front end triages on several threads) and a cost
given with each entry. Every cache built on this has a fixed budget, so a million-message scan holds
no more than a small one.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K")
V = TypeVar("V")


def _entry_cost(entry: tuple[object, int]) -> int:
    return entry[1]


class LRU(Generic[K, V]):
    """Entries with a cost each (1 unless told), at most ``maxcost`` in all; adding more drops the
    least recently used first."""

    __slots__ = ("_data", "_lock", "maxcost")

    def __init__(self, maxcost: int) -> None:
        if maxcost < 1:
            raise ValueError("maxcost must be at least 1")
        self.maxcost = maxcost
        self._data: LRUCache[K, tuple[V, int]] = LRUCache(maxsize=maxcost, getsizeof=_entry_cost)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now the most recently used), or ``None``."""
        with self._lock:
            entry = self._data.get(key)
        return None if entry is None else entry[0]

    def put(self, key: K, value: V, cost: int = 1) -> None:
        """Store ``value`` under ``key``; drop the least recently used entries until within budget.
        An entry costing more than the whole budget is not stored."""
        if cost > self.maxcost:
            return
        with self._lock:
            self._data[key] = (value, cost)

    @property
    def cost(self) -> int:
        """The summed cost of the entries held."""
        return int(self._data.currsize)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data


class SeenTwice:
    """Answers "seen before?" for up to ``maxsize`` keys, then forgets them all and starts again.

    Bulk traffic mixes templates that come back with one-off texts (each with its own numbers): caching
    only what comes back a second time keeps the one-offs from flushing the templates out of an LRU.
    """

    __slots__ = ("_lock", "_seen", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._seen: set[int] = set()  # hashes, not keys: a fraction of the memory, and a false "seen"
        self._lock = threading.Lock()  # costs no more than caching a one-off

    def check(self, key: Hashable) -> bool:
        """Whether ``key`` was seen since the last reset; records it either way."""
        h = hash(key)
        with self._lock:
            if h in self._seen:
                return True
            if len(self._seen) >= self.maxsize:
                self._seen.clear()
            self._seen.add(h)
            return False

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
