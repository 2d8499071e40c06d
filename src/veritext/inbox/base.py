"""The common shape of a reader: options in, a stream of records out, row issues reported as they happen."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from veritext.inbox.fields import ColumnMap, Resolved, cell_text, parse_time, resolve_columns
from veritext.inbox.records import (
    InboxError,
    InboxIssue,
    InboxRecord,
    IssueSink,
    OnError,
    ReadStats,
    ScanRow,
    stable_id,
    tr,
)
from veritext.message import I18nText, Message


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read a file. Everything has a sensible default; ``format=None`` detects it."""

    format: str | None = None
    columns: ColumnMap = field(default_factory=ColumnMap)
    encoding: str | None = None  # CSV/TSV only; None = detect
    delimiter: str | None = None  # CSV only; None = sniff
    include_sent: bool = False  # phone backups: also yield sent / draft messages
    on_error: OnError = "stop"


class Reader(ABC):
    """Streams :class:`InboxRecord` from one file with constant memory.

    Row problems go through :meth:`issue`: with ``on_error="stop"`` a skipped row raises
    :class:`InboxError` (with its location); with ``"skip"`` it is counted, kept (the first
    ``ReadStats.MAX_KEPT``) and passed to ``on_issue``.
    """

    format: ClassVar[str]

    def __init__(self, path: Path, *, options: ReadOptions, on_issue: IssueSink | None = None) -> None:
        self.path = path
        self.source = path.name
        self.options = options
        self.on_issue = on_issue
        self.stats = ReadStats()

    @abstractmethod
    def __iter__(self) -> Iterator[InboxRecord]:
        """Yield the records in file order."""

    def rows(self) -> Iterator[ScanRow]:
        """The records as the scan's input columns, in file order (see :data:`ScanRow`).

        Readers that can give them without building a record per row (CSV, the bulk format) override this.
        """
        for rec in self:
            m = rec.message
            when = m.received_at.isoformat() if m.received_at else None
            yield rec.message_id, rec.source, rec.position, m.text, m.sender, when

    def fail(self, text: I18nText, location: str = "") -> InboxError:
        """An error about the whole file (or a row when reading stops)."""
        return InboxError(text, source=self.source, location=location)

    def nonempty_size(self) -> int:
        """The file's size in bytes; a clear error if it cannot be opened or is empty."""
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise self.fail(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}")) from None
        if size == 0:
            raise self.fail(tr("文件是空的", "the file is empty"))
        return size

    def issue(self, location: str, reason: I18nText, *, skipped: bool = True, fatal: bool | None = None) -> None:
        """Report a bad row: raise under ``stop`` (if ``fatal``, by default when skipped), else count it.

        Non-fatal skipped rows (an empty message) are counted and listed but never stop a read.
        """
        if (skipped if fatal is None else fatal) and self.options.on_error == "stop":
            raise self.fail(
                tr(
                    f"{reason.zh}（用 --on-error skip 跳过坏行并继续）",
                    f"{reason.en} (use --on-error skip to skip bad rows and go on)",
                ),
                location,
            )
        found = InboxIssue(self.source, location, reason, skipped)
        if skipped:
            self.stats.skipped += 1
        else:
            self.stats.warnings += 1
        if len(self.stats.issues) < ReadStats.MAX_KEPT:
            self.stats.issues.append(found)
        if self.on_issue is not None:
            self.on_issue(found)

    def record(
        self,
        *,
        position: int,
        location: str,
        text: str,
        sender: str | None,
        received_at: datetime | None,
        native_id: str | None = None,
    ) -> InboxRecord:
        """Build a record (and count it)."""
        self.stats.records += 1
        mid = native_id or stable_id(self.source, position, text, sender, received_at)
        return InboxRecord(Message(text, sender=sender, received_at=received_at), mid, self.source, position, location)


class TabularReader(Reader):
    """Shared logic for row-shaped files: column resolution and per-row field parsing."""

    def resolve(self, names: list[str]) -> Resolved:
        """The columns to read, or a clear error naming what exists."""
        found = resolve_columns(names, self.options.columns)
        if isinstance(found, Resolved):
            return found
        have = ", ".join(names[:20]) or "—"
        if found:
            raise self.fail(
                tr(f"没有名为 {found!r} 的列（现有列：{have}）", f"no column named {found!r} (columns: {have})")
            )
        raise self.fail(
            tr(
                f"找不到短信内容所在的列（现有列：{have}）；请用 --text-col 指定",
                f"cannot tell which column holds the message text (columns: {have}); name it with --text-col",
            )
        )

    def no_text(self, location: str) -> None:
        """Report a row without message text: skipped, listed, never a reason to stop."""
        self.issue(location, tr("这一行没有短信内容，未分析", "this row has no message text, not triaged"), fatal=False)

    def bad_time(self, location: str, exc: ValueError) -> None:
        """Report a time that cannot be read: the message is read without one."""
        self.issue(
            location,
            tr(f"时间无法识别，按无时间处理：{exc}", f"unreadable time, read without one: {exc}"),
            skipped=False,
        )

    def row_record(self, row: dict[str, Any], cols: Resolved, *, position: int, location: str) -> InboxRecord | None:
        """One row → a record, or ``None`` (after reporting the issue) when it has no usable text."""
        text = cell_text(row.get(cols.text))
        if text is None or not text.strip():
            self.no_text(location)
            return None
        sender = cell_text(row.get(cols.sender)) if cols.sender else None
        when = None
        if cols.time:
            try:
                when = parse_time(row.get(cols.time))
            except ValueError as exc:
                self.bad_time(location, exc)
        native = cell_text(row.get(cols.id)) if cols.id else None
        return self.record(
            position=position,
            location=location,
            text=text,
            sender=sender or None,
            received_at=when,
            native_id=native or None,
        )
