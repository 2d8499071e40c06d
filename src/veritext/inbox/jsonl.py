"""JSON Lines: one object (or one string) per line, streamed with a bounded line length."""

from __future__ import annotations

import json
from collections.abc import Iterator

from veritext.inbox.base import TabularReader
from veritext.inbox.fields import Resolved
from veritext.inbox.records import InboxRecord, tr

MAX_LINE_BYTES = 8 << 20  # a longer line is reported and skipped without being held in memory


class JsonlReader(TabularReader):
    """Reader for ``.jsonl`` / ``.ndjson`` files."""

    format = "jsonl"

    def __iter__(self) -> Iterator[InboxRecord]:
        try:
            size = self.path.stat().st_size
            raw = self.path.open("rb")
        except OSError as exc:
            raise self.fail(tr(f"无法打开：{exc.strerror}", f"cannot open: {exc.strerror}")) from None
        self.stats.units_total = size
        cols: Resolved | None = None
        position = 0
        seen_any = False
        with raw:
            line_no = 0
            while True:
                line = raw.readline(MAX_LINE_BYTES + 1)
                if not line:
                    break
                line_no += 1
                where = f"line {line_no}"
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    while (rest := raw.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass
                    self.issue(where, tr("这一行超过 8 MB，已跳过", "line longer than 8 MB, skipped"))
                    position += 1
                    continue
                self.stats.units_done = raw.tell()
                if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                seen_any = True
                pos = position
                position += 1
                try:
                    value = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    self.issue(
                        where,
                        tr(f"不是有效的 UTF-8（第 {exc.start + 1} 字节）", f"not valid UTF-8 (byte {exc.start + 1})"),
                    )
                    continue
                except json.JSONDecodeError as exc:
                    self.issue(
                        f"line {line_no}, column {exc.colno}",
                        tr(f"JSON 格式错误：{exc.msg}", f"malformed JSON: {exc.msg}"),
                    )
                    continue
                if isinstance(value, str):
                    value = {"text": value}
                if not isinstance(value, dict):
                    self.issue(
                        where,
                        tr("这一行不是 JSON 对象或字符串", "this line is not a JSON object or string"),
                    )
                    continue
                if cols is None:
                    cols = self.resolve(list(value))
                rec = self.row_record(value, cols, position=pos, location=where)
                if rec is not None:
                    yield rec
        if not seen_any:
            raise self.fail(tr("文件是空的", "the file is empty"))
