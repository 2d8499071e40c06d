"""JSON Lines and Parquet: column names found or mapped, malformed lines located, damaged files explained."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _inbox_fixtures import RECEIVED, jsonl, parquet

from veritext.inbox import ColumnMap, InboxError, ReadOptions, detect_format, open_inbox


def test_jsonl_objects_with_other_key_names(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "q.jsonl")
    records = list(open_inbox(path))
    assert [(r.message.text, r.message.sender, r.message.received_at) for r in records] == [
        (m.text, m.sender, m.when) for m in RECEIVED
    ]


def test_jsonl_strings_blank_lines_and_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "q.ndjson"
    path.write_text(  # written for this test
        '"您的验证码为123456"\n\n{"text": "贷款已到期", "sender": "95588"}\n'
        '{"text": "broken",,}\n[1, 2]\n{"text": "最后一条"}\n',
        encoding="utf-8",
    )
    with pytest.raises(InboxError) as err:
        list(open_inbox(path))
    assert err.value.location == "line 4, column 19"
    reader = open_inbox(path, options=ReadOptions(on_error="skip"))
    assert [r.message.text for r in reader] == ["您的验证码为123456", "贷款已到期", "最后一条"]
    assert [i.location for i in reader.stats.issues] == ["line 4, column 19", "line 5"]


def test_jsonl_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InboxError, match="empty"):
        list(open_inbox(tmp_path / "e.jsonl"))


def test_parquet_columns_are_found_and_its_own_ids_kept(tmp_path: Path) -> None:
    path = parquet(tmp_path / "q.parquet")
    assert detect_format(path) == "parquet"
    records = list(open_inbox(path))
    assert [r.message_id for r in records] == [f"P{i}" for i in range(len(RECEIVED))]
    assert [(r.message.text, r.message.received_at) for r in records] == [(m.text, m.when) for m in RECEIVED]


def test_parquet_column_mapping_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "q.parquet"
    pq.write_table(
        pa.table({"a": ["还款提醒", None, "第三条"], "b": ["95588", "1", None]}), path
    )  # written for this test
    reader = open_inbox(path, options=ReadOptions(columns=ColumnMap(text="a", sender="b")))
    assert [(r.message.text, r.message.sender) for r in reader] == [("还款提醒", "95588"), ("第三条", None)]
    assert reader.stats.skipped == 1 and reader.stats.issues[0].location == "row 2"


def test_damaged_parquet(tmp_path: Path) -> None:
    good = parquet(tmp_path / "q.parquet").read_bytes()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(InboxError, match="not a valid Parquet file"):
        list(open_inbox(bad))
