"""Campaigns: the same template from many numbers, with the numbers and links changed, is one campaign."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from veritext.batch import VERDICT_SCHEMA
from veritext.campaigns import (
    CAMPAIGN_INPUT_COLUMNS,
    cluster_templates,
    connected_components,
    find_campaigns,
    mask_template,
)
from veritext.cli import app
from veritext.scan import ScanOptions, scan

# written for these tests: three scam templates and some one-off messages
TEMPLATES = (
    "【{org}】尊敬的客户，您的借款已逾期{d}天，欠款{a}元，请立即点击 http://{dom}/p{n} 处理，否则将上报征信并起诉。",
    "您好，您的贷款额度已提升至{a}元，日息低至0.0{d}%，点击 {dom}/x{n} 立即领取，回T退订",
    "【法院通知】您因拖欠网贷{a}元已被立案，案号({n})，请于{d}日内致电 1{p} 处理，逾期将强制执行。",
)
DOMAINS = ("repay-help.top", "quick-loan.xyz", "")
ONE_OFFS = ("今晚一起吃饭吗", "快递已放门口，记得拿", "明天下午三点开会，别迟到", "周末去爬山怎么样")


def _rows(seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    rows: list[dict[str, object]] = []
    for i in range(90):
        k = i % 3
        text = TEMPLATES[k].format(
            org=rng.choice(["某某金融", "某某消费金融"]), d=rng.randint(1, 90), a=rng.randint(500, 50000),
            dom=DOMAINS[k], n=rng.randint(100, 999), p=rng.randint(3 * 10**9, 9 * 10**9),
        )  # fmt: skip
        rows.append({"text": text, "sender": f"1{rng.randint(3 * 10**9, 9 * 10**9)}", "at": t0 + timedelta(hours=i)})
    for j, text in enumerate(ONE_OFFS):
        rows.append({"text": text, "sender": "13600001111", "at": t0 + timedelta(days=j)})
    return rows


def _table(rows: list[dict[str, object]]) -> pa.Table:
    """A verdict-shaped table without triage: templates masked the way the batch function masks them."""
    import regex

    url = regex.compile(r"(?:https?://)?[a-z-]+\.(?:top|xyz)/\w+")
    out = []
    for i, r in enumerate(rows):
        text = str(r["text"])
        spans = [("url", m.start(), m.end()) for m in url.finditer(text)]
        high = "逾期" in text or "立案" in text
        out.append({
            "message_id": f"m{i:03d}", "sender": r["sender"], "received_at": r["at"],
            "template": mask_template(text, spans), "domains": [d for d in DOMAINS if d and d in text],
            "phones": [], "kind": "overdue_collection" if high else "other",
            "risk": "high" if high else "low", "fraud_probability": 0.9 if high else 0.1,
        })  # fmt: skip
    schema = pa.schema([VERDICT_SCHEMA.field(c) for c in CAMPAIGN_INPUT_COLUMNS])
    return pa.Table.from_pylist(out, schema=schema)


def test_mask_template_hides_what_varies() -> None:
    text = "您尾号1234的卡扣款５００元，详询 http://a.top/x 或 13812345678"  # written for this test
    at = {part: text.index(part) for part in ("1234", "http", "138")}
    spans = [
        ("card_tail", at["1234"], at["1234"] + 4),
        ("url", at["http"], at["http"] + 14),
        ("phone", at["138"], at["138"] + 11),
    ]
    assert (
        mask_template(text, spans) == "您尾号<acct>的卡扣款#元,详询 <url> 或 <tel>"
    )  # full-width digits folded, then masked


def test_three_templates_become_three_campaigns_and_one_offs_none() -> None:
    found = find_campaigns(_table(_rows()))
    assert sorted(c.size for c in found.campaigns) == [30, 30, 30]
    assert found.members.num_rows == 90
    by_domain = {c.domains[0] if c.domains else "": c for c in found.campaigns}
    scam = by_domain["repay-help.top"]
    assert scam.distinct_senders == 30 and scam.risk == "high" and scam.high_share == 1.0
    assert scam.first_seen == datetime(2026, 11, 1, tzinfo=UTC) and scam.last_seen == datetime(
        2026, 11, 4, 15, tzinfo=UTC
    )
    assert "<url>" in scam.template and "#" in scam.template and "http" not in scam.template
    assert scam.kind == "overdue_collection"


def test_campaign_ids_do_not_depend_on_order() -> None:
    rows = _rows()
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    a = {c.campaign_id: c.size for c in find_campaigns(_table(rows)).campaigns}
    b = {c.campaign_id: c.size for c in find_campaigns(_table(shuffled)).campaigns}
    assert a == b


def test_min_size_and_threshold() -> None:
    table = _table(_rows())
    assert find_campaigns(table, min_size=31).campaigns == ()
    assert len(find_campaigns(table, min_size=2, threshold=0.99).campaigns) >= 3


def test_components_join_chains() -> None:
    labels = connected_components(6, np.array([[2, 1], [1, 0], [4, 5]]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]
    assert cluster_templates([]).tolist() == []


@pytest.mark.slow
def test_scan_then_campaigns_command(tmp_path: Path) -> None:
    src = tmp_path / "reports.csv"
    rows = _rows()[::3] + _rows(8)[1::3]  # 60 messages: two templates' worth from each run
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sender", "time", "text"])
        for r in rows:
            w.writerow([r["sender"], r["at"].isoformat(), r["text"]])  # type: ignore[union-attr]
    out = scan([src], ScanOptions(out=tmp_path / "v.parquet", workers=1, progress=False, tz="UTC")).out
    res = CliRunner().invoke(app, ["campaigns", str(out), "--out", str(tmp_path / "c.csv"), "--members",
                                   str(tmp_path / "m.parquet")])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "群发活动 campaigns" in res.output and "repay-help.top" in res.output
    with (tmp_path / "c.csv").open(encoding="utf-8-sig") as f:
        campaigns = list(csv.DictReader(f))
    assert campaigns and int(campaigns[0]["size"]) >= 10
    members = pq.read_table(tmp_path / "m.parquet")
    assert set(members.column_names) == {"message_id", "campaign_id"}
