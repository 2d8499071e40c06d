"""Scan rows: the CSV reader's columnar rows give the same ids, cells and issues as the general row path."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from veritext.inbox import Reader, ReadOptions, open_inbox
from veritext.inbox.fields import parse_time, parse_time_iso
from veritext.inbox.records import stable_id

# written for these tests: (text, sender, received_at); None = the row stops before that cell
ROWS: list[tuple[str, str | None, str | None]] = [
    ("您的验证码为123456，请勿泄露。", "95588", "2026-11-28T23:10:00+08:00"),
    ('第一行\n第二行, with a comma and "quotes"', "10690000", "2026-11-28 23:10"),
    ("", "13800138000", "2026-11-28T23:10:00+00:00"),  # no text: skipped and listed
    ("您的账单已出", "106900", "昨天下午"),  # an unreadable time: read without one
    ("Your parcel is held, pay at bit.ly/x", "+447700900123", "2026-11-28T23:10:00Z"),
    ("还款成功", "1", "2026-11-28T23:10:00.000000-00:00"),
    ("还款成功", "", "1764300000000"),
    ("只有内容", None, None),  # a short row
]


def _csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # with a BOM
        w = csv.writer(f)
        w.writerow(["text", "sender", "received_at"])
        for i, (text, sender, when) in enumerate(ROWS):
            w.writerow([c for c in (text, sender, when) if c is not None])
            if i == 1:
                f.write("\r\n")  # a blank line: not a message, no position
    return path


def _jsonl(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for text, sender, when in ROWS:
            row = {"text": text, "sender": sender, "received_at": when}
            f.write(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n")
    return path


def test_csv_rows_match_the_general_row_reader(tmp_path: Path) -> None:
    # The same messages as JSONL under the same file name go through TabularReader.row_record.
    (tmp_path / "csv").mkdir()
    (tmp_path / "jsonl").mkdir()
    fast = open_inbox(_csv(tmp_path / "csv" / "inbox.csv"), options=ReadOptions(on_error="skip"))
    general = open_inbox(_jsonl(tmp_path / "jsonl" / "inbox.csv"), options=ReadOptions(format="jsonl", on_error="skip"))
    rows = list(fast.rows())
    assert rows == list(Reader.rows(general))
    assert [r[2] for r in rows] == [0, 1, 3, 4, 5, 6, 7]  # position 2 was the row without text
    assert rows[1][3] == ROWS[1][0] and rows[2][5] is None and rows[-1][4:] == (None, None)
    assert [(i.skipped, i.reason.en) for i in fast.stats.issues] == [
        (i.skipped, i.reason.en) for i in general.stats.issues
    ]
    assert [i.location for i in fast.stats.issues] == ["line 6", "line 7"]  # row 2 is lines 3-4, then a blank line


def test_records_and_rows_are_the_same_messages(tmp_path: Path) -> None:
    path = _csv(tmp_path / "inbox.csv")
    records = list(open_inbox(path, options=ReadOptions(on_error="skip")))
    rows = list(open_inbox(path, options=ReadOptions(on_error="skip")).rows())
    assert len(records) == len(rows) == 7
    for rec, (mid, source, position, text, sender, when) in zip(records, rows, strict=True):
        m = rec.message
        assert (rec.message_id, rec.source, rec.position, m.text, m.sender) == (mid, source, position, text, sender)
        assert when == (m.received_at.isoformat() if m.received_at else None)
        assert mid == stable_id(source, position, text, sender, m.received_at)


def test_a_repeated_column_name_means_its_last_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("text,sender,text\n旧内容,95588,新内容\n", encoding="utf-8")  # written for this test
    assert [r[3] for r in open_inbox(path).rows()] == ["新内容"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-28T23:10:00+08:00",
        "2026-11-28T23:10:00",
        "2026-11-28T23:10:00-00:00",  # reads as UTC, written "+00:00"
        "2026-11-28T23:10:00.000000",  # the zero fraction is not written back
        "2026-11-28T23:10:00.250000+05:30",
        "2026-11-28 23:10",
        "2026-11-28T23:10:00Z",
        "2026-02-30T23:10:00",  # no such day: strptime's formats do not read it either
        " 2026-11-28T23:10:00 ",
        "1764300000",
        "null",
        "",
        None,
    ],
)
def test_parse_time_iso_is_parse_time_and_isoformat(value: str | None) -> None:
    try:
        when = parse_time(value)
    except ValueError as exc:
        with pytest.raises(ValueError, match="not a date-time") as err:
            parse_time_iso(value)
        assert str(err.value) == str(exc)
        return
    got, iso = parse_time_iso(value)
    assert got == when and (got.tzinfo if got else None) == (when.tzinfo if when else None)
    assert iso == (when.isoformat() if isinstance(when, datetime) else None)
