"""CSV and TSV exports, streamed: encoding and delimiter detected, columns found by name or mapped."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import datetime

from veritext.inbox.base import TabularReader
from veritext.inbox.encoding import SAMPLE_BYTES, detect_encoding
from veritext.inbox.fields import parse_time_iso
from veritext.inbox.records import InboxRecord, ScanRow, stable_id_iso, tr
from veritext.message import Message

MAX_FIELD = 1_000_000  # the triage limit; also what bounds memory on a file with an unclosed quote
_DELIMITERS = ",\t;|"
# Rows between two reads of the file position for progress: at ~170 bytes a row, every ~40 kB.
_TELL_EVERY = 256
# What the reading loop yields: (line, position, message id, text, sender, time, time as ISO text).
_Row = tuple[int, int, str, str, str | None, datetime | None, str | None]

# Under --on-error skip, undecodable bytes become U+FFFD and each affected row is listed.
_replaced = [0]


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    _replaced[0] += 1
    if isinstance(exc, UnicodeDecodeError):
        return "\ufffd", exc.end
    raise exc


codecs.register_error("veritext-replace", _count_and_replace)


class DelimitedReader(TabularReader):
    """Reader for CSV (``format="csv"``) and TSV (``"tsv"``) files with a header row."""

    format = "csv"

    def __iter__(self) -> Iterator[InboxRecord]:
        source = self.source
        for line, pos, mid, text, sender, when, _ in self._read():
            yield InboxRecord(Message(text, sender=sender, received_at=when), mid, source, pos, f"line {line}")

    def rows(self) -> Iterator[ScanRow]:
        source = self.source
        for _, pos, mid, text, sender, _, iso in self._read():
            yield mid, source, pos, text, sender, iso

    def _open(self) -> tuple[int, str, str]:
        """The file's size, encoding and delimiter, or a clear error about the whole file."""
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as f:
                sample = f.read(SAMPLE_BYTES)
        except OSError as exc:
            raise self.fail(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}")) from None
        if not sample.strip():
            raise self.fail(tr("文件是空的", "the file is empty"))
        encoding = self.options.encoding or detect_encoding(sample)
        if encoding is None:
            raise self.fail(
                tr(
                    "无法判断文件编码；请用 --encoding 指定（如 gb18030）",
                    "cannot tell the encoding; give it with --encoding (e.g. gb18030)",
                )
            )
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise self.fail(tr(f"未知编码 {encoding!r}", f"unknown encoding {encoding!r}")) from None
        head = sample.decode(encoding, errors="replace")
        return size, encoding, self.options.delimiter or self._sniff(head)

    def _read(self) -> Iterator[_Row]:
        """Every readable row as ``(line, position, id, text, sender, time, time as ISO text)``.

        One loop serves both records and scan rows, and does per row only what a row needs: cells are
        taken by index (no dict per row), the time's ISO text is made once (for the id and the scan's
        column), a row's "line N" is only spelt out for an issue, and the progress position is taken
        every :data:`_TELL_EVERY` rows (``tell()`` per row cost ~3% of the scan's main process).
        """
        size, encoding, delimiter = self._open()
        self.stats.units_total = size
        self.encoding = encoding
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
        errors = "veritext-replace" if self.options.on_error == "skip" else "strict"
        stats, source = self.stats, self.source
        with self.path.open("rb") as raw:
            text_io = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
            reader = csv.reader(text_io, delimiter=delimiter)
            header = self._next(reader, encoding)
            if header is None:
                raise self.fail(tr("文件是空的", "the file is empty"))
            header = [h.strip().lstrip("\ufeff") for h in header]
            cols = self.resolve(header)
            width = len(header)
            # A repeated column name means its last column, as a dict of the row (name → cell) had it.
            index = {name: i for i, name in enumerate(header)}
            t_at = index[cols.text]
            s_at = index[cols.sender] if cols.sender else -1
            w_at = index[cols.time] if cols.time else -1
            i_at = index[cols.id] if cols.id else -1
            position = 0
            tell_in = _TELL_EVERY
            while True:
                line = reader.line_num + 1
                before = _replaced[0]
                try:
                    row = self._next(reader, encoding)
                except csv.Error as exc:
                    self.issue(f"line {line}", tr(f"CSV 行格式错误：{exc}", f"malformed CSV row: {exc}"))
                    position += 1
                    continue
                if row is None:
                    break
                tell_in -= 1
                if not tell_in:
                    stats.units_done = raw.tell()
                    tell_in = _TELL_EVERY
                n = len(row)
                text = row[t_at] if t_at < n else None
                no_text = text is None or not text.strip()
                if no_text and not any(cell.strip() for cell in row):
                    continue  # a blank line is not a message
                pos = position
                position += 1
                if n > width:
                    self.issue(
                        f"line {line}",
                        tr(
                            f"这一行有 {n} 个字段，表头只有 {width} 个（内容里有未加引号的分隔符？）",
                            f"row has {n} fields but the header has {width} (an unquoted delimiter?)",
                        ),
                    )
                    continue
                if _replaced[0] != before:
                    self.issue(
                        f"line {line}",
                        tr(
                            f"有无法按 {encoding} 解码的字节，已替换为 �",
                            f"bytes that are not valid {encoding} were replaced by �",
                        ),
                        skipped=False,
                    )
                if no_text:
                    self.no_text(f"line {line}")
                    continue
                assert text is not None  # for mypy: no_text says so
                sender = (row[s_at] if s_at < n else None) if s_at >= 0 else None
                when = iso = None
                if w_at >= 0:
                    try:
                        when, iso = parse_time_iso(row[w_at] if w_at < n else None)
                    except ValueError as exc:
                        self.bad_time(f"line {line}", exc)
                native = (row[i_at] if i_at < n else None) if i_at >= 0 else None
                stats.records += 1
                mid = native or stable_id_iso(source, pos, text, sender, iso or "")
                yield line, pos, mid, text, sender or None, when, iso
            stats.units_done = size

    def _next(self, reader: Iterator[list[str]], encoding: str) -> list[str] | None:
        try:
            return next(reader)
        except StopIteration:
            return None
        except UnicodeDecodeError as exc:
            line = getattr(reader, "line_num", 0) + 1
            raise self.fail(
                tr(
                    f"第 {line} 行附近的字节不是有效的 {encoding} 编码；请用 --encoding 指定正确的编码，"
                    "或用 --on-error skip 替换坏字节后继续",
                    f"bytes near line {line} are not valid {encoding} ({exc.reason}); give the right --encoding, "
                    "or use --on-error skip to replace bad bytes and go on",
                ),
                f"line {line}",
            ) from None

    def _sniff(self, head: str) -> str:
        if self.format == "tsv" or self.path.suffix.lower() in {".tsv", ".tab"}:
            return "\t"
        # The header row names columns and holds no message text, so its delimiter count is the
        # clearest hint (a sniffer reading the data rows is misled by commas inside messages).
        first = head.splitlines()[0] if head else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(_DELIMITERS, key=lambda d: counts[d])
        return best if counts[best] else ","


class TsvReader(DelimitedReader):
    """Reader for tab-separated files."""

    format = "tsv"
