"""`veritext scan` and the batch function: every format in, one verdict row per message, verdicts as triage()'s."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _inbox_fixtures import MESSAGES, RECEIVED, android_xml, delimited, every_format
from typer.testing import CliRunner

import veritext
from veritext.batch import VERDICT_SCHEMA, verdict_columns
from veritext.cli import app
from veritext.inbox import InboxError, ReadOptions
from veritext.scan import ScanError, ScanOptions, read_results, scan

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _opts(out: Path, **kw: object) -> ScanOptions:
    return ScanOptions(out=out, workers=1, progress=False, tz="Asia/Shanghai", **kw)  # type: ignore[arg-type]


def test_every_format_scans_into_one_row_per_message(tmp_path: Path) -> None:
    inputs = every_format(tmp_path)
    result = scan(inputs, _opts(tmp_path / "out.parquet"))
    table = pq.read_table(result.out)
    assert table.schema.equals(VERDICT_SCHEMA, check_metadata=False)
    assert table.num_rows == len(inputs) * len(RECEIVED) == result.summary.messages
    assert len(set(table.column("message_id").to_pylist())) == table.num_rows
    assert sorted(set(table.column("source").to_pylist())) == sorted(p.name for p in inputs)
    for source in {p.name for p in inputs}:
        rows = table.filter(pa.compute.equal(table.column("source"), source)).to_pylist()
        assert [r["text"] for r in rows] == [m.text for m in RECEIVED], source
    assert result.summary.errors == 0
    assert [s.records for s in result.summary.sources] == [len(RECEIVED)] * len(inputs)
    assert [s.not_received for s in result.summary.sources] == [1, 1, 0, 0, 0, 0]


def test_verdict_columns_match_triage(tmp_path: Path) -> None:
    table = verdict_columns(
        pa.table({"text": [m.text for m in RECEIVED], "sender": [m.sender for m in RECEIVED],
                  "received_at": [m.when.isoformat() for m in RECEIVED]}),
        tz="Asia/Shanghai",
    )  # fmt: skip
    for row, m in zip(table.to_pylist(), RECEIVED, strict=True):
        v = veritext.triage(m.text, sender=m.sender, received_at=m.when.astimezone(_shanghai()))
        assert (row["kind"], row["risk"], row["fraud_probability"]) == (v.kind, v.risk, v.fraud_probability)
        assert [s["id"] for s in row["signals"]] == [s.id for s in v.signals]
        assert row["received_at"] == m.when
    first = table.to_pylist()[0]
    assert first["domains"] == ["repay-now.top"] and first["urls"] == ["http://repay-now.top/a1"]
    assert "<url>" in first["template"] and "#" in first["template"]


def _shanghai():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def test_repeats_in_the_same_hour_share_one_verdict_and_that_is_safe() -> None:
    # The batch triages (text, sender, date-hour) once; this pins that verdicts do not depend on minutes.
    text, sender = MESSAGES[0].text, MESSAGES[0].sender
    base = datetime(2026, 11, 28, 23, 5, tzinfo=UTC)
    a = veritext.triage(text, sender=sender, received_at=base).to_dict()
    b = veritext.triage(text, sender=sender, received_at=base + timedelta(minutes=50)).to_dict()
    a.pop("received_at"), b.pop("received_at")
    assert a == b
    rows = verdict_columns(pa.table({"text": [text] * 3, "sender": [sender] * 3,
                                     "received_at": [base, base + timedelta(minutes=50), base + timedelta(hours=1)]}),
                           tz="UTC").to_pylist()  # fmt: skip
    assert rows[0]["signals"] == rows[1]["signals"]
    assert [r["received_at"] for r in rows] == [base, base + timedelta(minutes=50), base + timedelta(hours=1)]


def test_pandas_in_pandas_out_and_record_batches_too() -> None:
    df = pd.DataFrame({"text": [m.text for m in RECEIVED[:2]], "sender": [m.sender for m in RECEIVED[:2]]})
    out = verdict_columns(df, tz="UTC")
    assert isinstance(out, pd.DataFrame) and list(out.columns) == VERDICT_SCHEMA.names and len(out) == 2
    rb = verdict_columns(pa.RecordBatch.from_pandas(df), tz="UTC")
    assert isinstance(rb, pa.RecordBatch) and rb.num_rows == 2
    assert rb.column("message_id").to_pylist() == out["message_id"].tolist()


def test_a_message_that_cannot_be_triaged_gets_an_error_row_not_a_lost_row() -> None:
    rows = verdict_columns(pa.table({"text": ["还款成功", "x" * 1_000_001, None]}), tz="UTC").to_pylist()
    assert rows[0]["error"] is None and rows[0]["kind"]
    assert "1,000,000" in rows[1]["error"] and rows[1]["kind"] is None
    assert rows[2]["error"] and len(rows) == 3


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_csv_and_jsonl_outputs_read_back_like_parquet(tmp_path: Path, suffix: str) -> None:
    src = [delimited(tmp_path / "in.csv")]
    parquet_rows = read_results(scan(src, _opts(tmp_path / "a.parquet")).out).to_pylist()
    other = scan(src, _opts(tmp_path / f"a{suffix}")).out
    assert read_results(other).to_pylist() == parquet_rows
    if suffix == ".csv":
        with other.open(encoding="utf-8-sig") as f:
            row = next(csv.DictReader(f))
        assert json.loads(row["signals"])[0]["id"]


def test_a_finished_scan_is_not_redone_and_a_changed_input_is_noticed(tmp_path: Path) -> None:
    src = delimited(tmp_path / "in.csv")
    out = tmp_path / "v.parquet"
    first = scan([src], _opts(out))
    again = scan([src], _opts(out))
    assert again.already_complete and again.summary == first.summary
    delimited(src, RECEIVED[:2])
    with pytest.raises(ScanError, match="--restart"):
        scan([src], _opts(out))
    assert scan([src], _opts(out, restart=True)).summary.messages == 2


def test_an_existing_output_is_not_overwritten_by_surprise(tmp_path: Path) -> None:
    out = tmp_path / "v.parquet"
    out.write_bytes(b"someone's file")
    with pytest.raises(ScanError, match="already exists"):
        scan([delimited(tmp_path / "in.csv")], _opts(out))
    with pytest.raises(InboxError, match=r"\.parquet, \.csv or \.jsonl"):
        scan([delimited(tmp_path / "in.csv")], _opts(tmp_path / "v.xlsx"))


def test_two_workers_give_the_same_rows_as_one(tmp_path: Path) -> None:
    src = [android_xml(tmp_path / "b.xml"), delimited(tmp_path / "c.csv")]
    one = read_results(scan(src, _opts(tmp_path / "one.parquet", batch_size=2)).out)
    two = read_results(scan(src, ScanOptions(out=tmp_path / "two.parquet", workers=2, batch_size=2, progress=False,
                                             tz="Asia/Shanghai")).out)  # fmt: skip
    assert one.to_pylist() == two.to_pylist()


def test_cli_scan_prints_the_summary_in_both_languages(tmp_path: Path) -> None:
    src = android_xml(tmp_path / "backup.xml")
    out = tmp_path / "v.parquet"
    res = CliRunner().invoke(
        app, ["scan", str(src), "--out", str(out), "--workers", "1", "--no-progress", "--tz", "UTC"]
    )
    assert res.exit_code == 0, res.output
    for words in ("类型 × 风险", "kind × risk", "发送最多的号码", "top senders", "repay-now.top", "written to"):
        assert words in res.output
    assert pq.read_table(out).num_rows == len(RECEIVED)


def test_cli_on_error_stop_and_skip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<smses>\n<sms address="1" type="1" body="ok" />\n<sms body="<" />\n'
        '<sms address="3" type="1" body="fine" />\n</smses>\n'
    )
    args = ["scan", str(bad), "--out", str(tmp_path / "v.csv"), "--workers", "1", "--no-progress"]
    stop = CliRunner().invoke(app, args)
    assert stop.exit_code == 1 and "line 3, column 12" in stop.output
    skip = CliRunner().invoke(app, [*args, "--on-error", "skip", "--json"])
    assert skip.exit_code == 0, skip.output
    summary = json.loads(skip.stdout)
    assert summary["messages"] == 2 and summary["skipped"] == 1
    issues = Path(summary["issues_file"]).read_text(encoding="utf-8-sig")
    assert "line 3, column 12" in issues and "malformed XML" in issues


def test_cli_reports_unreadable_inputs_in_both_languages(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    res = CliRunner().invoke(
        app, ["scan", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "v.parquet"), "--no-progress"]
    )
    assert res.exit_code == 1
    assert "文件是空的" in res.output and "the file is empty" in res.output


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not here")
def test_scans_real_shared_messages(tmp_path: Path) -> None:
    rows = []
    for path in sorted(SHARED.glob("real_*/messages.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows += [{"text": r["text"]} for r in csv.DictReader(f)][:60]
    src = tmp_path / "real.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = scan([src], _opts(tmp_path / "real.parquet", read=ReadOptions(on_error="stop")))
    assert result.summary.messages == len(rows) and result.summary.errors == 0
    # Every column a verdict decides is what triage() says for that message alone (the scan goes
    # through triage_many and its chunked model scoring; the contract is identical rows).
    from veritext.batch import verdict_fields

    for row, r in zip(read_results(result.out).to_pylist(), rows, strict=True):
        alone = verdict_fields(veritext.triage(r["text"]))
        assert {k: row[k] for k in alone} == alone, r["text"][:40]


def test_a_message_that_stops_triage_many_is_triaged_alone_and_the_rest_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # The batch goes through triage_many (the model scores a chunk at once); one message raising in
    # there must cost neither its neighbours' rows nor their order, and gets what triage() alone says.
    import veritext.pipeline as pipeline

    texts = [m.text for m in RECEIVED] + ["boom 还款", "还款成功", "boom again"]
    real = pipeline.triage_one

    def flaky(text: str, **kw: object) -> veritext.Verdict:
        if text.startswith("boom"):
            raise RuntimeError("chunk failed")
        return real(text, **kw)  # type: ignore[arg-type]

    real_reusing = pipeline._triage_reusing

    def flaky_reusing(text: str, *args: object) -> veritext.Verdict:  # the stage triage_many runs per message
        if text.startswith("boom"):
            raise RuntimeError("chunk failed")
        return real_reusing(text, *args)  # type: ignore[arg-type]

    pipeline.clear_caches()
    monkeypatch.setattr(pipeline, "triage_one", flaky)
    monkeypatch.setattr(pipeline, "_triage_reusing", flaky_reusing)
    rows = verdict_columns(pa.table({"text": texts}), tz="UTC").to_pylist()
    assert [r["text"] for r in rows] == texts
    for row, text in zip(rows, texts, strict=True):
        v = veritext.triage(text)  # the public function, not the patched stage: the verdict triage() gives
        assert (row["error"], row["kind"], row["risk"]) == (None, v.kind, v.risk), text
        assert [s["id"] for s in row["signals"]] == [s.id for s in v.signals]
    monkeypatch.setattr(veritext, "triage", lambda text, **kw: flaky(text, **kw))
    pipeline._cached.cache_clear()
    rows = verdict_columns(pa.table({"text": texts}), tz="UTC").to_pylist()
    assert [r["error"] for r in rows][-3:] == ["RuntimeError: chunk failed", None, "RuntimeError: chunk failed"]
    assert all(r["error"] is None and r["kind"] for r in rows[:-3])
    pipeline._cached.cache_clear()
