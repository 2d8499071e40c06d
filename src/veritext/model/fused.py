"""Rules and model combined: the estimator the pipeline uses by default.

The fusion weights were fitted on out-of-fold predictions at training time, so the fused fraud and
spam probabilities are calibrated; the model's strongest n-grams become a reason with spans.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from veritext.decide import Estimate, RuleEstimator, marketing_share
from veritext.decide import _config as decide_config
from veritext.extract import Extraction
from veritext.message import KINDS, I18nText, Signal, Span
from veritext.model import UNREAD, Contribution, ModelOutput, TextModel
from veritext.model.train import fuse_kind, logit

MODEL_SIGNAL_ID = "MODEL_TEXT_PATTERNS"
_MODEL_DESCRIPTION = I18nText(
    zh="统计模型认为这些字词是诈骗短信的典型写法",
    en="The statistical model finds these words typical of fraud messages",
)


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


@cache
def model_influence() -> tuple[float, float]:
    """Bounds (in logits) on how far the model may move the rules' probability (data/decide.yaml)."""
    bounds = decide_config().get("model_influence", {})
    return float(bounds.get("min", -2.0)), float(bounds.get("max", 4.0))


_LETTER_RE = re.compile(r"[^\W\d_]")  # a letter of any script, CJK characters included


@cache
def _min_letters() -> int:
    return int(decide_config().get("model_min_letters", 0))


def fusion_language(ext: Extraction) -> str:
    """The language whose fusion weights apply to a message: its own, or ``UNREAD`` (the rules alone)
    when it has fewer letters than ``model_min_letters`` (data/decide.yaml) — nothing for the model to read."""
    need = _min_letters()
    if need <= 0:
        return ext.language
    text = ext.norm.text
    # Most messages open with that many letters: a letter (str.isalpha) is one _LETTER_RE matches
    # (no letter is a decimal digit or "_"), so no scan is needed then.
    if text[:need].isalpha() and len(text) >= need:
        return ext.language
    # Counting stops at the letters needed: almost every message reaches them in its first few characters.
    for found, _ in enumerate(_LETTER_RE.finditer(text), 1):
        if found >= need:
            return ext.language
    return UNREAD


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


@dataclass(frozen=True, slots=True)
class Parts:
    """The inputs to fusion, kept so evaluation can report rules alone and model alone."""

    rule: Estimate
    rule_spam: float
    model: ModelOutput


def fuse(parts: Parts, model: TextModel, *, language: str) -> tuple[float, float, dict[str, float]]:
    """Fused (fraud probability, spam probability, kind probabilities) for a message in ``language``."""
    weights = model.fusion(language)
    fa, fb, fc = weights.fraud
    sa, sb, sc = weights.spam
    lo, hi = model_influence()
    # The model's say is bounded: trained on little and mostly English data, it may add evidence or
    # temper the rules, but never veto a specific rule (a student-loan scam the data has never seen).
    fraud = _sigmoid(fb * logit(parts.rule.fraud_probability) + _clip(fa * parts.model.fraud_logit + fc, lo, hi))
    spam = _sigmoid(sb * logit(parts.rule_spam) + _clip(sa * parts.model.spam_logit + sc, lo, hi))
    kinds = fuse_kind(
        parts.rule.kind_probabilities, parts.model.kind_probabilities, weights.kind_model_weight, model.kind_trust
    )
    # Fraud is spam by definition (unsolicited bulk): the spam score never falls below the fraud score.
    return fraud, max(spam, fraud), kinds


def choose_kind(parts: Parts, kinds: dict[str, float], model: TextModel, *, language: str) -> str:
    """The verdict's kind: the rules' call where the model has no say in this language (or the rules
    are trusted for it), else the most probable fused kind."""
    if model.fusion(language).kind_model_weight == 0 or kinds == parts.rule.kind_probabilities:
        return parts.rule.kind
    return max(KINDS, key=lambda k: kinds[k])


class FusedEstimator:
    """Kind, fraud and spam from the rules and the text model together."""

    def __init__(self, model: TextModel) -> None:
        self.model = model
        self.rules = RuleEstimator()

    def parts(self, ext: Extraction, signals: tuple[Signal, ...]) -> Parts:
        """Each side's view before fusion."""
        rule = self.rules.estimate(ext, signals)
        rule_spam = 1.0 - (1.0 - rule.fraud_probability) * (1.0 - marketing_share(rule.kind_probabilities))
        return Parts(rule=rule, rule_spam=rule_spam, model=self.model.predict(ext.norm.lower))

    def estimate(self, ext: Extraction, signals: tuple[Signal, ...]) -> Estimate:
        parts = self.parts(ext, signals)
        language = fusion_language(ext)
        fraud, spam, kinds = fuse(parts, self.model, language=language)
        kind = choose_kind(parts, kinds, self.model, language=language)
        evidence = parts.rule.kind_evidence if kind == parts.rule.kind else ()
        extra: tuple[Signal, ...] = ()
        # Only a model that has a say in this language gets a reason in the verdict, and only on
        # messages worth explaining (the n-gram search is skipped for the rest).
        contributions: tuple[Contribution, ...] = ()
        if fraud >= 0.35 and self.model.fusion(language).fraud[0] > 0:
            contributions = self.model.explain(ext.norm.lower, top=_CANDIDATES)
        # Without contributions there is nothing to place: skip collecting the rules' spans.
        weight, spans = (
            _new_evidence(ext, contributions, taken=[sp for s in signals for sp in s.spans])
            if contributions
            else (0.0, ())
        )
        if spans:
            extra = (
                Signal(
                    id=MODEL_SIGNAL_ID,
                    weight=weight,
                    group="model",
                    description=_MODEL_DESCRIPTION,
                    spans=_unique(spans),
                ),
            )
        # (A positive probability below 0.00004 rounds to 0.0 at 4 places: no need to ask round().)
        return Estimate(
            kind=kind,
            kind_probabilities={k: 0.0 if 0.0 < v < 4e-5 else round(v, 4) for k, v in kinds.items()},
            fraud_probability=fraud,
            spam_probability=spam,
            kind_evidence=evidence,
            extra_signals=extra,
        )


@cache
def _skip_words() -> frozenset[str]:
    """Function words a reason never points at alone (data/decide.yaml ``explain_skip_words``)."""
    return frozenset(str(w) for w in decide_config().get("explain_skip_words", ()))


_CANDIDATES = 16  # contributions looked at, for the few that point at words no rule has marked
_SHOWN = 3


def _new_evidence(
    ext: Extraction, contributions: tuple[Contribution, ...], *, taken: list[Span]
) -> tuple[float, tuple[Span, ...]]:
    """The model's strongest contributions that point at text nothing has marked yet — no rule (the
    rules already explain their spans, and a model mark inside a rule's would split it) and no
    stronger contribution ("pay" inside "payment") — with their summed weight."""
    weight, spans, shown = 0.0, [], 0
    taken = list(taken)
    for c in contributions:
        if set(c.ngram.split()) <= _skip_words():
            continue
        own = []
        for sp in (ext.norm.span(s, e) for s, e in c.spans):
            if not any(sp.start < t.end and t.start < sp.end for t in taken):
                own.append(sp)
                taken.append(sp)
        if own:
            weight += c.weight
            spans.extend(own)
            shown += 1
            if shown == _SHOWN:
                break
    return round(weight, 3), tuple(spans)


def _unique(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    return tuple(sorted({(s.start, s.end): s for s in spans}.values(), key=lambda s: s.start))
