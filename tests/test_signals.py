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
