"""The person's own rules: a TOML file of allow / deny lists and keyword or regex rules, validated on load,
shown in a verdict's reasons like built-in rules, and unable to hang triage."""

from __future__ import annotations

import time

import pytest

import veritext
from veritext import Context
from veritext.extract import extract
from veritext.message import I18nText
from veritext.normalize import normalize
from veritext.userrules import RulesError, UserRule, UserRules, dump_rules, evaluate, parse_rules

RULES = """
version = 1

[allow]
senders = ["95588", "1069*"]
domains = ["mucfc.com"]

[deny]
senders = ["+86 170 0000 1111"]
domains = ["xx-repay.top"]
weight = 4

[[rules]]
id = "student-loan"
keywords = ["校园贷", "student loan"]
weight = 1.5
description = { zh = "提到校园贷", en = "Mentions a student loan" }

[[rules]]
id = "refund-link"
regex = "退款.{0,10}链接"
weight = 2.0
description = "退款加链接"
"""


def fired(text: str, rules: UserRules, sender: str | None = None) -> dict[str, veritext.Signal]:
    return {s.id: s for s in evaluate(extract(normalize(text), sender=sender), rules)}


def test_a_rules_file_loads_and_round_trips() -> None:
    rules = parse_rules(RULES)
    assert rules.allow_senders == ("95588", "1069*")
    assert rules.deny_domains == ("xx-repay.top",)
    assert (rules.allow_weight, rules.deny_weight) == (-2.0, 4.0)
    assert [r.signal_id for r in rules.rules] == ["USER_STUDENT_LOAN", "USER_REFUND_LINK"]
    assert rules.rules[1].description == I18nText("退款加链接", "退款加链接")
    assert parse_rules(dump_rules(rules)) == rules
    assert rules.count() == 7
    assert hash(Context(rules=rules)) == hash(Context(rules=parse_rules(RULES)))


def test_keyword_rules_match_the_normalised_text_and_point_at_the_original() -> None:
    text = "ＳＴＵＤＥＮＴ ＬＯＡＮ relief: 校园贷 可注销"  # written for this test (full-width letters)
    hit = fired(text, parse_rules(RULES))["USER_STUDENT_LOAN"]
    assert hit.group == "user" and hit.weight == 1.5
    assert [s.text for s in hit.spans] == ["ＳＴＵＤＥＮＴ ＬＯＡＮ", "校园贷"]


def test_regex_rules_fire_with_their_spans() -> None:
    hit = fired("您的退款已到，请点击链接领取", parse_rules(RULES))["USER_REFUND_LINK"]  # written for this test
    assert [s.text for s in hit.spans] == ["退款已到，请点击链接"]


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("95588", "USER_ALLOWED_SENDER"),
        ("+86 95588", "USER_ALLOWED_SENDER"),
        ("106980095533", "USER_ALLOWED_SENDER"),  # the 1069* wildcard
        ("17000001111", "USER_DENIED_SENDER"),  # +86 170 0000 1111 written another way
        ("95533", None),
    ],
)
def test_sender_lists_compare_numbers_not_spellings(sender: str, expected: str | None) -> None:
    found = {k for k in fired("您好", parse_rules(RULES), sender=sender) if k.endswith("_SENDER")}
    assert found == ({expected} if expected else set())


def test_domain_lists_cover_subdomains_and_allow_needs_every_link() -> None:
    rules = parse_rules(RULES)
    assert "USER_DENIED_DOMAIN" in fired("还款请点 http://pay.xx-repay.top/a", rules)
    assert "USER_ALLOWED_DOMAIN" in fired("详情 https://m.mucfc.com/bill", rules)
    mixed = fired("详情 https://m.mucfc.com/bill 或 http://pay.xx-repay.top", rules)
    assert "USER_ALLOWED_DOMAIN" not in mixed and "USER_DENIED_DOMAIN" in mixed


def test_user_rules_appear_in_the_verdicts_reasons_and_move_the_score() -> None:
    text = "【某某金融】校园贷账户需注销，详询客服。"  # written for this test
    plain = veritext.triage(text)
    mine = veritext.triage(text, context=Context(rules=parse_rules(RULES)))
    assert "USER_STUDENT_LOAN" in {s.id for s in mine.signals}
    assert mine.fraud_probability > plain.fraud_probability
    assert mine.to_dict()["context"]["user_rules"] == 7


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            '[[rules]]\nid = "bad-re"\nregex = "(unclosed"\nweight = 1',
            "rule 'bad-re': regex '\\(unclosed' does not compile",
        ),
        ('[[rules]]\nid = "slow"\nregex = "(a+)+$"\nweight = 1', "rule 'slow'.*takes too long"),
        ('[[rules]]\nid = "empty"\nregex = "x*"\nweight = 1', "rule 'empty'.*matches empty text"),
        ('[[rules]]\nid = "both"\nregex = "x"\nkeywords = ["y"]\nweight = 1', "rule 'both'.*either keywords"),
        ('[[rules]]\nid = "nw"\nkeywords = ["y"]', "rule 'nw': needs a weight"),
        ('[[rules]]\nid = "big"\nkeywords = ["y"]\nweight = 100', "rule 'big'.*from -10 to 10"),
        ('[[rules]]\nid = "typo"\nkeyword = ["y"]\nweight = 1', "rule 'typo': unknown key"),
        ('[[rules]]\nid = "a b"\nkeywords = ["y"]\nweight = 1', "id must be"),
        (
            '[[rules]]\nid = "d"\nkeywords = ["y"]\nweight = 1\n[[rules]]\nid = "D"\nkeywords = ["z"]\nweight = 1',
            "used twice",
        ),
        ('[deny]\ndomains = ["not a domain"]', r"\[deny\]\.domains.*not a domain"),
        ("[allow]\nsenders = []\nfoo = 1", r"\[allow\]: unknown key"),
        ("version = 2", "version 2 is not supported"),
        ("this is = not toml =", "not valid TOML"),
    ],
)
def test_bad_rules_are_refused_with_the_rule_named(doc: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(doc)


def test_a_regex_built_to_backtrack_cannot_hang_triage() -> None:
    # Built in code, past the loader's check, as a rule from an older or edited database could be.
    slow = UserRule(id="slow", weight=1.0, description=I18nText("慢", "slow"), pattern="(a+)+$")
    rules = UserRules(rules=(slow,))
    text = "a" * 5000 + "b"
    started = time.monotonic()
    verdict = veritext.triage(text, context=Context(rules=rules))
    assert time.monotonic() - started < 2.0
    timeout = next(s for s in verdict.signals if s.id == "USER_RULE_TIMEOUT")
    assert timeout.weight == 0 and timeout.detail == "slow" and "slow" in timeout.description.en
    assert "USER_SLOW" not in {s.id for s in verdict.signals}


def test_many_slow_rules_share_one_budget() -> None:
    slow = tuple(
        UserRule(id=f"slow{i}", weight=1.0, description=I18nText("慢", "slow"), pattern="(a+)+$") for i in range(40)
    )
    started = time.monotonic()
    signals = evaluate(extract(normalize("a" * 3000 + "b")), UserRules(rules=slow))
    assert time.monotonic() - started < 2.0
    assert signals[-1].id == "USER_RULE_TIMEOUT" and signals[-1].detail.count("slow") == 40
