"""Scoring labelled messages with the fused verdict, the rules alone and the model alone.

All three come from one pass through the rule stages and one model prediction per message, through
the same fusion code the pipeline uses, so the gain of each side is measured on identical inputs.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from veritext.decide import _config as decide_config
from veritext.evaluation.datasets import LabeledMessage
from veritext.extract import extract
from veritext.message import KINDS, Context
from veritext.model import TextModel
from veritext.model.fused import FusedEstimator, Parts, choose_kind, fuse, fusion_language
from veritext.normalize import normalize
from veritext.pipeline import infer_jurisdiction
from veritext.signals import evaluate
from veritext.signals.checks import RuleContext

SYSTEMS = ("fused", "rules", "model")


@dataclass(frozen=True, slots=True)
class Prediction:
    """One system's call on one message."""

    fraud: float
    spam: float
    kind: str


@dataclass(slots=True)
class Scored:
    """A labelled message with each system's prediction."""

    message: LabeledMessage
    predictions: dict[str, Prediction] = field(default_factory=dict)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def high_threshold() -> float:
    """The fraud probability at which a verdict turns high risk."""
    return float(decide_config()["risk_thresholds"]["high"])


def parts_for(texts: Iterable[str], model: TextModel) -> dict[str, tuple[Parts, str]]:
    """Rule-side and model-side views (and the language whose fusion applies) for each distinct text."""
    est = FusedEstimator(model)
    ctx = Context()
    out: dict[str, tuple[Parts, str]] = {}
    for text in texts:
        if text in out:
            continue
        ext = extract(normalize(text))
        rc = RuleContext(context=ctx, jurisdiction=infer_jurisdiction(ext, ctx), received_at=None)
        out[text] = (est.parts(ext, evaluate(ext, rc)), fusion_language(ext))
    return out


def score(
    messages: Sequence[LabeledMessage], model: TextModel, *, parts: Mapping[str, tuple[Parts, str]] | None = None
) -> list[Scored]:
    """Predictions of every system for every message."""
    parts = parts if parts is not None else parts_for((m.text for m in messages), model)
    scored: list[Scored] = []
    for m in messages:
        p, language = parts[m.text]
        fraud, spam, kinds = fuse(p, model, language=language)
        fused_kind = choose_kind(p, kinds, model, language=language)
        model_kind = max(p.model.kind_probabilities, key=lambda k: p.model.kind_probabilities[k])
        scored.append(
            Scored(
                m,
                {
                    "fused": Prediction(fraud, spam, fused_kind),
                    "rules": Prediction(p.rule.fraud_probability, p.rule_spam, p.rule.kind),
                    "model": Prediction(_sigmoid(p.model.fraud_logit), _sigmoid(p.model.spam_logit), model_kind),
                },
            )
        )
    return scored


def _prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = (
        2 * p * r / (p + r)
        if p is not None and r is not None and p + r
        else (0.0 if p is not None and r is not None else None)
    )
    return p, r, f


def metrics(scored: Sequence[Scored], system: str) -> dict[str, Any]:
    """Counts; P/R/F1 for spam and fraud; ham false-positive rates; kind accuracy and confusion."""
    hi = high_threshold()
    medium = float(decide_config()["risk_thresholds"]["medium"])
    c: Counter[str] = Counter()
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for s in scored:
        m, pred = s.message, s.predictions[system]
        c[m.cls] += 1
        is_spam_pred, is_fraud_pred = pred.spam >= 0.5, pred.fraud >= hi
        if m.cls in ("ham", "spam", "fraud"):
            gold_spam = m.cls != "ham"
            c["spam_tp"] += gold_spam and is_spam_pred
            c["spam_fp"] += (not gold_spam) and is_spam_pred
            c["spam_fn"] += gold_spam and not is_spam_pred
        gold_fraud = m.cls == "fraud"
        if gold_fraud:
            c["fraud_flagged"] += is_spam_pred or pred.fraud >= medium
        c["fraud_tp"] += gold_fraud and is_fraud_pred
        c["fraud_fp"] += (not gold_fraud) and is_fraud_pred
        c["fraud_fn"] += gold_fraud and not is_fraud_pred
        if m.cls == "ham":
            c["ham_spam"] += is_spam_pred
            c["ham_high"] += is_fraud_pred
        if m.authenticity == "genuine":
            c["genuine"] += 1
            c["genuine_high"] += is_fraud_pred
        if m.kind in KINDS:
            c["kind_n"] += 1
            c["kind_ok"] += pred.kind == m.kind
            confusion[str(m.kind)][pred.kind] += 1
    sp, sr, sf = _prf(c["spam_tp"], c["spam_fp"], c["spam_fn"])
    fp_, fr, ff = _prf(c["fraud_tp"], c["fraud_fp"], c["fraud_fn"])
    return {
        "n": len(scored),
        "classes": {k: c[k] for k in ("ham", "spam", "fraud", "not_fraud") if c[k]},
        "spam": {"precision": sp, "recall": sr, "f1": sf},
        "fraud": {"precision": fp_, "recall": fr, "f1": ff},
        "fraud_flagged_recall": c["fraud_flagged"] / c["fraud"] if c["fraud"] else None,
        "ham_fpr_spam": c["ham_spam"] / c["ham"] if c["ham"] else None,
        "ham_high_risk": c["ham_high"] / c["ham"] if c["ham"] else None,
        "genuine_high_risk": c["genuine_high"] / c["genuine"] if c["genuine"] else None,
        "genuine_n": c["genuine"],
        "kind_accuracy": c["kind_ok"] / c["kind_n"] if c["kind_n"] else None,
        "kind_n": c["kind_n"],
        "kind_confusion": {gold: dict(row) for gold, row in sorted(confusion.items())},
    }


def reliability(scored: Sequence[Scored], *, system: str = "fused", bins: int = 10) -> list[dict[str, Any]]:
    """Calibration table for the fraud probability: mean predicted vs observed fraud rate per bin."""
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for s in scored:
        p = s.predictions[system].fraud
        buckets[min(int(p * bins), bins - 1)].append((p, s.message.cls == "fraud"))
    rows = []
    for b in sorted(buckets):
        items = buckets[b]
        rows.append(
            {
                "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                "n": float(len(items)),
                "mean_predicted": sum(p for p, _ in items) / len(items),
                "observed": sum(1 for _, y in items if y) / len(items),
            }
        )
    return rows


def stratified_folds(messages: Sequence[LabeledMessage], k: int, *, seed: int) -> list[list[int]]:
    """Split indices into k folds, stratified by class; identical texts stay in one fold."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(messages):
        by_text[m.text].append(i)
    groups = sorted(by_text.values(), key=lambda g: (messages[g[0]].cls, g[0]))
    rng = random.Random(seed)
    by_cls: dict[str, list[list[int]]] = defaultdict(list)
    for g in groups:
        by_cls[messages[g[0]].cls].append(g)
    folds: list[list[int]] = [[] for _ in range(k)]
    for cls in sorted(by_cls):
        gs = by_cls[cls]
        rng.shuffle(gs)
        for j, g in enumerate(gs):
            folds[j % k].extend(g)
    return folds
