"""The web app's settings: one frozen value, built by ``veritext serve`` or a test."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "LOOPBACK_HOSTS",
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "MAX_SENDER_CHARS",
    "MAX_TEXT_CHARS",
    "WebConfig",
    "is_loopback",
]

# A pasted SMS (or a thread of them) is far below this; a larger paste is a file, not a message.
MAX_TEXT_CHARS = 10_000
MAX_SENDER_CHARS = 256
# One batch request: at most this many messages (the body limit below bounds the bytes too).
MAX_BATCH = 100
# Any request body, JSON, form or CSV upload.
MAX_BODY_BYTES = 2 * 1024 * 1024
# Host names a loopback-bound server answers to (a guard against DNS rebinding).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server reachable from this computer only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


@dataclass(frozen=True, slots=True)
class WebConfig:
    """How the app runs.

    ``db_path``: the SQLite store (loans, rules, check history). ``token``: when set, every request
    must carry it (``Authorization: Bearer …``, or the cookie the page sets after ``/?token=…``).
    ``allowed_hosts``: the ``Host`` header names accepted (``None`` accepts any; ``veritext serve``
    passes :data:`LOOPBACK_HOSTS` when bound to loopback). ``history_limit``: the newest checks kept.
    """

    db_path: Path
    token: str | None = None
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS
    max_body_bytes: int = MAX_BODY_BYTES
    history_limit: int = 1000
    secret: bytes = field(default=b"", repr=False)
