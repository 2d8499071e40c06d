"""The signals stage: named, weighted rules (data/signals.yaml) evaluated over an extraction.

Like an Rspamd symbol, each rule has an id, a weight and a bilingual description, and the list of
rules that fired *is* the explanation. The rules are data; the checks they name are small pure
functions in :mod:`veritext.signals.checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from veritext.datafiles import load_yaml
from veritext.extract import Extraction
from veritext.message import I18nText, Signal, Span
from veritext.signals.checks import CHECKS, RuleContext

GROUPS = ("fraud", "genuine", "context", "conduct", "spam", "verify", "user")


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: which check to run with which parameters, and what it means when it fires."""

    id: str
    group: str
    weight: float
    check: str
    description: I18nText
    params: Mapping[str, Any] = field(default_factory=dict)
    # What must be present (lexicon categories, "@entity" kinds) for the check to have any chance:
    # checking set membership first skips most rules on most messages without calling them.
    gate: frozenset[str] = frozenset()
    gate_all: bool = False

    def may_fire(self, available: frozenset[str] | set[str]) -> bool:
        """Cheap pre-test: ``False`` means the check cannot fire on a message with only ``available``."""
        if not self.gate:
            return True
        return self.gate <= available if self.gate_all else not self.gate.isdisjoint(available)

    def evaluate(self, ext: Extraction, rc: RuleContext) -> Signal | None:
        """The signal this rule gives for ``ext``, or ``None``."""
        spans = CHECKS[self.check](ext, rc, self.params)
        if spans is None:
            return None
        return Signal(
            id=self.id,
            weight=self.weight,
            group=self.group,
            description=self.description,
            spans=_dedupe(spans),
        )


# A reason shows a person its first few pieces of evidence; thousands of spans help nobody.
MAX_SPANS_PER_SIGNAL = 20


def _dedupe(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Sorted, non-empty spans with those nested inside an earlier one dropped (one linear sweep)."""
    kept: list[Span] = []
    reach = -1
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.end <= s.start or s.end <= reach:
            continue  # empty, or inside a span already kept
        kept.append(s)
        reach = s.end
        if len(kept) >= MAX_SPANS_PER_SIGNAL:
            break
    return tuple(kept)


def load_rules(data: list[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Validate and build rules from parsed YAML; raises ``ValueError`` naming the bad rule."""
    rules: list[Rule] = []
    ids: set[str] = set()
    for raw in data:
        rid = str(raw.get("id", ""))
        if not rid or rid in ids:
            raise ValueError(f"rule id missing or duplicated: {rid!r}")
        if raw.get("check") not in CHECKS:
            raise ValueError(f"rule {rid}: unknown check {raw.get('check')!r}")
        if raw.get("group") not in GROUPS:
            raise ValueError(f"rule {rid}: unknown group {raw.get('group')!r}")
        desc = raw.get("description") or {}
        if not desc.get("zh") or not desc.get("en"):
            raise ValueError(f"rule {rid}: needs a description in zh and en")
        ids.add(rid)
        params = dict(raw.get("params") or {})
        gate, gate_all = _gate(str(raw["check"]), params)
        rules.append(
            Rule(
                id=rid,
                group=str(raw["group"]),
                weight=float(raw["weight"]),
                check=str(raw["check"]),
                description=I18nText(zh=str(desc["zh"]), en=str(desc["en"])),
                params=params,
                gate=gate,
                gate_all=gate_all,
            )
        )
    for rule in rules:
        for dep in (*rule.params.get("all_of", ()), *rule.params.get("any_of", ())):
            if dep not in ids:
                raise ValueError(f"rule {rule.id}: composite refers to unknown rule {dep!r}")
    return tuple(rules)


_URL_CHECKS = frozenset(
    {"link_not_official", "official_domain_link", "lookalike_domain", "homograph_domain", "url_attr",
     "suspicious_tld", "link_with"}
)  # fmt: skip


def _gate(check: str, params: Mapping[str, Any]) -> tuple[frozenset[str], bool]:
    """The pre-test for a rule, derived from its check and parameters (see ``Rule.gate``)."""
    if check == "terms":
        return frozenset(params["categories"]), bool(params.get("all"))
    if check in _URL_CHECKS:
        return frozenset({"@url"}), False
    if check == "entity":
        return frozenset({"@" + str(params["kind"])}), False
    if check == "impersonates":
        return frozenset({str(params["category"])}), False
    return frozenset(), False


@cache
def default_rules() -> tuple[Rule, ...]:
    """The rules shipped with the package."""
    text = resources.files("veritext").joinpath("data/signals.yaml").read_text(encoding="utf-8")
    return load_rules(load_yaml(text)["rules"])


def evaluate(ext: Extraction, rc: RuleContext, *, rules: tuple[Rule, ...] | None = None) -> tuple[Signal, ...]:
    """Run every rule in file order; composites see the rules that fired before them."""
    fired: list[Signal] = []
    names: set[str] = set()
    available = set(ext.hits)
    available.update("@" + e.kind for e in ext.entities)
    for rule in rules if rules is not None else default_rules():
        if not rule.may_fire(available):
            continue
        ctx = (
            RuleContext(rc.context, rc.jurisdiction, rc.received_at, frozenset(names))
            if rule.check == "composite"
            else rc
        )
        sig = rule.evaluate(ext, ctx)
        if sig is not None:
            fired.append(sig)
            names.add(sig.id)
    return tuple(fired)
