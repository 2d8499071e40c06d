"""Inbox readers: phone backups and report queues → a stream of :class:`InboxRecord`, constant memory.

>>> from veritext.inbox import open_inbox
>>> for rec in open_inbox(path):                             # doctest: +SKIP
...     rec.message_id, rec.location, rec.message.text

Formats: ``android-xml`` (SMS Backup & Restore), ``ios-db`` (iOS ``sms.db``), ``csv``, ``tsv``,
``jsonl``, ``parquet``; detected from the file's first bytes and its extension.
"""

from __future__ import annotations

from pathlib import Path

from veritext.inbox.android_xml import AndroidXmlReader
from veritext.inbox.base import Reader, ReadOptions
from veritext.inbox.delimited import DelimitedReader, TsvReader
from veritext.inbox.fields import ColumnMap
from veritext.inbox.ios_db import IosDbReader
from veritext.inbox.jsonl import JsonlReader
from veritext.inbox.parquet import ParquetReader
from veritext.inbox.records import ON_ERROR, InboxError, InboxIssue, InboxRecord, IssueSink, OnError, ReadStats, tr

__all__ = [
    "FORMATS",
    "ON_ERROR",
    "ColumnMap",
    "InboxError",
    "InboxIssue",
    "InboxRecord",
    "OnError",
    "ReadOptions",
    "ReadStats",
    "Reader",
    "detect_format",
    "open_inbox",
]

_READERS: dict[str, type[Reader]] = {
    r.format: r for r in (AndroidXmlReader, IosDbReader, DelimitedReader, TsvReader, JsonlReader, ParquetReader)
}
FORMATS: tuple[str, ...] = tuple(_READERS)

_BY_SUFFIX = {
    ".xml": "android-xml",
    ".db": "ios-db",
    ".sqlite": "ios-db",
    ".sqlite3": "ios-db",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: Path) -> str:
    """The format of ``path``: binary signatures first (an iOS backup names sms.db by a hash), then the name."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise InboxError(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}"), source=path.name) from None
    if not head.strip():
        raise InboxError(tr("文件是空的", "the file is empty"), source=path.name)
    if head.startswith(b"SQLite format 3\x00"):
        return "ios-db"
    if head.startswith(b"PAR1"):
        return "parquet"
    by_name = _BY_SUFFIX.get(path.suffix.lower())
    if by_name:
        return by_name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<smses", b"<!")):
        return "android-xml"
    if text.startswith((b"{", b'"')):
        return "jsonl"
    return "csv"


def open_inbox(
    path: str | Path,
    *,
    options: ReadOptions | None = None,
    on_issue: IssueSink | None = None,
) -> Reader:
    """A reader for ``path``: iterate it for records; ``reader.stats`` counts records, skips and issues."""
    p = Path(path)
    opts = options or ReadOptions()
    fmt = opts.format or detect_format(p)
    if fmt not in _READERS:
        raise InboxError(
            tr(
                f"未知格式 {fmt!r}（可选：{', '.join(FORMATS)}）",
                f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})",
            ),
            source=p.name,
        )
    return _READERS[fmt](p, options=opts, on_issue=on_issue)
