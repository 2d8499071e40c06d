"""Real loan / collection messages quoted in public sources (../shared/data/real_loan_sms_dev).

These 14 rows are examples to learn from, not a score to tune: the test prints how the verdicts compare
with the labels (run ``pytest -s`` to see the tables) and asserts only what must hold for any sane
triage. The messages are read from the shared folder at test time and never copied into the repository.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

import veritext

EXPECTED_ROWS = 14


@pytest.fixture(scope="module")
def rows(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "real_loan_sms_dev" / "messages.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared data lives next to the repository)")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def verdicts(rows) -> list[veritext.Verdict]:
    return [veritext.triage(r["text"]) for r in rows]


def test_file_has_the_documented_shape(rows):
    assert len(rows) == EXPECTED_ROWS
    for r in rows:
        assert r["text"].strip()
        assert r["lang"] in ("zh", "en")
        assert r["kind"] in veritext.KINDS
        assert r["authenticity"] in ("genuine", "fraud", "unknown")


def test_every_row_gets_a_valid_verdict(rows, verdicts, valid_verdict):
    for r, v in zip(rows, verdicts, strict=True):
        valid_verdict(v)
        assert v.text == r["text"]
        assert v.plan, f"{r['id']}: every verdict comes with a plan"


def test_triage_many_agrees_on_the_real_rows(rows, verdicts):
    batch = list(veritext.triage_many(r["text"] for r in rows))
    assert [v.to_dict() for v in batch] == [v.to_dict() for v in verdicts]


def test_agreement_tables(rows, verdicts):
    kind_hits = 0
    lang_hits = 0
    confusion: Counter[tuple[str, str]] = Counter()
    auth: dict[str, Counter[str]] = {"genuine": Counter(), "fraud": Counter(), "unknown": Counter()}
    lines = [
        "",
        "real_loan_sms_dev — per row",
        f"  {'id':16} {'lang':4} {'label kind':20} {'verdict kind':20} {'authenticity':12} {'risk':6} fraud_p",
    ]
    for r, v in zip(rows, verdicts, strict=True):
        kind_hits += v.kind == r["kind"]
        lang_hits += v.language == r["lang"]
        confusion[(r["kind"], v.kind)] += 1
        auth[r["authenticity"]][v.risk] += 1
        mark = "" if v.kind == r["kind"] else "  ✗"
        lines.append(
            f"  {r['id']:16} {r['lang']:4} {r['kind']:20} {v.kind:20} {r['authenticity']:12} {v.risk:6} "
            f"{v.fraud_probability:.3f}{mark}"
        )
    n = len(rows)
    lines += [
        "",
        f"kind agreement: {kind_hits}/{n} = {kind_hits / n:.0%}    language agreement: {lang_hits}/{n}",
        "",
        "authenticity → risk   low  medium  high",
    ]
    for label, counts in auth.items():
        if sum(counts.values()):
            lines.append(f"  {label:18} {counts['low']:5} {counts['medium']:7} {counts['high']:5}")
    lines += ["", "label kind → verdict kind (disagreements)"]
    lines += [f"  {a:20} → {b:20} ×{c}" for (a, b), c in sorted(confusion.items()) if a != b] or ["  none"]
    print("\n".join(lines))

    # Invariants only: the labels are examples to learn from, not a score to tune.
    assert kind_hits / n >= 0.5, f"kind agreement {kind_hits}/{n} is below half"


def test_some_known_scam_is_not_low_risk(rows, verdicts):
    fraud = {r["id"]: v.risk for r, v in zip(rows, verdicts, strict=True) if r["authenticity"] == "fraud"}
    assert fraud, "the share holds fraud rows"
    assert any(risk != "low" for risk in fraud.values()), f"every known scam is called low risk: {fraud}"
