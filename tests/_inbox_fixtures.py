"""Small inbox files in every format, built by the tests themselves (messages written for these tests)."""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

from veritext.inbox.ios_db import APPLE_EPOCH
from veritext.inbox.typedstream import encode_attributed_body


@dataclass(frozen=True)
class Sms:
    text: str
    sender: str
    when: datetime
    received: bool = True


T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

# written for these tests
MESSAGES = (
    Sms(
        "【某某消费金融】您的借款已逾期3天，请立即点击 http://repay-now.top/a1 处理，否则将上报征信 😀",
        "13800138000",
        T0,
    ),
    Sms("【工商银行】您的验证码为482913，请勿泄露。", "95588", T0 + timedelta(hours=1)),
    Sms(
        "法院通知：您因拖欠网贷已被立案，请于24小时内致电 13912345678 处理。", "+8617012345678", T0 + timedelta(hours=2)
    ),
    Sms(
        "URGENT: your loan is 30 days past due. Pay now at bit.ly/pay-xyz or face legal action.",
        "+447700900123",
        T0 + timedelta(hours=3),
    ),
    Sms("妈，我手机没电了，这是同事的号，晚上回家吃饭。", "13600001111", T0 + timedelta(days=1)),
    Sms("我已经还款了，谢谢提醒", "10690000", T0 + timedelta(days=1, hours=1), received=False),
)
RECEIVED = tuple(m for m in MESSAGES if m.received)


def _android_body(text: str) -> str:
    """The attribute as SMS Backup & Restore writes it: emoji as surrogate-pair character references."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp > 0xFFFF:
            cp -= 0x10000
            out.append(f"&#{0xD800 + (cp >> 10)};&#{0xDC00 + (cp & 0x3FF)};")
        else:
            out.append(quoteattr(ch)[1:-1])
    return "".join(out)


def android_xml(path: Path, messages: tuple[Sms, ...] = MESSAGES, *, mms_last: bool = True) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>", f'<smses count="{len(messages)}">']
    for i, m in enumerate(messages):
        ms = int(m.when.timestamp() * 1000)
        if mms_last and i == len(messages) - 1:
            box = 1 if m.received else 2
            lines += [
                f'  <mms date="{ms // 1000}" msg_box="{box}" address="{m.sender}">',
                '    <parts><part ct="application/smil" text="&lt;smil/&gt;" />'
                f'<part ct="text/plain" text="{_android_body(m.text)}" /></parts>',
                f'    <addrs><addr address="{m.sender}" type="137" /><addr address="me" type="151" /></addrs>',
                "  </mms>",
            ]
        else:
            kind = 1 if m.received else 2
            lines.append(
                f'  <sms protocol="0" address="{m.sender}" date="{ms}" type="{kind}" subject="null" '
                f'body="{_android_body(m.text)}" read="1" status="-1" />'
            )
    lines.append("</smses>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ios_db(path: Path, messages: tuple[Sms, ...] = MESSAGES, *, nanoseconds: bool = True) -> Path:
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, service TEXT);
        CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
            handle_id INTEGER DEFAULT 0, service TEXT, date INTEGER, is_from_me INTEGER DEFAULT 0,
            attributedBody BLOB);
        """
    )
    for i, m in enumerate(messages):
        con.execute("INSERT INTO handle (id, service) VALUES (?, 'SMS')", (m.sender,))
        seconds = (m.when - APPLE_EPOCH).total_seconds()
        date = int(seconds * 1e9) if nanoseconds else int(seconds)
        # Every other message keeps its text only in attributedBody, as newer iOS does.
        text, body = (None, encode_attributed_body(m.text)) if i % 2 else (m.text, None)
        con.execute(
            "INSERT INTO message (guid, text, handle_id, service, date, is_from_me, attributedBody) "
            "VALUES (?,?,?,?,?,?,?)",
            (f"GUID-{i:04d}", text, i + 1, "SMS", date, 0 if m.received else 1, body),
        )
    con.commit()
    con.close()
    return path


def delimited(path: Path, messages: tuple[Sms, ...] = RECEIVED, *, encoding: str = "utf-8", delimiter: str = ",",
              header: tuple[str, str, str] = ("号码", "时间", "短信内容")) -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        for m in messages:
            w.writerow([m.sender, m.when.isoformat(), m.text])
    return path


def jsonl(path: Path, messages: tuple[Sms, ...] = RECEIVED) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for m in messages:
            f.write(
                json.dumps(
                    {"body": m.text, "from": m.sender, "timestamp": int(m.when.timestamp() * 1000)}, ensure_ascii=False
                )
                + "\n"
            )
    return path


def parquet(path: Path, messages: tuple[Sms, ...] = RECEIVED) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "msg_id": [f"P{i}" for i in range(len(messages))],
            "content": [m.text for m in messages],
            "sender": [m.sender for m in messages],
            "received_at": pa.array([m.when for m in messages], pa.timestamp("ms", tz="UTC")),
        }
    )
    pq.write_table(table, path)
    return path


def every_format(folder: Path) -> list[Path]:
    """One file per format, each holding the received messages (and the sent one where a format has sent)."""
    return [
        android_xml(folder / "backup.xml"),
        ios_db(folder / "sms.db"),
        delimited(folder / "export.csv"),
        delimited(folder / "export.tsv", delimiter="\t", header=("sender", "time", "text")),
        jsonl(folder / "queue.jsonl"),
        parquet(folder / "queue.parquet"),
    ]
