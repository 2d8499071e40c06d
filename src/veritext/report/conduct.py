"""The abusive-collection check over a set of messages (from a scan, an inbox export or pasted).

Each message is triaged once; the per-jurisdiction checks (``data/report/conduct/``) then look at
times, daily counts, the verdicts' signals and required wording. Every finding cites its rule and
source from the facts data, or says it is advice-based, and lists the offending messages and times.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veritext import Context, Verdict, triage
from veritext.message import I18nText, Jurisdiction
from veritext.report.results import ConductReport, EvidenceMessage, Finding, Hit
from veritext.report.rules import CheckSpec, collection_kinds, conduct_data, finding_text
from veritext.report.rules import advice as advice_by_id
from veritext.report.templating import render_text

__all__ = ["check_conduct"]


def _triage_all(
    messages: Sequence[EvidenceMessage], jurisdiction: str | None, context: Context
) -> tuple[str, tuple[Verdict, ...]]:
    ctx = replace(context, jurisdiction=cast("Jurisdiction | None", jurisdiction))
    verdicts = [triage(m.text, sender=m.sender, received_at=m.received_at, context=ctx) for m in messages]
    if jurisdiction is None:
        # The person's jurisdiction is one for the whole set: the one most messages point to.
        common = Counter(v.jurisdiction for v in verdicts).most_common(1)[0][0]
        fixed = replace(context, jurisdiction=common)
        verdicts = [
            v if v.jurisdiction == common else triage(m.text, sender=m.sender, received_at=m.received_at, context=fixed)
            for m, v in zip(messages, verdicts, strict=True)
        ]
        jurisdiction = common
    return jurisdiction, tuple(verdicts)


def _is_collection(v: Verdict, kinds: frozenset[str]) -> bool:
    return v.kind in kinds or any(s.group == "conduct" and s.weight > 0 for s in v.signals)


def _collection(
    messages: Sequence[EvidenceMessage], verdicts: Sequence[Verdict], kinds: frozenset[str]
) -> tuple[int, ...]:
    direct = {i for i, v in enumerate(verdicts) if _is_collection(v, kinds)}
    # A collector's follow-up ("还不还？", "Last chance.") often names no debt; a message from a
    # number that sent a collection message in the same set belongs to that collection thread.
    senders = {messages[i].sender for i in direct if messages[i].sender}
    return tuple(i for i, m in enumerate(messages) if i in direct or (m.sender and m.sender in senders))


def _local(when: datetime, zone: ZoneInfo | None) -> datetime:
    # A time with an offset (an epoch from a phone backup) is shown as the person's wall clock;
    # a naive time already is one.
    if when.tzinfo is None:
        return when
    return when.astimezone(zone) if zone is not None else when.astimezone()


def _at_night(when: datetime, start: int, end: int) -> bool:
    # Wall-clock hour as recorded: the time the phone showed is the time the person was disturbed.
    hour = when.hour
    return (hour >= start or hour < end) if start > end else (start <= hour < end)


def _hhmm(hour: int) -> str:
    return f"{hour:02d}:00"


def _hit(m: EvidenceMessage, spans: Iterable[tuple[int, int]] = (), why: I18nText | None = None) -> Hit:
    unique = sorted(dict.fromkeys(spans))
    # "LEGAL NOTICE" inside "FINAL LEGAL NOTICE" is one piece of evidence, not two.
    outer = [s for s in unique if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in unique)]
    return Hit(
        index=m.index,
        received_at=m.received_at,
        sender=m.sender,
        spans=tuple(outer),
        why=why,
    )


def _join(parts: Sequence[I18nText]) -> I18nText | None:
    if not parts:
        return None
    return I18nText(zh="；".join(p.zh for p in parts), en="; ".join(p.en for p in parts))


def _run(
    spec: CheckSpec,
    messages: Sequence[EvidenceMessage],
    verdicts: Sequence[Verdict],
    collection: Sequence[int],
    max_per_day: int | None,
    zone: ZoneInfo | None,
) -> tuple[list[Hit], dict[str, object]]:
    hits: list[Hit] = []
    values: dict[str, object] = {}
    pool = [(messages[i], verdicts[i]) for i in collection]
    if spec.check == "night":
        start, end = spec.params["from"], spec.params["to"]
        values.update(window_from=_hhmm(start), window_to=_hhmm(end))
        for m, _v in pool:
            if m.received_at is not None and _at_night(_local(m.received_at, zone), start, end):
                when = _local(m.received_at, zone).strftime("%H:%M")
                hits.append(_hit(m, why=I18nText(zh=f"发送时间 {when}", en=f"sent at {when}")))
    elif spec.check == "per_day":
        limit = max_per_day if max_per_day is not None else spec.params["max"]
        by_day: dict[object, list[EvidenceMessage]] = defaultdict(list)
        for m, _v in pool:
            if m.received_at is not None:
                by_day[_local(m.received_at, zone).date()].append(m)
        busy = {day: ms for day, ms in by_day.items() if len(ms) > limit}
        for day, ms in sorted(busy.items(), key=lambda item: str(item[0])):
            for m in ms:
                hits.append(
                    _hit(
                        m,
                        why=I18nText(
                            zh=f"{day} 当天第 {ms.index(m) + 1}/{len(ms)} 条",
                            en=f"{ms.index(m) + 1} of {len(ms)} on {day}",
                        ),
                    )
                )
        values.update(max=limit, days=len(busy), worst=max((len(ms) for ms in busy.values()), default=0))
    elif spec.check == "signals":
        for m, v in pool:
            ids = {s.id for s in v.signals}
            if ids & spec.unless_signals:
                continue
            matched = [s for s in v.signals if s.id in spec.signals]
            lower = m.text.lower()
            terms = [(t, lower.find(t)) for t in spec.terms if t in lower]
            if not matched and not terms:
                continue
            spans = [(sp.start, sp.end) for s in matched for sp in s.spans]
            spans += [(pos, pos + len(t)) for t, pos in terms]
            why = [s.description for s in matched]
            if terms and not matched:
                why.append(I18nText(zh="相关用语", en="wording"))
            hits.append(_hit(m, spans, _join(why)))
    elif spec.check == "missing_terms":
        for m, _v in pool:
            if not any(t in m.text.lower() for t in spec.terms):
                hits.append(_hit(m, why=I18nText(zh="没有退订或拒收说明", en="no opt-out statement")))
    values["n"] = len(hits)
    return hits, values


def check_conduct(
    messages: Sequence[EvidenceMessage],
    *,
    jurisdiction: str | None = None,
    context: Context | None = None,
    max_per_day: int | None = None,
    timezone: str | None = None,
) -> ConductReport:
    """Check a set of messages for abusive collection conduct.

    ``jurisdiction`` (CN, US or UK) picks the rules; by default the one most messages point to.
    ``context`` carries what the person knows (e.g. ``has_loan="no"``). ``max_per_day`` overrides
    the daily threshold of the data file (an advice-based threshold, not a legal limit).
    ``timezone`` (IANA name) is the person's; times that carry an offset are read in it (default:
    the jurisdiction's, from the data file, else this machine's). Naive times are taken as wall-clock.
    Messages keep their original text here; redaction happens on export.
    """
    if not messages:
        raise ValueError("check_conduct needs at least one message")
    if max_per_day is not None and max_per_day < 1:
        raise ValueError("max_per_day must be at least 1")
    juris, verdicts = _triage_all(messages, jurisdiction, context or Context())
    data = conduct_data(juris)
    zone_name = timezone or data.timezone
    try:
        zone = ZoneInfo(zone_name) if zone_name else None
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone_name!r} (use an IANA name such as Asia/Shanghai)") from None
    collection = _collection(messages, verdicts, collection_kinds())
    findings: list[Finding] = []
    for spec in data.checks:
        hits, values = _run(spec, messages, verdicts, collection, max_per_day, zone)
        if not hits:
            continue
        text = finding_text(spec.finding)
        findings.append(
            Finding(
                id=spec.finding,
                title=text.title,
                basis=spec.basis,
                summary=I18nText(zh=render_text(text.summary.zh, **values), en=render_text(text.summary.en, **values)),
                rules=tuple(data.rules[r] for r in spec.rules),
                advice=advice_by_id(spec.advice) if spec.advice else None,
                note=spec.note,
                hits=tuple(hits),
            )
        )
    notes: list[I18nText] = [reason for _, reason in data.not_checked]
    untimed = sum(1 for i in collection if messages[i].received_at is None)
    if untimed:
        notes.append(
            I18nText(
                zh=f"{untimed} 条催收短信没有时间，未参与深夜和每日条数检查。",
                en=f"{untimed} collection message(s) have no time and were left out of the night and per-day checks.",
            )
        )
    others = len(messages) - len(collection)
    if others:
        notes.append(
            I18nText(
                zh=f"{others} 条短信不是催收短信，未做催收行为检查（仍保留在证据中）。",
                en=f"{others} message(s) are not collection messages and were not checked for conduct "
                "(they stay in the evidence).",
            )
        )
    return ConductReport(
        jurisdiction=juris,
        messages=tuple(messages),
        verdicts=verdicts,
        collection=collection,
        findings=tuple(findings),
        notes=tuple(notes),
    )
