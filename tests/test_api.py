"""The public contract of ``veritext``, as examples of use: triage a message, read the verdict."""

from __future__ import annotations

import dataclasses
import json

import pytest

import veritext
from veritext import Context, Message
from veritext.facts import contacts as fact_contacts

# written for this test (DESIGN.md acceptance example: a fake Chinese overdue notice with a phishing link)
ZH_FAKE_OVERDUE = "【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉"
# written for this test (acceptance example: a fake English past-due text with a short link)
EN_FAKE_OVERDUE = "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz"
# written for this test (a bank verification code, as a bank sends it)
BANK_CODE = "【工商银行】您的验证码为482913，请勿泄露"

MIXED = [
    ZH_FAKE_OVERDUE,
    Message(EN_FAKE_OVERDUE),
    Message(BANK_CODE, sender="95588", context=Context(requested_code="no")),
    # written for this test
    "【招商银行】您尾号1234的信用卡本期账单2,380.50元，还款日12月05日，请在掌上生活App内按时还款。",
    # written for this test
    Message("Hi mum, running late, see you at 7", sender="+447700900123"),
    BANK_CODE,
    ZH_FAKE_OVERDUE,  # a repeat: bulk traffic repeats templates
]


def _spans_covering(verdict: veritext.Verdict, needle: str) -> list[str]:
    """Ids of the signals with a span covering the first occurrence of ``needle`` in the message."""
    start = verdict.text.index(needle)
    end = start + len(needle)
    return [s.id for s in verdict.signals if any(sp.start <= start and end <= sp.end for sp in s.spans)]


def _step_index(verdict: veritext.Verdict, predicate) -> int:
    for i, step in enumerate(verdict.plan):
        if predicate(step):
            return i
    raise AssertionError(f"no plan step matches; plan = {[s.id for s in verdict.plan]}")


def test_verdict_is_frozen():
    v = veritext.triage(ZH_FAKE_OVERDUE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.risk = "low"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.plan[0].text = veritext.I18nText("", "")  # type: ignore[misc]


@pytest.mark.parametrize("text", [ZH_FAKE_OVERDUE, EN_FAKE_OVERDUE, BANK_CODE])
def test_to_dict_is_json_with_every_field(text, valid_verdict):
    v = veritext.triage(text)
    d = valid_verdict(v)
    assert d == v.to_dict()  # already JSON-native: nothing changes in a round trip
    assert json.loads(json.dumps(v.to_dict(), ensure_ascii=False)) == d
    assert d["schema_version"] == veritext.SCHEMA_VERSION
    assert d["kind"] in veritext.KINDS
    assert d["risk"] in ("low", "medium", "high")
    assert sum(d["kind_probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert d["signals"], "every verdict explains itself"
    for sig in d["signals"]:
        assert {"id", "weight", "group", "description", "spans"} <= sig.keys()
        assert set(sig["description"]) == {"zh", "en"}
        for span in sig["spans"]:
            assert set(span) == {"start", "end", "text"}
            assert text[span["start"] : span["end"]] == span["text"]
    assert d["plan"]
    for step in d["plan"]:
        assert {"text", "reason", "contacts", "condition"} <= step.keys()
        assert set(step["text"]) == set(step["reason"]) == {"zh", "en"}
    for contact in d["contacts"]:
        assert contact["id"] in fact_contacts()


def test_zh_fake_overdue_with_link_is_high_risk_and_says_do_not_click(valid_verdict):
    v = veritext.triage(ZH_FAKE_OVERDUE)
    valid_verdict(v)
    assert (v.kind, v.risk, v.language, v.jurisdiction) == ("overdue_collection", "high", "zh", "CN")
    assert _spans_covering(v, "http://xx-repay.top"), "the link must be highlighted as evidence"
    dont_click = _step_index(v, lambda s: "不要点击" in s.text.zh or "链接" in s.text.zh)
    assert dont_click <= 1, "not clicking comes first"
    official_app = _step_index(v, lambda s: "官方App" in s.text.zh or "official app" in s.text.en.lower())
    assert official_app > dont_click


def test_en_fake_overdue_with_short_link_is_high_risk_and_names_7726(valid_verdict):
    v = veritext.triage(EN_FAKE_OVERDUE)
    valid_verdict(v)
    assert (v.kind, v.risk, v.language) == ("overdue_collection", "high", "en")
    assert v.jurisdiction == "US"
    assert _spans_covering(v, "bit.ly/xyz")
    dont_click = _step_index(v, lambda s: "click" in s.text.en.lower())
    assert dont_click <= 1
    ids = [c.id for c in v.contacts]
    assert any("7726" in i for i in ids), ids
    assert "us-7726" in ids
    assert any(c.value == "7726" or "7726" in c.value for c in v.contacts)


def test_bank_code_from_bank_number_is_low_risk(valid_verdict):
    v = veritext.triage(BANK_CODE, sender="95588")
    valid_verdict(v)
    assert (v.kind, v.risk) == ("verification_code", "low")
    assert v.sender == "95588"


def test_code_you_did_not_ask_for_points_at_someone_using_your_number():
    v = veritext.triage(BANK_CODE, sender="95588", context=Context(requested_code="no"))
    assert v.kind == "verification_code"
    assert "UNREQUESTED_CODE" in {s.id for s in v.signals}
    assert v.scenarios[0].id == "someone_using_your_number"
    # The person answered, so the plan no longer branches on the question.
    assert not any(s.condition and "requested_code" in s.condition for s in v.plan)


def test_code_with_unknown_request_gives_both_branches():
    v = veritext.triage(BANK_CODE, sender="95588", context=Context(requested_code="unknown"))
    conditions = {s.condition for s in v.plan if s.condition}
    assert any("requested_code" in c for c in conditions)
    assert {"requested_code=yes", "requested_code=no"} <= conditions
    assert "UNREQUESTED_CODE" not in {s.id for s in v.signals}


def test_overdue_plan_branches_on_has_loan_until_answered():
    unknown = veritext.triage(ZH_FAKE_OVERDUE, context=Context(has_loan="unknown"))
    conditions = {s.condition for s in unknown.plan}
    assert {"has_loan=yes", "has_loan=no"} <= conditions

    no_loan = veritext.triage(ZH_FAKE_OVERDUE, context=Context(has_loan="no"))
    assert not any(s.condition == "has_loan=yes" for s in no_loan.plan)
    assert no_loan.fraud_probability >= unknown.fraud_probability
    assert no_loan.context.has_loan == "no"


def test_context_rejects_unknown_answers():
    with pytest.raises(ValueError, match="has_loan"):
        Context(has_loan="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="requested_code"):
        Context(requested_code="y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="jurisdiction"):
        Context(jurisdiction="FR")  # type: ignore[arg-type]


def test_jurisdiction_override_changes_verdict_and_contacts():
    inferred = veritext.triage(ZH_FAKE_OVERDUE)
    overridden = veritext.triage(ZH_FAKE_OVERDUE, context=Context(jurisdiction="UK"))
    assert inferred.jurisdiction == "CN"
    assert overridden.jurisdiction == "UK"
    assert overridden.contacts
    assert all(c.jurisdiction == "UK" for c in overridden.contacts)


def test_every_contact_comes_from_the_facts():
    known = fact_contacts()
    for item in MIXED:
        v = (
            veritext.triage(item)
            if isinstance(item, str)
            else veritext.triage(item.text, sender=item.sender, context=item.context)
        )
        for c in v.contacts:
            assert c.id in known
            assert c == known[c.id], "a contact is printed exactly as the facts give it"


def test_triage_many_equals_triage_one_by_one():
    expected = [
        veritext.triage(m).to_dict()
        if isinstance(m, str)
        else veritext.triage(m.text, sender=m.sender, received_at=m.received_at, context=m.context).to_dict()
        for m in MIXED
    ]
    got = [v.to_dict() for v in veritext.triage_many(MIXED)]
    assert got == expected


def test_triage_many_is_lazy_and_rejects_other_items():
    it = veritext.triage_many(iter([BANK_CODE, 42]))  # type: ignore[list-item]
    assert next(it).kind == "verification_code"
    with pytest.raises(veritext.InputError):
        next(it)
