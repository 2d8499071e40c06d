"""iOS sms.db: read-only, Apple-epoch dates, text from attributedBody, damaged and locked files explained."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _inbox_fixtures import MESSAGES, RECEIVED, ios_db

from veritext.inbox import InboxError, ReadOptions, detect_format, open_inbox
from veritext.inbox.ios_db import IosDbReader, apple_time
from veritext.inbox.typedstream import attributed_body_text, encode_attributed_body


@pytest.mark.parametrize("nanoseconds", [True, False], ids=["ns-dates", "s-dates"])
def test_reads_text_and_attributed_body_with_apple_dates(tmp_path: Path, nanoseconds: bool) -> None:
    path = ios_db(tmp_path / "sms.db", nanoseconds=nanoseconds)
    before = path.read_bytes()
    reader = open_inbox(path)
    records = list(reader)
    assert [r.message.text for r in records] == [m.text for m in RECEIVED]  # odd rows had text only in the blob
    assert [r.message.sender for r in records] == [m.sender for m in RECEIVED]
    assert [r.message.received_at for r in records] == [m.when for m in RECEIVED]
    assert records[1].message_id == "GUID-0001" and records[1].location == "ROWID 2"
    assert reader.stats.not_received == 1
    assert path.read_bytes() == before  # opened read-only


def test_a_backup_named_by_its_hash_is_recognised_by_its_signature(tmp_path: Path) -> None:
    path = ios_db(tmp_path / "3d0d7e5fb2ce288813306e4d4636395e047a3d28")
    assert detect_format(path) == "ios-db"
    assert len(list(open_inbox(path, options=ReadOptions(include_sent=True)))) == len(MESSAGES)


@pytest.mark.parametrize("text", ["短", "还款提醒" * 40, "x" * 70_000], ids=["1-byte", "2-byte", "4-byte"])
def test_attributed_body_lengths(text: str) -> None:
    assert attributed_body_text(encode_attributed_body(text)) == text


def test_attributed_body_that_is_cut_short_gives_no_text() -> None:
    blob = encode_attributed_body("您的账户已冻结，请联系客服")  # written for this test
    assert attributed_body_text(blob[:-60]) is None
    assert attributed_body_text(b"no archive here") is None


def test_apple_time_reads_seconds_and_nanoseconds() -> None:
    assert apple_time(0) is None
    assert apple_time(786_000_000) == apple_time(786_000_000 * 10**9)


def test_truncated_database_is_reported_not_silently_short(tmp_path: Path) -> None:
    big = tuple(
        MESSAGES[0].__class__(f"第{i}条：" + "您的借款已逾期，" * 30, "95588", MESSAGES[0].when) for i in range(400)
    )
    path = ios_db(tmp_path / "sms.db", big)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InboxError) as err:
        list(open_inbox(path))
    assert "damaged or truncated" in str(err.value) and "损坏" in str(err.value)


def test_locked_database_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ios_db(tmp_path / "sms.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # as Messages does while it writes
    monkeypatch.setattr(IosDbReader, "LOCK_TIMEOUT", 0.1)
    try:
        with pytest.raises(InboxError, match="locked"):
            list(open_inbox(path))
    finally:
        holder.close()


def test_not_a_database_and_no_message_table(tmp_path: Path) -> None:
    junk = tmp_path / "sms.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(InboxError, match="damaged or truncated"):
        list(open_inbox(junk))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.commit()
    with pytest.raises(InboxError, match="no message table"):
        list(open_inbox(other))
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(InboxError, match="empty"):
        list(open_inbox(empty, options=ReadOptions(format="ios-db")))
