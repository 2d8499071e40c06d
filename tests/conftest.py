"""Shared helpers for the contract tests: where the shared data lives, and what makes a verdict valid."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

import veritext

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

VERDICT_FIELDS = {
    "schema_version",
    "kind",
    "kind_probabilities",
    "risk",
    "fraud_probability",
    "spam_probability",
    "language",
    "jurisdiction",
    "signals",
    "entities",
    "scenarios",
    "plan",
    "contacts",
}


def check_verdict(v: veritext.Verdict) -> dict:
    """Assert everything a caller may rely on for any verdict; return its JSON round-tripped dict."""
    assert isinstance(v, veritext.Verdict)
    d = v.to_dict()
    encoded = json.dumps(d, ensure_ascii=False).encode("utf-8")  # must encode: no lone surrogates
    assert d.keys() >= VERDICT_FIELDS
    assert d["schema_version"] == veritext.SCHEMA_VERSION
    assert v.kind in veritext.KINDS
    assert v.risk in ("low", "medium", "high")
    assert v.language in ("zh", "en")
    assert v.jurisdiction in ("CN", "US", "UK")
    for p in (v.fraud_probability, v.spam_probability, *v.kind_probabilities.values()):
        assert 0.0 <= p <= 1.0 and not math.isnan(p)
    assert set(v.kind_probabilities) <= set(veritext.KINDS)
    assert math.isclose(sum(v.kind_probabilities.values()), 1.0, abs_tol=1e-3)
    for sig in v.signals:
        assert sig.id and sig.group
        assert sig.description.zh and sig.description.en
        for span in sig.spans:
            assert 0 <= span.start <= span.end <= len(v.text), (sig.id, span)
            assert v.text[span.start : span.end] == span.text, (sig.id, span)
    for ent in v.entities:
        assert v.text[ent.span.start : ent.span.end] == ent.span.text, ent
    from veritext.facts import contacts as fact_contacts  # here: a broken facts module fails tests, not collection

    known = fact_contacts()
    contact_ids = {c.id for c in v.contacts}
    assert contact_ids <= known.keys()
    for step in v.plan:
        assert step.text.zh and step.text.en and step.reason.zh and step.reason.en, step.id
        assert set(step.contacts) <= contact_ids, step.id
    return json.loads(encoded)


@pytest.fixture(scope="session")
def valid_verdict() -> Callable[[veritext.Verdict], dict]:
    """``valid_verdict(v)`` asserts ``v`` keeps the public contract and returns its JSON form."""
    return check_verdict


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (it lives next to the repository, not in it)")
    return SHARED_DATA
