"""A fair queue for triage: at most a few messages are triaged at once, the rest wait in arrival order.

Triage is CPU-bound Python. Run from FastAPI's shared pool of forty threads, forty triages take turns
on the GIL and the unlucky requests wait many seconds (measured: p99 10 s at 200 clients). Here each
one runs on a worker thread only once it holds one of :data:`TRIAGE_THREADS` slots of an anyio
:class:`~anyio.CapacityLimiter`, which hands slots out first come, first served.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

__all__ = ["TRIAGE_THREADS", "in_triage_slot"]

T = TypeVar("T")

TRIAGE_THREADS = max(1, min(4, os.cpu_count() or 1))
# A limiter belongs to one event loop (uvicorn has one; a test client may start several).
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


async def in_triage_slot(work: Callable[[], T]) -> T:
    """Run ``work`` on a worker thread once a triage slot is free; slots go in arrival order."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(TRIAGE_THREADS)
    return await anyio.to_thread.run_sync(work, limiter=limiter)
