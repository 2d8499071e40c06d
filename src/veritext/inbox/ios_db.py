"""iOS Messages database (``sms.db`` from a backup), opened read-only and streamed in ROWID order.

Dates are seconds or (iOS 11 and later) nanoseconds since 2001-01-01 UTC; text comes from
``message.text``, or from ``attributedBody`` when ``text`` is NULL (:mod:`veritext.inbox.typedstream`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from veritext.inbox.base import Reader
from veritext.inbox.records import InboxError, InboxRecord, tr
from veritext.inbox.typedstream import attributed_body_text

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)


def apple_time(value: int | float | None) -> datetime | None:
    """An Apple-epoch timestamp (seconds, or nanoseconds when the magnitude says so) as UTC."""
    if value is None or value == 0:
        return None
    seconds = value / 1e9 if abs(value) > 1e11 else float(value)
    return APPLE_EPOCH + timedelta(seconds=seconds)


class IosDbReader(Reader):
    """Reader for iOS ``sms.db`` (SQLite)."""

    format = "ios-db"
    LOCK_TIMEOUT: ClassVar[float] = 3.0  # seconds to wait for another program's write lock

    def __iter__(self) -> Iterator[InboxRecord]:
        self.nonempty_size()
        con = self._connect(self.path)
        read = 0
        last = "—"
        try:
            columns = {row[1] for row in self._run(con, "PRAGMA table_info(message)").fetchall()}
            if not columns:
                raise self.fail(
                    tr(
                        "这不是 iOS 短信数据库：没有 message 表",
                        "not an iOS Messages database: there is no message table",
                    )
                )
            has_handle = bool(self._run(con, "PRAGMA table_info(handle)").fetchall())
            want = {
                "guid": "m.guid",
                "text": "m.text",
                "body": "m.attributedBody",
                "date": "m.date",
                "from_me": "m.is_from_me",
            }
            cols = [f"{expr} AS {name}" if expr[2:] in columns else f"NULL AS {name}" for name, expr in want.items()]
            sender = "h.id" if has_handle and "handle_id" in columns else "NULL"
            join = " LEFT JOIN handle h ON h.ROWID = m.handle_id" if sender != "NULL" else ""
            self.stats.units_total = self._run(con, "SELECT COUNT(*) FROM message").fetchone()[0]
            cur = self._run(
                con, f"SELECT m.ROWID, {', '.join(cols)}, {sender} AS sender FROM message m{join} ORDER BY m.ROWID"
            )
            position = 0
            while True:
                rows = self._fetch(cur, read, last)
                if not rows:
                    break
                for rowid, guid, text, body, date, from_me, handle in rows:
                    last = f"ROWID {rowid}"
                    rec = self._row(position, last, guid, text, body, date, from_me, handle)
                    position += 1
                    read += 1
                    self.stats.units_done = read
                    if rec is not None:
                        yield rec
        finally:
            con.close()

    def _row(
        self,
        position: int,
        where: str,
        guid: object,
        text: object,
        body: object,
        date: object,
        from_me: object,
        handle: object,
    ) -> InboxRecord | None:
        if from_me and not self.options.include_sent:
            self.stats.not_received += 1
            return None
        if not isinstance(text, str) or not text:
            text = attributed_body_text(body) if isinstance(body, bytes) else None
        if text is None or not text.strip():
            self.issue(
                where,
                tr(
                    "没有可读的文字（可能是图片或附件），未分析",
                    "no readable text (perhaps an image or attachment), not triaged",
                ),
                fatal=False,
            )
            return None
        text = text.replace("\ufffc", "").strip() or text  # U+FFFC marks an inline attachment
        when = None
        if isinstance(date, int | float):
            try:
                when = apple_time(date)
            except OverflowError:
                self.issue(where, tr(f"日期 {date} 超出范围", f"date {date} out of range"), skipped=False)
        return self.record(
            position=position,
            location=where,
            text=text,
            sender=handle if isinstance(handle, str) and handle else None,
            received_at=when,
            native_id=guid if isinstance(guid, str) and guid else None,
        )

    def _connect(self, path: Path) -> sqlite3.Connection:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            return sqlite3.connect(uri, uri=True, timeout=self.LOCK_TIMEOUT)
        except sqlite3.Error as exc:
            raise self._explain(exc, 0, "—") from None

    def _run(self, con: sqlite3.Connection, sql: str) -> sqlite3.Cursor:
        try:
            return con.execute(sql)
        except sqlite3.Error as exc:
            raise self._explain(exc, 0, "—") from None

    def _fetch(self, cur: sqlite3.Cursor, read: int, last: str) -> list[tuple[object, ...]]:
        try:
            return cur.fetchmany(1000)
        except sqlite3.Error as exc:
            raise self._explain(exc, read, last) from None

    def _explain(self, exc: sqlite3.Error, read: int, last: str) -> InboxError:
        msg = str(exc)
        after = (
            tr(f"（已读出 {read} 条，最后一条 {last}）", f" ({read} messages were read, the last at {last})")
            if read
            else tr("（没有读出任何短信）", " (no message was read)")
        )
        if "locked" in msg or "busy" in msg:
            why = tr(
                "数据库被其他程序锁定（信息 App 或备份程序还在写入？）；请关闭它，或先复制一份再读",
                "the database is locked by another program (Messages or a backup still writing?); "
                "close it or copy the file first",
            )
        elif "not a database" in msg or "malformed" in msg or "disk image" in msg:
            why = tr(
                "数据库文件已损坏或被截断；请从备份重新导出一份",
                "the database file is damaged or truncated; export a fresh copy from the backup",
            )
        elif "unable to open" in msg:
            why = tr("无法打开数据库文件", "cannot open the database file")
        else:
            why = tr(f"读取数据库出错：{msg}", f"database error: {msg}")
        return self.fail(tr(why.zh + after.zh, why.en + after.en))
