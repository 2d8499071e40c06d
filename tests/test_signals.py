"""Every named rule fires on a message made for it and stays silent on a close one that must not fire."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import veritext
from veritext.signals import default_rules, load_rules

CASES: dict[str, dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "signal_cases.yaml").read_text("utf-8"))


def _fired(example: dict[str, Any]) -> set[str]:
    when = example.get("received_at")
    verdict = veritext.triage(
        example["text"],
        sender=example.get("sender"),
        received_at=datetime.fromisoformat(when) if when else None,
        context=veritext.Context(**example.get("context", {})),
    )
    return {s.id for s in verdict.signals}


def test_there_are_at_least_forty_rules_and_each_has_cases() -> None:
    ids = [r.id for r in default_rules()]
    assert len(ids) >= 40
    assert sorted(set(ids) - set(CASES)) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_example(rule_id: str) -> None:
    assert rule_id in _fired(CASES[rule_id]["fires"])


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_silent_on_the_close_example(rule_id: str) -> None:
    assert rule_id not in _fired(CASES[rule_id]["not"])


def test_every_fired_signal_points_at_the_original_words() -> None:
    text = "【某某消费金融】您的借款已逾期3天，请点击 ｈｔｔｐ://xx-repay.top 处理"
    for signal in veritext.triage(text).signals:
        for span in signal.spans:
            assert text[span.start : span.end] == span.text


def test_every_rule_has_descriptions_in_both_languages() -> None:
    for rule in default_rules():
        assert rule.description.zh and rule.description.en


def test_bad_rule_files_are_refused_with_the_rule_named() -> None:
    with pytest.raises(ValueError, match="NOPE"):
        load_rules([{"id": "NOPE", "group": "fraud", "weight": 1, "check": "no_such_check",
                     "description": {"zh": "x", "en": "x"}}])
    with pytest.raises(ValueError, match="zh and en"):
        load_rules([{"id": "HALF", "group": "fraud", "weight": 1, "check": "terms", "description": {"en": "x"}}])


def test_a_chinese_message_with_redacted_digits_is_still_chinese() -> None:
    from veritext.extract import detect_language

    # written for this test: account numbers redacted as runs of x, as anonymised corpora do
    assert detect_language("xxxxxxxxxxxxxxxxxxx 工商银行 王小明") == "zh"
    assert detect_language("请转账到 xxxx xxxx xxxx xxxx 招商银行") == "zh"
    # English stays English, with or without a redacted number
    assert detect_language("Your code is xxxxxx, do not share it") == "en"
    assert detect_language("Meet you at the station at six") == "en"


# Senders of every class the rules tell apart, and some they must not: two personal mobiles, bank
# service numbers and their 106 carrier port, the court line, enterprise ports, overseas and names.
_SENDERS = (None, "", "13800138000", "13912345678", "95588", "95566", "95599", "1069095588", "12368", "12381",
            "10690000", "106912345678", "+447700900123", "+442071838750", "+14155550123", "+8613800138000",
            "ICBC", "alerts@bank.example", "4008123123")  # fmt: skip
_HOURS = (None, 0, 3, 7, 8, 12, 20, 21, 23)


def _all_case_texts() -> list[tuple[str, veritext.Context]]:
    out = []
    for case in CASES.values():
        for example in (case["fires"], case["not"]):
            out.append((example["text"], veritext.Context(**example.get("context", {}))))
    return out


def test_messages_in_one_situation_get_the_same_signals_and_verdicts() -> None:
    """The contract the pipeline's per-text verdict reuse rests on (``signals.situation``): for one text and
    context, senders and times that give the same situation give the same signals, and the same verdict but
    for the sender, its type and the time; different situations may not. The situation keeps of the sender
    type only what the rules read of it (a class), and for most texts nothing of the number but its region."""
    from dataclasses import replace

    from veritext.extract import extract
    from veritext.normalize import normalize
    from veritext.pipeline import _judge, infer_jurisdiction
    from veritext.senders import classify_sender
    from veritext.signals import evaluate, reads_sender, situation
    from veritext.signals.checks import RuleContext

    def verdict_part(v: veritext.Verdict) -> dict[str, Any]:
        d = v.to_dict()
        for name in ("sender", "sender_type", "received_at"):
            d.pop(name, None)
        return d

    merged = differed = types_merged = 0
    for text, ctx in _all_case_texts():
        base = extract(normalize(text))
        coarse = not reads_sender(base)
        seen: dict[Any, tuple[Any, ...]] = {}
        for sender in _SENDERS:
            ext = replace(base, sender=classify_sender(sender))
            for hour in _HOURS:
                when = None if hour is None else datetime(2026, 11, 3, hour, 30)
                jurisdiction = infer_jurisdiction(ext, ctx)
                signals = evaluate(ext, RuleContext(context=ctx, jurisdiction=jurisdiction, received_at=when))
                verdict = _judge(text, ext, sender, when, ctx, None, None)
                key = (jurisdiction, situation(base, ext.sender, when))
                if key in seen:
                    first_signals, first_verdict, first_type = seen[key]
                    assert first_signals == signals, (text, sender, hour)
                    assert first_verdict == verdict_part(verdict), (text, sender, hour)
                    merged += 1
                    types_merged += coarse and first_type != ext.sender.type
                else:
                    differed += len(seen) > 0 and all(signals != s for s, _, _ in seen.values())
                    seen[key] = (signals, verdict_part(verdict), ext.sender.type)
    assert merged > differed > 0  # most combinations share a situation, and situations do tell apart
    assert types_merged > 0  # some situations leave the sender type out


def test_reused_verdicts_are_those_of_a_fresh_triage() -> None:
    """One text from many senders at many hours, through the caches, gives what an uncached triage gives."""
    texts = [t for t, ctx in _all_case_texts() if not ctx.loans and ctx.rules is None][:40]
    messages = [
        veritext.Message(t, sender=s, received_at=None if h is None else datetime(2026, 11, 3, h, 5))
        for t in texts
        for s in _SENDERS[:8]
        for h in (None, 2, 12, 22)
    ]
    cached = [v.to_dict() for v in veritext.triage_many(messages)]
    fresh = [veritext.triage(m.text, sender=m.sender, received_at=m.received_at).to_dict() for m in messages]
    assert cached == fresh


@pytest.mark.parametrize(
    "text",
    [
        # written for this test: scam texts as police warnings and news reports quote them, link masked
        "【高速ETC】您的ETC已停用，请立即点击 ***.***.cn 重新认证，超时停止使用！",
        "您的支付宝账户需要重新实名认证，请在24小时内登录(此处为链接)完成验证，否则将限制使用",
        "您的ETC信息认证未完成，为避免冻结，点击http://***.com认证",
    ],
)
def test_a_masked_link_counts_as_a_link_for_the_lure_rules(text: str) -> None:
    assert "ACCOUNT_LURE_LINK" in _fired({"text": text})


def test_a_masked_link_under_a_traffic_fine_is_the_traffic_scam() -> None:
    # written for this test
    scam = "您的机动车不按规定车道行驶，已被拍摄，详情请点击 ***.***.cn 查询"
    assert "TRAFFIC_FINE_LINK" in _fired({"text": scam})
    # the same offence without any link is how a real notice reads
    real = "您的机动车不按规定车道行驶，已被拍摄，请通过交管部门官方渠道处理"
    assert "TRAFFIC_FINE_LINK" not in _fired({"text": real})


def test_stars_that_are_not_a_link_are_not_a_masked_link() -> None:
    from veritext.extract import extract
    from veritext.normalize import normalize

    # written for this test: starred-out names and digits, a rating, an emphasis
    # and a corpus's stand-in token for every link, official ones included
    not_links = ("尊敬的张**先生，您的尾号**12的卡已入账", "5*** hotel, great view", "**重要** 明天开会",
                 "账户 ***1234 已更新", "会员日红包请点击[URL]领取", "详情请点击[链接]")
    for text in not_links:
        assert "link_placeholder" not in extract(normalize(text)).hits, text


def test_an_opt_out_line_under_an_account_lure_does_not_count_as_a_genuine_mark() -> None:
    # written for this test: a scam that copies the bulk senders' "reply T to unsubscribe"
    fired = _fired({"text": "【ETC出行】您的ETC认证未完成，点击 etc-rz.com 认证，回T退订"})
    assert "GENUINE_UNSUBSCRIBE" not in fired
    assert "GENUINE_UNSUBSCRIBE" in _fired({"text": "【某商城】双十一全场五折，回T退订"})
