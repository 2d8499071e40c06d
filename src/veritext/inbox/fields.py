"""Column mapping and field parsing shared by the tabular readers (CSV/TSV, JSONL, Parquet)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Header names seen in phone-export tools and report queues, in English and Chinese; compared case-folded.
TEXT_NAMES = ("text", "body", "message", "content", "sms", "msg", "短信内容", "内容", "短信", "消息内容", "正文")
SENDER_NAMES = ("sender", "from", "address", "number", "phone", "originator", "发送方", "号码", "发件人", "发送号码")
TIME_NAMES = ("received_at", "time", "date", "timestamp", "datetime", "received", "时间", "日期", "接收时间")
ID_NAMES = ("message_id", "id", "msg_id", "uid", "编号")

_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
)


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which input columns hold the text, sender, time and id. ``None`` means "find it by its name"."""

    text: str | None = None
    sender: str | None = None
    time: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """The columns actually used (``text`` always found; the others may be absent)."""

    text: str
    sender: str | None
    time: str | None
    id: str | None


def _find(names: Sequence[str], wanted: tuple[str, ...]) -> str | None:
    folded = {n.strip().casefold(): n for n in names}
    for w in wanted:
        if w in folded:
            return folded[w]
    return None


def resolve_columns(names: Sequence[str], mapping: ColumnMap) -> Resolved | str:
    """Pick the columns to use, or return the name of an asked-for column that does not exist."""
    for asked in (mapping.text, mapping.sender, mapping.time, mapping.id):
        if asked is not None and asked not in names:
            return asked
    text = mapping.text or _find(names, TEXT_NAMES)
    if text is None:
        return ""
    return Resolved(
        text=text,
        sender=mapping.sender or _find(names, SENDER_NAMES),
        time=mapping.time or _find(names, TIME_NAMES),
        id=mapping.id or _find(names, ID_NAMES),
    )


def parse_time(value: Any) -> datetime | None:
    """A received-at value from a table cell: ISO 8601, common date formats, or epoch seconds / ms / µs.

    Naive times stay naive (the wall clock of the phone that exported them). Raises ``ValueError``.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value))
    s = str(value).strip()
    if not s or s.lower() in {"null", "none", "nan"}:
        return None
    if s.lstrip("-").replace(".", "", 1).isdigit():
        return _from_epoch(float(s))
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date-time: {s[:40]!r}")


# ISO 8601 text that datetime.isoformat() writes back unchanged: whole seconds, 'T', a "+hh:mm" zone or
# none ("-00:00" reads as UTC and is written "+00:00"; a fraction may lose its zeros: both are excluded).
_CANONICAL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\+[0-9]{2}:[0-9]{2}|-(?!00:00)[0-9]{2}:[0-9]{2})?"
)


def parse_time_iso(value: str | None) -> tuple[datetime | None, str | None]:
    """:func:`parse_time` for a text cell, and the time's ``isoformat()``, with shortcuts for the ISO
    8601 times most exports write (``isoformat`` alone was ~1.4 µs a row of the scan's reading).

    A cell that starts and ends with a digit and has a ``-`` fifth is neither padded, nor "null", nor
    epoch digits, nor ``…Z``: ``parse_time`` would go straight to ``fromisoformat`` with it too.
    """
    if value and value[0].isdigit() and value[4:5] == "-" and value[-1].isdigit():
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass  # e.g. "2026-11-28 23:10:5": parse_time says why, or finds another format that reads it
        else:
            return when, value if _CANONICAL.fullmatch(value) else when.isoformat()
    parsed = parse_time(value)
    return parsed, parsed.isoformat() if parsed else None


def _from_epoch(x: float) -> datetime:
    # Exports write seconds, milliseconds or microseconds since 1970; the magnitude tells which.
    if abs(x) >= 1e14:
        x /= 1e6
    elif abs(x) >= 1e11:
        x /= 1e3
    try:
        return datetime.fromtimestamp(x, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"epoch value out of range: {x}") from exc


def cell_text(value: Any) -> str | None:
    """A table cell as text, or ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas-written files
        return None
    s = value if isinstance(value, str) else str(value)
    return s
