"""The pipeline: normalize → extract → signals → verify → decide → advise, one way, one message at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

import regex

from veritext.advise import advise, plan_contacts
from veritext.decide import Estimator, decide
from veritext.extract import Extraction, extract
from veritext.facts import Institution
from veritext.memo import LRU, SeenTwice
from veritext.message import Context, I18nText, Message, Signal, Verdict
from veritext.normalize import Normalized, normalize
from veritext.senders import SenderInfo, classify_sender
from veritext.signals import Situation, evaluate, reads_sender, situation
from veritext.signals.checks import RuleContext
from veritext.userrules import evaluate as user_signals
from veritext.verify import verify

# Longer inputs are refused with a clear error rather than analysed for minutes: no SMS (or chain of
# concatenated SMS) comes near this, so it is a pasted file or an attack.
MAX_CHARS = 1_000_000
_SURROGATE_RE = regex.compile(r"[\ud800-\udfff]")


_NO_CONTEXT = Context()  # frozen: one shared instance for messages that come without one


class InputError(ValueError):
    """The input cannot be triaged; the message says why in one line."""


def _clean_input(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(f"message text must be a str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InputError(f"message is {len(text):,} characters; the limit is {MAX_CHARS:,}")
    if text.isascii():
        return text  # no surrogates
    # Lone surrogates cannot be encoded for output; U+FFFD keeps every offset where it was.
    cleaned: str = _SURROGATE_RE.sub("\ufffd", text)
    return cleaned


def infer_jurisdiction(ext: Extraction, context: Context) -> str:
    """The person's jurisdiction: their own answer first, then what the message shows."""
    if context.jurisdiction:
        return context.jurisdiction
    if ext.language == "zh":
        return "CN"
    if ext.sender.region == "GB" or any(
        e.attrs.get("currency") == "GBP" or e.attrs.get("region") == "GB" for e in ext.entities
    ):
        return "UK"
    return "US"


def _checked_sender(sender: object) -> str | None:
    if sender is not None and not isinstance(sender, str):
        raise InputError(f"sender must be a str, not {type(sender).__name__}")
    return None if sender is None else _clean_input(sender[:256])


def triage_one(
    text: str,
    *,
    sender: str | None = None,
    received_at: datetime | None = None,
    context: Context | None = None,
    estimator: Estimator | None = None,
) -> Verdict:
    """Run every stage on one message."""
    text = _clean_input(text)
    sender = _checked_sender(sender)
    ctx = context or _NO_CONTEXT
    norm = _NORMALIZED.get(text) or normalize(text)
    ext = extract(norm, sender=sender)
    return _judge(text, ext, sender, received_at, ctx, estimator, None)


_JudgementKey = tuple[Context, str, tuple[Signal, ...]]
# Verdicts kept per text (see _Analysis): one per sender type / time-of-day variant that fired
# different rules; a handful in practice, bounded so that no text can hoard memory.
_JUDGEMENTS_PER_TEXT = 16


def _judge(
    text: str,
    ext: Extraction,
    sender: str | None,
    received_at: datetime | None,
    ctx: Context,
    estimator: Estimator | None,
    memo: dict[_JudgementKey, Verdict] | None,
) -> Verdict:
    """The stages after extract: signals, verify, decide, advise. ``memo`` holds verdicts already given
    on this text by (context, jurisdiction, signals): decide and advise read nothing else (not the
    sender, not the time), so a repeat takes that verdict with only its sender and time changed."""
    jurisdiction = infer_jurisdiction(ext, ctx)
    signals = evaluate(ext, RuleContext(context=ctx, jurisdiction=jurisdiction, received_at=received_at))
    # verify: the person's own rules, then their ledger; it hands on the signals and the context
    # (has_loan answered from the ledger) that decide and advise see.
    if ctx.rules is not None:
        signals = (*signals, *user_signals(ext, ctx.rules))
    # Without a ledger verify changes nothing (its documented contract): skip building its answer.
    # With one it reads the date, which the memo's key does not hold: no memo then.
    checked = verify(ext, signals, context=ctx, today=(received_at or datetime.now()).date()) if ctx.loans else None
    if checked is not None:
        signals, ctx = checked.signals, checked.context
        memo = None
    if estimator is not None:
        memo = None  # the memo holds the default estimator's verdicts only
    key = (ctx, jurisdiction, signals)
    earlier = memo.get(key) if memo is not None else None
    if earlier is not None:
        return replace(earlier, sender=sender, sender_type=ext.sender.type, received_at=received_at)
    decision = decide(ext, signals, context=ctx, estimator=estimator)
    institution = ext.institutions[0] if ext.institutions else None
    plan = advise(
        kind=decision.kind,
        risk=decision.risk,
        signal_ids=frozenset(s.id for s in signals),
        scenario_ids=tuple(s.id for s in decision.scenarios),
        context=ctx,
        jurisdiction=jurisdiction,
        institution_name=(checked.institution_name if checked is not None else None)
        or (_institution_name(institution) if institution else None),
        ledger=checked.facts if checked is not None else frozenset(),
        fills=checked.fills if checked is not None else None,
    )
    all_signals = (*signals, *decision.extra_signals)
    if decision.kind_signal is not None:
        all_signals = (decision.kind_signal, *all_signals)
    ordered = tuple(sorted(all_signals, key=lambda s: (s.group == "kind", -abs(s.weight))))
    verdict = Verdict(
        kind=decision.kind,  # type: ignore[arg-type]
        kind_probabilities=decision.kind_probabilities,
        risk=decision.risk,  # type: ignore[arg-type]
        fraud_probability=decision.fraud_probability,
        spam_probability=decision.spam_probability,
        language=ext.language,  # type: ignore[arg-type]
        jurisdiction=jurisdiction,  # type: ignore[arg-type]
        signals=ordered,
        entities=ext.entities,
        scenarios=decision.scenarios,
        plan=plan,
        contacts=plan_contacts(plan),
        text=text,
        sender=sender,
        sender_type=ext.sender.type,
        received_at=received_at,
        context=ctx,
    )
    if memo is not None and len(memo) < _JUDGEMENTS_PER_TEXT:
        memo[key] = verdict
    return verdict


def _institution_name(inst: Institution) -> I18nText:
    return I18nText(zh=inst.name_local or inst.name, en=inst.name or inst.name_local)


@lru_cache(maxsize=4096)
def _cached(text: str, sender: str | None, received_at: datetime | None, context: Context | None) -> Verdict:
    return _triage_reusing(text, sender, received_at, context)


@dataclass(frozen=True, slots=True)
class _Analysis:
    """What one text always gives, whoever sent it and whenever: its extraction (with no sender), and
    the verdicts given on it so far, by (context, jurisdiction, signals)."""

    ext: Extraction
    judgements: dict[_JudgementKey, Verdict]
    # Whether a rule that reads more of the sender than its type's class and its region can fire on this
    # text (signals.reads_sender): whether ``situation`` keeps the number's facts too.
    sender_read: bool = True
    # Verdicts by (context, situation): what the rules read of the sender and the time (a sender class,
    # not the number; for most texts only its region and not the hour). A repeat of the text in a
    # situation already met skips the rules too, not only decide and advise. Bounded per text like
    # ``judgements``. The situation need not hold the sender type, which the verdict shows: ``typed``
    # holds the situation's verdict copied for each other sender type met (see _met).
    situations: dict[tuple[Context, Situation], Verdict] = field(default_factory=dict)
    typed: dict[tuple[tuple[Context, Situation], str], Verdict] = field(default_factory=dict)


# Bulk traffic repeats a template from thousands of senders over weeks, so the exact (text, sender,
# time) key of _cached rarely repeats while the text does. Normalising and extracting read only the
# text (the sender is classified apart, and classify_sender has its own cache); signals read only a
# sender class and, for collection messages, whether the hour is at night (signals.situation), so they
# run once per text and situation; decide and advise read neither, so a text's judgement is reused
# whenever the signals (and context and jurisdiction) come out the same.
# Once full, only texts seen before get in (one-offs would flush the templates). Cost: one unit per 200
# characters begun; an SMS-sized entry is ~3 kB with its judgements (a situation adds ~0.3 kB: a key
# and a Verdict sharing its parts with a judgement), so ~150 MB when full of them,
# and no more than ~250 MB when full of 2,000-character texts.
_ANALYSES: LRU[str, _Analysis] = LRU(50_000)
_SEEN = SeenTwice(500_000)


def _cost(text: str) -> int:
    return 1 + len(text) // 200


def _triage_reusing(text: str, sender: str | None, received_at: datetime | None, context: Context | None) -> Verdict:
    """:func:`triage_one` with the default estimator, reusing what earlier messages with the same text
    settled (same verdict: see _Analysis)."""
    text = _clean_input(text)
    sender = _checked_sender(sender)
    ctx = context or _NO_CONTEXT
    analysis = _ANALYSES.get(text)
    if analysis is None:
        norm = _NORMALIZED.get(text) or normalize(text)
        ext0 = extract(norm, sender=None)
        analysis = _Analysis(ext0, {}, reads_sender(ext0))
        # _SEEN records every text; once the cache is full, only a text seen before may displace another.
        seen = _SEEN.check(text)
        if len(text) <= _CACHE_MAX_CHARS and (seen or _ANALYSES.cost < _ANALYSES.maxcost):
            _ANALYSES.put(text, analysis, _cost(text))
    info = analysis.ext.sender if sender is None else classify_sender(sender)
    key = _situation_key(ctx, analysis, info, received_at)
    if key is not None:
        met = _met(analysis, key, info.type)
        if met is not None:
            return _resent(met, sender, received_at)  # _met gives this sender type's verdict
    ext = analysis.ext if sender is None else analysis.ext.with_sender(info)
    verdict = _judge(text, ext, sender, received_at, ctx, None, analysis.judgements)
    if key is not None and len(analysis.situations) < _JUDGEMENTS_PER_TEXT:
        analysis.situations[key] = verdict
    return verdict


def known_verdict(
    text: object, sender: object, received_at: datetime | None, context: Context | None = None
) -> Verdict | None:
    """The verdict :func:`triage_batch` gives this message, when the caches alone hold it (its text analysed
    and its situation met before); ``None`` otherwise, and for anything ``triage_batch`` would refuse
    (which it then reports). Lets a bulk caller send only the rest through the batch machinery."""
    met = known_situation(text, sender, received_at, context)
    return None if met is None else _resent(met, _checked_sender(sender), received_at)  # as _triage_reusing does


def known_situation(
    text: object, sender: object, received_at: datetime | None, context: Context | None = None
) -> Verdict | None:
    """What :func:`known_verdict` answers, before its sender and time are set: the verdict kept for the
    message's text and situation, whose ``sender`` and ``received_at`` are those of the message that
    first met it (every other field is this message's). The same object for every message of that text
    and situation, so a bulk caller can key what it derives from a verdict by it, and skip building one."""
    if not isinstance(text, str) or len(text) > _CACHE_MAX_CHARS:
        return None
    if (sender is not None and not isinstance(sender, str)) or (
        context is not None and not isinstance(context, Context)
    ):
        return None
    ctx = context or _NO_CONTEXT
    if ctx.rules is not None or ctx.loans:
        return None  # never kept by situation (see _situation_key): no need to look the text up
    analysis = _ANALYSES.get(_clean_input(text))
    if analysis is None:
        return None
    checked = _checked_sender(sender)
    info = analysis.ext.sender if checked is None else classify_sender(checked)
    key = _situation_key(ctx, analysis, info, received_at)
    return None if key is None else _met(analysis, key, info.type)


def _situation_key(
    ctx: Context, analysis: _Analysis, sender: SenderInfo, received_at: datetime | None
) -> tuple[Context, Situation] | None:
    """The key a text's verdicts are kept under by situation, or ``None`` when they are not: the
    person's own rules read more of the message than the default rules, and a ledger the date."""
    if ctx.rules is not None or ctx.loans:
        return None
    return ctx, situation(analysis.ext, sender, received_at, sender_read=analysis.sender_read)


# Copies of a situation's verdict for other sender types: a handful in practice (the sender types).
_TYPED_PER_TEXT = 32


def _met(analysis: _Analysis, key: tuple[Context, Situation], sender_type: str) -> Verdict | None:
    """The verdict kept for ``key`` with ``sender_type`` as its sender type, or ``None`` if the situation
    was not met: the situation may leave the type out (nothing else of the verdict depends on it then),
    so a verdict met from another type is copied with this one, once per type (the same object for
    every message of the text, situation and type, as ``known_situation`` promises)."""
    met = analysis.situations.get(key)
    if met is None or met.sender_type == sender_type:
        return met
    typed = analysis.typed.get((key, sender_type))
    if typed is None:
        typed = replace(met, sender_type=sender_type)
        if len(analysis.typed) < _TYPED_PER_TEXT:
            analysis.typed[(key, sender_type)] = typed
    return typed


def _resent(v: Verdict, sender: str | None, received_at: datetime | None) -> Verdict:
    """``replace(v, sender=sender, received_at=received_at)``, field by field: ``dataclasses.replace``
    looks the fields up on every call, a sixth of a cached row's cost in a bulk scan."""
    return Verdict(
        kind=v.kind, kind_probabilities=v.kind_probabilities, risk=v.risk, fraud_probability=v.fraud_probability,
        spam_probability=v.spam_probability, language=v.language, jurisdiction=v.jurisdiction, signals=v.signals,
        entities=v.entities, scenarios=v.scenarios, plan=v.plan, contacts=v.contacts, text=v.text, sender=sender,
        sender_type=v.sender_type, received_at=received_at, context=v.context, schema_version=v.schema_version,
    )  # fmt: skip


def clear_caches() -> None:
    """Forget every verdict and analysis kept across calls (benchmarks time a cold start with it)."""
    from veritext.model import default_model

    _cached.cache_clear()
    _ANALYSES.clear()
    _SEEN.clear()
    default_model().clear_cache()


# The current chunk's normalised texts, by cleaned text: normalised once for the model's batch pass,
# then reused by triage_one. Replaced (not mutated) per chunk, so a reader never sees a partial dict.
_NORMALIZED: dict[str, Normalized] = {}


def _prefetch_model(texts: list[str]) -> None:
    """Let the model score the chunk at once; the per-message stages then find the scores ready."""
    global _NORMALIZED
    from veritext.model import default_model

    # A message that cannot be triaged raises its own error, in order, when its turn comes.
    with contextlib.suppress(InputError):
        norms = {}
        for t in texts:
            cleaned = _clean_input(t)
            if cleaned not in norms:
                known = _ANALYSES.get(cleaned)
                norms[cleaned] = known.ext.norm if known is not None else normalize(cleaned)
        _NORMALIZED = norms
        default_model().prefetch([n.lower for n in norms.values()])


# Only SMS-sized texts go through the cache: 4096 cached megabyte pastes would hold gigabytes.
_CACHE_MAX_CHARS = 2_000


_CHUNK = 512


def triage_batch(messages: Iterable[Message | str]) -> Iterator[Verdict]:
    """Triage many messages. Identical inputs are analysed once (bulk traffic repeats templates), and
    the statistical model scores each chunk of messages in one vectorised pass."""
    chunk: list[Message | str] = []
    for m in messages:
        chunk.append(m)
        if len(chunk) >= _CHUNK:
            yield from _triage_chunk(chunk)
            chunk = []
    if chunk:
        yield from _triage_chunk(chunk)


def _triage_chunk(chunk: list[Message | str]) -> Iterator[Verdict]:
    texts = [m if isinstance(m, str) else m.text for m in chunk if isinstance(m, str | Message)]
    _prefetch_model([t for t in texts if isinstance(t, str) and len(t) <= _CACHE_MAX_CHARS])
    for m in chunk:
        if isinstance(m, str):
            text, sender, when, ctx = m, None, None, None
        elif isinstance(m, Message):
            text, sender, when, ctx = m.text, m.sender, m.received_at, m.context
        else:
            raise InputError(f"triage_many takes str or Message items, not {type(m).__name__}")
        # Checked here, before the cache hashes them: a list would raise TypeError, not InputError.
        if not isinstance(text, str) or len(text) > _CACHE_MAX_CHARS:
            yield triage_one(text, sender=sender, received_at=when, context=ctx)
            continue
        if sender is not None and not isinstance(sender, str):
            raise InputError(f"sender must be a str, not {type(sender).__name__}")
        if ctx is not None and not isinstance(ctx, Context):
            raise InputError(f"context must be a veritext.Context, not {type(ctx).__name__}")
        yield _cached(text, sender, when, ctx)
