"""Past checks made in the web app, kept in the store's ``check_history`` table (migration 0003).

``veritext.store`` has no accessors for this table (its owner was finishing the ledger when the web
app was built), so they live here and use only the store's public :meth:`~veritext.store.Store.transaction`.
Each row keeps the verdict exactly as it was shown (``Verdict.to_dict()`` as JSON): the history page
re-renders it and never judges the message again. Only the newest ``keep`` checks are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from veritext.store import Store

__all__ = ["HistoryEntry", "HistoryRecord", "add", "clear", "count", "delete", "get", "page"]

_COLUMNS = "id, checked_at, kind, risk, language, sender, text"
_SNIPPET = 120


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One past check, without its verdict: for lists."""

    id: int
    checked_at: str
    kind: str
    risk: str
    language: str
    sender: str | None
    text: str

    @property
    def snippet(self) -> str:
        """The start of the message, for a list row."""
        return self.text if len(self.text) <= _SNIPPET else self.text[:_SNIPPET] + "…"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (the API's history item)."""
        return {
            "id": self.id,
            "checked_at": self.checked_at,
            "kind": self.kind,
            "risk": self.risk,
            "language": self.language,
            "sender": self.sender,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One past check with the verdict as it was shown (``Verdict.to_dict()``)."""

    entry: HistoryEntry
    verdict: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: the entry's fields plus ``verdict``."""
        return {**self.entry.to_dict(), "verdict": self.verdict}


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    eid, checked_at, kind, risk, language, sender, text = row
    return HistoryEntry(
        id=int(eid), checked_at=checked_at, kind=kind, risk=risk, language=language, sender=sender, text=text
    )


def add(store: Store, *, verdict: dict[str, Any], keep: int) -> int:
    """Save a verdict (``Verdict.to_dict()``) and drop all but the newest ``keep`` checks; returns its id."""
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO check_history (kind, risk, language, sender, text, verdict) VALUES (?, ?, ?, ?, ?, ?)",
            (
                verdict["kind"],
                verdict["risk"],
                verdict["language"],
                verdict.get("sender"),
                verdict["text"],
                json.dumps(verdict, ensure_ascii=False),
            ),
        )
        new_id = int(cur.lastrowid or 0)
        conn.execute(
            "DELETE FROM check_history WHERE id NOT IN (SELECT id FROM check_history ORDER BY id DESC LIMIT ?)",
            (max(keep, 1),),
        )
    return new_id


def count(store: Store) -> int:
    """How many checks are saved."""
    with store.transaction() as conn:
        row = conn.execute("SELECT COUNT(*) FROM check_history").fetchone()
    return int(row[0])


def page(store: Store, *, limit: int, offset: int = 0) -> tuple[HistoryEntry, ...]:
    """Saved checks, newest first."""
    with store.transaction() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM check_history ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
    return tuple(_entry(r) for r in rows)


def get(store: Store, *, entry_id: int) -> HistoryRecord | None:
    """One saved check with its verdict, or ``None``."""
    with store.transaction() as conn:
        row = conn.execute(f"SELECT {_COLUMNS}, verdict FROM check_history WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        return None
    return HistoryRecord(entry=_entry(row[:-1]), verdict=json.loads(row[-1]))


def delete(store: Store, *, entry_id: int) -> bool:
    """Delete one saved check; ``False`` if there was none."""
    with store.transaction() as conn:
        cur = conn.execute("DELETE FROM check_history WHERE id = ?", (entry_id,))
    return cur.rowcount > 0


def clear(store: Store) -> int:
    """Delete every saved check; returns how many there were."""
    with store.transaction() as conn:
        cur = conn.execute("DELETE FROM check_history")
    return int(cur.rowcount)
