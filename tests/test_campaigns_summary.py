"""Campaign summaries: the grouped counts of ``find_campaigns`` equal the same counts done one message at a time.

The table is random (messages written for this test), with nulls, ties and repeated list items on purpose.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from veritext.batch import VERDICT_SCHEMA
from veritext.campaigns import CAMPAIGN_INPUT_COLUMNS, RISK_ORDER, Campaign, find_campaigns

# written for this test: four templates far apart, so each is its own campaign
TEMPLATES = (
    "您的借款已逾期#天,请立即处理,否则上报征信 <url>",
    "恭喜获得贷款额度#元,点击领取,回t退订 <url>",
    "法院通知:您已被立案,请致电 <tel> 处理",
    "今晚一起吃饭吗",
)


def _random_table(seed: int) -> pa.Table:
    rng = random.Random(seed)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [f"m{i:03d}" for i in range(400)]
    rng.shuffle(ids)  # so the smallest id is not simply the first row
    rows: list[dict[str, Any]] = []
    for i in range(400):
        k = rng.randrange(len(TEMPLATES))
        template = TEMPLATES[k] + ("" if rng.random() < 0.7 else "!")  # a near-duplicate variant
        rows.append({
            "message_id": ids[i],
            "sender": None if rng.random() < 0.1 else f"1380000{rng.randrange(12):04d}",
            "received_at": None if rng.random() < 0.05 else t0 + timedelta(minutes=rng.randrange(100_000)),
            "template": None if rng.random() < 0.03 else template,
            "domains": None if rng.random() < 0.2 else [rng.choice(["a.top", "b.xyz", "c.cn"]) for _ in range(3)],
            "phones": [rng.choice(["95588", "12345"]) for _ in range(rng.randrange(2))],
            "kind": None if rng.random() < 0.3 else rng.choice(["other", "marketing", "overdue_collection"]),
            "risk": None if rng.random() < 0.05 else rng.choice(RISK_ORDER),
            "fraud_probability": None if rng.random() < 0.05 else rng.random(),
        })  # fmt: skip
    schema = pa.schema([VERDICT_SCHEMA.field(c) for c in CAMPAIGN_INPUT_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def _ranked(counts: Counter[Any], first: dict[Any, int], top: int) -> tuple[Any, ...]:
    """Most frequent first; a tie goes to the value seen first."""
    return tuple(sorted(counts, key=lambda v: (-counts[v], first[v]))[:top])


def _one_at_a_time(table: pa.Table, members: pa.Table, top: int) -> dict[str, dict[str, Any]]:
    """The summary of every campaign, message by message (ties broken as documented)."""
    ids, campaigns = members.column("message_id").to_pylist(), members.column("campaign_id").to_pylist()
    campaign_of = dict(zip(ids, campaigns, strict=True))
    kept = [r | {"campaign": campaign_of[r["message_id"]]} for r in table.to_pylist() if r["message_id"] in campaign_of]
    first: dict[str, dict[Any, int]] = defaultdict(dict)
    for r in kept:
        for key in ("sender", "kind"):
            first[key].setdefault(r[key], len(first[key]))
        for key in ("domains", "phones"):
            for v in r[key] or []:
                first[key].setdefault(v, len(first[key]))
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in kept:
        groups[r["campaign"]].append(r)
    out = {}
    for cid, rs in groups.items():
        n = len(rs)
        senders = Counter(r["sender"] for r in rs if r["sender"] is not None)
        kinds = Counter(r["kind"] for r in rs if r["kind"] is not None)
        templates = Counter(r["template"] for r in rs)
        risks = sorted(RISK_ORDER.index(r["risk"]) if r["risk"] else 0 for r in rs)
        times = [r["received_at"] for r in rs if r["received_at"] is not None]
        out[cid] = {
            "size": n,
            "distinct_templates": len(templates),
            "distinct_senders": len(senders),
            "top_senders": _ranked(senders, first["sender"], top),
            "domains": _ranked(Counter(d for r in rs for d in r["domains"] or []), first["domains"], top),
            "phones": _ranked(Counter(p for r in rs for p in r["phones"] or []), first["phones"], top),
            "template": min(templates, key=lambda t: (-templates[t], t)),
            "kind": _ranked(kinds, first["kind"], 1)[0] if kinds else "other",
            "risk": RISK_ORDER[risks[n // 2]],  # the upper median
            "high_share": round(risks.count(2) / n, 4),
            "mean_fraud_probability": round(sum(r["fraud_probability"] or 0.0 for r in rs) / n, 4),
            "first_seen": min(times) if times else None,
            "last_seen": max(times) if times else None,
            "example_message_id": min(r["message_id"] for r in rs),
        }
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_summaries_equal_counting_one_message_at_a_time(seed: int) -> None:
    table = _random_table(seed)
    found = find_campaigns(table, min_size=2, top=2)
    expected = _one_at_a_time(table, found.members, top=2)
    assert len(found.campaigns) == len(expected) >= 4
    for c in found.campaigns:
        got = {k: v for k, v in c.to_dict().items() if k != "campaign_id"}
        got["first_seen"], got["last_seen"] = c.first_seen, c.last_seen
        for key in ("top_senders", "domains", "phones"):
            got[key] = getattr(c, key)
        assert got == expected[c.campaign_id], c.campaign_id


def test_a_campaign_without_any_kind_is_other() -> None:
    table = _random_table(4)
    no_kind = table.set_column(table.schema.get_field_index("kind"), "kind", pa.nulls(table.num_rows, pa.string()))
    found = find_campaigns(no_kind, min_size=2)
    assert found.campaigns and {c.kind for c in found.campaigns} == {"other"}


def test_no_messages_no_campaigns() -> None:
    empty = _random_table(1).slice(0, 0)
    found = find_campaigns(empty)
    assert found.campaigns == () and found.members.num_rows == 0 and found.messages == 0
    all_null = (
        _random_table(1)
        .drop_columns(["template"])
        .append_column("template", pa.nulls(400, pa.string()))
        .select(list(CAMPAIGN_INPUT_COLUMNS))
    )
    found = find_campaigns(all_null)
    assert found.campaigns == () and found.members.num_rows == 0 and found.messages == 0


def test_campaign_is_frozen() -> None:
    c = find_campaigns(_random_table(1), min_size=2).campaigns[0]
    assert isinstance(c, Campaign)
    with pytest.raises(AttributeError):
        c.size = 0  # type: ignore[misc]


@pytest.mark.parametrize("zone", [None, "UTC", "Asia/Shanghai"])
def test_first_and_last_seen_are_the_times_arrow_gives(zone: str | None) -> None:
    from veritext.campaigns import _datetimes

    micros = [0, None, 1_764_000_000_123_456, -5]
    column = pa.chunked_array([pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz=zone))])
    got, expected = _datetimes(column), column.to_pylist()
    assert got == expected
    assert [d.isoformat() if d else None for d in got] == [d.isoformat() if d else None for d in expected]
