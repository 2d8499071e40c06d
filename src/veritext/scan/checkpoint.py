"""Scan checkpoint: a sidecar SQLite file next to the output that makes a scan resumable.

This is the scanner's own state, deliberately separate from ``veritext.store`` (the user's ledger
and history, issue 4): it lives and dies with one output file. It records

* ``meta``: what was scanned (input fingerprints, read options, batch size) and whether it finished;
* ``batches``: every batch whose part file is safely on disk. Batch *k* is always messages
  ``k*B … (k+1)*B-1`` of the input stream, so a resumed scan re-reads the inputs, skips the
  committed batches and triages only the rest — no message counted twice, none lost;
* ``issues``: every skipped or repaired row (idempotent, so a resumed scan does not list them twice).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from veritext.inbox.records import InboxIssue
from veritext.message import I18nText

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (batch INTEGER PRIMARY KEY, rows INTEGER NOT NULL, part TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS issues (
    source TEXT NOT NULL, location TEXT NOT NULL, skipped INTEGER NOT NULL,
    reason_zh TEXT NOT NULL, reason_en TEXT NOT NULL,
    PRIMARY KEY (source, location, reason_en)
);
"""


class Checkpoint:
    """The sidecar database of one scan (open it with :meth:`open`)."""

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path = path
        self._con = con

    @classmethod
    def open(cls, path: Path) -> Checkpoint:
        """Open (creating if needed). WAL + synchronous=NORMAL: a commit survives a killed process."""
        con = sqlite3.connect(path, timeout=10, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executescript(_SCHEMA)
        return cls(path, con)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def get(self, key: str) -> Any:
        """A JSON value from ``meta`` (``None`` if absent)."""
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        """Set a JSON value in ``meta``."""
        self._con.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False, default=str)),
        )

    def committed(self) -> dict[int, int]:
        """Batch number → rows, for every batch already on disk."""
        return dict(self._con.execute("SELECT batch, rows FROM batches").fetchall())

    def commit_batch(self, batch: int, rows: int, part: str) -> None:
        """Record that ``part`` (written and renamed into place) holds batch ``batch``."""
        self._con.execute("INSERT OR REPLACE INTO batches (batch, rows, part) VALUES (?, ?, ?)", (batch, rows, part))

    def parts(self) -> list[tuple[int, int, str]]:
        """(batch, rows, part file name) in batch order."""
        rows = self._con.execute("SELECT batch, rows, part FROM batches ORDER BY batch").fetchall()
        return [(int(b), int(n), str(p)) for b, n, p in rows]

    def add_issues(self, issues: Iterable[InboxIssue]) -> None:
        """Record row issues (once each)."""
        self._con.executemany(
            "INSERT OR IGNORE INTO issues VALUES (?, ?, ?, ?, ?)",
            [(i.source, i.location, int(i.skipped), i.reason.zh, i.reason.en) for i in issues],
        )

    def issues(self, *, limit: int | None = None) -> list[InboxIssue]:
        """Recorded issues in the order they were met."""
        sql = "SELECT source, location, skipped, reason_zh, reason_en FROM issues ORDER BY rowid"
        rows = self._con.execute(sql + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
        return [InboxIssue(s, loc, I18nText(zh=zh, en=en), bool(sk)) for s, loc, sk, zh, en in rows]

    def issue_counts(self) -> tuple[int, int]:
        """(skipped rows, repaired rows) recorded so far."""
        row = self._con.execute("SELECT SUM(skipped), SUM(1 - skipped) FROM issues").fetchone()
        return int(row[0] or 0), int(row[1] or 0)
