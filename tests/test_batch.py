"""``veritext.batch``: the verdict columns of a batch, with the caches that share work across rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pyarrow as pa

import veritext
from veritext import batch
from veritext.pipeline import _resent

_TEXTS = [
    "【工商银行】您的信用卡已逾期，请登录 icbc-pay.top 还款",
    "您的借款已逾期3天，今晚前不还将上门催收，请联系 13800138000",
    "【建设银行】您的账户存在风险，请回电",
    "验证码 482913，5分钟内有效，请勿告诉他人",
]  # written for these tests
_SENDERS = ["95588", "13912345678", "10690000", "+447700900123", None, "12368"]


def test_a_verdict_resent_is_the_verdict_replaced() -> None:
    v = veritext.triage(_TEXTS[0], sender="95588", received_at=datetime(2026, 11, 3, 22, 0))
    when = datetime(2026, 11, 4, 9, 0)
    assert _resent(v, "13912345678", when) == replace(v, sender="13912345678", received_at=when)


def test_cached_verdict_columns_are_those_built_afresh() -> None:
    """Many senders and hours per text (so the columns cache hits), against columns built per message."""
    rows = [(t, s, h) for _ in range(2) for t in _TEXTS for s in _SENDERS for h in (1, 13, 23)]
    table = pa.table(
        {
            "text": [t for t, _, _ in rows],
            "sender": [s for _, s, _ in rows],
            "received_at": [f"2026-11-03T{h:02d}:10:00+08:00" for _, _, h in rows],
            "message_id": [f"m{i}" for i in range(len(rows))],
        }
    )
    got = batch.verdict_columns(table, tz="Asia/Shanghai").to_pylist()
    for row, (text, sender, hour) in zip(got, rows, strict=True):
        when = batch.localise(
            datetime.fromisoformat(f"2026-11-03T{hour:02d}:10:00+08:00"), batch.zone_named("Asia/Shanghai")
        )
        fresh = batch._build_fields(veritext.triage(text, sender=sender, received_at=when))
        assert {k: row[k] for k in fresh} == fresh, (text, sender, hour)
    assert len(batch._FIELDS) > 0


def test_a_known_verdict_is_the_verdict_triage_gives() -> None:
    from veritext.pipeline import known_verdict

    text = "您的借款已逾期5天，请今天内还款，逾期将影响征信"  # written for this test
    night, noon = datetime(2026, 11, 3, 23, 5), datetime(2026, 11, 3, 12, 5)
    assert known_verdict(text + "（未见过）", "13912345678", noon) is None  # a text never analysed
    list(veritext.triage_many([veritext.Message(text, sender="13912345678", received_at=noon)]))
    again = known_verdict(text, "13800138000", datetime(2026, 11, 4, 9, 30))  # same class, a daytime hour
    assert again is not None
    assert again == veritext.triage(text, sender="13800138000", received_at=datetime(2026, 11, 4, 9, 30))
    assert known_verdict(text, "13800138000", night) is None  # night: a situation not met yet
    assert known_verdict(text, "95588", noon) is None  # another sender class
    assert known_verdict(text, 95588, noon) is None  # what triage_many refuses is left to it
    assert known_verdict(text, "13800138000", noon, veritext.Context(has_loan="no")) is None  # another context


def test_a_known_situation_is_one_verdict_that_every_repeat_shares() -> None:
    from veritext.pipeline import known_situation, known_verdict

    text = "您的借款已逾期7天，请尽快还款，以免影响征信"  # written for this test
    first = datetime(2026, 11, 3, 10, 5)
    assert known_situation(text, "13912345678", first) is None  # a text never analysed
    list(veritext.triage_many([veritext.Message(text, sender="13912345678", received_at=first)]))
    later = datetime(2026, 11, 4, 15, 30)
    met = known_situation(text, "13800138000", later)  # same sender class
    assert met is not None
    assert known_situation(text, "13700137000", first) is met  # the same object for every repeat
    assert (met.sender, met.received_at) == ("13912345678", first)  # those of the message that met it
    assert _resent(met, "13800138000", later) == known_verdict(text, "13800138000", later)
    assert known_situation(text, "95588", later) is None  # another sender class: not met yet


def test_repeats_of_a_situation_share_their_row_and_match_rows_built_afresh() -> None:
    from veritext.pipeline import known_situation

    text = "【示例贷】您本期账单应还 1200 元，请于今日 18:00 前还款"  # written for this test
    senders = ["13912345678", "13800138000", "13700137000", "13600136000"]
    table = pa.table({"text": [text] * 4, "sender": senders, "received_at": ["2026-11-03T10:00:00+08:00"] * 4})
    first = batch.verdict_columns(table.slice(0, 1), tz="Asia/Shanghai").to_pylist()
    rest = batch.verdict_columns(table.slice(1), tz="Asia/Shanghai").to_pylist()  # answered by situation
    when = batch.localise(datetime(2026, 11, 3, 10, 0), batch.zone_named("Asia/Shanghai"))
    for row, sender in zip(first + rest, senders, strict=True):
        fresh = batch._build_fields(veritext.triage(text, sender=sender, received_at=when))
        assert {k: row[k] for k in fresh} == fresh, sender
        assert row["sender"] == sender
    met = known_situation(text, senders[1], when)
    assert met is not None and id(met) in batch._SITUATION_ROWS  # the repeats' row was kept by situation
