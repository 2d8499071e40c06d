"""`veritext report`, `veritext conduct` and `veritext evidence`, as a person would run them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from veritext.cli import app

runner = CliRunner()

# A harassment sequence written for this test.
ROWS = [
    {
        "text": "王小明你已逾期6天，今天不还就联系你的紧急联系人和单位同事。",
        "sender": "17187654321",
        "time": "2026-11-26T08:15",
    },
    {"text": "还不还？今晚我们的人就上门，别让你家人难堪。", "sender": "17187654321", "time": "2026-11-26T23:48"},
]


def _file(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "sms.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_report_prints_drafts_in_both_languages_and_sends_nothing() -> None:
    text = "您的借款已逾期，点击 http://xx-repay.top 还款，否则通知你的家人"  # written for this test
    result = runner.invoke(
        app, ["report", text, "--sender", "17187654321", "--received-at", "2026-11-28T23:10", "--lang", "both"]
    )
    assert result.exit_code == 0, result.output
    assert "向 12321 举报" in result.output and "Report the SMS to 12321" in result.output
    assert "https://www.12321.cn" in result.output
    assert "hxxp://xx-repay[.]top" in result.output  # the message's link only as defanged evidence
    assert "Nothing is sent automatically" in result.output


def test_report_from_a_history_as_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--history", str(_file(tmp_path, ROWS)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sent"] is False and data["redacted"] is True
    assert "cn-lender-complaint" in [d["channel"] for d in data["drafts"]]
    assert "王小明" not in result.output


def test_report_writes_html_and_json_drafts_to_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    result = runner.invoke(
        app, ["report", "您的借款已逾期", "--channel", "cn-credit-objection", "--out", str(out), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "drafts.html").is_file() and json.loads((out / "drafts.json").read_text("utf-8"))["sent"] is False


def test_conduct_exits_10_with_findings_and_0_without(tmp_path: Path) -> None:
    found = runner.invoke(app, ["conduct", str(_file(tmp_path, ROWS)), "--lang", "en"])
    assert found.exit_code == 10, found.output
    assert "Contact at night" in found.output and "23:48" in found.output
    calm = [{"text": "【招商银行】您的信用卡本期账单已出，请按时还款。", "sender": "95555", "time": "2026-11-26T10:00"}]
    assert runner.invoke(app, ["conduct", str(_file(tmp_path, calm))]).exit_code == 0


def test_evidence_writes_the_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["evidence", str(_file(tmp_path, ROWS)), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"evidence.json", "evidence.html", "SHA256SUMS"}


def test_bad_input_gets_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "x"}\n{oops\n')
    result = runner.invoke(app, ["conduct", str(bad)])
    assert result.exit_code == 1 and "veritext: error: bad.jsonl:2" in result.output
    assert runner.invoke(app, ["report"]).exit_code == 1
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes('{"text": "逾期"}'.encode("gb18030"))
    assert "not valid UTF-8" in runner.invoke(app, ["evidence", str(gbk), "--out", str(tmp_path / "o")]).output
