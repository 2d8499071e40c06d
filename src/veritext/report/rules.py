"""Per-jurisdiction conduct rules and checks, loaded from ``data/report/conduct/`` and validated.

Rules carry their citation and source from the facts data; advice carries its DESIGN.md quote. This
module only loads and checks the data; :mod:`veritext.report.conduct` applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from veritext.message import JURISDICTIONS, I18nText
from veritext.report.data import ReportDataError, i18n, load
from veritext.report.results import Advice, Basis, Rule

__all__ = ["CheckSpec", "Conduct", "FindingText", "advice", "conduct_data", "finding_text", "rules"]

CHECK_TYPES = ("night", "per_day", "signals", "missing_terms")
FINDINGS = (
    "night_contact",
    "messages_per_day",
    "third_party_disclosure",
    "threats",
    "impersonation",
    "fake_legal_document",
    "no_opt_out",
)


@dataclass(frozen=True, slots=True)
class FindingText:
    """A finding's title and its summary template (Jinja, both languages)."""

    title: I18nText
    summary: I18nText


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check run in a jurisdiction, as its data file states it."""

    finding: str
    check: str
    basis: Basis
    rules: tuple[str, ...]
    advice: str | None
    params: Mapping[str, int]
    signals: frozenset[str]
    unless_signals: frozenset[str]
    terms: tuple[str, ...]
    note: I18nText | None


@dataclass(frozen=True, slots=True)
class Conduct:
    """Everything the abusive-collection check needs for one jurisdiction."""

    jurisdiction: str
    rules: Mapping[str, Rule]
    checks: tuple[CheckSpec, ...]
    not_checked: tuple[tuple[str, I18nText], ...]
    timezone: str | None = None


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ReportDataError(f"{where}: expected a list of strings")
    return tuple(value)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ReportDataError(f"{where}: every rule needs a string id")
    where = f"{where} {raw['id']!r}"
    sources = _strs(raw.get("sources"), f"{where}.sources")
    if not sources:
        # The house rule: a rule without a source from the facts data is not a rule we may cite.
        raise ReportDataError(f"{where}: a rule needs at least one source")
    for key in ("strength", "facts_ref"):
        if not isinstance(raw.get(key), str) or not raw[key].startswith(("verified", "facts.md")):
            raise ReportDataError(f"{where}.{key}: expected a 'verified …' strength and a 'facts.md §…' ref")
    return Rule(
        id=raw["id"],
        citation=i18n(raw.get("citation"), f"{where}.citation"),
        text=i18n(raw.get("text"), f"{where}.text"),
        status=i18n(raw.get("status"), f"{where}.status"),
        strength=raw["strength"],
        facts_ref=raw["facts_ref"],
        sources=sources,
    )


@cache
def _common() -> Mapping[str, Any]:
    data = load("conduct/common.yaml")
    if not isinstance(data, dict):
        raise ReportDataError("conduct/common.yaml: expected a mapping")
    return data


@cache
def finding_texts() -> Mapping[str, FindingText]:
    """Title and summary template of every finding id."""
    raw = _common().get("findings") or {}
    out = {
        fid: FindingText(
            title=i18n(v.get("title"), f"conduct/common.yaml findings.{fid}.title"),
            summary=i18n(v.get("summary"), f"conduct/common.yaml findings.{fid}.summary"),
        )
        for fid, v in raw.items()
    }
    missing = set(FINDINGS) - set(out)
    if missing:
        raise ReportDataError(f"conduct/common.yaml: no text for finding(s) {sorted(missing)}")
    return out


def finding_text(finding: str) -> FindingText:
    """Title and summary template of one finding."""
    return finding_texts()[finding]


@cache
def _advice() -> Mapping[str, Advice]:
    raw = _common().get("advice") or {}
    return {
        aid: Advice(
            id=aid,
            ref=str(v["ref"]),
            quote=str(v["quote"]),
            text=i18n(v.get("text"), f"conduct/common.yaml advice.{aid}.text"),
        )
        for aid, v in raw.items()
    }


def advice(advice_id: str) -> Advice:
    """The DESIGN.md advice with this id; ``ReportDataError`` if there is none."""
    try:
        return _advice()[advice_id]
    except KeyError:
        raise ReportDataError(f"unknown advice id {advice_id!r} (conduct/common.yaml)") from None


def collection_kinds() -> frozenset[str]:
    """Verdict kinds that count as collection messages."""
    return frozenset(_strs(_common().get("collection_kinds"), "conduct/common.yaml collection_kinds"))


def _check(raw: Any, where: str, rules: Mapping[str, Rule]) -> CheckSpec:
    if not isinstance(raw, dict):
        raise ReportDataError(f"{where}: expected a mapping")
    finding, check, basis = raw.get("finding"), raw.get("check"), raw.get("basis")
    if finding not in FINDINGS:
        raise ReportDataError(f"{where}: unknown finding {finding!r}")
    where = f"{where} {finding}"
    if check not in CHECK_TYPES:
        raise ReportDataError(f"{where}: check must be one of {CHECK_TYPES}")
    if basis not in ("rule", "advice"):
        raise ReportDataError(f"{where}: basis must be 'rule' or 'advice'")
    rule_ids = _strs(raw.get("rules"), f"{where}.rules")
    unknown = [r for r in rule_ids if r not in rules]
    if unknown:
        raise ReportDataError(f"{where}: unknown rule id(s) {unknown}")
    if basis == "rule" and not rule_ids:
        raise ReportDataError(f"{where}: a rule-based finding must cite a rule")
    advice_id = raw.get("advice")
    if basis == "advice":
        if not isinstance(advice_id, str):
            raise ReportDataError(f"{where}: an advice-based finding must cite advice")
        advice(advice_id)
    params = raw.get("params") or {}
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in params.values()):
        raise ReportDataError(f"{where}.params: values must be integers")
    needed = {"night": {"from", "to"}, "per_day": {"max"}}.get(check, set())
    if needed - set(params):
        raise ReportDataError(f"{where}.params: needs {sorted(needed)}")
    signals = frozenset(_strs(raw.get("signals"), f"{where}.signals"))
    terms = _strs(raw.get("terms"), f"{where}.terms")
    if check == "signals" and not signals:
        raise ReportDataError(f"{where}: a signals check needs signals")
    if check == "missing_terms" and not terms:
        raise ReportDataError(f"{where}: a missing_terms check needs terms")
    return CheckSpec(
        finding=finding,
        check=check,
        basis=basis,
        rules=rule_ids,
        advice=advice_id if isinstance(advice_id, str) else None,
        params=dict(params),
        signals=signals,
        unless_signals=frozenset(_strs(raw.get("unless_signals"), f"{where}.unless_signals")),
        terms=tuple(t.lower() for t in terms),
        note=i18n(raw["note"], f"{where}.note") if raw.get("note") else None,
    )


@cache
def conduct_data(jurisdiction: str) -> Conduct:
    """The validated conduct rules and checks of ``jurisdiction`` (CN, US or UK)."""
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"jurisdiction must be one of {JURISDICTIONS}, not {jurisdiction!r}")
    name = f"conduct/{jurisdiction}.yaml"
    data = load(name)
    if not isinstance(data, dict) or data.get("jurisdiction") != jurisdiction:
        raise ReportDataError(f"{name}: expected a mapping with jurisdiction: {jurisdiction}")
    rules: dict[str, Rule] = {}
    for raw in data.get("rules") or []:
        rule = _rule(raw, name)
        if rule.id in rules:
            raise ReportDataError(f"{name}: repeated rule id {rule.id!r}")
        rules[rule.id] = rule
    checks = tuple(_check(raw, f"{name} checks", rules) for raw in data.get("checks") or [])
    not_checked = tuple(
        (str(raw["finding"]), i18n(raw.get("reason"), f"{name} not_checked")) for raw in data.get("not_checked") or []
    )
    covered = [c.finding for c in checks] + [f for f, _ in not_checked]
    if sorted(covered) != sorted(FINDINGS):
        # Every finding is either checked or explicitly said not to be, so the output is never silent.
        raise ReportDataError(f"{name}: each finding must appear once in checks or not_checked")
    zone = data.get("timezone")
    if zone is not None and not isinstance(zone, str):
        raise ReportDataError(f"{name}: timezone must be an IANA name")
    return Conduct(jurisdiction=jurisdiction, rules=rules, checks=checks, not_checked=not_checked, timezone=zone)


def rules(jurisdiction: str) -> Mapping[str, Rule]:
    """Every rule of ``jurisdiction`` by id."""
    return conduct_data(jurisdiction).rules
