"""The verify stage: the message's claims against the person's own loan ledger (DESIGN.md §4).

"Check whether the message's details — product, overdue amount, overdue days — match your loan; if no
loan exists, ignore it or treat it as fraud." A message that claims a loan is compared with
``Context.loans``:

- ``match``          a loan with the lender it names, and every detail it gives agrees;
- ``mismatch``       a loan with that lender, but a detail disagrees (which, ledger vs message);
- ``no_such_loan``   it names a lender the ledger has no loan with;
- ``unknown_lender`` it says you owe, but not to whom.

The outcome becomes signals (group ``verify``, weights and texts in ``data/verify.yaml``), an answer to
``has_loan`` when the person gave none, ledger facts that pick plan steps, and the texts those steps
fill in: the person's own official channel, the mismatched details, the cost of waiting.
Nothing here reaches back into earlier stages; it takes their output and hands on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any, Literal

import regex

from veritext.cost import OverdueCost, overdue_cost
from veritext.datafiles import load_yaml
from veritext.extract import Extraction
from veritext.facts import Institution
from veritext.ledger import Loan, format_money, registry_products
from veritext.message import Context, I18nText, Signal, Span
from veritext.normalize import normalize

__all__ = ["FieldCheck", "Outcome", "Verification", "verify"]

Outcome = Literal["none", "match", "mismatch", "no_such_loan", "unknown_lender"]

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}  # fmt: skip
_ZH_DATE = regex.compile(r"(?:(?P<y>\d{4})\s?年\s?)?(?P<m>\d{1,2})\s?月\s?(?P<d>\d{1,2})")
_ISO_DATE = regex.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_EN_DATE = regex.compile(r"(?P<mon>[a-z]{3})[a-z]*\.?\s{1,2}(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s{1,2}(?P<y>\d{4}))?")
_EN2_DATE = regex.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s{1,2}(?P<mon>[a-z]{3})[a-z]*\.?(?:,?\s{1,2}(?P<y>\d{4}))?")
_NUM_DATE = regex.compile(r"(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<y>\d{2,4})")


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """One detail the message gives, compared with the ledger."""

    field: str
    agrees: bool
    ledger: I18nText
    message: I18nText
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Verification:
    """What the verify stage hands on.

    ``signals`` are ALL the signals from here on (the earlier stages' plus this stage's, less those a
    verify signal supersedes); ``context`` is the person's context with ``has_loan`` answered from the
    ledger when they gave no answer; ``facts`` and ``fills`` are for the plan (see ``plans.yaml``).
    """

    outcome: Outcome
    signals: tuple[Signal, ...]
    context: Context
    loan: Loan | None = None
    lender: str = ""
    checks: tuple[FieldCheck, ...] = ()
    days_overdue: int | None = None
    cost: OverdueCost | None = None
    facts: frozenset[str] = frozenset()
    fills: Mapping[str, I18nText] = field(default_factory=dict)
    institution_name: I18nText | None = None


# ------------------------------------------------------------------------------------------ data


@dataclass(frozen=True, slots=True)
class _SignalDef:
    id: str
    weight: float
    description: I18nText
    supersedes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Config:
    signals: Mapping[str, _SignalDef]
    fields: Mapping[str, I18nText]
    texts: Mapping[str, I18nText]
    strong: tuple[str, ...]
    with_amount: tuple[str, ...]
    not_with: tuple[str, ...]
    skip_with: tuple[str, ...]
    lender_kinds: frozenset[str]
    amount_absolute: Decimal
    amount_relative: Decimal
    days_tolerance: int


def _i18n(raw: Any, where: str) -> I18nText:
    if not isinstance(raw, dict) or not raw.get("zh") or not raw.get("en"):
        raise ValueError(f"verify.yaml {where}: needs zh and en")
    return I18nText(zh=str(raw["zh"]), en=str(raw["en"]))


@cache
def _config() -> _Config:
    raw = load_yaml(resources.files("veritext").joinpath("data/verify.yaml").read_text(encoding="utf-8"))
    signals = {
        sid: _SignalDef(
            id=sid,
            weight=float(body["weight"]),
            description=_i18n(body.get("description"), sid),
            supersedes=tuple(body.get("supersedes") or ()),
        )
        for sid, body in raw["signals"].items()
    }
    tol = raw["tolerance"]
    claims = raw["claims"]
    return _Config(
        signals=signals,
        fields={k: _i18n(v, f"fields.{k}") for k, v in raw["fields"].items()},
        texts={k: _i18n(v, f"texts.{k}") for k, v in raw["texts"].items()},
        strong=tuple(claims["strong"]),
        with_amount=tuple(claims["with_amount"]),
        not_with=tuple(claims["not_with"]),
        skip_with=tuple(claims["skip_with"]),
        lender_kinds=frozenset(raw["lender_kinds"]),
        amount_absolute=Decimal(str(tol["amount_absolute"])),
        amount_relative=Decimal(str(tol["amount_relative"])),
        days_tolerance=int(tol["overdue_days"]),
    )


def _t(key: str, **values: object) -> I18nText:
    """A text from verify.yaml with ``{placeholders}`` filled (values may differ per language)."""
    text = _config().texts[key]
    zh = {k: (v.zh if isinstance(v, I18nText) else v) for k, v in values.items()}
    en = {k: (v.en if isinstance(v, I18nText) else v) for k, v in values.items()}
    return I18nText(zh=text.zh.format(**zh), en=text.en.format(**en))


def _same(text: str) -> I18nText:
    return I18nText(zh=text, en=text)


def _join(items: Sequence[I18nText], sep_key: str) -> I18nText:
    sep = _config().texts[sep_key]
    return I18nText(zh=sep.zh.join(i.zh for i in items), en=sep.en.join(i.en for i in items))


def _money(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


# ------------------------------------------------------------------------------------------ reading the message


def _claims_loan(ext: Extraction, cfg: _Config) -> bool:
    if any(ext.has(c) for c in cfg.skip_with):
        return False
    if any(ext.has(c) for c in cfg.strong) or ext.of_kind("overdue_days"):
        return True
    if not ext.of_kind("amount") or any(ext.has(c) for c in cfg.not_with):
        return False
    return any(ext.has(c) for c in cfg.with_amount) or any(e.attrs.get("due") for e in ext.of_kind("date"))


@cache
def _needle(name: str) -> str:
    return normalize(name.strip().strip("【】[]")).lower


def _find_all(ext: Extraction, name: str) -> tuple[Span, ...]:
    needle = _needle(name)
    if len(needle) < 2:
        return ()
    spans: list[Span] = []
    start = ext.norm.lower.find(needle)
    while start >= 0 and len(spans) < 8:
        spans.append(ext.norm.span(start, start + len(needle)))
        start = ext.norm.lower.find(needle, start + len(needle))
    return tuple(spans)


def _lender_spans(ext: Extraction, loan: Loan) -> tuple[Span, ...]:
    """Where the message names this loan's lender (registry match, or the name / product as typed)."""
    spans = [
        e.span
        for e in ext.of_kind("organization")
        if loan.institution_id is not None and e.attrs.get("institution_id") == loan.institution_id
    ]
    spans.extend(_find_all(ext, loan.lender))
    if loan.product:
        spans.extend(_find_all(ext, loan.product))
    return tuple(sorted(set(spans), key=lambda s: s.start))


def _claimed_lender(ext: Extraction, cfg: _Config) -> tuple[str, tuple[Span, ...], Institution | None] | None:
    """The lender the message names (as written), its spans and registry entry; ``None`` if it names none."""
    for inst in ext.institutions:
        if inst.kind not in cfg.lender_kinds:
            continue
        spans = tuple(e.span for e in ext.of_kind("organization") if e.attrs.get("institution_id") == inst.id)
        if spans:
            # "马上消费金融" also matches the shorter alias "马上消费": name it as fully as the message does.
            longest = max(spans, key=lambda s: (s.end - s.start, -s.start))
            return longest.text, (longest,), inst
    for ent in ext.of_kind("organization"):
        if not ent.attrs.get("registry") and ent.attrs.get("type") in cfg.lender_kinds | {"lender"}:
            return ent.span.text, (ent.span,), None
    for ent in ext.of_kind("signature"):
        # A 【signature】 is how Chinese enterprise SMS name the sender.
        return ent.value, (ent.span,), None
    return None


def _message_dates(text: str, form: str, today: date) -> tuple[date, ...]:
    """The calendar dates a date entity can mean (a missing year is the one nearest ``today``)."""
    text = text.lower()
    found: list[tuple[int | None, int, int]] = []
    m: Any
    if form == "zh" and (m := _ZH_DATE.search(text)):
        found.append((int(m["y"]) if m["y"] else None, int(m["m"]), int(m["d"])))
    elif form == "iso" and (m := _ISO_DATE.search(text)):
        found.append((int(m["y"]), int(m["m"]), int(m["d"])))
    elif form in ("en", "en2") and (m := (_EN_DATE if form == "en" else _EN2_DATE).search(text)):
        month = _MONTHS.get(m["mon"][:3])
        if month:
            found.append((int(m["y"]) if m["y"] else None, month, int(m["d"])))
    elif form == "num" and (m := _NUM_DATE.search(text)):
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        # 03/04/2026 is March 4 in the US and 3 April elsewhere: keep both readings.
        found += [(year, int(m["a"]), int(m["b"])), (year, int(m["b"]), int(m["a"]))]
    out: list[date] = []
    for y, mo, d in found:
        years = [y] if y else [today.year - 1, today.year, today.year + 1]
        days = []
        for year in years:
            try:
                days.append(date(year, mo, d))
            except ValueError:
                continue
        if days:
            out.append(min(days, key=lambda day: abs((day - today).days)) if y is None else days[0])
    return tuple(dict.fromkeys(out))


# ------------------------------------------------------------------------------------------ comparing


def _check_amount(
    ext: Extraction, loan: Loan, today: date, cost: OverdueCost | None, cfg: _Config
) -> FieldCheck | None:
    amounts: list[tuple[Decimal, str, Span]] = []
    for ent in ext.of_kind("amount"):
        try:
            amounts.append((Decimal(ent.value), str(ent.attrs.get("currency") or ""), ent.span))
        except InvalidOperation:
            continue
    if not amounts:
        return None
    known = {loan.outstanding, loan.overdue_amount(today)}
    if loan.principal is not None:
        known.add(loan.principal)
    known.update(i.amount for i in loan.unpaid() if i.amount is not None)
    low = loan.overdue_amount(today)
    high = low + (cost.accrued if cost else Decimal(0))

    def agrees(value: Decimal) -> bool:
        for ref in known:
            if abs(value - ref) <= max(cfg.amount_absolute, ref * cfg.amount_relative):
                return True
        return low <= value <= high + cfg.amount_absolute

    hits = [span for value, cur, span in amounts if cur in ("", loan.currency) and agrees(value)]
    shown = ", ".join(dict.fromkeys(_money(v, c or loan.currency) for v, c, _ in amounts))
    return FieldCheck(
        field="amount",
        agrees=bool(hits),
        ledger=_same(_money(loan.outstanding, loan.currency)),
        message=_same(shown),
        spans=tuple(hits) if hits else tuple(s for _, _, s in amounts),
    )


def _check_due_date(ext: Extraction, loan: Loan, today: date) -> FieldCheck | None:
    if not loan.schedule:
        return None
    due_ents = [e for e in ext.of_kind("date") if e.attrs.get("due")]
    if not due_ents:
        return None
    ledger_days = set(loan.due_dates)
    hits = [e.span for e in due_ents if set(_message_dates(e.value, str(e.attrs.get("form")), today)) & ledger_days]
    upcoming = loan.next_due(today) or (loan.unpaid()[0] if loan.unpaid() else loan.schedule[-1])
    return FieldCheck(
        field="due_date",
        agrees=bool(hits),
        ledger=_same(upcoming.due.isoformat()),
        message=_same(", ".join(e.span.text for e in due_ents)),
        spans=tuple(hits) if hits else tuple(e.span for e in due_ents),
    )


def _check_overdue_days(ext: Extraction, loan: Loan, today: date, cfg: _Config) -> FieldCheck | None:
    ents = ext.of_kind("overdue_days")
    ledger_days = loan.days_overdue(today)
    if not ents or ledger_days is None:
        return None
    claimed = [int(e.attrs.get("days", 0)) for e in ents]
    hits = [
        e.span
        for e, n in zip(ents, claimed, strict=True)
        if ledger_days > 0 and abs(n - ledger_days) <= cfg.days_tolerance
    ]
    if ledger_days > 0:
        ledger_text = _t("days", n=ledger_days)
    else:
        nxt = loan.next_due(today)
        ledger_text = _t("not_overdue", next=nxt.due.isoformat()) if nxt else _t("not_overdue_no_next")
    return FieldCheck(
        field="overdue_days",
        agrees=bool(hits),
        ledger=ledger_text,
        message=_join([_t("days", n=n) for n in dict.fromkeys(claimed)], "field_separator"),
        spans=tuple(hits) if hits else tuple(e.span for e in ents),
    )


def _check_product(ext: Extraction, loan: Loan, loans: Sequence[Loan]) -> FieldCheck | None:
    if not loan.product:
        return None
    own = _find_all(ext, loan.product)
    if own:
        return FieldCheck("product", True, _same(loan.product), _same(loan.product), own)
    others = {
        p
        for p in (*registry_products().get(loan.institution_id or "", ()), *(o.product for o in loans))
        if p and _needle(p) != _needle(loan.product)
    }
    named = [(p, spans) for p in sorted(others) if (spans := _find_all(ext, p))]
    if not named:
        return None
    return FieldCheck(
        field="product",
        agrees=False,
        ledger=_same(loan.product),
        message=_same(", ".join(p for p, _ in named)),
        spans=tuple(s for _, spans in named for s in spans),
    )


def _checks(ext: Extraction, loan: Loan, loans: Sequence[Loan], today: date, cfg: _Config) -> tuple[FieldCheck, ...]:
    if loan.status == "paid":
        return (FieldCheck("status", False, _t("paid_off"), _t("says_you_owe"), _claim_spans(ext, cfg)),)
    cost = overdue_cost(loan, today=today)
    found = (
        _check_amount(ext, loan, today, cost, cfg),
        _check_due_date(ext, loan, today),
        _check_overdue_days(ext, loan, today, cfg),
        _check_product(ext, loan, loans),
    )
    return tuple(c for c in found if c is not None)


def _claim_spans(ext: Extraction, cfg: _Config) -> tuple[Span, ...]:
    spans = {(s, e) for c in (*cfg.strong, *cfg.with_amount) for s, e in ext.hits.get(c, ())}
    return tuple(ext.norm.span(s, e) for s, e in sorted(spans))


# ------------------------------------------------------------------------------------------ plan texts


def _own_channel(loan: Loan) -> I18nText:
    """The person's own official channels for this loan; the registry's verified ones; or the generic advice."""
    parts = [
        _t(key, value=value)
        for key, value in (("own_app", loan.app), ("own_hotline", loan.hotline), ("own_website", loan.website))
        if value
    ]
    if parts:
        return _t("own_channels", channels=_join(parts, "field_separator"))
    inst = loan.institution()
    if inst is not None:
        # Only values marked verified in the facts: Institution keeps nothing else outside known_domains.
        verified = [_t("registry_number", value=v) for v in inst.service_numbers[:2]]
        verified += [_t("registry_domain", value=v) for v in inst.domains[:1]]
        if verified:
            return _t("registry_channels", lender=loan.lender, channels=_join(verified, "field_separator"))
    return _t("generic_channel", lender=loan.lender)


def _rate_text(loan: Loan) -> I18nText:
    key = "rate_daily" if loan.penalty_basis == "daily" else "rate_annual"
    return _t(key, rate=f"{loan.penalty_rate:f}")


def _cost_text(loan: Loan, cost: OverdueCost) -> I18nText:
    return _t(
        "cost",
        days=cost.days_overdue,
        rate=_rate_text(loan),
        accrued=_money(cost.accrued, cost.currency),
        per_day=_money(cost.per_day, cost.currency),
        per_week=_money(cost.per_week, cost.currency),
    )


# ------------------------------------------------------------------------------------------ the stage


def _signal(sid: str, *, lender: str, spans: tuple[Span, ...], detail: str = "", **values: I18nText) -> Signal:
    d = _config().signals[sid]
    zh = {k: v.zh for k, v in values.items()}
    en = {k: v.en for k, v in values.items()}
    return Signal(
        id=sid,
        weight=d.weight,
        group="verify",
        description=I18nText(
            zh=d.description.zh.format(lender=lender, **zh), en=d.description.en.format(lender=lender, **en)
        ),
        spans=tuple(sorted(set(spans), key=lambda s: (s.start, s.end))),
        detail=detail,
    )


def _finish(signals: tuple[Signal, ...], added: Sequence[Signal]) -> tuple[Signal, ...]:
    cfg = _config()
    dropped = {old for s in added for old in cfg.signals[s.id].supersedes}
    return (*(s for s in signals if s.id not in dropped), *added)


def verify(ext: Extraction, signals: tuple[Signal, ...], *, context: Context, today: date) -> Verification:
    """Compare what the message claims with ``context.loans``; ``today`` is the day it arrived.

    Without a ledger (no loans), or for a message that claims no loan, nothing changes (outcome
    ``none``). An explicit ``has_loan`` answer always wins over the ledger's.
    """
    cfg = _config()
    loans = context.loans
    if not loans or not _claims_loan(ext, cfg):
        return Verification(outcome="none", signals=signals, context=context)

    candidates = [(loan, spans) for loan in loans if (spans := _lender_spans(ext, loan))]
    if not candidates:
        return _without_loan(ext, signals, context=context, cfg=cfg)

    def rank(item: tuple[Loan, tuple[Span, ...]]) -> tuple[int, int, bool]:
        checks = _checks(ext, item[0], loans, today, cfg)
        return (sum(not c.agrees for c in checks), -sum(c.agrees for c in checks), item[0].status != "active")

    loan, lender_spans = min(candidates, key=rank)
    checks = _checks(ext, loan, loans, today, cfg)
    bad = [c for c in checks if not c.agrees]
    good = [c for c in checks if c.agrees]
    days = loan.days_overdue(today)
    if days is None and not bad:
        # No due dates in the ledger: a matching message's own overdue count is the best we have.
        days = max((int(e.attrs.get("days", 0)) for e in ext.of_kind("overdue_days")), default=None)
    cost = overdue_cost(loan, today=today, days_overdue=days) if days else None
    facts: set[str] = {"mismatch" if bad else "match"}
    fills: dict[str, I18nText] = {"your_channel": _own_channel(loan)}
    if days and loan.status != "paid":
        facts.add("overdue_cost" if cost else "overdue_no_rate")
        if cost:
            fills["overdue_cost"] = _cost_text(loan, cost)
    detail = f"loan #{loan.id}" if loan.id is not None else "loan"
    if cost:
        detail += (
            f"; days_overdue={cost.days_overdue}; penalty_accrued={cost.accrued} {cost.currency}; "
            f"per_day={cost.per_day}; per_week={cost.per_week}"
        )
    added: list[Signal] = []
    if bad:
        items = [_t("mismatch_item", field=cfg.fields[c.field], ledger=c.ledger, message=c.message) for c in bad]
        fills["mismatch"] = _join(items, "mismatch_separator")
        for c in bad:
            added.append(
                _signal(
                    f"VERIFY_MISMATCH_{c.field.upper()}",
                    lender=loan.lender,
                    spans=c.spans,
                    detail=f"{detail}; {c.field}: ledger={c.ledger.en}; message={c.message.en}",
                    ledger=c.ledger,
                    message=c.message,
                )
            )
    elif good:
        names = _join([cfg.fields[c.field] for c in good], "field_separator")
        spans = tuple(s for c in good for s in c.spans) + lender_spans
        added.append(_signal("VERIFY_MATCH", lender=loan.lender, spans=spans, detail=detail, fields=names))
    else:
        added.append(_signal("VERIFY_LENDER_ONLY", lender=loan.lender, spans=lender_spans, detail=detail))
    has_loan = context.has_loan
    if has_loan == "unknown":
        has_loan = "no" if loan.status == "paid" else "yes"
    return Verification(
        outcome="mismatch" if bad else "match",
        signals=_finish(signals, added),
        context=replace(context, has_loan=has_loan),
        loan=loan,
        lender=loan.lender,
        checks=checks,
        days_overdue=days,
        cost=cost,
        facts=frozenset(facts),
        fills=fills,
        institution_name=loan.display_name(),
    )


def _without_loan(ext: Extraction, signals: tuple[Signal, ...], *, context: Context, cfg: _Config) -> Verification:
    claimed = _claimed_lender(ext, cfg)
    if claimed is None:
        added = [_signal("VERIFY_UNKNOWN_LENDER", lender="", spans=_claim_spans(ext, cfg))]
        return Verification(
            outcome="unknown_lender",
            signals=_finish(signals, added),
            context=context,
            facts=frozenset({"unknown_lender"}),
        )
    name, spans, _inst = claimed
    # The person says they do have a loan there: their ledger is incomplete, not the message wrong.
    added = [] if context.has_loan == "yes" else [_signal("VERIFY_NO_SUCH_LOAN", lender=name, spans=spans)]
    return Verification(
        outcome="no_such_loan",
        signals=_finish(signals, added),
        context=replace(context, has_loan="no") if context.has_loan == "unknown" else context,
        lender=name,
        facts=frozenset({"no_such_loan"}),
        # The lender in the message's own words (the registry's English label may be a bare description).
        institution_name=_same(name),
    )
