"""CSV and TSV exports, streamed: encoding and delimiter detected, columns found by name or mapped."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from veritext.inbox.base import TabularReader
from veritext.inbox.encoding import SAMPLE_BYTES, detect_encoding
from veritext.inbox.records import InboxRecord, tr

MAX_FIELD = 1_000_000  # the triage limit; also what bounds memory on a file with an unclosed quote
_DELIMITERS = ",\t;|"

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
        try:
            size = self.path.stat().st_size
            with self.path.open("rb") as f:
                sample = f.read(SAMPLE_BYTES)
        except OSError as exc:
            raise self.fail(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}")) from None
        if not sample.strip():
            raise self.fail(tr("文件是空的", "the file is empty"))
        self.stats.units_total = size
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
        self.encoding = encoding
        head = sample.decode(encoding, errors="replace")
        delimiter = self.options.delimiter or self._sniff(head)
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
        errors = "veritext-replace" if self.options.on_error == "skip" else "strict"
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
            reader = csv.reader(text, delimiter=delimiter)
            header = self._next(reader, encoding)
            if header is None:
                raise self.fail(tr("文件是空的", "the file is empty"))
            header = [h.strip().lstrip("\ufeff") for h in header]
            cols = self.resolve(header)
            position = 0
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
                self.stats.units_done = raw.tell()
                where = f"line {line}"
                if not any(cell.strip() for cell in row):
                    continue  # a blank line is not a message
                pos = position
                position += 1
                if len(row) > len(header):
                    self.issue(
                        where,
                        tr(
                            f"这一行有 {len(row)} 个字段，表头只有 {len(header)} 个（内容里有未加引号的分隔符？）",
                            f"row has {len(row)} fields but the header has {len(header)} (an unquoted delimiter?)",
                        ),
                    )
                    continue
                if _replaced[0] != before:
                    self.issue(
                        where,
                        tr(
                            f"有无法按 {encoding} 解码的字节，已替换为 �",
                            f"bytes that are not valid {encoding} were replaced by �",
                        ),
                        skipped=False,
                    )
                rec = self.row_record(dict(zip(header, row, strict=False)), cols, position=pos, location=where)
                if rec is not None:
                    yield rec
            self.stats.units_done = size

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
