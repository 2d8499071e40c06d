"""Decide stage: the one place where evidence is weighed into kind, risk and scenarios.

Today the weighing is a transparent weighted score (data/decide.yaml). The learned model plugs in
through :class:`Estimator`: anything that returns kind probabilities and a fraud probability can
replace or be fused with :class:`RuleEstimator` without touching the stages around it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Protocol

from veritext.datafiles import load_yaml
from veritext.extract import Extraction
from veritext.message import KINDS, Context, I18nText, Scenario, Signal, Span

_MARKETING_KINDS = ("loan_marketing", "marketing")
_DEBT_KINDS = ("repayment_reminder", "overdue_collection", "legal_threat")


@dataclass(frozen=True, slots=True)
class Estimate:
    """What an estimator says about one message, before risk bands and scenarios."""

    kind: str
    kind_probabilities: Mapping[str, float]
    fraud_probability: float
    kind_evidence: tuple[Span, ...] = ()
    spam_probability: float | None = None  # None: derive it from fraud and the marketing kinds
    extra_signals: tuple[Signal, ...] = ()  # reasons the estimator itself contributes (e.g. the model's)


class Estimator(Protocol):
    """The seam for the statistical model: same input, same output as the rule estimator."""

    def estimate(self, ext: Extraction, signals: tuple[Signal, ...]) -> Estimate: ...


@dataclass(frozen=True, slots=True)
class Decision:
    """The decide stage's output."""

    kind: str
    kind_probabilities: Mapping[str, float]
    fraud_probability: float
    spam_probability: float
    risk: str
    scenarios: tuple[Scenario, ...]
    kind_signal: Signal | None
    extra_signals: tuple[Signal, ...] = ()


@cache
def _config() -> Mapping[str, Any]:
    text = resources.files("veritext").joinpath("data/decide.yaml").read_text(encoding="utf-8")
    data: Mapping[str, Any] = load_yaml(text)
    return data


@cache
def _scenario_texts() -> Mapping[str, tuple[I18nText, I18nText]]:
    text = resources.files("veritext").joinpath("data/scenarios.yaml").read_text(encoding="utf-8")
    raw: Mapping[str, Any] = load_yaml(text)
    return {sid: (I18nText(**body["title"]), I18nText(**body["explanation"])) for sid, body in raw.items()}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


# Evidence spans kept per cue: a person reads a handful; a million-character paste must not make
# the kind table quadratic.
_MAX_CUE_SPANS = 8

# One row per kind of data/decide.yaml, read once: (kind, requires, also_requires, bias, cues).
_KindRow = tuple[str, tuple[str, ...], tuple[str, ...], float, tuple[tuple[str, float], ...]]


@cache
def _kind_table() -> tuple[_KindRow, ...]:
    rows: list[_KindRow] = []
    for kind in KINDS:
        spec = _config()["kinds"].get(kind, {})
        rows.append(
            (
                kind,
                tuple(spec.get("requires") or ()),
                tuple(spec.get("also_requires") or ()),
                float(spec.get("bias", 0.0)),
                tuple((cue, float(weight)) for cue, weight in spec.get("cues", {}).items()),
            )
        )
    return tuple(rows)


@cache
def _fraud_terms() -> tuple[float, frozenset[str], float]:
    """(bias, groups that feed the fraud score, minimum kind score), from data/decide.yaml."""
    cfg = _config()
    return float(cfg["fraud"]["bias"]), frozenset(cfg["fraud"]["groups"]), float(cfg["min_kind_score"])


_KIND_RANK = {k: i for i, k in enumerate(KINDS)}


def _cue_names(ext: Extraction) -> set[str]:
    """Every cue name the kind table can use: lexicon categories, ``@kind`` entities, ``@due_date``."""
    names = set(ext.hits)
    names.update(ext.entity_cues)
    if any(e.attrs.get("due") for e in ext.of_kind("date")):
        names.add("@due_date")
    return names


def _cue_spans(ext: Extraction, cue: str) -> list[Span]:
    """(The first few of) a present cue's evidence spans."""
    if cue in ext.hits:
        return [ext.norm.span(s, e) for s, e in ext.hits[cue][:_MAX_CUE_SPANS]]
    due_only = cue == "@due_date"
    ents = [e for e in ext.of_kind("date" if due_only else cue[1:]) if not due_only or e.attrs.get("due")]
    return [e.span for e in ents[:_MAX_CUE_SPANS]]


def _cues_present(ext: Extraction) -> dict[str, list[Span]]:
    """Every cue name the kind table can use, with (the first few of) its evidence spans."""
    return {cue: _cue_spans(ext, cue) for cue in _cue_names(ext)}


class RuleEstimator:
    """Kind from weighted cues, fraud probability from the fired signals' weights."""

    def estimate(self, ext: Extraction, signals: tuple[Signal, ...]) -> Estimate:
        cues = frozenset(_cue_names(ext))
        probs, best, evidence_cues = _kind_call(cues)
        fraud_bias, groups, _ = _fraud_terms()
        logit = fraud_bias + sum(s.weight for s in signals if s.group in groups)
        # Evidence only for the kind chosen (the spans of the other kinds were never shown).
        evidence = tuple(span for cue in evidence_cues for span in _cue_spans(ext, cue))
        return Estimate(
            kind=best,
            kind_probabilities=dict(probs),
            fraud_probability=_sigmoid(logit),
            kind_evidence=evidence,
        )


@lru_cache(maxsize=8192)
def _kind_call(cues: frozenset[str]) -> tuple[Mapping[str, float], str, tuple[str, ...]]:
    """The kind table's answer for a set of cues: (probabilities, best kind, the best kind's cues
    present, in table order). Pure in ``cues``, which few messages do not share with others."""
    scores: dict[str, float] = {}
    for kind, requires, also_requires, bias, weights in _kind_table():
        if requires and not any(c in cues for c in requires):
            continue
        if also_requires and not any(c in cues for c in also_requires):
            continue
        score = bias
        for cue, weight in weights:
            if cue in cues:
                score += weight
        scores[kind] = score
    top = max(scores.values())
    exps = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exps.values())
    probs = {k: round(exps.get(k, 0.0) / total, 4) for k in KINDS}
    best = max(scores, key=lambda k: (scores[k], -_KIND_RANK[k]))
    if scores[best] < _fraud_terms()[2]:
        best = "other"
    evidence_cues: tuple[str, ...] = ()
    if best in scores:
        weights = next(row[4] for row in _kind_table() if row[0] == best)
        evidence_cues = tuple(cue for cue, _ in weights if cue in cues)
    return probs, best, evidence_cues


@cache
def rule_trusted_kinds() -> frozenset[str]:
    """Kinds on which a confident rule call is not overruled by the statistical model."""
    return frozenset(_config().get("rule_trusted_kinds", ()))


def marketing_share(kind_probabilities: Mapping[str, float]) -> float:
    """How much of the kind distribution says "advertising"."""
    return sum(kind_probabilities.get(k, 0.0) for k in _MARKETING_KINDS)


@cache
def default_estimator() -> Estimator:
    """Rules fused with the shipped model."""
    from veritext.model import default_model
    from veritext.model.fused import FusedEstimator

    return FusedEstimator(default_model())


def decide(
    ext: Extraction,
    signals: tuple[Signal, ...],
    *,
    context: Context,
    estimator: Estimator | None = None,
) -> Decision:
    """Weigh the evidence: kind, calibrated-as-far-as-rules-go probabilities, risk band and scenarios."""
    est = (estimator or default_estimator()).estimate(ext, signals)
    probs = dict(est.kind_probabilities)
    kind = est.kind
    fraud = round(est.fraud_probability, 4)
    thresholds = _config()["risk_thresholds"]
    risk = "high" if fraud >= thresholds["high"] else "medium" if fraud >= thresholds["medium"] else "low"
    if est.spam_probability is not None:
        spam = round(est.spam_probability, 4)
    else:
        spam = round(1.0 - (1.0 - fraud) * (1.0 - marketing_share(probs)), 4)
    kind_signal = None
    if kind != "other" and est.kind_evidence:
        kind_signal = _kind_signal(kind, est.kind_evidence)
    scenarios = rank_scenarios(kind=kind, risk=risk, fraud=fraud, signals=signals, context=context)
    return Decision(
        kind=kind,
        kind_probabilities=probs,
        fraud_probability=fraud,
        spam_probability=spam,
        risk=risk,
        scenarios=scenarios,
        kind_signal=kind_signal,
        extra_signals=est.extra_signals,
    )


_KIND_NAMES = {
    "verification_code": I18nText("验证码短信", "a verification-code message"),
    "loan_marketing": I18nText("贷款营销短信", "a loan advertisement"),
    "marketing": I18nText("营销短信", "a marketing message"),
    "repayment_reminder": I18nText("还款提醒", "a repayment reminder"),
    "overdue_collection": I18nText("逾期催收短信", "an overdue / collection notice"),
    "third_party_contact": I18nText("关于他人欠款的联系短信", "a message about someone else's debt"),
    "legal_threat": I18nText("法律威胁（诉讼、法院、警方）", "a legal threat (lawsuit, court, police)"),
    "account_notice": I18nText("账户通知", "an account notice"),
    "personal": I18nText("个人消息", "a personal message"),
}


def kind_name(kind: str) -> I18nText:
    """The kind's name for people, in both languages."""
    return _KIND_NAMES.get(kind, I18nText("其他短信", "another kind of message"))


@cache
def _kind_description(kind: str) -> I18nText:
    name = kind_name(kind)
    return I18nText(zh=f"这些字眼表明它是{name.zh}", en=f"These words make it read as {name.en}")


def _kind_signal(kind: str, spans: tuple[Span, ...]) -> Signal:
    uniq = tuple(sorted({(s.start, s.end): s for s in spans}.values(), key=lambda s: s.start))
    return Signal(
        id="KIND_" + kind.upper(),
        weight=0.0,
        group="kind",
        description=_kind_description(kind),
        spans=uniq[:8],
    )


def rank_scenarios(
    *, kind: str, risk: str, fraud: float, signals: tuple[Signal, ...], context: Context
) -> tuple[Scenario, ...]:
    """Rank the "why did I get this" explanations from the kind, the risk and the person's answers."""
    fraud_ev = tuple(sorted(s.id for s in signals if s.group == "fraud" and s.weight >= 1.0))
    fired = {s.id for s in signals}
    return _ranked(
        kind, risk, fraud, fraud_ev, "UNREQUESTED_CODE" in fired, "THIRD_PARTY_DISCLOSURE" in fired,
        context.requested_code, context.has_loan,
    )  # fmt: skip


# rank_scenarios reads no more of the signals and the context than these arguments, and the fraud
# probability it is given is rounded to 4 places: bulk traffic repeats them, so the ranking is cached.
@lru_cache(maxsize=8192)
def _ranked(
    kind: str,
    risk: str,
    fraud: float,
    fraud_ev: tuple[str, ...],
    unrequested_code: bool,
    third_party_disclosure: bool,
    requested_code: str,
    has_loan: str,
) -> tuple[Scenario, ...]:
    scores: dict[str, tuple[float, tuple[str, ...]]] = {}

    def add(sid: str, score: float, *evidence: str) -> None:
        old = scores.get(sid, (0.0, ()))
        scores[sid] = (max(old[0], score), tuple(dict.fromkeys((*old[1], *evidence))))

    if risk != "low":
        add("phishing", 0.3 + fraud * 0.7, *fraud_ev)
    if kind == "verification_code":
        if requested_code == "yes":
            add("registered_or_applied", 0.9, "context:requested_code=yes")
        elif requested_code == "no":
            add(
                "someone_using_your_number",
                0.9,
                "context:requested_code=no",
                *(("UNREQUESTED_CODE",) if unrequested_code else ()),
            )
            add("data_leak_targeted", 0.3, "context:requested_code=no")
        else:
            add("registered_or_applied", 0.6)
            add("someone_using_your_number", 0.4)
    elif kind in _MARKETING_KINDS:
        add("registered_or_applied", 0.5)
        add("bulk_marketing", 0.5)
        add("data_leak_targeted", 0.25)
    elif kind in _DEBT_KINDS or kind == "account_notice":
        if has_loan == "yes":
            add("have_loan", 0.9 - fraud * 0.4, "context:has_loan=yes")
        elif has_loan == "no":
            add("mass_send_mistake", 0.5, "context:has_loan=no")
            add("identity_theft", 0.4, "context:has_loan=no")
            add("phishing", 0.35 + fraud * 0.6, "context:has_loan=no", *fraud_ev)
        else:
            add("have_loan", 0.6 * (1.0 - fraud) + 0.1)
            add("mass_send_mistake", 0.2)
            add("identity_theft", 0.15)
        if fraud >= 0.35:
            add("data_leak_targeted", 0.25 + fraud * 0.2)
    elif kind == "third_party_contact":
        add(
            "emergency_contact",
            0.8,
            *(("THIRD_PARTY_DISCLOSURE",) if third_party_disclosure else ()),
        )
        add("mass_send_mistake", 0.3)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])
    return tuple(_scenario(sid, score, ev) for sid, (score, ev) in ranked)


@lru_cache(maxsize=8192)
def _scenario(sid: str, score: float, evidence: tuple[str, ...]) -> Scenario:
    """One ranked scenario (frozen, so the same answer can be shared by every verdict that has it)."""
    title, explanation = _scenario_texts()[sid]
    return Scenario(id=sid, score=round(min(score, 1.0), 3), title=title, explanation=explanation, evidence=evidence)
