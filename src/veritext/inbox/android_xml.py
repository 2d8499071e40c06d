"""Android "SMS Backup & Restore" XML (``<smses><sms …/><mms …>…</mms></smses>``), streamed.

Parsed with defusedxml, so entity declarations (the "billion laughs") and external entities are
refused before anything is read; surrogate-pair character references are repaired on the fly
(:mod:`veritext.inbox.charrefs`). Memory stays constant: each element is dropped once read.

A syntax error stops the file with its line and column (``on_error="stop"``), or is recorded and
reading resumes at the next line that starts a ``<sms``/``<mms`` element (``"skip"``).
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

import defusedxml
import defusedxml.ElementTree as DET

from veritext.inbox.base import Reader
from veritext.inbox.charrefs import CharRefFilter
from veritext.inbox.records import InboxRecord, tr
from veritext.message import I18nText

_RECORD_TAGS = ("sms", "mms")
_RESUME_ROOT = b"<smses>"
_MMS_FROM = "137"  # PduHeaders.FROM: the address an MMS came from
_RECEIVED = "1"  # sms type / mms msg_box 1 = inbox


class AndroidXmlReader(Reader):
    """Reader for SMS Backup & Restore XML files."""

    format = "android-xml"

    def __iter__(self) -> Iterator[InboxRecord]:
        size = self.nonempty_size()
        self.stats.units_total = size
        offset, line_base, prefix = 0, 0, b""
        position = 0
        while True:
            with self.path.open("rb") as raw:
                raw.seek(offset)
                stream = CharRefFilter(raw, prefix=prefix)
                try:
                    for rec_or_pos in self._parse(stream, position):
                        if isinstance(rec_or_pos, int):
                            position = rec_or_pos
                        else:
                            yield rec_or_pos
                    self.stats.units_done = size
                    return
                except defusedxml.DefusedXmlException as exc:
                    raise self.fail(_hostile(exc)) from None
                except ET.ParseError as exc:
                    line, col = exc.position
                    if line == 1 and prefix:
                        col -= len(prefix)
                    line += line_base
                    col += 1  # expat counts columns from 0; editors count from 1
                    resume = _next_record_line(raw, offset, line_base, line)
                    detail = str(exc).split(":")[0]
                    reason = tr(f"XML 格式错误（{detail}）", f"malformed XML ({detail})")
                    if self.options.on_error == "skip":
                        last = f"{line}–" if resume is None else f"{line}–{resume[1] - 1}"
                        last = f"{line}" if resume is not None and resume[1] - 1 <= line else last
                        reason = tr(f"{reason.zh}，跳过第 {last} 行", f"{reason.en}; skipped line(s) {last}")
                    self.issue(f"line {line}, column {col}", reason)
                    if resume is None:
                        self.stats.units_done = size
                        return
                    offset, next_line = resume
                    line_base, prefix = next_line - 1, _RESUME_ROOT

    def _parse(self, stream: CharRefFilter, position: int) -> Iterator[InboxRecord | int]:
        """Yield records, and the running position (an int) after each element, for resumption."""
        depth = 0
        root: ET.Element | None = None
        for event, elem in DET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
                depth += 1
                continue
            depth -= 1
            if depth != 1 or elem.tag not in _RECORD_TAGS:
                if depth == 1 and root is not None:
                    root.clear()  # an unknown top-level element: drop it, read on
                continue
            rec = self._element(elem, position)
            position += 1
            self.stats.units_done = stream.tell()
            if root is not None:
                root.clear()  # constant memory: the element has been read
            if rec is not None:
                yield rec
            yield position

    def _element(self, elem: ET.Element, position: int) -> InboxRecord | None:
        where = f"<{elem.tag}> #{position + 1}"
        if elem.tag == "sms":
            box = elem.get("type", _RECEIVED)
            text = elem.get("body")
            sender = elem.get("address")
        else:
            box = elem.get("msg_box", _RECEIVED)
            parts = [p.get("text") or "" for p in elem.iter("part") if (p.get("ct") or "").startswith("text/plain")]
            text = "\n".join(p for p in parts if p) if parts else None
            sender = next((a.get("address") for a in elem.iter("addr") if a.get("type") == _MMS_FROM), None)
            sender = sender or elem.get("address")
        if box != _RECEIVED and not self.options.include_sent:
            self.stats.not_received += 1
            return None
        if text is None:
            self.issue(where, tr("这条记录没有 body（短信内容）属性", "this element has no body (message text)"))
            return None
        if not text.strip():
            self.issue(where, tr("短信内容为空，未分析", "empty message, not triaged"), fatal=False)
            return None
        when = None
        raw_date = elem.get("date")
        if raw_date:
            try:
                ms = int(raw_date)
                # MMS dates are in seconds, SMS dates in milliseconds.
                when = datetime.fromtimestamp(ms / 1000 if ms > 10**11 else ms, tz=UTC)
            except (ValueError, OverflowError, OSError):
                self.issue(
                    where,
                    tr(
                        f"日期 {raw_date[:30]!r} 无法识别，按无时间处理",
                        f"unreadable date {raw_date[:30]!r}, read without one",
                    ),
                    skipped=False,
                )
        if sender in (None, "", "null"):
            sender = None
        return self.record(position=position, location=where, text=text, sender=sender, received_at=when)


def _hostile(exc: Exception) -> I18nText:
    kind = type(exc).__name__
    return tr(
        f"文件里声明了 XML 实体或外部引用（{kind}），这是 XML 攻击的手法，已拒绝读取；没有导入任何内容",
        f"the file declares XML entities or external references ({kind}), an XML attack technique; refused, "
        "nothing was imported from it",
    )


def _next_record_line(raw: BinaryIO, offset: int, line_base: int, error_line: int) -> tuple[int, int] | None:
    """(byte offset, line number) of the first line after ``error_line`` that starts a record element."""
    raw.seek(offset)
    line = line_base + 1
    pos = offset
    at_line_start = True
    while True:
        piece = raw.readline(1 << 16)  # bounded: a huge line is read in pieces
        if not piece:
            return None
        if at_line_start and line > error_line:
            head = piece.lstrip()[:6]
            if head.startswith((b"<sms", b"<mms")) and head[4:5] in (b" ", b">", b"/", b"\t", b"\r", b"\n", b""):
                return pos, line
            if head.startswith(b"</smses"):
                return None
        pos += len(piece)
        at_line_start = piece.endswith(b"\n")
        if at_line_start:
            line += 1
