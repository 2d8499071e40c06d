"""Report and complaint drafts: choose the channels that apply to a verdict, fill their templates.

Channels, their ``when`` clauses, fields and texts are data (``data/report/channels/<J>.yaml``).
Contacts are resolved only by id from the verified facts; a channel naming an unverified or foreign
contact fails to load. Nothing is ever sent: a draft is text for the person to check and submit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from veritext.decide import kind_name
from veritext.facts import Institution, contact, institution
from veritext.message import ANSWERS, JURISDICTIONS, KINDS, RISKS, Contact, I18nText, Verdict
from veritext.report.conduct import check_conduct
from veritext.report.data import ReportDataError, i18n, load
from veritext.report.redact import Redacted, Redaction, redact_many
from veritext.report.results import Advice, Draft, DraftField, EvidenceMessage, Finding, Rule
from veritext.report.rules import FINDINGS
from veritext.report.rules import advice as advice_by_id
from veritext.report.rules import rules as rules_of
from veritext.report.templating import render_text
from veritext.report.views import finding_view, fmt_time, layout, message_view, ui

__all__ = ["ChannelSpec", "applies", "channels", "drafts", "unavailable"]

_CLAUSE_KEYS = frozenset({"kinds", "not_kinds", "risks", "any_signals", "any_findings", "has_loan", "conduct"})
_ALLOWED: Mapping[str, tuple[str, ...]] = {
    "kinds": KINDS,
    "not_kinds": KINDS,
    "risks": RISKS,
    "has_loan": ANSWERS,
    "any_findings": FINDINGS,
}
_MAX_REASONS = 8


@dataclass(frozen=True, slots=True)
class _Clause:
    values: Mapping[str, frozenset[str]]
    conduct: bool | None


@dataclass(frozen=True, slots=True)
class _FieldSpec:
    key: str
    label: I18nText
    value: I18nText
    required: bool
    fill_in: bool


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One channel of ``channels/<J>.yaml``, validated."""

    id: str
    jurisdiction: str
    order: int
    title: I18nText
    purpose: I18nText
    when: _Clause
    any_of: tuple[_Clause, ...]
    contacts: tuple[Contact, ...]
    rules: tuple[Rule, ...]
    advice: tuple[Advice, ...]
    fields: tuple[_FieldSpec, ...]
    body: I18nText
    steps: tuple[I18nText, ...]
    notes: tuple[I18nText, ...]


# ------------------------------------------------------------------------------------------ loading


def _clause(raw: Any, where: str) -> _Clause:
    if not isinstance(raw, dict):
        raise ReportDataError(f"{where}: expected a mapping")
    unknown = set(raw) - _CLAUSE_KEYS - {"any_of"}
    if unknown:
        raise ReportDataError(f"{where}: unknown key(s) {sorted(unknown)}")
    values: dict[str, frozenset[str]] = {}
    for key in _CLAUSE_KEYS - {"conduct"}:
        if key not in raw:
            continue
        items = raw[key]
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            # PyYAML reads bare yes/no as booleans: the list check catches that too.
            raise ReportDataError(f'{where}.{key}: expected a list of strings (quote "yes" / "no")')
        bad = [i for i in items if key in _ALLOWED and i not in _ALLOWED[key]]
        if bad:
            raise ReportDataError(f"{where}.{key}: {bad} not in {_ALLOWED[key]}")
        values[key] = frozenset(items)
    conduct = raw.get("conduct")
    if conduct is not None and not isinstance(conduct, bool):
        raise ReportDataError(f"{where}.conduct: expected true or false")
    return _Clause(values=values, conduct=conduct)


def _contacts(raw: Any, where: str, jurisdiction: str) -> tuple[Contact, ...]:
    out: list[Contact] = []
    for cid in raw or []:
        try:
            c = contact(str(cid))
        except KeyError:
            # The house rule: a channel may only name a contact verified in the facts data.
            raise ReportDataError(f"{where}: {cid!r} is not a verified contact") from None
        if c.jurisdiction != jurisdiction:
            raise ReportDataError(f"{where}: {cid!r} belongs to {c.jurisdiction}, not {jurisdiction}")
        out.append(c)
    return tuple(out)


def _field(raw: Any, where: str) -> _FieldSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
        raise ReportDataError(f"{where}: every field needs a string key")
    where = f"{where} field {raw['key']!r}"
    value = raw.get("value")
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in ("zh", "en")):
        raise ReportDataError(f"{where}.value: expected {{zh, en}} templates")
    return _FieldSpec(
        key=raw["key"],
        label=i18n(raw.get("label"), f"{where}.label"),
        value=I18nText(zh=value["zh"], en=value["en"]),
        required=bool(raw.get("required", False)),
        fill_in=bool(raw.get("fill_in", False)),
    )


def _templates(raw: Any, where: str) -> tuple[I18nText, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ReportDataError(f"{where}: expected a list of {{zh, en}}")
    return tuple(i18n(item, f"{where}[{n}]") for n, item in enumerate(raw))


def _channel(raw: Any, jurisdiction: str, where: str) -> ChannelSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ReportDataError(f"{where}: every channel needs a string id")
    where = f"{where} channel {raw['id']!r}"
    known = {
        "id",
        "order",
        "title",
        "purpose",
        "when",
        "contacts",
        "rules",
        "advice",
        "fields",
        "body",
        "steps",
        "notes",
    }
    unknown = set(raw) - known
    if unknown:
        raise ReportDataError(f"{where}: unknown key(s) {sorted(unknown)}")
    when_raw = raw.get("when") or {}
    when = _clause(when_raw, f"{where}.when")
    any_of = tuple(_clause(alt, f"{where}.when.any_of[{n}]") for n, alt in enumerate(when_raw.get("any_of") or []))
    all_rules = rules_of(jurisdiction)
    missing = [r for r in raw.get("rules") or [] if r not in all_rules]
    if missing:
        raise ReportDataError(f"{where}.rules: unknown rule id(s) {missing} (conduct/{jurisdiction}.yaml)")
    fields = tuple(_field(f, where) for f in raw.get("fields") or [])
    if not fields:
        raise ReportDataError(f"{where}: a channel needs fields")
    return ChannelSpec(
        id=raw["id"],
        jurisdiction=jurisdiction,
        order=int(raw.get("order", 100)),
        title=i18n(raw.get("title"), f"{where}.title"),
        purpose=i18n(raw.get("purpose"), f"{where}.purpose"),
        when=when,
        any_of=any_of,
        contacts=_contacts(raw.get("contacts"), f"{where}.contacts", jurisdiction),
        rules=tuple(all_rules[r] for r in raw.get("rules") or []),
        advice=tuple(advice_by_id(a) for a in raw.get("advice") or []),
        fields=fields,
        body=i18n(raw.get("body"), f"{where}.body"),
        steps=_templates(raw.get("steps"), f"{where}.steps"),
        notes=_templates(raw.get("notes"), f"{where}.notes"),
    )


@cache
def _file(jurisdiction: str) -> Mapping[str, Any]:
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"jurisdiction must be one of {JURISDICTIONS}, not {jurisdiction!r}")
    name = f"channels/{jurisdiction}.yaml"
    data = load(name)
    if not isinstance(data, dict) or data.get("jurisdiction") != jurisdiction:
        raise ReportDataError(f"{name}: expected a mapping with jurisdiction: {jurisdiction}")
    return data


@cache
def channels(jurisdiction: str) -> tuple[ChannelSpec, ...]:
    """Every channel of ``jurisdiction``, in order."""
    name = f"channels/{jurisdiction}.yaml"
    specs = [_channel(raw, jurisdiction, name) for raw in _file(jurisdiction).get("channels") or []]
    ids = [s.id for s in specs]
    if len(ids) != len(set(ids)):
        raise ReportDataError(f"{name}: repeated channel id")
    return tuple(sorted(specs, key=lambda s: s.order))


def unavailable(jurisdiction: str) -> tuple[I18nText, ...]:
    """Channels the issue asks for that the facts data cannot support here, and why."""
    return _templates(_file(jurisdiction).get("unavailable"), f"channels/{jurisdiction}.yaml unavailable")


# ------------------------------------------------------------------------------------------ choosing


def _holds(c: _Clause, *, verdict: Verdict, signals: frozenset[str], found: frozenset[str]) -> bool:
    v = c.values
    if "kinds" in v and verdict.kind not in v["kinds"]:
        return False
    if "not_kinds" in v and verdict.kind in v["not_kinds"]:
        return False
    if "risks" in v and verdict.risk not in v["risks"]:
        return False
    if "any_signals" in v and not (v["any_signals"] & signals):
        return False
    if "any_findings" in v and not (v["any_findings"] & found):
        return False
    if "has_loan" in v and verdict.context.has_loan not in v["has_loan"]:
        return False
    return c.conduct is None or c.conduct == bool(found)


def applies(spec: ChannelSpec, verdict: Verdict, *, findings: Sequence[Finding] = ()) -> bool:
    """Whether ``spec``'s ``when`` holds for this verdict and these abusive-collection findings."""
    signals = frozenset(s.id for s in verdict.signals)
    found = frozenset(f.id for f in findings)
    if not _holds(spec.when, verdict=verdict, signals=signals, found=found):
        return False
    return not spec.any_of or any(_holds(c, verdict=verdict, signals=signals, found=found) for c in spec.any_of)


# ------------------------------------------------------------------------------------------ filling


def _institution(verdict: Verdict) -> tuple[Institution | None, I18nText | None]:
    for e in verdict.entities:
        if e.kind == "organization" and e.attrs.get("institution_id"):
            try:
                inst = institution(str(e.attrs["institution_id"]))
            except KeyError:
                continue
            return inst, I18nText(zh=inst.name_local or inst.name, en=inst.name or inst.name_local)
    for e in verdict.entities:
        if e.kind == "organization" and e.attrs.get("type") in {"consumer_finance", "bank", "lender", "platform"}:
            return None, I18nText(zh=e.value, en=e.value)
    return None, None


_SIGNATURE = re.compile(r"【([^】]{2,12})】")
# A 【signature】 that names an authority or a notice is not the lender (it is often the lie itself).
_NOT_LENDER = re.compile(r"法院|公安|警|检察|通知|政府|监管")


def _signed_name(history: Sequence[EvidenceMessage]) -> I18nText | None:
    """The lender as the collection messages sign themselves (【安心借】), when the registry knows none."""
    for m in history:
        for sig in _SIGNATURE.findall(m.text):
            if not _NOT_LENDER.search(sig):
                return I18nText(zh=sig, en=sig)
    return None


def _defang(url: str) -> str:
    # Evidence, not a link: a defanged URL cannot be clicked by accident in a form or a PDF reader.
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    host, slash, path = rest.partition("/")
    scheme = head.replace("http", "hxxp") + "://" if sep else ""
    return scheme + host.replace(".", "[.]") + slash + path


def _indicators(verdict: Verdict, redacted: Redacted) -> list[str]:
    hidden = [(s, e) for s, e, _k, _l in redacted.hits]
    out: list[str] = []
    for e in verdict.entities:
        if e.kind not in {"url", "phone"}:
            continue
        if any(s < e.span.end and e.span.start < t for s, t in hidden):
            continue  # the person's own number or another hidden value stays hidden here too
        out.append(_defang(e.value) if e.kind == "url" else e.value)
    return list(dict.fromkeys(out))


def _reasons(verdict: Verdict, lang: str, redacted: Redacted) -> list[str]:
    out: list[str] = []
    for s in verdict.signals:
        if s.weight <= 0 or s.group not in {"fraud", "conduct", "context", "spam"}:
            continue
        quotes = list(dict.fromkeys(redacted.slice(sp.start, sp.end) for sp in s.spans[:3]))
        quoted = (" «" + "» «".join(quotes) + "»") if quotes else ""
        out.append(s.description.get(lang) + quoted)
    return out[:_MAX_REASONS]


def _fill(lang: str) -> Any:
    pattern = ui(lang)["fill"]

    def fill(label: str) -> str:
        return pattern.replace("{label}", label)

    return fill


def _values(
    spec: ChannelSpec,
    lang: str,
    *,
    verdict: Verdict,
    message: EvidenceMessage,
    history: Sequence[EvidenceMessage],
    findings: Sequence[Finding],
    redaction: Redaction,
    today: date,
) -> dict[str, Any]:
    # Redacted together, so a name found in one message is hidden in every one.
    together = redact_many([message.text, *(m.text for m in history)], redaction)
    own_r = together[0]
    own = message_view(message, redaction, own_r)
    redacted = {m.index: r for m, r in zip(history, together[1:], strict=True)}
    inst, name = _institution(verdict)
    if name is None:
        name = _signed_name(history)
    fill = _fill(lang)
    blocks = layout()["blocks"]
    words = ui(lang)
    msgs = [message_view(m, redaction, redacted.get(m.index)) for m in history] or [own]
    finding_views = [finding_view(f, lang, redacted) for f in findings]
    reasons = _reasons(verdict, lang, own_r)
    return {
        "lang": lang,
        "msg": own,
        "messages": msgs,
        "kind": kind_name(verdict.kind).get(lang),
        "risk": words[f"risk_{verdict.risk}"],
        "risk_key": verdict.risk,
        "fraud_pct": round(verdict.fraud_probability * 100),
        "reasons": reasons,
        "reasons_block": render_text(blocks["reasons"], items=reasons, ui=words),
        "messages_block": render_text(blocks["messages"], items=msgs, ui=words),
        "findings": finding_views,
        "findings_block": render_text(blocks["findings"], items=finding_views, ui=words),
        "lender": name.get(lang) if name else fill("贷款机构名称" if lang == "zh" else "lender's name"),
        "lender_known": name is not None,
        "lender_channels": [*inst.service_numbers, *inst.domains] if inst else [],
        "indicators": _indicators(verdict, own_r),
        "c": {c.id: {"name": c.name.get(lang), "value": c.value} for c in spec.contacts},
        "has_loan": verdict.context.has_loan,
        "today": today.isoformat(),
        "fill": fill,
        "time": fmt_time,
    }


def _render(spec: ChannelSpec, values: Mapping[str, Mapping[str, Any]], redaction: Redaction) -> Draft:
    def both(t: I18nText) -> I18nText:
        return I18nText(zh=render_text(t.zh, **values["zh"]), en=render_text(t.en, **values["en"]))

    fields = []
    for f in spec.fields:
        value = both(f.value)
        if f.required and not (value.zh and value.en):
            filled = {lang: values[lang]["fill"](f.label.get(lang)) for lang in ("zh", "en")}
            value = I18nText(zh=value.zh or filled["zh"], en=value.en or filled["en"])
        fields.append(DraftField(key=f.key, label=f.label, value=value, required=f.required, fill_in=f.fill_in))
    notes = tuple(n for n in (both(t) for t in spec.notes) if n.zh and n.en)
    return Draft(
        channel=spec.id,
        jurisdiction=spec.jurisdiction,
        title=spec.title,
        purpose=spec.purpose,
        contacts=spec.contacts,
        fields=tuple(fields),
        body=both(spec.body),
        steps=tuple(both(s) for s in spec.steps),
        notes=notes,
        rules=spec.rules,
        advice=spec.advice,
        redacted=redaction.enabled,
    )


def drafts(
    verdict: Verdict,
    *,
    history: Sequence[EvidenceMessage] = (),
    findings: Sequence[Finding] | None = None,
    redaction: Redaction | None = None,
    only: Sequence[str] | None = None,
    today: date | None = None,
) -> tuple[Draft, ...]:
    """The drafts that apply to ``verdict`` in its jurisdiction, each in Chinese and English.

    ``history`` is the set of collection messages the complaint is about (default: this message);
    ``findings`` the abusive-collection findings for them (default: computed with
    :func:`~veritext.report.check_conduct`). ``redaction`` is on by default; pass
    ``Redaction.off()`` to include originals. ``only`` drafts exactly these channel ids, whether
    or not their ``when`` clause holds (the person chose them).
    Nothing is sent anywhere.
    """
    redaction = redaction or Redaction()
    specs = channels(verdict.jurisdiction)
    if only is not None:
        known = {s.id for s in specs}
        bad = [c for c in only if c not in known]
        if bad:
            raise ValueError(f"unknown channel(s) {bad} for {verdict.jurisdiction}; choose from {sorted(known)}")
    message = EvidenceMessage(index=0, text=verdict.text, sender=verdict.sender, received_at=verdict.received_at)
    if findings is None:
        pool = list(history) or [EvidenceMessage(1, verdict.text, verdict.sender, verdict.received_at)]
        findings = check_conduct(pool, jurisdiction=verdict.jurisdiction, context=verdict.context).findings
    if not history:
        history = [EvidenceMessage(1, verdict.text, verdict.sender, verdict.received_at)]
    # Channels asked for by id are drafted even where their `when` does not hold: the person chose them.
    chosen = [s for s in specs if (s.id in only if only is not None else applies(s, verdict, findings=findings))]
    day = today or date.today()
    out = []
    for spec in chosen:
        values = {
            lang: _values(
                spec,
                lang,
                verdict=verdict,
                message=message,
                history=history,
                findings=findings,
                redaction=redaction,
                today=day,
            )
            for lang in ("zh", "en")
        }
        out.append(_render(spec, values, redaction))
    return tuple(out)
