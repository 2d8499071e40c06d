"""The plan stage: turn a verdict's kind, risk, signals and scenarios into ordered steps (DESIGN.md §1).

The steps themselves are data (``data/plans.yaml``); this module only selects the templates whose
``when`` clause matches, orders them by urgency and fills in the institution's name. Every contact a
step names is a verified contact id from the facts data, never a number or link from the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from veritext.datafiles import load_yaml
from veritext.facts import contact, contacts
from veritext.memo import LRU
from veritext.message import ANSWERS, JURISDICTIONS, KINDS, RISKS, Contact, Context, I18nText, Step

__all__ = ["PlanDataError", "StepTemplate", "advise", "parse_plans", "plan_contacts", "step_templates"]

PLACEHOLDER = "{institution}"
# Filled from the person's ledger by the verify stage; only steps with a `ledger:` clause may use them.
LEDGER_PLACEHOLDERS = frozenset({"{your_channel}", "{mismatch}", "{overdue_cost}"})
LEDGER_FACTS = ("match", "mismatch", "no_such_loan", "unknown_lender", "overdue_cost", "overdue_no_rate")

_LIST_KEYS = ("kinds", "not_kinds", "risks", "jurisdictions", "any_signals", "scenarios", "ledger")
_ANSWER_KEYS = ("has_loan", "requested_code")
_CLAUSE_KEYS = frozenset((*_LIST_KEYS, *_ANSWER_KEYS))
_ALLOWED_VALUES: Mapping[str, tuple[str, ...]] = {
    "kinds": KINDS,
    "not_kinds": KINDS,
    "risks": RISKS,
    "jurisdictions": JURISDICTIONS,
    "has_loan": ANSWERS,
    "requested_code": ANSWERS,
    "ledger": LEDGER_FACTS,
}
# Signal and scenario ids are owned by other stages; a malformed id (typo in case) still fails loudly.
_ID_FORMAT: Mapping[str, re.Pattern[str]] = {
    "any_signals": re.compile(r"^[A-Z][A-Z0-9_]*$"),
    "scenarios": re.compile(r"^[a-z][a-z0-9_]*$"),
}
_PLACEHOLDERS = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True, slots=True)
class Clause:
    """One conjunction of tests; ``None`` means the key was not given (matches anything)."""

    kinds: frozenset[str] | None = None
    not_kinds: frozenset[str] = frozenset()
    risks: frozenset[str] | None = None
    jurisdictions: frozenset[str] | None = None
    any_signals: frozenset[str] | None = None
    scenarios: frozenset[str] | None = None
    has_loan: frozenset[str] | None = None
    requested_code: frozenset[str] | None = None
    ledger: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class When:
    """A template's ``when``: ``clause`` must hold, and one of ``any_of`` if any are given."""

    clause: Clause
    any_of: tuple[Clause, ...] = ()


@dataclass(frozen=True, slots=True)
class StepTemplate:
    """One entry of ``plans.yaml``: a step before its placeholders are filled."""

    id: str
    order: int
    text: I18nText
    reason: I18nText
    when: When
    contacts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def contacts_for(self, jurisdiction: str) -> tuple[str, ...]:
        """The contact ids this step names in ``jurisdiction`` (may be empty)."""
        return dict(self.contacts).get(jurisdiction, ())

    def jurisdictions(self) -> frozenset[str]:
        """The jurisdictions this template can apply to."""
        return self.when.clause.jurisdictions or frozenset(JURISDICTIONS)


@dataclass(frozen=True, slots=True)
class _Input:
    kind: str
    risk: str
    jurisdiction: str
    signals: frozenset[str]
    scenarios: frozenset[str]
    has_loan: str
    requested_code: str
    ledger: frozenset[str] = frozenset()


# ------------------------------------------------------------------------------------------ loading


class PlanDataError(ValueError):
    """``plans.yaml`` is malformed; the message names the step and the problem."""


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise PlanDataError(f"{where}: expected a non-empty list")
    for item in value:
        if isinstance(item, bool):
            # PyYAML reads bare yes/no as booleans; the author almost certainly meant the answer.
            raise PlanDataError(f'{where}: {item!r} is a boolean; quote answers as "yes" / "no"')
        if not isinstance(item, str):
            raise PlanDataError(f"{where}: {item!r} is not a string")
    return tuple(value)


def _i18n(value: Any, where: str) -> I18nText:
    if not isinstance(value, dict):
        raise PlanDataError(f"{where}: expected {{zh, en}}")
    zh, en = value.get("zh"), value.get("en")
    if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
        raise PlanDataError(f"{where}: both zh and en must be non-empty strings")
    for lang, text in (("zh", zh), ("en", en)):
        unknown = set(_PLACEHOLDERS.findall(text)) - {PLACEHOLDER} - LEDGER_PLACEHOLDERS
        if unknown:
            raise PlanDataError(f"{where}.{lang}: unknown placeholder(s) {sorted(unknown)}")
    return I18nText(zh=zh.strip(), en=en.strip())


def _clause(raw: Any, where: str, *, top: bool) -> tuple[Clause, tuple[Clause, ...]]:
    if not isinstance(raw, dict):
        raise PlanDataError(f"{where}: expected a mapping")
    allowed = _CLAUSE_KEYS | ({"any_of"} if top else set())
    unknown = set(raw) - allowed
    if unknown:
        raise PlanDataError(f"{where}: unknown key(s) {sorted(unknown)}")
    fields: dict[str, frozenset[str]] = {}
    for key in (*_LIST_KEYS, *_ANSWER_KEYS):
        if key not in raw:
            continue
        values = _strings(raw[key], f"{where}.{key}")
        if key in _ALLOWED_VALUES:
            bad = [v for v in values if v not in _ALLOWED_VALUES[key]]
            if bad:
                raise PlanDataError(f"{where}.{key}: {bad} not in {_ALLOWED_VALUES[key]}")
        if key in _ID_FORMAT:
            bad = [v for v in values if not _ID_FORMAT[key].match(v)]
            if bad:
                raise PlanDataError(f"{where}.{key}: malformed id(s) {bad}")
        if key in _ANSWER_KEYS and "unknown" not in values and len(values) != 1:
            # A branch must name one answer, or the step could not say which branch it is.
            raise PlanDataError(f'{where}.{key}: list one answer, or include "unknown"')
        fields[key] = frozenset(values)
    any_of: tuple[Clause, ...] = ()
    if "any_of" in raw:
        alternatives = raw["any_of"]
        if not isinstance(alternatives, list) or not alternatives:
            raise PlanDataError(f"{where}.any_of: expected a non-empty list of clauses")
        any_of = tuple(
            _clause(alt, f"{where}.any_of[{n}]", top=False)[0] for n, alt in enumerate(alternatives)
        )
    return Clause(**fields), any_of


def _contacts(
    raw: Any, where: str, verified: Mapping[str, Contact]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise PlanDataError(f"{where}: expected {{jurisdiction: [contact ids]}}")
    out: list[tuple[str, tuple[str, ...]]] = []
    for jurisdiction, ids in raw.items():
        if jurisdiction not in JURISDICTIONS:
            raise PlanDataError(f"{where}: unknown jurisdiction {jurisdiction!r}")
        for cid in _strings(ids, f"{where}.{jurisdiction}"):
            # The house rule: a step may only name a contact that is verified in the facts.
            if cid not in verified:
                raise PlanDataError(f"{where}.{jurisdiction}: {cid!r} is not a verified contact")
            if verified[cid].jurisdiction != jurisdiction:
                raise PlanDataError(
                    f"{where}.{jurisdiction}: {cid!r} belongs to {verified[cid].jurisdiction}"
                )
        out.append((jurisdiction, tuple(ids)))
    return tuple(out)


def _template(raw: Any, n: int, verified: Mapping[str, Contact]) -> StepTemplate:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise PlanDataError(f"plans.yaml steps[{n}]: every step needs a string id")
    where = f"plans.yaml step {raw['id']!r}"
    unknown = set(raw) - {"id", "order", "text", "reason", "when", "contacts"}
    if unknown:
        raise PlanDataError(f"{where}: unknown key(s) {sorted(unknown)}")
    order = raw.get("order")
    if not isinstance(order, int) or isinstance(order, bool):
        raise PlanDataError(f"{where}: order must be an integer")
    clause, any_of = _clause(raw.get("when", {}), f"{where}.when", top=True)
    text = _i18n(raw.get("text"), f"{where}.text")
    reason = _i18n(raw.get("reason"), f"{where}.reason")
    used = set(_PLACEHOLDERS.findall(text.zh + text.en + reason.zh + reason.en)) & LEDGER_PLACEHOLDERS
    if used and clause.ledger is None:
        # Only the verify stage fills these, and only when the ledger has something to say.
        raise PlanDataError(f"{where}: {sorted(used)} need a `ledger:` clause in `when`")
    return StepTemplate(
        id=raw["id"],
        order=order,
        text=text,
        reason=reason,
        when=When(clause=clause, any_of=any_of),
        contacts=_contacts(raw.get("contacts"), f"{where}.contacts", verified),
    )


def _check_variants(templates: Iterable[StepTemplate]) -> None:
    # Several templates may share an id only as per-jurisdiction variants, so a plan never repeats a step.
    seen: dict[str, list[frozenset[str]]] = {}
    for t in templates:
        if t.when.clause.jurisdictions is None and t.id in seen:
            raise PlanDataError(f"plans.yaml step {t.id!r}: repeated id without a jurisdictions split")
        for other in seen.get(t.id, []):
            if other & t.jurisdictions():
                raise PlanDataError(
                    f"plans.yaml step {t.id!r}: variants overlap in {sorted(other & t.jurisdictions())}"
                )
        seen.setdefault(t.id, []).append(t.jurisdictions())


def parse_plans(text: str) -> tuple[tuple[StepTemplate, ...], I18nText]:
    """Parse and validate plan data in the ``plans.yaml`` format: (templates, institution fallback).

    Raises :class:`PlanDataError` naming the step for anything malformed, including a contact id that
    is not a verified contact of the step's jurisdiction.
    """
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise PlanDataError(f"plans.yaml is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise PlanDataError("plans.yaml: expected a mapping with a list under 'steps'")
    verified = contacts()
    templates = tuple(_template(raw, n, verified) for n, raw in enumerate(data["steps"]))
    _check_variants(templates)
    fallback = _i18n(data.get("institution_fallback"), "plans.yaml institution_fallback")
    return templates, fallback


@cache
def _plans() -> tuple[tuple[StepTemplate, ...], I18nText]:
    return parse_plans(
        resources.files("veritext").joinpath("data").joinpath("plans.yaml").read_text(encoding="utf-8")
    )


def step_templates() -> tuple[StepTemplate, ...]:
    """Every step template in ``plans.yaml``, in file order (validated on first use)."""
    return _plans()[0]


# ------------------------------------------------------------------------------------------ matching


def _match_clause(c: Clause, x: _Input) -> tuple[str, ...] | None:
    """``None`` if the clause fails; otherwise the branch conditions it needs (empty = unconditional)."""
    if c.kinds is not None and x.kind not in c.kinds:
        return None
    if x.kind in c.not_kinds:
        return None
    if c.risks is not None and x.risk not in c.risks:
        return None
    if c.jurisdictions is not None and x.jurisdiction not in c.jurisdictions:
        return None
    if c.any_signals is not None and not c.any_signals & x.signals:
        return None
    if c.scenarios is not None and not c.scenarios & x.scenarios:
        return None
    if c.ledger is not None and not c.ledger & x.ledger:
        return None
    conditions: list[str] = []
    for name, wanted, actual in (
        ("has_loan", c.has_loan, x.has_loan),
        ("requested_code", c.requested_code, x.requested_code),
    ):
        if wanted is None or actual in wanted:
            continue
        if actual == "unknown":
            # The person has not answered: show this branch, labelled, as the advice does.
            (answer,) = wanted
            conditions.append(f"{name}={answer}")
            continue
        return None
    return tuple(conditions)


def _match(w: When, x: _Input) -> tuple[str, ...] | None:
    base = _match_clause(w.clause, x)
    if base is None:
        return None
    if not w.any_of:
        return base
    options = [m for m in (_match_clause(a, x) for a in w.any_of) if m is not None]
    if not options:
        return None
    # An alternative that holds outright beats one that holds only as a branch.
    best = min(options, key=len)
    return tuple(dict.fromkeys((*base, *best)))


def _fill(text: I18nText, name: I18nText, fills: Mapping[str, I18nText] | None = None) -> I18nText:
    zh, en = text.zh.replace(PLACEHOLDER, name.zh), text.en.replace(PLACEHOLDER, name.en)
    for key, value in (fills or {}).items():
        zh, en = zh.replace("{" + key + "}", value.zh), en.replace("{" + key + "}", value.en)
    return I18nText(zh=zh, en=en)


def advise(
    *,
    kind: str,
    risk: str,
    signal_ids: frozenset[str],
    scenario_ids: tuple[str, ...],
    context: Context,
    jurisdiction: str,
    institution_name: I18nText | None,
    ledger: frozenset[str] = frozenset(),
    fills: Mapping[str, I18nText] | None = None,
) -> tuple[Step, ...]:
    """The ordered plan for one message.

    ``jurisdiction`` is the one already resolved by the decide stage (``context.jurisdiction`` is not
    consulted again here). Steps whose when-clause depends on an answer the person has not given
    (``context.has_loan`` / ``context.requested_code`` = ``unknown``) appear once per branch with
    ``condition`` set, e.g. ``has_loan=yes``. Every id in ``scenario_ids`` counts as applicable, so
    steps keyed to a scenario that depends on an answer also test that answer (a weakly ranked
    ``identity_theft`` stays on the ``has_loan=no`` branch). ``{institution}`` is replaced by
    ``institution_name``, or by a neutral phrase when it is ``None``. Raises ``ValueError`` for an
    unknown kind, risk or jurisdiction.

    ``ledger`` holds what the verify stage found in the person's ledger (``match``, ``mismatch``,
    ``no_such_loan``, ``unknown_lender``, ``overdue_cost``, ``overdue_no_rate``): steps with a
    ``ledger:`` clause need one of them. ``fills`` gives those steps' ``{your_channel}``,
    ``{mismatch}`` and ``{overdue_cost}`` texts (keys without braces).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if risk not in RISKS:
        raise ValueError(f"risk must be one of {RISKS}, not {risk!r}")
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"jurisdiction must be one of {JURISDICTIONS}, not {jurisdiction!r}")
    fallback = _plans()[1]
    name = fallback
    if institution_name is not None:
        # Fall back per language, so a name known only in one language still reads naturally.
        name = I18nText(zh=institution_name.zh or fallback.zh, en=institution_name.en or fallback.en)
    x = _Input(
        kind=kind,
        risk=risk,
        jurisdiction=jurisdiction,
        # Only the signals some step asks about matter: the smaller key makes _select's cache hit.
        signals=frozenset(signal_ids) & _plan_signals(),
        scenarios=frozenset(scenario_ids),
        has_loan=context.has_loan,
        requested_code=context.requested_code,
        ledger=frozenset(ledger),
    )
    return _steps(x, name, tuple(fills.items()) if fills else ())


@lru_cache(maxsize=4096)
def _steps(x: _Input, name: I18nText, fill_items: tuple[tuple[str, I18nText], ...]) -> tuple[Step, ...]:
    """The filled-in steps: pure in its (hashable) arguments, so bulk traffic builds each plan once."""
    fills = dict(fill_items)
    return tuple(
        Step(
            id=t.id,
            text=_fill(t.text, name, fills),
            reason=_fill(t.reason, name, fills),
            contacts=t.contacts_for(x.jurisdiction),
            condition=",".join(conditions) or None,
        )
        for _, _, t, conditions in _select(x)
    )


@lru_cache(maxsize=4096)
def _select(x: _Input) -> tuple[tuple[int, int, StepTemplate, tuple[str, ...]], ...]:
    """The matching templates in plan order. Pure in ``x``, and bulk traffic repeats the same few
    inputs, so it is cached."""
    chosen: list[tuple[int, int, StepTemplate, tuple[str, ...]]] = []
    seen: set[str] = set()
    for index, t in enumerate(_plans()[0]):
        conditions = _match(t.when, x)
        if conditions is None or t.id in seen:
            continue
        seen.add(t.id)
        chosen.append((t.order, index, t, conditions))
    chosen.sort(key=lambda item: (item[0], item[1]))
    return tuple(chosen)


@cache
def _plan_signals() -> frozenset[str]:
    """Every signal id some step's ``when`` mentions."""
    found: set[str] = set()
    for t in _plans()[0]:
        for clause in (t.when.clause, *t.when.any_of):
            found |= clause.any_signals or frozenset()
    return frozenset(found)


def plan_contacts(plan: tuple[Step, ...]) -> tuple[Contact, ...]:
    """The verified contacts the plan names, resolved from the facts data, in first-use order."""
    known = _CONTACTS.get(id(plan))
    if known is not None and known[0] is plan:
        return known[1]
    ids = dict.fromkeys(cid for step in plan for cid in step.contacts)
    contacts = tuple(contact(cid) for cid in ids)
    _CONTACTS.put(id(plan), (plan, contacts))
    return contacts


# A plan's contacts by the plan's id: advise hands the repeats of a plan the one tuple (``_steps`` is
# cached), so a bulk scan resolves each plan's contacts once. Checked by identity: the entry keeps its
# plan alive, so no other tuple can have that id meanwhile.
_CONTACTS: LRU[int, tuple[tuple[Step, ...], tuple[Contact, ...]]] = LRU(8_192)
