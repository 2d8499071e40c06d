"""Training the model (``veritext train``): reproducible, seeded, from labelled messages.

scikit-learn fits the vectoriser and the linear heads; the result is exported to plain arrays
(see :mod:`veritext.model`). Fusion weights and calibration are fitted on out-of-fold predictions,
so the fused probabilities are calibrated on messages the text heads did not see.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from veritext.decide import RuleEstimator, rule_trusted_kinds
from veritext.evaluation.datasets import LabeledMessage
from veritext.extract import extract
from veritext.message import KINDS, Context
from veritext.model import FUSION_LANGUAGES, MODEL_FORMAT, TextModel
from veritext.model.features import char_ngrams, model_text, word_features
from veritext.normalize import normalize
from veritext.pipeline import infer_jurisdiction
from veritext.signals import evaluate
from veritext.signals.checks import RuleContext

_EPS = 1e-6
# Inverse regularisation of the spam / fraud heads and of the kind head. 5-fold spam F1 of the n-gram
# head alone, C = 8 → 32: UCI 0.954 → 0.957, Mendeley 0.966 → 0.968, zh 80w 0.978 → 0.983, India 0.992
# both; pooled kind accuracy of the kind head alone (n-grams + words) C = 8 → 32: 0.863 → 0.866.
HEAD_C = 32.0
KIND_C = 32.0
# Weight of the word block against the n-grams (folded into the shipped idf values). 5-fold spam F1 of
# the text head at C = 32, n-grams only → words at weight 3: UCI 0.957 → 0.965, Mendeley 0.968 → 0.975,
# zh 80w 0.983 → 0.985 (Chinese text has no words; see features.words).
WORD_WEIGHT = 3.0
RULES_ONLY = (0.0, 1.0, 0.0)  # fusion weights (model, rule, bias) that keep the rule probability as it is
_MIN_FUSION_ROWS = 200
_MIN_FUSION_CLASS = 20
# Before the kind head speaks for a language: this many kind-labelled rows of it, and this many
# kinds with this many rows each.
_MIN_KIND_ROWS = 50
_MIN_KINDS_SEEN = 3
_MIN_ROWS_PER_KIND = 10
NEVER_TRUSTED = 2.0  # a trust threshold no probability reaches
# Candidate trust thresholds for the rules' confident kind calls, lowest first.
_TRUST_STEPS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, NEVER_TRUSTED)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message after the rule stages: what training and evaluation need from it."""

    text: str
    model_text: str
    rule_fraud_logit: float
    rule_spam_logit: float
    rule_kind: Mapping[str, float]
    rule_kind_best: str


def logit(p: float) -> float:
    """log(p / (1 - p)), clipped away from 0 and 1."""
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def prepare(texts: Iterable[str]) -> list[Prepared]:
    """Run normalize → extract → signals → the rule estimator once per text (no context)."""
    estimator = RuleEstimator()
    out: list[Prepared] = []
    cache: dict[str, Prepared] = {}
    ctx = Context()
    for text in texts:
        if text in cache:
            out.append(cache[text])
            continue
        norm = normalize(text)
        ext = extract(norm)
        rc = RuleContext(context=ctx, jurisdiction=infer_jurisdiction(ext, ctx), received_at=None)
        signals = evaluate(ext, rc)
        est = estimator.estimate(ext, signals)
        marketing = sum(est.kind_probabilities.get(k, 0.0) for k in ("loan_marketing", "marketing"))
        spam = 1.0 - (1.0 - est.fraud_probability) * (1.0 - marketing)
        prep = Prepared(
            text=text,
            model_text=model_text(norm.lower),
            rule_fraud_logit=logit(est.fraud_probability),
            rule_spam_logit=logit(spam),
            rule_kind=dict(est.kind_probabilities),
            rule_kind_best=est.kind,
        )
        cache[text] = prep
        out.append(prep)
    return out


def fuse_kind(
    rule: Mapping[str, float], model: Mapping[str, float], weight: float, trust: Mapping[str, float]
) -> dict[str, float]:
    """Log-linear mix of the two kind distributions: rule^(1-w) · model^w, renormalised.

    For the loan and debt kinds (data/decide.yaml ``rule_trusted_kinds``) the public data holds only a
    handful of labelled rows, so when the rules are confident enough about one of them (``trust``: a
    probability per kind, fitted at training time) their call stands.
    A kind the model never learned gets an uninformative model probability, not zero.
    """
    best = max(rule, key=rule.__getitem__) if rule else "other"
    if rule and rule[best] >= trust.get(best, NEVER_TRUSTED):
        return {k: float(rule.get(k, 0.0)) for k in KINDS}
    uninformative = 1.0 / max(len(model), 1)
    # The same arithmetic as rule^(1-w) · model^w written plainly, with the per-kind constant and the
    # functions hoisted: it runs for every message. ``e if e > x else x`` is what max(x, e) returns.
    rest, log, exp, eps = 1 - weight, math.log, math.exp, _EPS
    mixed = {}
    for k in KINDS:
        r, m = rule.get(k, 0.0), model.get(k, uninformative)
        mixed[k] = exp(rest * log(eps if eps > r else r) + weight * log(eps if eps > m else m))
    total = sum(mixed.values())
    return {k: v / total for k, v in mixed.items()}


def vectorise(
    texts: Sequence[str], *, max_features: int = 150_000
) -> tuple[Any, npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]]:
    """The model's input for ``texts`` (model texts): rows of n-gram and word tf-idf, L2-normalised.

    Returns (matrix, n-gram vocabulary, word vocabulary, idf with the word weight folded in).
    """
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as normalize_rows

    # n-grams and words in one vector, the words weighted up: a message has hundreds of n-grams and a
    # few words, and without the weight the words hardly count (see WORD_WEIGHT).
    blocks = []
    for analyzer, weight in ((char_ngrams, 1.0), (word_features, WORD_WEIGHT)):
        vec = TfidfVectorizer(
            analyzer=analyzer, sublinear_tf=True, min_df=2, max_features=max_features, norm=None, dtype=np.float64
        )
        try:
            X_block = vec.fit_transform(texts).tocsr()
        except ValueError:  # no word occurs twice (e.g. a tiny all-Chinese training set)
            blocks.append((None, np.zeros(0, dtype=str), np.zeros(0)))
            continue
        blocks.append((X_block * weight, vec.get_feature_names_out(), vec.idf_ * weight))
    (X_chars, vocab, idf_chars), (X_words, word_vocab, idf_words) = blocks
    X = normalize_rows(hstack([X_chars, X_words]).tocsr() if X_words is not None else X_chars)
    return X, vocab, word_vocab, np.concatenate([idf_chars, idf_words])


def train(
    messages: Sequence[LabeledMessage],
    *,
    prepared: Sequence[Prepared] | None = None,
    seed: int = 13,
    max_features: int = 150_000,
    folds: int = 5,
    sources: Sequence[Mapping[str, str]] = (),
) -> dict[str, npt.NDArray[Any]]:
    """Fit the model; returns the arrays of a model file (see :func:`save_arrays`)."""
    from sklearn.model_selection import StratifiedKFold

    if not messages:
        raise ValueError("no training messages")
    prep = list(prepared) if prepared is not None else prepare(m.text for m in messages)
    texts = [p.model_text for p in prep]
    X, vocab, word_vocab, idf = vectorise(texts, max_features=max_features)
    n_features = len(vocab) + len(word_vocab)

    def head(rows: npt.NDArray[np.int64], y: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float64], float]:
        if len(set(y.tolist())) < 2:
            # One class only (e.g. a dataset with no fraud): a constant head that the fusion ignores.
            return np.zeros(n_features), logit(float(y.mean()) if len(y) else 0.5)
        clf = _head_classifier(seed)
        clf.fit(X[rows], y)
        return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])

    cls = np.array([m.cls for m in messages])
    spam_rows = np.flatnonzero(cls != "not_fraud")
    y_spam = (cls[spam_rows] != "ham").astype(np.int64)
    y_fraud_all = (cls == "fraud").astype(np.int64)
    fraud_rows = np.arange(len(messages))
    coef_spam, b_spam = head(spam_rows, y_spam)
    coef_fraud, b_fraud = head(fraud_rows, y_fraud_all)

    # Out-of-fold text logits: the fusion and calibration are fitted on messages the heads did not see.
    def oof(rows: npt.NDArray[np.int64], y: npt.NDArray[np.int64]) -> npt.NDArray[np.float64] | None:
        if len(set(y.tolist())) < 2 or int(np.bincount(y).min()) < 2:
            return None
        out = np.zeros(len(rows))
        k = max(2, min(folds, int(np.bincount(y).min())))
        for tr, te in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(rows, y):
            clf = _head_classifier(seed)
            clf.fit(X[rows[tr]], y[tr])
            out[te] = clf.decision_function(X[rows[te]])
        return out

    rule_spam = np.array([p.rule_spam_logit for p in prep])
    rule_fraud = np.array([p.rule_fraud_logit for p in prep])
    oof_spam = oof(spam_rows, y_spam)
    oof_fraud = oof(fraud_rows, y_fraud_all)
    langs = np.array([m.lang or "en" for m in messages])

    # Fusion per language: a language the text heads barely saw keeps the rules alone (weights 0, 1, 0),
    # so an English-trained model cannot drown out the Chinese rules.
    def per_language(rows: npt.NDArray[np.int64], model_logits: npt.NDArray[np.float64] | None,
                     rule_logits: npt.NDArray[np.float64], y: npt.NDArray[np.int64],
                     lang: str) -> tuple[float, float, float]:  # fmt: skip
        mask = langs[rows] == lang
        if model_logits is None or mask.sum() < _MIN_FUSION_ROWS:
            return RULES_ONLY
        if min(int(y[mask].sum()), int((1 - y[mask]).sum())) < _MIN_FUSION_CLASS:
            return RULES_ONLY
        return fit_offset_fusion(model_logits[mask], rule_logits[mask], y[mask])

    fusion_rows = []
    for lang in FUSION_LANGUAGES:
        spam_w = per_language(spam_rows, oof_spam, rule_spam[spam_rows], y_spam, lang)
        fraud_w = per_language(fraud_rows, oof_fraud, rule_fraud, y_fraud_all, lang)
        fusion_rows.append((spam_w, fraud_w))

    # Kind head: only rows with a kind label; classes that have too few rows stay rule-only.
    kind_rows = np.array([i for i, m in enumerate(messages) if m.kind in KINDS], dtype=np.int64)
    counts = Counter(messages[i].kind for i in kind_rows)
    kinds = sorted(k for k, c in counts.items() if c >= 3 and k is not None)
    kind_rows = np.array([i for i in kind_rows if messages[i].kind in kinds], dtype=np.int64)
    kind_weight = 0.0
    if len(kinds) >= 2:
        y_kind = np.array([kinds.index(str(messages[i].kind)) for i in kind_rows])
        kclf = _kind_classifier(seed)
        kclf.fit(X[kind_rows], y_kind)
        coef_kind = kclf.coef_.astype(np.float64)
        intercept_kind = kclf.intercept_.astype(np.float64)
        if len(kinds) == 2:  # binary LR stores one row; expand to one row per class
            coef_kind = np.vstack([-coef_kind[0] / 2, coef_kind[0] / 2])
            intercept_kind = np.array([-intercept_kind[0] / 2, intercept_kind[0] / 2])
        kind_weight, trust = _fit_kind_fusion(X, kind_rows, y_kind, kinds, prep, seed)
    else:
        kinds = ["other", "personal"]
        coef_kind = np.zeros((2, n_features))
        intercept_kind = np.zeros(2)
        trust = _default_trust()
    # Like the fusion, the kind head only speaks for a language it has seen enough, and varied enough,
    # labelled rows of: 90 Chinese bank alerts teach it one Chinese kind, not how to tell kinds apart.
    by_lang = Counter((messages[int(i)].lang, messages[int(i)].kind) for i in kind_rows)

    def kind_head_speaks(lang: str) -> bool:
        counts = [c for (lg, _), c in by_lang.items() if lg == lang]
        return sum(counts) >= _MIN_KIND_ROWS and sum(c >= _MIN_ROWS_PER_KIND for c in counts) >= _MIN_KINDS_SEEN

    fusion = np.array(
        [
            [*spam_w, *fraud_w, kind_weight if kind_head_speaks(lang) else 0.0]
            for lang, (spam_w, fraud_w) in zip(FUSION_LANGUAGES, fusion_rows, strict=True)
        ],
        dtype=np.float32,
    )

    meta = {
        "format": MODEL_FORMAT,
        "seed": seed,
        "max_features": max_features,
        "n_messages": len(messages),
        "classes": dict(Counter(cls.tolist())),
        "kinds": dict(counts),
        "sources": list(sources),
        "data_sha256": hashlib.sha256("\n".join(m.text for m in messages).encode("utf-8", "surrogatepass")).hexdigest(),
    }
    return {
        "vocab": np.asarray(vocab, dtype=str),
        "word_vocab": np.frombuffer("\n".join(word_vocab.tolist()).encode("utf-8"), dtype=np.uint8),
        "idf": idf.astype(np.float32),
        "coef_spam": coef_spam.astype(np.float32),
        "coef_fraud": coef_fraud.astype(np.float32),
        "intercepts": np.array([b_spam, b_fraud], dtype=np.float32),
        "coef_kind": coef_kind.astype(np.float32),
        "intercept_kind": intercept_kind.astype(np.float32),
        "kinds": np.asarray(kinds, dtype=str),
        "fusion": fusion,
        "kind_trust": np.array([trust.get(k, NEVER_TRUSTED) for k in KINDS], dtype=np.float32),
        "meta": np.asarray(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
    }


def _head_classifier(seed: int) -> Any:
    """The spam / fraud head (the same for the shipped fit and for the out-of-fold ones)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=HEAD_C, solver="liblinear", max_iter=2000, random_state=seed)


def _kind_classifier(seed: int) -> Any:
    """The kind head (the same for the shipped fit and for the out-of-fold ones)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=KIND_C, solver="lbfgs", max_iter=3000, class_weight="balanced", random_state=seed)


def fit_offset_fusion(
    model_logits: npt.NDArray[np.float64], rule_logits: npt.NDArray[np.float64], y: npt.NDArray[np.int64]
) -> tuple[float, float, float]:
    """Fit p = sigmoid(rule_logit + a·model_logit + c): the rules' evidence is kept whole (weight 1).

    A free weight on the rules lets a model trained on one kind of data (English spam) discount the
    hand-written rules everywhere, including on the loan-fraud patterns the data hardly contains;
    with the rules as a fixed offset the model can only add evidence, and a, c are calibrated on
    out-of-fold predictions. Two parameters, so a few Newton steps (with a small ridge) suffice.
    """
    x = np.column_stack([model_logits, np.ones_like(model_logits)])
    w = np.zeros(2)
    for _ in range(50):
        z = np.clip(rule_logits + x @ w, -60, 60)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = x.T @ (p - y) + 1e-3 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return float(max(w[0], 0.0)), 1.0, float(w[1])


def _default_trust() -> dict[str, float]:
    """Without labelled evidence the rules' call on a loan or debt kind stands from probability 0.5."""
    return dict.fromkeys(rule_trusted_kinds(), _TRUST_STEPS[0])


def _fit_trust(rule_kind: Sequence[Mapping[str, float]], mixed_best: Sequence[str],
               gold: Sequence[str]) -> dict[str, float]:  # fmt: skip
    """Per trusted kind, the lowest rule probability from which the rules' call is right at least as
    often as the mixed call on the same rows (out-of-fold); kinds without labelled evidence keep 0.5."""
    trust = _default_trust()
    for kind in trust:
        picked = [(r[kind], m == g, kind == g) for r, m, g in zip(rule_kind, mixed_best, gold, strict=True)
                  if r and max(r, key=lambda k: r[k]) == kind]  # fmt: skip
        if not picked:
            continue
        for step in _TRUST_STEPS:
            rows = [(mixed_ok, rule_ok) for p, mixed_ok, rule_ok in picked if p >= step]
            if sum(rule_ok for _, rule_ok in rows) >= sum(mixed_ok for mixed_ok, _ in rows):
                trust[kind] = step
                break
    return trust


def _fit_kind_fusion(X: Any, rows: npt.NDArray[np.int64], y: npt.NDArray[np.int64], kinds: list[str],
                     prep: Sequence[Prepared], seed: int) -> tuple[float, dict[str, float]]:  # fmt: skip
    """The kind mixing weight and the rules' trust thresholds that maximise out-of-fold kind accuracy."""
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((len(rows), len(kinds)))
    k = max(2, min(5, int(np.bincount(y).min())))
    for tr, te in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(rows, y):
        clf = _kind_classifier(seed)
        clf.fit(X[rows[tr]], y[tr])
        proba = clf.predict_proba(X[rows[te]])
        full = np.zeros((len(te), len(kinds)))
        full[:, clf.classes_] = proba
        probs[te] = full
    gold = [kinds[int(c)] for c in y]
    rule_kind = [prep[int(i)].rule_kind for i in rows]
    never = dict.fromkeys(KINDS, NEVER_TRUSTED)
    best_w, best_trust, best_acc = 0.0, _default_trust(), -1.0
    for w in (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0):
        mixed = [fuse_kind(r, dict(zip(kinds, probs[j], strict=True)), w, never) for j, r in enumerate(rule_kind)]
        mixed_best = [max(m, key=lambda kk: m[kk]) for m in mixed]
        trust = _fit_trust(rule_kind, mixed_best, gold)
        correct = 0
        for r, m, g in zip(rule_kind, mixed_best, gold, strict=True):
            top = max(r, key=lambda kk: r[kk]) if r else "other"
            call = top if r and r[top] >= trust.get(top, NEVER_TRUSTED) else m
            correct += call == g
        acc = correct / len(rows)
        if acc > best_acc + 1e-9:
            best_w, best_trust, best_acc = w, trust, acc
    return best_w, best_trust


def save_arrays(arrays: Mapping[str, npt.NDArray[Any]], path: Path) -> None:
    """Write a model file (uncompressed .npz of plain arrays: no pickles, byte-stable for a given fit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def model_from_arrays(arrays: Mapping[str, npt.NDArray[Any]]) -> TextModel:
    """A model object straight from training output (used by cross-validation)."""
    return TextModel({k: np.asarray(v) for k, v in arrays.items()})
