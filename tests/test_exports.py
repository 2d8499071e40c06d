"""Exports: indicators CSV, a STIX 2.1 bundle that stix2 parses back, and an offline HTML (+ PDF) report."""

from __future__ import annotations

import base64
import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stix2
from typer.testing import CliRunner

from veritext.cli import app
from veritext.exports import build_bundle, collect, find_indicators, render_html
from veritext.exports.indicators import INDICATOR_INPUT_COLUMNS, is_official
from veritext.scan import ScanOptions, iter_results, scan

# written for these tests
SCAM = (
    "【某某金融】您的借款已逾期{d}天，请立即登录 http://repay-{k}.top/p{d} 还款，"
    "或转账至账户 6222 0212 3456 7890 123，详询 0755-8888{d:04d}"
)
GENUINE = "【工商银行】您尾号1234的卡今日还款{d}.00元已入账，详询95588或登录 www.icbc.com.cn"
PERSONAL = "晚上回家吃饭吗？第{d}次问你了"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    src = folder / "inbox.csv"
    t0 = datetime(2026, 11, 1, 8, tzinfo=UTC)
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sender", "time", "text"])
        for i in range(12):
            when = (t0 + timedelta(days=i % 4, hours=i)).isoformat()
            w.writerow([f"1700000{i:04d}", when, SCAM.format(d=i + 1, k=i % 2)])
            w.writerow(["95588", when, GENUINE.format(d=100 + i)])
            w.writerow(["13600001111", when, PERSONAL.format(d=i)])
    return scan([src], ScanOptions(out=folder / "v.parquet", workers=1, progress=False, tz="UTC")).out


def test_indicators_list_scam_values_and_never_official_ones(scanned: Path) -> None:
    inds = find_indicators(iter_results(scanned, columns=INDICATOR_INPUT_COLUMNS))
    by_type: dict[str, set[str]] = {}
    for i in inds:
        by_type.setdefault(i.type, set()).add(i.value)
    assert by_type["domain"] == {"repay-0.top", "repay-1.top"}
    assert "62220212345678901" + "23" in by_type["account"]
    assert any(v.startswith("+86755") for v in by_type["phone"])
    assert not any("icbc" in v for v in by_type.get("url", set()) | by_type["domain"])
    assert (
        "95588" not in by_type["phone"]
        and is_official("phone", "95588")
        and is_official("url", "https://www.icbc.com.cn/x")
    )
    top = inds[0]  # the "safe account" every scam message asks for
    assert (top.type, top.messages, top.high_risk_messages) == ("account", 12, 12)
    assert next(i for i in inds if i.value == "repay-0.top").messages == 6


def test_export_command_writes_csv_and_a_stix_bundle_that_parses(scanned: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["export", str(scanned), "--indicators", str(tmp_path / "i.csv"), "--stix", str(tmp_path / "b.json")]
    )
    assert res.exit_code == 0, res.output
    assert "indicators written" in res.output and "指标" in res.output
    with (tmp_path / "i.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert {r["type"] for r in rows} >= {"domain", "url", "phone", "account"}
    assert all(r["campaigns"] for r in rows if r["type"] == "domain")  # each scam domain belongs to the campaign
    bundle = stix2.parse((tmp_path / "b.json").read_text(encoding="utf-8"), allow_custom=True)
    kinds = [o["type"] for o in bundle.objects]
    assert kinds.count("identity") == 1 and "campaign" in kinds and "relationship" in kinds
    patterns = {o["pattern"] for o in bundle.objects if o["type"] == "indicator"}
    assert "[domain-name:value = 'repay-0.top']" in patterns
    assert any(p.startswith("[x-veritext-financial-account:account_number") for p in patterns)


def test_stix_ids_are_stable_and_quotes_escaped() -> None:
    from veritext.exports.indicators import Indicator

    ind = Indicator("url", "http://x.top/a'b", 1, 1, 0.9, None, None, "m1")
    when = datetime(2026, 11, 28, tzinfo=UTC)
    a, b = build_bundle([ind], created=when), build_bundle([ind], created=when)
    assert json.loads(a.serialize()) == json.loads(b.serialize())
    assert a.objects[1].pattern == "[url:value = 'http://x.top/a\\'b']"


def test_html_report_is_self_contained_and_bilingual(scanned: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["scan-report", str(scanned), "--out", str(tmp_path / "r.html"), "--tz", "UTC"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for words in (
        "每日短信数",
        "Messages per day",
        "风险分布",
        "Top campaigns",
        "出现最多的域名",
        "Top domains",
        "类型 × 风险",
    ):
        assert words in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:)""", html)  # nothing to fetch: works offline
    assert "<script" not in html and "<link" not in html
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 4
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "repay-0.top" in html and "http://repay" not in html  # domains quoted as text, never as links


def test_report_numbers(scanned: Path) -> None:
    data = collect(scanned, tz="UTC")
    assert data.summary.messages == 36
    assert data.days == ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04")
    assert sum(sum(v) for v in data.per_day.values()) == 36
    assert sum(sum(v) for v in data.hist.values()) == 36
    assert [c.size for c in data.campaigns.campaigns][:1] == [12]


@pytest.mark.slow
def test_pdf_report(scanned: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    res = CliRunner().invoke(
        app, ["scan-report", str(scanned), "--out", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_report_on_an_empty_scan(tmp_path: Path) -> None:
    src = tmp_path / "e.csv"
    src.write_text("text\n", encoding="utf-8")
    out = scan([src], ScanOptions(out=tmp_path / "e.parquet", workers=1, progress=False, tz="UTC")).out
    html = render_html(collect(out, tz="UTC"))
    assert html.count("data:image/png") == 4  # every plot says "no data" instead of failing
    assert '<div class="n">0</div>' in html
