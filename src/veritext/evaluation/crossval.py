"""Honest figures: k-fold cross-validation inside a dataset, and train-on-the-others across datasets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from veritext.evaluation.datasets import LabeledMessage
from veritext.evaluation.run import Scored, score, stratified_folds
from veritext.model.train import model_from_arrays, prepare, train


def in_dataset(groups: Mapping[str, Sequence[LabeledMessage]], *, k: int, seed: int) -> dict[str, list[Scored]]:
    """Each dataset split into k folds; every fold is scored by a model trained on the other k-1."""
    out: dict[str, list[Scored]] = {}
    for name, msgs in groups.items():
        msgs = list(msgs)
        prep = {p.text: p for p in prepare(m.text for m in msgs)}
        scored: list[Scored] = []
        folds = stratified_folds(msgs, k, seed=seed)
        for i, test_idx in enumerate(folds):
            test_set = set(test_idx)
            train_msgs = [m for j, m in enumerate(msgs) if j not in test_set]
            if len({m.cls for m in train_msgs} - {"not_fraud"}) < 2 and len({m.cls == "fraud" for m in train_msgs}) < 2:
                continue
            arrays = train(train_msgs, prepared=[prep[m.text] for m in train_msgs], seed=seed + i)
            scored.extend(score([msgs[j] for j in test_idx], model_from_arrays(arrays)))
        out[name] = scored
    return out


def pooled(groups: Mapping[str, Sequence[LabeledMessage]], *, k: int, seed: int) -> dict[str, list[Scored]]:
    """All datasets pooled and split into k folds (stratified by class, identical texts kept together);
    each fold is scored by one model trained on the other k-1 folds of every dataset.

    This is how the shipped model is built (one model over all its sources), so it is the fair
    estimate for the kind head, whose labelled rows are spread thinly over many datasets.
    """
    all_msgs = [m for msgs in groups.values() for m in msgs]
    prep = {p.text: p for p in prepare(m.text for m in all_msgs)}
    scored_at: dict[int, Scored] = {}
    for i, test_idx in enumerate(stratified_folds(all_msgs, k, seed=seed)):
        test_set = set(test_idx)
        train_msgs = [m for j, m in enumerate(all_msgs) if j not in test_set]
        arrays = train(train_msgs, prepared=[prep[m.text] for m in train_msgs], seed=seed + i)
        test_msgs = [all_msgs[j] for j in test_idx]
        scored_at.update(zip(test_idx, score(test_msgs, model_from_arrays(arrays)), strict=True))
    out: dict[str, list[Scored]] = {name: [] for name in groups}
    for j in sorted(scored_at):
        out[all_msgs[j].dataset].append(scored_at[j])
    return out


def cross_dataset(groups: Mapping[str, Sequence[LabeledMessage]], *, seed: int) -> dict[str, list[Scored]]:
    """Each dataset scored by a model trained on all the other datasets given — what a new user meets."""
    all_msgs = [m for msgs in groups.values() for m in msgs]
    prep = {p.text: p for p in prepare(m.text for m in all_msgs)}
    out: dict[str, list[Scored]] = {}
    for name, msgs in groups.items():
        train_msgs = [m for other, ms in groups.items() if other != name for m in ms]
        arrays = train(train_msgs, prepared=[prep[m.text] for m in train_msgs], seed=seed)
        out[name] = score(list(msgs), model_from_arrays(arrays))
    return out
