"""The caches that triage_many keeps across batches: bounded, and never a different verdict."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

import veritext
import veritext.batch as batch
import veritext.pipeline as pipeline
from veritext import Context, Message
from veritext.memo import LRU, SeenTwice
from veritext.model import default_model

# written for this test: a collection template that a blaster sends with new numbers each time
TEMPLATE = "【某某金融】您的借款已逾期{d}天，欠款{a}元，请立即致电 0755-8{d}{a} 或点击 http://pay-{d}.top 处理"
NIGHT = datetime(2026, 11, 20, 2, 15)
DAY = datetime(2026, 11, 20, 14, 15)


def test_lru_drops_the_least_recently_used_and_stays_within_budget() -> None:
    cache: LRU[str, int] = LRU(3)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    assert cache.get("a") == 0  # a is now the most recent: b goes first
    cache.put("d", 3)
    assert "b" not in cache and len(cache) == 3
    cache.put("e", 4, cost=2)  # two units: c and a go
    assert sorted(k for k in "abcde" if k in cache) == ["d", "e"] and cache.cost == 3
    cache.put("huge", 9, cost=4)  # more than the whole budget: not stored, nothing dropped
    assert "huge" not in cache and cache.cost == 3
    cache.put("d", 5)  # replacing a key does not count it twice
    assert cache.get("d") == 5 and cache.cost == 3
    with pytest.raises(ValueError):
        LRU(0)


def test_seen_twice_says_yes_from_the_second_sighting_and_forgets_when_full() -> None:
    seen = SeenTwice(2)
    assert not seen.check("a") and seen.check("a")
    assert not seen.check("b")
    assert not seen.check("c")  # full: everything forgotten, then c recorded
    assert not seen.check("a") and seen.check("c")


def _many(messages: list[Message | str]) -> list[veritext.Verdict]:
    return list(veritext.triage_many(messages))


def test_a_cache_hit_gives_the_verdict_triage_gives() -> None:
    pipeline.clear_caches()
    msgs: list[Message | str] = []
    for i, (sender, when) in enumerate(
        [(None, None), ("13912345678", NIGHT), ("1069012345678", DAY), ("+447700900123", NIGHT), ("95588", DAY)]
    ):
        for digits in ("3", "45"):
            text = TEMPLATE.format(d=digits, a=1000 + i)
            msgs.append(Message(text, sender=sender, received_at=when))
    msgs.append(Message(TEMPLATE.format(d="3", a=1000), context=Context(has_loan="no")))
    first = _many(msgs)
    assert len(pipeline._ANALYSES) > 0 and len(default_model()._scored) > 0
    again = _many(msgs)  # this time from the caches (the per-batch verdict cache cleared)
    pipeline._cached.cache_clear()
    third = _many(msgs)
    for m, a, b, c in zip(msgs, first, again, third, strict=True):
        assert isinstance(m, Message)
        alone = veritext.triage(m.text, sender=m.sender, received_at=m.received_at, context=m.context)
        assert a.to_dict() == b.to_dict() == c.to_dict() == alone.to_dict()


def test_sender_and_time_still_change_the_verdict_of_a_cached_text() -> None:
    pipeline.clear_caches()
    text = TEMPLATE.format(d="3", a=500)
    plain, night, personal, service = _many(
        [
            Message(text),
            Message(text, received_at=NIGHT),
            Message(text, sender="13912345678"),
            Message(text, sender="95588"),
        ]
    )
    ids = {name: {s.id for s in v.signals} for name, v in
           [("plain", plain), ("night", night), ("personal", personal), ("service", service)]}  # fmt: skip
    assert "CONDUCT_NIGHT_CONTACT" in ids["night"] and "CONDUCT_NIGHT_CONTACT" not in ids["plain"]
    assert ids["personal"] != ids["plain"] and personal.sender_type == "cn_mobile"
    assert service.sender_type == "cn_service_95" and service.sender == "95588"
    assert night.received_at == NIGHT and plain.received_at is None
    assert ids["service"] != ids["personal"]


def test_the_text_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline.clear_caches()
    monkeypatch.setattr(pipeline, "_ANALYSES", LRU(5))
    _many([TEMPLATE.format(d=str(i), a=i) for i in range(40)])
    assert pipeline._ANALYSES.cost <= 5
    pipeline.clear_caches()
    assert len(pipeline._ANALYSES) == 0 and len(default_model()._scored) == 0


def test_scan_rows_from_cached_parts_equal_rows_built_afresh() -> None:
    pipeline.clear_caches()
    texts = [TEMPLATE.format(d="3", a=700)] * 3 + [TEMPLATE.format(d="9", a=700), "还款成功"]
    senders = ["13912345678", "95588", "13912345678", None, None]
    table = pa.table({"text": texts, "sender": senders, "received_at": [DAY, NIGHT, DAY, DAY, None]})
    rows = batch.verdict_columns(table, tz="UTC").to_pylist()
    for row, text, sender in zip(rows, texts, senders, strict=True):
        when = row["received_at"]
        fresh = batch.verdict_fields(veritext.triage(text, sender=sender, received_at=when))
        assert {k: row[k] for k in fresh} == fresh
