"""Part files and the in-order merge that runs while the scan does."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from veritext.batch import VERDICT_SCHEMA, verdict_columns
from veritext.scan import parts
from veritext.scan.parts import OrderedMerge, part_name, read_part, write_part
from veritext.scan.summary import SUMMARY_COLUMNS


def _verdicts(texts: list[str]) -> pa.Table:
    return verdict_columns(pa.table({"text": texts, "sender": ["95588"] * len(texts)}), tz="UTC")


def test_a_part_reads_back_exactly_and_old_parquet_parts_still_read(tmp_path: Path) -> None:
    table = _verdicts(["您的借款已逾期3天，请点击 http://xx-repay.top 处理", "还款成功"])
    write_part(table, tmp_path, 7)
    assert (tmp_path / part_name(7)).exists() and not list(tmp_path.glob("*.tmp"))
    back = read_part(tmp_path / part_name(7))
    assert back.schema.equals(VERDICT_SCHEMA) and back.to_pylist() == table.to_pylist()
    pq.write_table(table, tmp_path / "part-00000008.parquet")  # what a scan begun by an older version left
    assert read_part(tmp_path / "part-00000008.parquet").to_pylist() == table.to_pylist()


def test_parts_landing_out_of_order_are_appended_in_batch_order(tmp_path: Path) -> None:
    batches = [_verdicts([f"第{k}批 第{i}条：您的账单已出，请按时还款" for i in range(3)]) for k in range(4)]
    for k, t in enumerate(batches):
        write_part(t, tmp_path, k)
    merge = OrderedMerge(tmp_path / "out.incomplete.parquet", tmp_path)
    for k in (2, 0, 3):
        merge.add(k, part_name(k))
    assert merge.next == 1 and merge.rows == 3  # 2 and 3 wait for 1
    with pytest.raises(RuntimeError, match="incomplete"):
        merge.close(4)
    merge.add(1, part_name(1))
    merge.close(4)
    out = pq.read_table(tmp_path / "out.incomplete.parquet")
    assert out.column("text").to_pylist() == [t for b in batches for t in b.column("text").to_pylist()]
    assert sum(t.num_rows for t in merge.kept) == 12 and merge.kept[0].column_names == list(SUMMARY_COLUMNS)
    assert pq.ParquetFile(tmp_path / "out.incomplete.parquet").num_row_groups == 1  # small parts written together


def test_parts_are_written_in_groups_of_about_group_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parts, "GROUP_ROWS", 5)
    for k in range(5):
        write_part(_verdicts([f"第{k}批：您的账单已出", f"第{k}批：请按时还款", f"第{k}批：还款成功"]), tmp_path, k)
    merge = OrderedMerge(tmp_path / "out.parquet", tmp_path)
    for k in range(5):
        merge.add(k, part_name(k))
    merge.close(5)
    pf = pq.ParquetFile(tmp_path / "out.parquet")
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)] == [6, 6, 3]
    assert pf.read().column("text").to_pylist()[:4] == [
        "第0批：您的账单已出",
        "第0批：请按时还款",
        "第0批：还款成功",
        "第1批：您的账单已出",
    ]


def test_an_abandoned_merge_leaves_no_output_behind(tmp_path: Path) -> None:
    write_part(_verdicts(["还款成功"]), tmp_path, 0)
    merge = OrderedMerge(tmp_path / "out.incomplete.csv", tmp_path)
    merge.add(0, part_name(0))
    merge.abandon()
    assert not (tmp_path / "out.incomplete.csv").exists() and (tmp_path / part_name(0)).exists()


def test_a_batch_triaged_in_shards_is_merged_back_in_input_order(tmp_path: Path) -> None:
    texts = [f"第{i}条：您的账单已出，请按时还款" for i in range(7)]

    def verdicts(rows: list[int]) -> pa.Table:  # ids and positions come with the rows, as the scanner's do
        batch = {"text": [texts[i] for i in rows], "message_id": [f"m{i}" for i in rows], "position": rows}
        return verdict_columns(pa.table(batch), tz="UTC")

    whole = verdicts(list(range(7)))
    dealt = {0: [0, 3, 4], 1: [1, 2, 5, 6]}  # as the scanner deals rows by text
    names = []
    for shard, rows in dealt.items():
        write_part(verdicts(rows), tmp_path, 0, shard, rows)
        names.append(part_name(0, shard))
    write_part(whole, tmp_path, 1)  # an unsharded batch (one worker) merges alongside
    merge = OrderedMerge(tmp_path / "out.parquet", tmp_path)
    merge.add(0, parts.join_parts(names))
    merge.add(1, part_name(1))
    merge.close(2)
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.schema.equals(VERDICT_SCHEMA)
    assert out.to_pylist() == whole.to_pylist() + whole.to_pylist()
    with pytest.raises(ValueError, match="index"):
        write_part(whole, tmp_path, 2, 0, [0])  # a shard without the batch index of every row


def test_every_repeat_of_a_text_is_dealt_to_the_same_worker() -> None:
    from veritext.scan.scanner import _shards

    texts = ["还款成功", "您的账单已出", "还款成功", "验证码 1234", "您的账单已出", "还款成功"]
    payload = {"text": texts, "position": list(range(len(texts)))}
    shards = _shards(payload, 2)
    owner = {t: j for j, part, _ in shards for t in part["text"]}
    assert len(owner) == 3
    for j, part, rows in shards:
        assert part["position"] == rows and [texts[i] for i in rows] == part["text"]
        assert all(owner[t] == j for t in part["text"])
    assert sorted(i for _, _, rows in shards for i in rows) == list(range(len(texts)))
