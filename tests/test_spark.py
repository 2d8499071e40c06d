"""Veritext on Spark gives the same answers as ``veritext scan`` and ``veritext campaigns``.

One Spark session (``local[2]``, UI off, small driver) serves every test here; it starts once.
The 10,000 messages are built from ``../shared/data`` at test time, in a temp dir.
"""
# pyarrow ships no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import csv
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark")

from veritext.batch import VERDICT_SCHEMA, verdict_columns
from veritext.cli import app

pytestmark = pytest.mark.spark

N_MESSAGES = 10_000
runner = CliRunner()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from veritext.spark import session

    s = session("local[2]", app_name="veritext-tests", driver_memory="512m", shuffle_partitions=4)
    yield s
    s.stop()


def build_messages(data: Path, path: Path, n: int, *, seed: int = 8) -> None:
    """``n`` rows (text, sender, received_at) drawn from the shared datasets; half of the rows that have
    digits get new digits (a campaign's look: same template, new numbers); a few rows are blank or lack
    a sender or time, as real exports do."""
    rng = random.Random(seed)
    texts: list[str] = []
    for csv_path in sorted(data.glob("*/*.shared.csv")) + sorted(data.glob("real_*/messages.csv")):
        with csv_path.open(encoding="utf-8", newline="") as f:
            texts.extend(row["text"] for row in csv.DictReader(f) if row.get("text"))
    base = rng.sample(texts, 2_500)
    senders = [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(300)] + ["95588", "10690000"]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows: dict[str, list[Any]] = {"text": [], "sender": [], "received_at": []}
    for i in range(n):
        text = base[rng.randrange(len(base))]
        if rng.random() < 0.5:
            text = "".join(rng.choice("0123456789") if c.isdigit() else c for c in text)
        if i % 997 == 0:
            text = "   "  # blank: skipped by both engines
        rows["text"].append(text)
        rows["sender"].append(None if i % 50 == 0 else rng.choice(senders))
        rows["received_at"].append(None if i % 40 == 0 else start + timedelta(seconds=rng.randrange(30 * 86400)))
    table = pa.table(
        rows,
        schema=pa.schema(
            [("text", pa.string()), ("sender", pa.string()), ("received_at", pa.timestamp("us", tz="UTC"))]
        ),
    )
    pq.write_table(table, path, row_group_size=2_000)


def read_dir(path: Path) -> pa.Table:
    """A Parquet output directory (Spark part files) as one table."""
    return ds.dataset(path, format="parquet", partitioning="hive").to_table()


def by_id(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["message_id"]: r for r in table.to_pylist()}


def partition(members: pa.Table) -> set[frozenset[str]]:
    """Campaign memberships as a set of sets of message ids (cluster ids do not matter)."""
    groups: dict[str, set[str]] = {}
    for r in members.to_pylist():
        groups.setdefault(r["campaign_id"], set()).add(r["message_id"])
    return {frozenset(g) for g in groups.values()}


def test_same_verdicts_and_campaigns_as_the_local_scan(spark: Any, shared_data: Path, tmp_path: Path) -> None:
    messages = tmp_path / "messages.parquet"
    build_messages(shared_data, messages, N_MESSAGES)
    local = tmp_path / "local.parquet"
    args = ["--tz", "Asia/Shanghai"]  # night checks in one named zone, whatever the machine's
    done = runner.invoke(app, ["scan", str(messages), "--out", str(local), "--workers", "2", "--no-progress", *args])
    assert done.exit_code == 0, done.output
    done = runner.invoke(
        app,
        ["campaigns", str(local), "--out", str(tmp_path / "c.parquet"), "--members", str(tmp_path / "m.parquet")],
    )
    assert done.exit_code == 0, done.output

    out = tmp_path / "spark-out"
    done = runner.invoke(app, ["spark-scan", str(messages), "--out", str(out), "--master", "local[2]", *args])
    assert done.exit_code == 0, done.output
    assert "kind × risk" in done.output and "类型 × 风险" in done.output

    mine, theirs = by_id(pq.read_table(local)), by_id(read_dir(out))
    blanks = len(range(0, N_MESSAGES, 997))
    assert len(mine) == N_MESSAGES - blanks  # ids derived from file name + row, as the readers do: no clashes
    assert theirs.keys() == mine.keys()
    differ = [k for k in mine if theirs[k] != mine[k]]
    assert not differ, (mine[differ[0]], theirs[differ[0]])
    assert "skipped (no message text)" in done.output

    local_members, spark_members = pq.read_table(tmp_path / "m.parquet"), read_dir(Path(f"{out}-members"))
    assert len(partition(local_members)) > 50  # the data really has campaigns
    assert partition(spark_members) == partition(local_members)

    local_c = {r["campaign_id"]: r for r in pq.read_table(tmp_path / "c.parquet").to_pylist()}
    spark_table = read_dir(Path(f"{out}-campaigns"))
    assert spark_table.column_names == list(local_c[next(iter(local_c))].keys())  # same fields, same order
    spark_c = {r["campaign_id"]: r for r in spark_table.to_pylist()}
    assert spark_c.keys() == local_c.keys()  # same ids: each is the hash of its smallest template
    assert list(spark_c) == list(local_c)  # same order: largest first, then by id
    for cid, c in local_c.items():
        s = spark_c[cid]
        # A mean of floats summed in another order may land on the other side of a rounding boundary.
        assert s.pop("mean_fraud_probability") == pytest.approx(c.pop("mean_fraud_probability"), abs=1.01e-4)
        assert s == c, cid  # every other field exactly, tie order of top senders / domains / phones included


def test_in_job_map_in_pandas_matches_the_batch_function(spark: Any) -> None:
    from veritext.spark import triage_pandas, verdict_struct

    rows = [
        ("m1", "【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉", "10690000"),
        ("m2", "【工商银行】您的验证码为482913，请勿泄露", "95588"),
        ("m3", "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz", None),
    ]  # written for this test
    df = spark.createDataFrame(rows, "message_id string, text string, sender string")
    got = {r["message_id"]: r.asDict(recursive=True) for r in df.mapInPandas(triage_pandas, verdict_struct()).collect()}
    want = verdict_columns(
        pa.table({"message_id": [r[0] for r in rows], "text": [r[1] for r in rows], "sender": [r[2] for r in rows]})
    )
    for row in want.to_pylist():
        mine = got[row["message_id"]]
        assert mine["kind"] == row["kind"] and mine["risk"] == row["risk"]
        assert [s["id"] for s in mine["signals"]] == [s["id"] for s in row["signals"]]  # signals: array of struct
        assert mine["signals"][0]["spans"] == row["signals"][0]["spans"]


def test_spark_scan_refuses_to_overwrite_and_names_missing_columns(spark: Any, tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"body": ["【工商银行】您的验证码为482913，请勿泄露"], "from": ["95588"]}), src
    )  # written for this test
    out = tmp_path / "out"
    done = runner.invoke(app, ["spark-scan", str(src), "--out", str(out), "--text-col", "content", "--no-campaigns"])
    assert done.exit_code == 1
    assert "没有名为 'content' 的列" in done.output and "no column named 'content'" in done.output
    done = runner.invoke(
        app, ["spark-scan", str(src), "--out", str(out), "--sender-col", "from", "--no-campaigns", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert read_dir(out).column("sender").to_pylist() == ["95588"]  # "body" was found by its name
    assert read_dir(out).schema.field("signals").type == VERDICT_SCHEMA.field("signals").type
    done = runner.invoke(app, ["spark-scan", str(src), "--out", str(out), "--no-campaigns"])
    assert done.exit_code == 1
    assert "已存在" in done.output and "already exists; pass --overwrite" in done.output


def test_the_core_and_the_cli_start_without_importing_pyspark() -> None:
    code = "import sys, veritext, veritext.cli, veritext.spark; print('pyspark' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_spark_scan_says_how_to_install_the_extra_when_pyspark_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes `import pyspark` fail as if not installed
    done = runner.invoke(app, ["spark-scan", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out")])
    assert done.exit_code == 1
    assert "pip install 'veritext[spark]'" in done.output and "没有安装 Spark" in done.output
