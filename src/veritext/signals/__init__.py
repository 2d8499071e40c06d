"""The signals stage: named, weighted rules (data/signals.yaml) evaluated over an extraction.

Like an Rspamd symbol, each rule has an id, a weight and a bilingual description, and the list of
rules that fired *is* the explanation. The rules are data; the checks they name are small pure
functions in :mod:`veritext.signals.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from veritext.datafiles import load_yaml
from veritext.extract import Extraction
from veritext.message import I18nText, Signal, Span
from veritext.senders import SenderInfo
from veritext.signals.checks import (
    CHECKS,
    COMPILERS,
    NIGHT_CATEGORIES,
    Result,
    RuleContext,
    at_night,
    night_window,
    sender_facts,
)

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
    # What must be present (lexicon categories, "@entity" kinds, "%" facts: see ``message_facts``)
    # for the check to have any chance: checking set membership first skips most rules on most
    # messages without calling them.
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
     "suspicious_tld"}
)  # fmt: skip


def _gate(check: str, params: Mapping[str, Any]) -> tuple[frozenset[str], bool]:
    """The pre-test for a rule, derived from its check and parameters (see ``Rule.gate``)."""
    if check == "terms":
        return frozenset(params["categories"]), bool(params.get("all"))
    if check in _URL_CHECKS:
        return frozenset({"@url"}), False
    if check == "link_with":  # a masked link is a link here too (checks.link_with)
        return frozenset({"@url", "link_placeholder"}), False
    if check == "entity":
        return frozenset({"@" + str(params["kind"])}), False
    if check == "impersonates":
        return frozenset({str(params["category"])}), False
    if check == "sender_type":
        return frozenset("%sender:" + str(t) for t in params["types"]), False
    return _FACT_GATES.get(check, (frozenset(), False))


# Checks that return None unless all of these hold ("%…" are the facts `message_facts` adds).
_FACT_GATES: Mapping[str, tuple[frozenset[str], bool]] = {
    "call_number_not_official": (frozenset({"request_call"}), True),
    "case_filed_unverifiable": (frozenset({"case_filed", "second_person"}), True),
    "unrequested_code": (frozenset({"%requested_code=no"}), True),
    "no_loan_dunned": (frozenset({"%has_loan=no"}), True),
    "night_contact": (frozenset({"%received_at"}), True),
    "personal_sender_as_institution": (frozenset({"%personal_sender"}), True),
    "genuine_signature_sender": (frozenset({"%sender_digits", "@signature"}), True),
    "signature_sender_mismatch": (frozenset({"%sender_digits", "@signature"}), True),
    "overseas_sender": (frozenset({"%sender_region"}), True),
    "obfuscation": (frozenset({"%edits"}), True),
}


def text_facts(ext: Extraction) -> set[str]:
    """The gate facts the text alone gives: lexicon categories, ``@kind`` per entity kind, and whether
    normalisation edited it."""
    available = set(ext.hits)
    available.update(ext.entity_cues)
    if ext.norm.edits:
        available.add("%edits")
    return available


def message_facts(ext: Extraction, rc: RuleContext) -> set[str]:
    """What the gates test: :func:`text_facts`, and ``%`` facts about the sender, the person's answers
    and the time."""
    available = text_facts(ext)
    sender = ext.sender
    available.add("%sender:" + sender.type)
    if sender.digits:
        available.add("%sender_digits")
    if sender.region:
        available.add("%sender_region")
    if sender.is_personal:
        available.add("%personal_sender")
    if rc.received_at is not None:
        available.add("%received_at")
    if rc.context.has_loan == "no":
        available.add("%has_loan=no")
    if rc.context.requested_code == "no":
        available.add("%requested_code=no")
    return available


@cache
def default_rules() -> tuple[Rule, ...]:
    """The rules shipped with the package."""
    text = resources.files("veritext").joinpath("data/signals.yaml").read_text(encoding="utf-8")
    return load_rules(load_yaml(text)["rules"])


# A rule ready to run: (rule, its check bound to its parameters, gate, gate_all, composite's all_of /
# any_of or None). Built once per rules tuple, so evaluation does no per-message look-ups by name.
_Runner = Callable[[Extraction, RuleContext], Result]
_Compiled = tuple[Rule, _Runner, frozenset[str], bool, tuple[tuple[str, ...], tuple[str, ...]] | None]


def _bind(rule: Rule) -> _Runner:
    compiler = COMPILERS.get(rule.check)
    if compiler is not None:
        return compiler(rule.params)
    fn, params = CHECKS[rule.check], rule.params
    return lambda ext, rc: fn(ext, rc, params)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Rules ready to run, plus an index from each gate name to the rules it may let through."""

    entries: tuple[_Compiled, ...]
    ungated: frozenset[int]  # positions of rules without a gate: always candidates
    by_name: Mapping[str, tuple[int, ...]]


def _compile(rules: tuple[Rule, ...]) -> _Plan:
    entries: list[_Compiled] = []
    by_name: dict[str, list[int]] = {}
    ungated: set[int] = set()
    for i, rule in enumerate(rules):
        composite = None
        if rule.check == "composite":
            composite = (tuple(rule.params.get("all_of", ())), tuple(rule.params.get("any_of", ())))
        entries.append((rule, _bind(rule), rule.gate, rule.gate_all, composite))
        if not rule.gate:
            ungated.add(i)
        for name in rule.gate:
            by_name.setdefault(name, []).append(i)
    return _Plan(tuple(entries), frozenset(ungated), {k: tuple(v) for k, v in by_name.items()})


@cache
def _default_plan() -> _Plan:
    return _compile(default_rules())


def evaluate(ext: Extraction, rc: RuleContext, *, rules: tuple[Rule, ...] | None = None) -> tuple[Signal, ...]:
    """Run every rule in file order; composites see the rules that fired before them."""
    fired: list[Signal] = []
    names: set[str] = set()
    available = message_facts(ext, rc)
    plan = _default_plan() if rules is None else _compile(rules)
    # Only rules with a gate name present can pass their gate: look them up instead of testing all.
    candidates = set(plan.ungated)
    by_name = plan.by_name
    for name in available:
        found = by_name.get(name)
        if found is not None:
            candidates.update(found)
    entries = plan.entries
    for i in sorted(candidates):
        rule, run, gate, gate_all, composite = entries[i]
        if gate_all and not gate <= available:
            continue
        if composite is not None:
            # The composite check, inline: all of ``all_of`` and one of ``any_of`` fired earlier.
            all_of, any_of = composite
            if not all(r in names for r in all_of) or (any_of and not any(r in names for r in any_of)):
                continue
            spans: Result = ()
        else:
            spans = run(ext, rc)
        if spans is None:
            continue
        fired.append(
            Signal(id=rule.id, weight=rule.weight, group=rule.group, description=rule.description, spans=_dedupe(spans))
        )
        names.add(rule.id)
    return tuple(fired)


@cache
def _night_windows() -> tuple[tuple[int, int], ...]:
    return tuple(night_window(r.params) for r in default_rules() if r.check == "night_contact")


Situation = tuple[tuple[str, str, bool, bool, tuple[str, ...]], bool | tuple[bool, ...] | None]

# The gate facts ``message_facts`` takes from the sender, and the checks that read ``ext.sender`` (see
# the contract above ``checks.sender_facts``): a rule with either reads the sender. Facts from the
# context or the time may hold for any message of a text: a gate on them is taken as passing.
# Some checks read no more than ``situation`` always keeps (the type's class and the region):
# ``sender_type``, ``personal_sender_as_institution`` (personal), ``impersonates`` (the government
# line) and ``overseas_sender`` (the region). The rest read the number too (has digits, 12368, owners).
_SENDER_FACTS = ("%sender:", "%sender_digits", "%sender_region", "%personal_sender")
_OPEN_FACTS = frozenset({"%received_at", "%has_loan=no", "%requested_code=no"})
_CLASS_CHECKS = frozenset({"sender_type", "personal_sender_as_institution", "impersonates", "overseas_sender"})
_SENDER_CHECKS = frozenset({"case_filed_unverifiable", "genuine_signature_sender", "signature_sender_mismatch"})
# The signature checks return None on a text naming no known institution (they look its signatures up).
_NEEDS_INSTITUTION = frozenset({"genuine_signature_sender", "signature_sender_mismatch"})


@cache
def _sender_gates() -> tuple[tuple[frozenset[str], bool, bool], ...]:
    """For each default rule that reads more of the sender than ``situation`` always keeps: (its gate
    without sender and open facts, gate_all, whether the gate had any such fact)."""
    out = []
    for rule in default_rules():
        if rule.check in _CLASS_CHECKS:
            continue
        sender_gated = any(g.startswith(_SENDER_FACTS) for g in rule.gate)
        if not sender_gated and rule.check not in _SENDER_CHECKS:
            continue
        rest = frozenset(g for g in rule.gate if not g.startswith(_SENDER_FACTS) and g not in _OPEN_FACTS)
        opened = len(rest) < len(rule.gate)
        if rule.check in _NEEDS_INSTITUTION:
            rest |= {"%institution"}
        out.append((rest, rule.gate_all, opened))
    return tuple(out)


@lru_cache(maxsize=1024)
def _type_class(sender_type: str, personal: bool) -> str:
    """All the rules read of a sender type: which ``sender_type`` rules it passes (one flag per rule),
    whether it is personal (``%personal_sender``, ``is_personal``) and the government line (``impersonates``),
    e.g. "~10|0|0"."""
    flags = "".join("1" if sender_type in r.params["types"] else "0" for r in default_rules()
                    if r.check == "sender_type")  # fmt: skip
    return f"~{flags}|{personal:d}|{sender_type == 'cn_government_12':d}"


def reads_sender(ext: Extraction) -> bool:
    """Whether a default rule that reads more of the sender than its type's class and its region (see
    ``situation``) can pass its gate on this text, from some sender, time or context."""
    available = text_facts(ext)
    if ext.institutions:
        available.add("%institution")
    for rest, gate_all, opened in _sender_gates():
        if gate_all:
            if rest <= available:
                return True
        elif opened or not rest or not rest.isdisjoint(available):
            return True
    return False


def situation(
    ext: Extraction, sender: SenderInfo, received_at: datetime | None, *, sender_read: bool | None = None
) -> Situation:
    """What :func:`evaluate` with the default rules reads of the sender and the time of a message whose
    text gave ``ext``: for one text, context and jurisdiction, equal situations give equal signals.

    The sender through :func:`~veritext.signals.checks.sender_facts`, its type as the rules read it (a class:
    ``_type_class``), when a rule that reads more than the class can fire on this text (``sender_read``,
    :func:`reads_sender` of ``ext`` when not given), else only the class and its region (which the
    jurisdiction reads); the time by
    whether there is one and, for a collection message only, which rule's night its hour falls in (the
    hour of any other message is read by no rule, so that a text sent at every hour of the day is judged
    twice, not 24 times).
    """
    if received_at is None:
        night: bool | tuple[bool, ...] | None = None
    elif not any(ext.has(c) for c in NIGHT_CATEGORIES):
        night = True  # a time, whose hour no rule reads for this text
    else:
        night = tuple(at_night(received_at.hour, w) for w in _night_windows())
    if sender_read is None:
        sender_read = reads_sender(ext)
    cls = _type_class(sender.type, sender.is_personal)
    if not sender_read:
        return (cls, sender.region, False, False, ()), night
    _, region, has_digits, court_line, owners = sender_facts(sender)
    return (cls, region, has_digits, court_line, owners), night
