"""The engine-agnostic batch function: a batch of messages in, a batch of verdict columns out.

``verdict_columns`` takes a pyarrow ``Table`` / ``RecordBatch`` or a pandas ``DataFrame`` and returns
the same kind of object with exactly :data:`VERDICT_SCHEMA` — the rows ``veritext scan`` writes. The
CLI scanner's workers call it, and so can any engine (Spark ``mapInArrow`` / ``mapInPandas``, Dask
``map_partitions``): rules and model load once per process, on first use or via :func:`warm_up`.

Bulk traffic repeats templates, so exact repeats within a batch are triaged once.
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

import veritext
from veritext.campaigns import mask_template
from veritext.inbox.fields import parse_time
from veritext.inbox.records import stable_id
from veritext.memo import LRU
from veritext.message import KINDS, SCHEMA_VERSION, Context, Entity, Message, Signal, Verdict
from veritext.pipeline import MAX_CHARS, known_situation

if TYPE_CHECKING:
    import pandas as pd

_SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32())])
SIGNAL_TYPE = pa.struct(
    [("id", pa.string()), ("weight", pa.float64()), ("group", pa.string()), ("spans", pa.list_(_SPAN))]
)
ENTITY_TYPE = pa.struct([("kind", pa.string()), ("value", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
KIND_PROBS_TYPE = pa.struct([(k, pa.float64()) for k in KINDS])
TIME_TYPE = pa.timestamp("us", tz="UTC")

VERDICT_SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("source", pa.string()),
        ("position", pa.int64()),
        ("sender", pa.string()),
        ("received_at", TIME_TYPE),
        ("text", pa.string()),
        ("kind", pa.string()),
        ("risk", pa.string()),
        ("fraud_probability", pa.float64()),
        ("spam_probability", pa.float64()),
        ("kind_probabilities", KIND_PROBS_TYPE),
        ("language", pa.string()),
        ("jurisdiction", pa.string()),
        ("sender_type", pa.string()),
        ("signals", pa.list_(SIGNAL_TYPE)),
        ("entities", pa.list_(ENTITY_TYPE)),
        ("urls", pa.list_(pa.string())),
        ("domains", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
        ("accounts", pa.list_(pa.string())),
        ("scenarios", pa.list_(pa.string())),
        ("plan", pa.list_(pa.string())),
        ("template", pa.string()),
        ("error", pa.string()),
        ("schema_version", pa.string()),
    ],
    metadata={"veritext.schema_version": SCHEMA_VERSION},
)
"""One row per message. ``received_at`` is UTC (naive input times are stored as given);
``accounts`` holds full card / account numbers as written in the text (for indicators);
``template`` is the text with URLs, numbers and other variable parts masked (the campaign key);
``error`` is set, and the verdict fields are null, when the message could not be triaged."""

NESTED_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in VERDICT_SCHEMA if pa.types.is_list(f.type) or pa.types.is_struct(f.type)
)
_VERDICT_FIELDS = tuple(VERDICT_SCHEMA.names[6:])  # everything a verdict decides (kind … schema_version)
_ACCOUNT_KINDS = ("card_number", "account_number")
_ROW_VALUES = itemgetter(*_VERDICT_FIELDS)  # a row's verdict fields as a tuple, in column order


def warm_up() -> None:
    """Load rules, lexicons and model in this process now (call once per worker before timing or forking)."""
    veritext.triage(
        "【测试】您的借款已逾期3天，请点击 http://example.top 还款", sender="10690000"
    )  # written for warm-up


def _hour_key(when: datetime | None) -> datetime | None:
    # Verdicts depend on the time only through its date and hour (night-contact, due-today checks);
    # tests/test_scan.py pins that contract, so repeats within the same hour share one triage.
    return None if when is None else when.replace(minute=0, second=0, microsecond=0)


# Bulk traffic repeats texts: a text's entity columns and template are built once (keyed by the text,
# checked against its entities), and a judgement's signal columns once (triage_many hands the repeats
# of a judgement the same signals tuple; keyed by the tuple's id and checked by identity: a cached
# tuple is alive, so no other object can have its id meanwhile). Not entities by id: every text with
# no entity shares the one empty tuple.
_ENTITY_PARTS: LRU[str, tuple[tuple[Entity, ...], dict[str, Any], str]] = LRU(50_000)
_SIGNAL_PARTS: LRU[int, tuple[tuple[Signal, ...], list[dict[str, Any]]]] = LRU(20_000)
_PARTS_MAX_CHARS = 2_000  # SMS-sized texts only: 50,000 cached megabyte pastes would hold gigabytes


# The pipeline gives a text's repeats verdicts that share one judgement's objects (signals, probabilities,
# scenarios, plan, entities) and differ in sender and time only, which the verdict columns do not hold:
# so a judgement's columns are built once per sender type. Keyed by the ids of its signals and
# probabilities, and checked field by field against the verdict they were built from (kept alive in the
# cache, so no other object can have those ids meanwhile). Rows share the dict; nothing mutates it.
_FIELDS: LRU[tuple[int, int, str], tuple[Verdict, dict[str, Any]]] = LRU(30_000)


def _same_columns(a: Verdict, b: Verdict) -> bool:
    """Whether ``a`` and ``b`` give the same verdict columns (they come from one judgement and sender type)."""
    return (
        a.signals is b.signals and a.kind_probabilities is b.kind_probabilities and a.entities is b.entities
        and a.scenarios is b.scenarios and a.plan is b.plan and a.text == b.text and a.kind == b.kind
        and a.risk == b.risk and a.fraud_probability == b.fraud_probability
        and a.spam_probability == b.spam_probability and a.language == b.language
        and a.jurisdiction == b.jurisdiction and a.sender_type == b.sender_type
        and a.schema_version == b.schema_version
    )  # fmt: skip


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    """The verdict part of an output row (columns ``kind`` … ``schema_version``) for one verdict."""
    key = (id(verdict.signals), id(verdict.kind_probabilities), verdict.sender_type)
    known = _FIELDS.get(key)
    if known is not None and _same_columns(known[0], verdict):
        return known[1]
    fields = _build_fields(verdict)
    if len(verdict.text) <= _PARTS_MAX_CHARS:
        _FIELDS.put(key, (verdict, fields))
    return fields


def _build_fields(verdict: Verdict) -> dict[str, Any]:
    ents, sigs = verdict.entities, verdict.signals
    got = _ENTITY_PARTS.get(verdict.text)
    if got is None or (got[0] is not ents and got[0] != ents):
        template = mask_template(verdict.text, [(e.kind, e.span.start, e.span.end) for e in ents])
        got = (ents, _entity_parts(ents, verdict.text), template)
        if len(verdict.text) <= _PARTS_MAX_CHARS:
            _ENTITY_PARTS.put(verdict.text, got)
    hit = _SIGNAL_PARTS.get(id(sigs))
    if hit is None or hit[0] is not sigs:
        hit = (sigs, _signal_parts(sigs))
        _SIGNAL_PARTS.put(id(sigs), hit)
    return {
        "kind": verdict.kind,
        "risk": verdict.risk,
        "fraud_probability": float(verdict.fraud_probability),
        "spam_probability": float(verdict.spam_probability),
        "kind_probabilities": {k: float(verdict.kind_probabilities.get(k, 0.0)) for k in KINDS},
        "language": verdict.language,
        "jurisdiction": verdict.jurisdiction,
        "sender_type": verdict.sender_type,
        "signals": hit[1],
        **got[1],
        "scenarios": [s.id for s in verdict.scenarios],
        "plan": [s.id for s in verdict.plan],
        "template": got[2],
        "error": None,
        "schema_version": verdict.schema_version,
    }


def _signal_parts(signals: tuple[Signal, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "weight": float(s.weight),
            "group": s.group,
            "spans": [{"start": sp.start, "end": sp.end} for sp in s.spans],
        }
        for s in signals
    ]


def _entity_parts(ents: tuple[Entity, ...], text: str) -> dict[str, Any]:
    """The columns that depend only on the entities and the text (values are shared, never mutated)."""
    urls = [e for e in ents if e.kind == "url"]
    return {
        "entities": [{"kind": e.kind, "value": e.value, "start": e.span.start, "end": e.span.end} for e in ents],
        "urls": [e.value for e in urls],
        "domains": sorted({str(e.attrs.get("registrable_domain") or "").lower() for e in urls} - {""}),
        "phones": sorted({e.value for e in ents if e.kind == "phone"}),
        "accounts": sorted(
            {
                "".join(c for c in text[e.span.start : e.span.end] if c.isdigit())
                for e in ents
                if e.kind in _ACCOUNT_KINDS
            }
            - {""}
        ),
    }


def _failed(exc: Exception) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_VERDICT_FIELDS)
    row["error"] = f"{type(exc).__name__}: {exc}"[:500]
    row["schema_version"] = SCHEMA_VERSION
    return row


def _as_time(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def localise(when: datetime, zone: tzinfo | None) -> datetime:
    """``when`` as an aware time in ``zone`` (``None``: this computer's zone).

    A time without a zone is a phone's wall clock and is taken to be in ``zone``; a time with one is
    converted. Triage then sees the hour the person saw (night-contact checks), whatever engine runs it.
    """
    if zone is None:
        return when.astimezone()
    return when.astimezone(zone) if when.tzinfo is not None else when.replace(tzinfo=zone)


def zone_named(name: str | None) -> tzinfo | None:
    """The IANA zone ``name`` (e.g. ``Asia/Shanghai``), or ``None`` for this computer's zone."""
    return ZoneInfo(name) if name else None


def _column(table: pa.Table, name: str | None, n: int) -> list[Any]:
    if name is None or name not in table.column_names:
        return [None] * n
    values: list[Any] = table.column(name).to_pylist()
    return values


def _triage_alone(m: Message) -> Verdict | Exception:
    try:
        return veritext.triage(m.text, sender=m.sender, received_at=m.received_at, context=m.context)
    except Exception as exc:  # one bad message must not sink a million: it gets an error row
        return exc


def _triage_in_order(messages: Sequence[Message]) -> list[Verdict | Exception]:
    """One verdict (or the exception it raised) per message, in order, through ``triage_many``.

    ``triage_many`` lets the model score a whole chunk in one vectorised pass, which costs about half
    the CPU of one ``triage`` call per message, and its verdicts are those of ``triage``. But it is a
    generator, so a message that raises ends it: that message is then triaged alone (so it gets
    exactly the error, or verdict, ``triage`` gives it) and ``triage_many`` resumes after it.
    Over-long texts, which ``triage`` refuses, go alone from the start (each restart re-scores a chunk).
    """
    out: list[Verdict | Exception | None] = [None] * len(messages)
    many = [i for i, m in enumerate(messages) if len(m.text) <= MAX_CHARS]
    for i in set(range(len(messages))).difference(many):
        out[i] = _triage_alone(messages[i])
    done = 0
    while done < len(many):
        try:
            for verdict in veritext.triage_many(messages[i] for i in islice(many, done, None)):
                out[many[done]] = verdict
                done += 1
        except Exception:
            out[many[done]] = _triage_alone(messages[many[done]])
            done += 1
    return [r if r is not None else RuntimeError("not triaged") for r in out]


# A situation's verdict (pipeline.known_situation) is one object that every repeat of its text and
# situation is answered with: its row values are built once, keyed by its id and checked by identity
# (kept alive here, so no other object can have that id meanwhile). A repeat then costs no Verdict
# (sender and time are not verdict columns) and no field-by-field check against _FIELDS.
_SITUATION_ROWS: LRU[int, tuple[Verdict, tuple[Any, ...]]] = LRU(100_000)


def _situation_values(met: Verdict) -> tuple[Any, ...]:
    hit = _SITUATION_ROWS.get(id(met))
    if hit is not None and hit[0] is met:
        return hit[1]
    values: tuple[Any, ...] = _ROW_VALUES(_fields_or_error(met))
    _SITUATION_ROWS.put(id(met), (met, values))
    return values


def triage_rows(
    texts: Sequence[Any],
    senders: Sequence[Any],
    times: Sequence[datetime | None],
    *,
    context: Context | None = None,
) -> list[dict[str, Any]]:
    """Verdict fields for each message; exact repeats (text, sender, date-hour) are triaged once."""
    return [dict(zip(_VERDICT_FIELDS, v, strict=True)) for v in _row_values(texts, senders, times, context)]


def _row_values(
    texts: Sequence[Any], senders: Sequence[Any], times: Sequence[datetime | None], context: Context | None
) -> list[tuple[Any, ...]]:
    """:func:`triage_rows` with each row's fields as a tuple in column order (``_VERDICT_FIELDS``)."""
    slot_of: dict[tuple[Any, ...], int] = {}  # repeat key → index into `values`
    slots: list[int] = []
    values: list[tuple[Any, ...] | None] = []
    todo: list[Message] = []  # messages to triage, in first-seen order
    todo_slot: list[int] = []
    for text, sender, when in zip(texts, senders, times, strict=True):
        key = (text, sender, _hour_key(when))
        slot = slot_of.get(key)
        if slot is None:
            slot = slot_of[key] = len(values)
            met = known_situation(text, sender if isinstance(sender, str) else None, when, context)
            if met is not None:  # a text and situation met before: no need of the batch machinery
                values.append(_situation_values(met))
            elif isinstance(text, str):
                values.append(None)
                todo.append(Message(text, sender=sender if isinstance(sender, str) else None, received_at=when,
                                    context=context))  # fmt: skip
                todo_slot.append(slot)
            else:
                missing = "message text is missing" if text is None else "message text is not text"
                values.append(_ROW_VALUES(_failed(veritext.InputError(missing))))
        slots.append(slot)
    for slot, result in zip(todo_slot, _triage_in_order(todo), strict=True):
        values[slot] = _ROW_VALUES(_failed(result) if isinstance(result, Exception) else _fields_or_error(result))
    empty = (None,) * len(_VERDICT_FIELDS)  # never used: every slot is filled above
    return [values[s] or empty for s in slots]


def _fields_or_error(verdict: Verdict) -> dict[str, Any]:
    try:
        return verdict_fields(verdict)
    except Exception as exc:  # as before: a verdict that cannot be written gets an error row, not a crash
        return _failed(exc)


def verdict_columns(
    data: pa.Table | pa.RecordBatch | pd.DataFrame,
    *,
    text_col: str = "text",
    sender_col: str | None = "sender",
    time_col: str | None = "received_at",
    id_col: str | None = "message_id",
    source_col: str | None = "source",
    position_col: str | None = "position",
    context: Context | None = None,
    tz: str | None = None,
) -> pa.Table | pa.RecordBatch | pd.DataFrame:
    """Triage a batch of messages; return the verdict columns (:data:`VERDICT_SCHEMA`), one row per input row.

    Only ``text_col`` is required. Missing ids are derived from source, position and content
    (:func:`veritext.inbox.records.stable_id`), as the inbox readers do; times may be timestamps,
    ISO strings or epoch numbers, and are judged in zone ``tz`` (IANA name; ``None`` = this
    computer's zone; see :func:`localise`). The result is the same kind of object as ``data``.
    """
    zone = zone_named(tz)
    is_pandas = not isinstance(data, pa.Table | pa.RecordBatch)
    if is_pandas:
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    else:
        table = data
    if text_col not in table.column_names:
        raise KeyError(f"no column {text_col!r} in the batch (columns: {', '.join(table.column_names)})")
    n = table.num_rows
    texts = table.column(text_col).to_pylist()
    senders = [s if s is None or isinstance(s, str) else str(s) for s in _column(table, sender_col, n)]
    raw_times = [_as_time(t) for t in _column(table, time_col, n)]
    times = [None if t is None else localise(t, zone) for t in raw_times]
    sources = [s if s is None else str(s) for s in _column(table, source_col, n)]
    positions = _column(table, position_col, n)
    ids = _column(table, id_col, n)
    for i in range(n):
        if ids[i] is None:
            text = texts[i] if isinstance(texts[i], str) else ""
            pos = positions[i] if isinstance(positions[i], int) else i
            ids[i] = stable_id(sources[i] or "", pos, text, senders[i], raw_times[i])  # as the readers do
        else:
            ids[i] = str(ids[i])
    rows = _row_values(texts, senders, times, context)
    columns: dict[str, Sequence[Any]] = {
        "message_id": ids,
        "source": sources,
        "position": [p if isinstance(p, int) else None for p in positions],
        "sender": senders,
        "received_at": [None if t is None else t.astimezone(UTC) for t in times],
        "text": [t if isinstance(t, str) else None for t in texts],
    }
    # One transposition of the rows' value tuples into the columns (tuples convert as lists do).
    columns.update(zip(_VERDICT_FIELDS, zip(*rows, strict=True) if rows else [[]] * len(_VERDICT_FIELDS), strict=True))
    out = pa.Table.from_pydict(columns, schema=VERDICT_SCHEMA)
    if is_pandas:
        return out.to_pandas()
    if isinstance(data, pa.RecordBatch):
        return out.combine_chunks().to_batches()[0] if n else pa.RecordBatch.from_pylist([], schema=VERDICT_SCHEMA)
    return out


def empty_table() -> pa.Table:
    """A zero-row table with the verdict schema."""
    return VERDICT_SCHEMA.empty_table()
