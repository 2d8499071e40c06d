"""The shipped statistical model: char n-gram and word TF-IDF with linear heads, stored as plain arrays.

Features: character 1–3-grams (``vocab``), then word unigrams and bigrams (``word_vocab``, UTF-8
text, one per line); indices run over the n-grams first, then the words. A message's vector is
sublinear tf × ``idf``, L2-normalised; the word block's weight is folded into its ``idf`` values.

The model file is a NumPy ``.npz`` read with ``allow_pickle=False``: loading it can never execute
code, and a tampered or truncated file fails with :class:`ModelError`. Prediction needs only NumPy;
scikit-learn is used at training time (``veritext train``) and nowhere else.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from veritext.memo import LRU
from veritext.message import KINDS
from veritext.model.features import model_text, word_features

MODEL_FORMAT = 3
DEFAULT_MODEL = "data/model/veritext-model.npz"
_REQUIRED = ("vocab", "word_vocab", "idf", "coef_spam", "coef_fraud", "intercepts", "coef_kind", "intercept_kind",
             "kinds", "fusion", "kind_trust", "meta")  # fmt: skip


class ModelError(RuntimeError):
    """The model file is missing, malformed or not one this version can read."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One n-gram's push on the fraud score, with where it occurs in the normalised text."""

    ngram: str
    weight: float
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """The model's view of one message (logits before fusion with the rules)."""

    spam_logit: float
    fraud_logit: float
    kind_probabilities: Mapping[str, float]
    fraud_contributions: tuple[Contribution, ...]


@dataclass(frozen=True, slots=True)
class Fusion:
    """How model and rules combine: logistic weights fitted on held-out folds (see train.py)."""

    spam: tuple[float, float, float]  # (model weight, rule weight, bias)
    fraud: tuple[float, float, float]
    kind_model_weight: float  # log-linear mix of kind distributions: rule^(1-w) * model^w


FUSION_LANGUAGES = ("en", "zh")  # row order of the fusion array
# The language of a message the model is not asked about (see fused.fusion_language): the rules alone.
UNREAD = "und"
_RULES_ALONE = Fusion(spam=(0.0, 1.0, 0.0), fraud=(0.0, 1.0, 0.0), kind_model_weight=0.0)
# A scored text: the model's output, and its (feature indices, un-normalised tf-idf values) for explain().
_Scored = tuple[ModelOutput, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


class TextModel:
    """A loaded model. Use :func:`load_model` or :func:`default_model`."""

    def __init__(self, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
        vocab = arrays["vocab"]
        self.meta: dict[str, Any] = json.loads(str(arrays["meta"]))
        if int(self.meta.get("format", -1)) != MODEL_FORMAT:
            raise ModelError(f"model format {self.meta.get('format')!r} is not {MODEL_FORMAT}")
        word_bytes = np.asarray(arrays["word_vocab"])
        if word_bytes.dtype != np.uint8 or word_bytes.ndim != 1:
            raise ModelError("word_vocab must be a 1-D array of UTF-8 bytes")
        words = word_bytes.tobytes().decode("utf-8").split("\n") if len(word_bytes) else []
        self.n_chars = len(vocab)
        n = self.n_chars + len(words)
        self.idf = np.asarray(arrays["idf"], dtype=np.float64)
        self.coef_spam = np.asarray(arrays["coef_spam"], dtype=np.float64)
        self.coef_fraud = np.asarray(arrays["coef_fraud"], dtype=np.float64)
        self.intercepts = np.asarray(arrays["intercepts"], dtype=np.float64)
        self.coef_kind = np.asarray(arrays["coef_kind"], dtype=np.float64)
        self.intercept_kind = np.asarray(arrays["intercept_kind"], dtype=np.float64)
        self.kinds: tuple[str, ...] = tuple(str(k) for k in arrays["kinds"])
        fusion_arr = np.asarray(arrays["fusion"], dtype=np.float64)
        trust_arr = np.asarray(arrays["kind_trust"], dtype=np.float64)
        shapes_ok = (
            self.idf.shape == (n,)
            and self.coef_spam.shape == (n,)
            and self.coef_fraud.shape == (n,)
            and self.intercepts.shape == (2,)
            and self.coef_kind.shape == (len(self.kinds), n)
            and self.intercept_kind.shape == (len(self.kinds),)
            and fusion_arr.shape == (len(FUSION_LANGUAGES), 7)
            and trust_arr.shape == (len(KINDS),)
        )
        if not shapes_ok:
            raise ModelError("model arrays have inconsistent shapes")
        if not all(np.isfinite(a).all() for a in (fusion_arr, trust_arr, self.coef_fraud)):
            raise ModelError("model arrays contain non-finite numbers")
        # From which rule probability the rules' call on a kind stands (see train.fuse_kind).
        self.kind_trust: dict[str, float] = dict(zip(KINDS, trust_arr.tolist(), strict=True))
        self.fusions = {
            lang: Fusion(spam=(f[0], f[1], f[2]), fraud=(f[3], f[4], f[5]), kind_model_weight=f[6])
            for lang, f in zip(FUSION_LANGUAGES, fusion_arr.tolist(), strict=True)
        }
        self.index: dict[str, int] = {str(g): i for i, g in enumerate(vocab)}
        self.word_index: dict[str, int] = {w: self.n_chars + i for i, w in enumerate(words)}
        if len(self.word_index) != len(words):
            raise ModelError("word_vocab has duplicate entries")
        # Vocabulary n-grams as sorted integer keys (see _ngram_keys): a message's n-grams are then
        # counted with a few vectorised NumPy calls instead of ~300 dict look-ups in Python.
        keys = _vocab_keys(vocab)
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        self._key_index = np.fromiter(self.index.values(), dtype=np.int64, count=len(self.index))[order]
        self._memo: dict[str, ModelOutput] = {}
        # Per prefetched message: its feature indices and un-normalised TF-IDF values (slices of the
        # batch arrays), so explain() need not find the n-grams again.
        self._feature_memo: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        self._last: tuple[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] | None = None
        # Scores by model_text (every digit is 0 to the model), across batches: bulk traffic repeats
        # templates with new numbers. Cost: one unit per 200 characters begun; ~2 kB an SMS-sized
        # entry (mostly the feature arrays), so ~100 MB when full of them, ~300 MB of the longest.
        self._scored: LRU[str, _Scored] = LRU(50_000)

    def fusion(self, language: str) -> Fusion:
        """The fusion weights for a message language (English's for any other; the rules alone for
        ``UNREAD``)."""
        if language == UNREAD:
            return _RULES_ALONE
        return self.fusions.get(language, self.fusions["en"])

    def features(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Sparse TF-IDF vector (indices, values) of an already model-prepared text."""
        idx, raw = self._raw_features(text)
        return idx, self._normalised(raw)

    def _raw_features(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Feature indices (sorted) and un-normalised TF-IDF values of a model text."""
        found = np.concatenate([self._char_ids(_ngram_keys(text)), self._word_ids(text)])
        if not len(found):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        idx, tf = _unique_counts(found)
        return idx, (1.0 + np.log(tf.astype(np.float64))) * self.idf[idx]

    def _char_ids(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """The feature index of every n-gram key that is in the vocabulary (repeats kept)."""
        if not len(keys) or not len(self._sorted_keys):
            return np.zeros(0, dtype=np.int64)
        pos = self._sorted_keys.searchsorted(keys)
        pos[pos == len(self._sorted_keys)] = 0
        ids: npt.NDArray[np.int64] = self._key_index[pos[self._sorted_keys[pos] == keys]]
        return ids

    def _word_ids(self, text: str) -> npt.NDArray[np.int64]:
        """The feature index of every word unigram / bigram of a model text in the vocabulary."""
        if not self.word_index:
            return np.zeros(0, dtype=np.int64)
        get = self.word_index.get
        ids = [i for i in map(get, word_features(text)) if i is not None]
        return np.array(ids, dtype=np.int64)

    @staticmethod
    def _normalised(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Divided by its L2 norm, summed left to right (``cumsum``) in the order ``np.bincount``
        adds in the batch path: identical numbers either way."""
        if not len(raw):
            return raw
        norm = np.sqrt(np.cumsum(raw * raw)[-1])
        return raw / (norm if norm > 0 else 1.0)

    def explain(self, lower: str, *, top: int = 3) -> tuple[Contribution, ...]:
        """The n-grams and words that push this message's fraud score up most, with where they occur."""
        text = model_text(lower)
        memo = self._feature_memo.get(lower)
        last = self._last
        if memo is None and last is not None and last[0] == lower:
            memo = last[1]
        idx, raw = memo if memo is not None else self._raw_features(text)
        vals = self._normalised(raw)
        return self._explain(text, idx, vals * self.coef_fraud[idx], top)

    def predict_many(self, lowers: list[str]) -> list[ModelOutput]:
        """Score many messages at once: the same outputs as :meth:`predict`, with the NumPy work done
        once for the whole batch (per-call overhead, not arithmetic, dominates a single short SMS)."""
        return self._predict_many(lowers)[0]

    def _predict_many(
        self, lowers: list[str], *, masked: bool = False
    ) -> tuple[list[ModelOutput], list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]]:
        """:meth:`predict_many`, plus each message's (feature indices, un-normalised tf-idf values).
        ``masked``: the texts are model texts already (``model_text`` of them is themselves)."""
        if not lowers:
            return [], []
        texts = lowers if masked else [model_text(x) for x in lowers]
        keys, owner = _batch_ngram_keys(texts)
        n, vocab_size = len(lowers), len(self.idf)
        spam = np.full(n, self.intercepts[0])
        fraud = np.full(n, self.intercepts[1])
        kind_scores = np.tile(self.intercept_kind, (n, 1))
        no_idx, no_vals = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        features = [(no_idx, no_vals)] * n
        char_owner = np.zeros(0, dtype=np.int64)
        char_ids = np.zeros(0, dtype=np.int64)
        if len(keys) and len(self._sorted_keys):
            pos = self._sorted_keys.searchsorted(keys)
            pos[pos == len(self._sorted_keys)] = 0
            found = self._sorted_keys[pos] == keys
            char_owner, char_ids = owner[found], self._key_index[pos[found]]
        # Every message's word ids in one list (what _word_ids gives, message after message): one array
        # for the batch rather than one per message.
        get = self.word_index.get
        word_list: list[int] = []
        word_counts: list[int] = []
        for t in texts:
            before = len(word_list)
            word_list.extend([i for i in map(get, word_features(t)) if i is not None])
            word_counts.append(len(word_list) - before)
        word_ids = np.array(word_list, dtype=np.int64)
        word_owner = np.repeat(np.arange(n, dtype=np.int64), word_counts)
        all_owner = np.concatenate([char_owner, word_owner])
        if len(all_owner):
            # One (message, feature) code per occurrence; unique codes with counts give the tf.
            codes, tf = _unique_counts(all_owner * vocab_size + np.concatenate([char_ids, word_ids]))
            msg, idx = codes // vocab_size, codes % vocab_size
            vals = (1.0 + np.log(tf.astype(np.float64))) * self.idf[idx]
            bounds = msg.searchsorted(np.arange(n + 1)).tolist()
            features = [(idx[a:b], vals[a:b]) for a, b in itertools.pairwise(bounds)]
            norms = np.sqrt(np.bincount(msg, weights=vals * vals, minlength=n))
            vals = vals / np.where(norms[msg] > 0, norms[msg], 1.0)
            spam += np.bincount(msg, weights=vals * self.coef_spam[idx], minlength=n)
            fraud += np.bincount(msg, weights=vals * self.coef_fraud[idx], minlength=n)
            for k in range(len(self.kinds)):
                kind_scores[:, k] += np.bincount(msg, weights=vals * self.coef_kind[k, idx], minlength=n)
        kind_scores = np.exp(kind_scores - kind_scores.max(axis=1, keepdims=True))
        kind_probs = kind_scores / kind_scores.sum(axis=1, keepdims=True)
        kinds, spam_l, fraud_l = self.kinds, spam.tolist(), fraud.tolist()
        outputs = [
            ModelOutput(spam_l[i], fraud_l[i], dict(zip(kinds, probs, strict=True)), ())
            for i, probs in enumerate(kind_probs.tolist())
        ]
        return outputs, features

    def prefetch(self, lowers: list[str]) -> None:
        """Score a batch ahead of the per-message pipeline; :meth:`predict` (and :meth:`explain`) then
        answer from memory. Texts scored by an earlier batch are answered from :attr:`_scored`."""
        masked = [model_text(x) for x in lowers]
        found: dict[str, _Scored] = {}
        missing: list[str] = []
        for m in dict.fromkeys(masked):
            hit = self._scored.get(m)
            if hit is None:
                missing.append(m)
            else:
                found[m] = hit
        # model_text(masked) == masked, so scoring the masked texts is scoring the messages; a
        # message's numbers do not depend on the others in its batch.
        outputs, features = self._predict_many(missing, masked=True)
        for m, out, (idx, raw) in zip(missing, outputs, features, strict=True):
            # Copies: a slice would keep its whole batch's arrays alive for as long as it is cached.
            found[m] = scored = (out, (idx.copy(), raw.copy()))
            self._scored.put(m, scored, 1 + len(m) // 200)
        self._memo = {x: found[m][0] for x, m in zip(lowers, masked, strict=True)}
        self._feature_memo = {x: found[m][1] for x, m in zip(lowers, masked, strict=True)}

    def clear_cache(self) -> None:
        """Forget the scores kept across batches."""
        self._scored.clear()

    def predict(self, lower: str) -> ModelOutput:
        """Score a normalised, lower-cased message (the same arithmetic as a batch of one)."""
        memo = self._memo.get(lower)
        if memo is not None:
            return memo
        output, features = self._predict_one(lower)
        self._last = (lower, features)  # for an explain() of the same message right after
        return output

    def _predict_one(
        self, lower: str
    ) -> tuple[ModelOutput, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
        """:meth:`_predict_many` for one message, with fewer NumPy calls and the same numbers: every
        sum is taken in the same order (``cumsum`` adds left to right, as ``bincount`` does)."""
        idx, raw = self._raw_features(model_text(lower))
        kind_scores = self.intercept_kind.reshape(1, -1).copy()
        spam, fraud = float(self.intercepts[0]), float(self.intercepts[1])
        if len(idx):
            vals = self._normalised(raw)
            spam = float(self.intercepts[0] + np.cumsum(vals * self.coef_spam[idx])[-1])
            fraud = float(self.intercepts[1] + np.cumsum(vals * self.coef_fraud[idx])[-1])
            kind_scores[0] += np.cumsum(vals * self.coef_kind[:, idx], axis=1)[:, -1]
        kind_scores = np.exp(kind_scores - kind_scores.max(axis=1, keepdims=True))
        kind_probs = kind_scores / kind_scores.sum(axis=1, keepdims=True)
        probs = dict(zip(self.kinds, kind_probs[0].tolist(), strict=True))
        return ModelOutput(spam, fraud, probs, ()), (idx, raw)

    def _explain(
        self, text: str, idx: npt.NDArray[np.int64], contrib: npt.NDArray[np.float64], top: int
    ) -> tuple[Contribution, ...]:
        if top <= 0 or not len(idx):
            return ()
        vocab_of = self._vocab_list()
        out: list[Contribution] = []
        # Single characters explain little to a person; prefer the longer n-grams.
        order = np.argsort(-contrib)
        for j in order:
            if contrib[j] <= 0.05 or len(out) >= top:
                break
            gram = vocab_of[int(idx[j])]
            if len(gram.strip()) < 2:
                continue
            spans: list[tuple[int, int]] = []
            start = text.find(gram)
            while start != -1 and len(spans) < 3:
                spans.append((start, start + len(gram)))
                start = text.find(gram, start + 1)
            if not spans:
                continue  # a word bigram split by punctuation in the text: nothing to point at
            out.append(Contribution(gram, float(contrib[j]), tuple(spans)))
        return tuple(out)

    @cache  # noqa: B019 - one model object per process; the cache lives as long as it does
    def _vocab_list(self) -> list[str]:
        inverse = [""] * (len(self.index) + len(self.word_index))
        for table in (self.index, self.word_index):
            for gram, i in table.items():
                inverse[i] = gram
        return inverse


def _unique_counts(a: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """``np.unique(a, return_counts=True)`` (sorted unique values, their counts) for a 1-D
    integer array, without np.unique's fixed overhead (~40 µs a call, most of a short SMS's cost)."""
    if not len(a):
        return a, np.zeros(0, dtype=np.intp)
    s = np.sort(a)
    first = np.empty(len(s), dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return s[starts], np.diff(np.append(starts, len(s)))


def _batch_ngram_keys(texts: list[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The ``_ngram_keys`` of every model text at once, with the text each key belongs to: one encode
    and a few array operations for the whole batch. The keys come in another order than text by text,
    which nothing downstream depends on (they are counted per (message, feature) after sorting)."""
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    cp = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    lengths = np.fromiter((len(x) for x in texts), dtype=np.int64, count=len(texts))
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    if len(cp) < 2:
        return cp, owner
    same2 = owner[:-1] == owner[1:]  # 2-grams that do not cross into the next message
    k2 = ((cp[:-1] << np.uint64(21)) | cp[1:])[same2]
    o2 = owner[:-1][same2]
    if len(cp) < 3:
        return np.concatenate([cp, k2]), np.concatenate([owner, o2])
    same3 = owner[:-2] == owner[2:]
    k3 = ((cp[:-2] << np.uint64(42)) | (cp[1:-1] << np.uint64(21)) | cp[2:])[same3]
    return np.concatenate([cp, k2, k3]), np.concatenate([owner, o2, owner[:-2][same3]])


def _ngram_keys(text: str) -> npt.NDArray[np.uint64]:
    """Every 1-, 2- and 3-gram of ``text`` as one integer: code points (+1, so none is 0) packed in
    21-bit fields. Keys of different lengths cannot collide: a 1-gram is < 2**21 ≤ a 2-gram < 2**42 ≤ a 3-gram.
    The order (all 1-grams, then 2-grams, then 3-grams by position) matches ``features.char_ngrams``.
    """
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    if len(cp) < 3:
        parts = [cp] + ([(cp[:-1] << np.uint64(21)) | cp[1:]] if len(cp) == 2 else [])
        return np.concatenate(parts) if parts else cp
    k2 = (cp[:-1] << np.uint64(21)) | cp[1:]
    k3 = (cp[:-2] << np.uint64(42)) | (cp[1:-1] << np.uint64(21)) | cp[2:]
    return np.concatenate([cp, k2, k3])


def _vocab_keys(vocab: npt.NDArray[Any]) -> npt.NDArray[np.uint64]:
    """The ``_ngram_keys`` key of every vocabulary entry, computed for the whole array at once
    (a Python loop over 150,000 entries would add a second to every start-up)."""
    width = max(1, int(np.asarray(vocab).dtype.itemsize // 4))
    cps = np.ascontiguousarray(np.asarray(vocab, dtype=f"<U{width}")).view(np.uint32).reshape(len(vocab), width)
    cps = cps[:, :3].astype(np.uint64)
    present = cps != 0
    keys = np.zeros(len(vocab), dtype=np.uint64)
    for j in range(cps.shape[1]):
        shifted = (keys << np.uint64(21)) | (cps[:, j] + np.uint64(1))
        keys = np.where(present[:, j], shifted, keys)
    return keys


def load_model(path: Path | str) -> TextModel:
    """Load a model file; raises :class:`ModelError` (never runs code) for anything malformed."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in _REQUIRED if k not in npz.files]
            if missing:
                raise ModelError(f"{path}: not a Veritext model (missing {', '.join(missing)})")
            arrays = {k: npz[k] for k in _REQUIRED}
    except ModelError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ModelError(f"{path}: cannot read the model file ({exc.__class__.__name__}: {exc})") from None
    try:
        return TextModel(arrays)
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from None
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: malformed model ({exc})") from None


@cache
def default_model() -> TextModel:
    """The model shipped with the package (built by ``veritext train``)."""
    ref = resources.files("veritext").joinpath(DEFAULT_MODEL)
    if not ref.is_file():
        raise ModelError(f"the shipped model {DEFAULT_MODEL} is missing: run `veritext train` to build it")
    with resources.as_file(ref) as path:
        return load_model(path)
