"""Read a set of messages (pasted JSONL or CSV with text, sender and time, or a phone backup).

JSONL and CSV are read here, strictly: one object or row per message, column names as common
exports write them (``text``/``body``, ``sender``/``from``/``address``, ``time``/``date``/``received_at``),
and bad input gets one clear error naming the file and line; for evidence nothing may be skipped
or lose its time silently. Other formats (Android XML, iOS ``sms.db``, TSV, Parquet) go through the
inbox readers in :mod:`veritext.inbox` when they are installed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veritext.report.results import EvidenceMessage

__all__ = ["MessagesError", "parse_time", "read_messages", "to_messages"]

TEXT_KEYS = ("text", "body", "message", "content", "sms")
SENDER_KEYS = ("sender", "from", "address", "number", "phone")
TIME_KEYS = ("time", "received_at", "date", "datetime", "timestamp", "received")
MAX_MESSAGES = 100_000
OWN_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv")


class MessagesError(ValueError):
    """The messages file cannot be read; the message names the file, the line and the problem."""


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 string, or epoch seconds / milliseconds, as a datetime (``None`` if empty).

    Naive times stay naive: they are the wall-clock time the phone showed, which is what the night
    checks need. Epoch numbers become UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds, as Android exports write them
            number /= 1000
        return datetime.fromtimestamp(number, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time (e.g. 2026-11-28T23:10)") from None
    raise ValueError(f"{value!r} is not a time")


def _pick(row: Mapping[str, Any], keys: Iterable[str]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for key in keys:
        if key in lowered and lowered[key] not in (None, ""):
            return lowered[key]
    return None


def _message(row: Mapping[str, Any], index: int, where: str) -> EvidenceMessage:
    text = _pick(row, TEXT_KEYS)
    if not isinstance(text, str) or not text:
        raise MessagesError(f"{where}: no message text (expected a column or key named one of {TEXT_KEYS})")
    sender = _pick(row, SENDER_KEYS)
    try:
        when = parse_time(_pick(row, TIME_KEYS))
    except ValueError as exc:
        raise MessagesError(f"{where}: {exc}") from None
    return EvidenceMessage(
        index=index,
        text=text,
        sender=None if sender is None else str(sender),
        received_at=when,
        source=where,
    )


def to_messages(rows: Iterable[Mapping[str, Any]], *, source: str = "input") -> tuple[EvidenceMessage, ...]:
    """Messages from dicts with text / sender / time keys, numbered from 1 in the order given."""
    out = tuple(_message(row, n, f"{source}[{n}]") for n, row in enumerate(rows, 1))
    if not out:
        raise MessagesError(f"{source}: no messages")
    return out


def read_messages(path: str | Path) -> tuple[EvidenceMessage, ...]:
    """Messages from a ``.jsonl`` / ``.json`` (one object per line, or a JSON list) or ``.csv`` file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MessagesError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        data = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MessagesError(
            f"{path}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f GB18030 -t UTF-8"
        ) from None
    if path.suffix.lower() not in OWN_SUFFIXES:
        return _from_inbox(path)
    name = path.name
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(data, newline="")))
        out = tuple(_message(row, n, f"{name}:{n + 1}") for n, row in enumerate(rows, 1))
    else:
        out = _jsonl(data, name)
    if not out:
        raise MessagesError(f"{path}: no messages")
    if len(out) > MAX_MESSAGES:
        raise MessagesError(f"{path}: {len(out):,} messages; the limit is {MAX_MESSAGES:,} per report")
    return out


def _from_inbox(path: Path) -> tuple[EvidenceMessage, ...]:
    try:
        from veritext.inbox import InboxError, open_inbox
    except ImportError:  # pragma: no cover - the inbox readers ship with the package
        raise MessagesError(f"{path}: unsupported format; give a .jsonl or .csv file") from None
    out: list[EvidenceMessage] = []
    try:
        for rec in open_inbox(path):
            m = rec.message
            out.append(EvidenceMessage(len(out) + 1, m.text, m.sender, m.received_at, f"{path.name}:{rec.location}"))
            if len(out) > MAX_MESSAGES:
                break
    except InboxError as exc:
        raise MessagesError(str(exc)) from None
    if not out:
        raise MessagesError(f"{path}: no messages")
    if len(out) > MAX_MESSAGES:
        raise MessagesError(f"{path}: more than {MAX_MESSAGES:,} messages; the limit per report")
    return tuple(out)


def _jsonl(data: str, name: str) -> tuple[EvidenceMessage, ...]:
    stripped = data.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(data)
        except json.JSONDecodeError as exc:
            raise MessagesError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not all(isinstance(i, dict) for i in items):
            raise MessagesError(f"{name}: expected a list of objects")
        return tuple(_message(item, n, f"{name}[{n}]") for n, item in enumerate(items, 1))
    out: list[EvidenceMessage] = []
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MessagesError(f"{name}:{lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict):
            raise MessagesError(f"{name}:{lineno}: expected a JSON object per line")
        out.append(_message(item, len(out) + 1, f"{name}:{lineno}"))
    return tuple(out)
