"""The bulk path's shortcuts (a hand-written copy, hoisted fusion arithmetic, cached rankings and
contacts) give exactly what the plain computation gives."""

from __future__ import annotations

import dataclasses
import math
import random

from veritext.advise import advise, plan_contacts
from veritext.decide import rank_scenarios
from veritext.extract import extract
from veritext.facts import contact
from veritext.message import KINDS, Context, Signal
from veritext.model.train import _EPS, NEVER_TRUSTED, fuse_kind
from veritext.normalize import normalize
from veritext.senders import classify_sender


def test_with_sender_is_replace_for_every_field() -> None:
    ext = extract(normalize("【招商银行】您尾号1234的信用卡已逾期，请致电95555或访问 http://cmb-pay.top"))
    info = classify_sender("+447700900123")
    fast, plain = ext.with_sender(info), dataclasses.replace(ext, sender=info)
    # Field by field, compare=False ones too: a field added to Extraction must be added to with_sender.
    for f in dataclasses.fields(ext):
        assert getattr(fast, f.name) is getattr(plain, f.name), f.name
    assert fast.sender is info


def _plain_fuse_kind(rule: dict[str, float], model: dict[str, float], weight: float) -> dict[str, float]:
    uninformative = 1.0 / max(len(model), 1)
    mixed = {}
    for k in KINDS:
        r, m = max(rule.get(k, 0.0), _EPS), max(model.get(k, uninformative), _EPS)
        mixed[k] = math.exp((1 - weight) * math.log(r) + weight * math.log(m))
    total = sum(mixed.values())
    return {k: v / total for k, v in mixed.items()}


def test_fuse_kind_is_bit_for_bit_the_plain_formula() -> None:
    rng = random.Random(7)
    rules = []
    for _ in range(50):  # rounded like the rule estimator's
        raw = [rng.random() ** 3 for _ in KINDS]
        rules.append({k: round(v / sum(raw), 4) for k, v in zip(KINDS, raw, strict=True)})
    rules.append({"marketing": 1.0})  # kinds missing from the rule's answer
    for i in range(400):
        rule = rules[i % len(rules)]
        model = {k: rng.random() for k in KINDS[: 1 + i % len(KINDS)]}  # kinds the model never learned
        weight = rng.choice((0.0, 0.35, 0.5, 1.0, rng.random()))
        got = fuse_kind(rule, model, weight, {})
        want = _plain_fuse_kind(rule, model, weight)
        assert list(got) == list(want)
        assert all(got[k].hex() == want[k].hex() for k in KINDS)


def test_fuse_kind_keeps_a_trusted_rule_call() -> None:
    rule = {"repayment_reminder": 0.95, "other": 0.05}
    assert fuse_kind(rule, {"other": 1.0}, 0.5, {"repayment_reminder": 0.9})["repayment_reminder"] == 0.95
    assert fuse_kind(rule, {"other": 1.0}, 0.5, {"repayment_reminder": NEVER_TRUSTED})["repayment_reminder"] < 0.95


def _signal(sid: str, group: str = "fraud", weight: float = 2.0) -> Signal:
    from veritext.message import I18nText

    return Signal(id=sid, weight=weight, group=group, description=I18nText("", ""), spans=())


def test_a_cached_ranking_still_tells_apart_the_signals_and_answers_it_reads() -> None:
    code = Context(requested_code="no")
    with_flag = rank_scenarios(kind="verification_code", risk="high", fraud=0.8,
                               signals=(_signal("UNREQUESTED_CODE", "context"),), context=code)  # fmt: skip
    without = rank_scenarios(kind="verification_code", risk="high", fraud=0.8, signals=(), context=code)
    assert "UNREQUESTED_CODE" in next(s for s in with_flag if s.id == "someone_using_your_number").evidence
    assert "UNREQUESTED_CODE" not in next(s for s in without if s.id == "someone_using_your_number").evidence
    # Fraud evidence: strong fraud signals only, sorted, whatever order they come in.
    strong = (_signal("B_FRAUD"), _signal("A_FRAUD"), _signal("WEAK", weight=0.5), _signal("X", group="kind"))
    phishing = next(s for s in rank_scenarios(kind="other", risk="high", fraud=0.9, signals=strong,
                                              context=Context()) if s.id == "phishing")  # fmt: skip
    assert phishing.evidence == ("A_FRAUD", "B_FRAUD")
    loan = {a: rank_scenarios(kind="overdue_collection", risk="low", fraud=0.1, signals=(), context=Context(has_loan=a))
            for a in ("yes", "no", "unknown")}  # fmt: skip
    assert loan["yes"][0].id == "have_loan" and loan["no"][0].id == "mass_send_mistake"
    assert len({tuple(s.id for s in r) for r in loan.values()}) == 3


def test_plan_contacts_of_a_cached_plan_and_of_an_equal_new_one_agree() -> None:
    plan = advise(kind="overdue_collection", risk="high", signal_ids=frozenset(), scenario_ids=("identity_theft",),
                  context=Context(), jurisdiction="CN", institution_name=None)  # fmt: skip
    copy = tuple(dataclasses.replace(s) for s in plan)
    first, again, of_copy = plan_contacts(plan), plan_contacts(plan), plan_contacts(copy)
    assert first is again and of_copy == first
    want = tuple(contact(cid) for cid in dict.fromkeys(c for s in plan for c in s.contacts))
    assert first == want and first
