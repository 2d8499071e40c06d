"""CSV / TSV: encodings (GBK, GB18030, BOM), delimiters, column mapping, bad rows, bad bytes, empty files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from _inbox_fixtures import RECEIVED, delimited

from veritext.inbox import ColumnMap, InboxError, ReadOptions, open_inbox
from veritext.inbox.encoding import detect_encoding
from veritext.inbox.fields import parse_time


def _texts(path: Path, **opts: object) -> list[str]:
    return [r.message.text for r in open_inbox(path, options=ReadOptions(**opts))]  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    msgs = tuple(m for m in RECEIVED if "😀" not in m.text)  # GBK has no emoji
    path = delimited(tmp_path / "x.csv", msgs, encoding=encoding)
    assert _texts(path) == [m.text for m in msgs]


def test_a_gb18030_only_character_picks_gb18030_over_gbk(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("text\n您好𠮷先生，您的贷款已到期\n".encode("gb18030"))  # written for this test
    assert detect_encoding(path.read_bytes()) == "gb18030"
    assert _texts(path) == ["您好𠮷先生，您的贷款已到期"]


def test_tsv_and_semicolons_and_a_given_delimiter(tmp_path: Path) -> None:
    tsv = delimited(tmp_path / "x.tsv", delimiter="\t", header=("sender", "time", "text"))
    assert _texts(tsv) == [m.text for m in RECEIVED]
    semi = delimited(tmp_path / "x.csv", delimiter=";", header=("from", "date", "body"))
    assert _texts(semi) == [m.text for m in RECEIVED]
    pipe = delimited(tmp_path / "p.txt", delimiter="|", header=("a", "b", "c"))
    assert _texts(pipe, delimiter="|", columns=ColumnMap(text="c", sender="a", time="b")) == [m.text for m in RECEIVED]


def test_senders_and_times_are_read(tmp_path: Path) -> None:
    records = list(open_inbox(delimited(tmp_path / "x.csv")))
    assert [(r.message.sender, r.message.received_at) for r in records] == [(m.sender, m.when) for m in RECEIVED]
    assert records[0].location == "line 2" and records[0].position == 0


def test_unknown_columns_get_a_clear_error(tmp_path: Path) -> None:
    path = delimited(tmp_path / "x.csv", header=("a", "b", "c"))
    with pytest.raises(InboxError, match="--text-col") as err:
        list(open_inbox(path))
    assert "a, b, c" in str(err.value)
    with pytest.raises(InboxError, match="no column named 'body'"):
        list(open_inbox(path, options=ReadOptions(columns=ColumnMap(text="body"))))


def _bad_rows(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(  # written for this test; line 3 has an unquoted comma, line 4 no text
        "sender,text\n95588,您的验证码为123456\n10690000,您的贷款已逾期,请还款\n13800138000,\n106900,第四条\n",
        encoding="utf-8",
    )
    return path


def test_a_bad_row_stops_the_read_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(InboxError) as err:
        list(open_inbox(_bad_rows(tmp_path)))
    assert err.value.location == "line 3" and "unquoted delimiter" in str(err.value)


def test_with_skip_bad_rows_are_counted_and_listed(tmp_path: Path) -> None:
    reader = open_inbox(_bad_rows(tmp_path), options=ReadOptions(on_error="skip"))
    assert [r.message.text for r in reader] == ["您的验证码为123456", "第四条"]
    assert reader.stats.skipped == 2
    assert [(i.location, i.skipped) for i in reader.stats.issues] == [("line 3", True), ("line 4", True)]


def test_bad_bytes_after_the_sample_stop_or_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    filler = "".join(f"1380013{i:04d},第{i}条提醒\n" for i in range(30_000))  # pushes the bad byte past the sample
    path.write_bytes(("sender,text\n" + filler).encode() + b"95588,\xff\xfe bad\n95588,last\n")
    with pytest.raises(InboxError, match="--encoding"):
        list(open_inbox(path))
    reader = open_inbox(path, options=ReadOptions(on_error="skip"))
    texts = [r.message.text for r in reader]
    assert texts[-2:] == ["\ufffd\ufffd bad", "last"] and len(texts) == 30_002
    assert reader.stats.warnings == 1 and not reader.stats.issues[0].skipped


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InboxError, match="empty"):
        list(open_inbox(tmp_path / "empty.csv"))
    (tmp_path / "header.csv").write_text("text,sender\n", encoding="utf-8")
    assert list(open_inbox(tmp_path / "header.csv")) == []


def test_an_unreadable_time_keeps_the_message_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "text,time\n您的账单已出,昨天下午\n还款成功,1764300000000\n", encoding="utf-8"
    )  # written for this test
    reader = open_inbox(path, options=ReadOptions(on_error="stop"))
    records = list(reader)
    assert [r.message.received_at for r in records] == [None, datetime(2025, 11, 28, 3, 20, tzinfo=UTC)]
    assert reader.stats.warnings == 1 and "unreadable time" in reader.stats.issues[0].reason.en


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-28T23:10:00+08:00", datetime.fromisoformat("2026-11-28T23:10:00+08:00")),
        ("2026/11/28 23:10", datetime(2026, 11, 28, 23, 10)),
        ("2026年11月28日 23:10", datetime(2026, 11, 28, 23, 10)),
        (1764300000, datetime(2025, 11, 28, 3, 20, tzinfo=UTC)),
        ("1764300000000", datetime(2025, 11, 28, 3, 20, tzinfo=UTC)),
        ("", None),
    ],
)
def test_time_formats(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected
