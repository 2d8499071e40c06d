"""Indicators: the domains, URLs, phone numbers and account numbers found in risky messages.

An indicator is listed when at least one message carrying it is at ``min_risk`` or above. Values
that belong to a verified official institution (its domains, service numbers and SMS senders from
the facts data) are never listed: a fake message that quotes a real bank's number must not get that
number blocked.
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from veritext.facts import institutions
from veritext.message import RISKS

INDICATOR_TYPES = {"domains": "domain", "urls": "url", "phones": "phone", "accounts": "account"}
INDICATOR_INPUT_COLUMNS = ("message_id", "received_at", "risk", "fraud_probability", *INDICATOR_TYPES)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One domain / URL / phone / account value and the messages that carried it."""

    type: str
    value: str
    messages: int
    high_risk_messages: int
    max_fraud_probability: float
    first_seen: datetime | None
    last_seen: datetime | None
    example_message_id: str
    campaigns: tuple[str, ...] = ()


@cache
def _official() -> tuple[frozenset[str], frozenset[str]]:
    domains: set[str] = set()
    numbers: set[str] = set()
    for inst in institutions():
        domains.update(d.lower() for d in (*inst.domains, *inst.known_domains))
        numbers.update("".join(c for c in n if c.isdigit()) for n in (*inst.service_numbers, *inst.sms_senders))
    return frozenset(domains), frozenset(numbers - {""})


def is_official(kind: str, value: str) -> bool:
    """Whether ``value`` is an official institution's domain (or a subdomain / URL on it) or number."""
    domains, numbers = _official()
    if kind in ("domain", "url"):
        host = value.lower().split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return any(host == d or host.endswith("." + d) for d in domains)
    if kind == "phone":
        digits = "".join(c for c in value if c.isdigit())
        return digits in numbers or (digits.startswith("86") and digits[2:] in numbers)
    return False


def find_indicators(
    tables: Iterable[pa.Table],
    *,
    min_risk: str = "medium",
    members: pa.Table | None = None,
) -> list[Indicator]:
    """Indicators from verdict tables (with :data:`INDICATOR_INPUT_COLUMNS`), most-seen first.

    ``members`` (message_id → campaign_id, from :func:`veritext.campaigns.find_campaigns`) links each
    indicator to the campaigns it appeared in.
    """
    if min_risk not in RISKS:
        raise ValueError(f"min_risk must be one of {RISKS}")
    rank = {r: i for i, r in enumerate(RISKS)}
    exploded: list[pa.Table] = []
    for table in tables:
        risk_code = pc.index_in(table.column("risk"), value_set=pa.array(RISKS))
        for col, kind in INDICATOR_TYPES.items():
            lists = table.column(col).combine_chunks()
            if len(pc.list_flatten(lists)) == 0:
                continue
            parents = pc.list_parent_indices(lists)
            exploded.append(
                pa.table(
                    {
                        "type": pa.array([kind] * len(parents), pa.string()),
                        "value": pc.list_flatten(lists),
                        "message_id": pc.take(table.column("message_id"), parents),
                        "received_at": pc.take(table.column("received_at"), parents),
                        "risk_code": pc.take(risk_code, parents),
                        "fraud_probability": pc.take(table.column("fraud_probability"), parents),
                    }
                )
            )
    if not exploded:
        return []
    rows = pa.concat_tables(exploded)
    rows = rows.append_column("is_high", pc.fill_null(pc.equal(rows.column("risk_code"), rank["high"]), False))
    agg = rows.group_by(["type", "value"]).aggregate(
        [
            ("message_id", "count"),
            ("message_id", "min"),
            ("is_high", "sum"),
            ("risk_code", "max"),
            ("fraud_probability", "max"),
            ("received_at", "min"),
            ("received_at", "max"),
        ]
    )
    linked: dict[tuple[str, str], set[str]] = {}
    if members is not None and members.num_rows:
        joined = rows.select(["type", "value", "message_id"]).join(members, keys="message_id", join_type="inner")
        for r in joined.select(["type", "value", "campaign_id"]).to_pylist():
            linked.setdefault((r["type"], r["value"]), set()).add(r["campaign_id"])
    out = []
    for r in agg.to_pylist():
        if r["risk_code_max"] is None or r["risk_code_max"] < rank[min_risk]:
            continue
        if is_official(r["type"], r["value"]):
            continue
        out.append(
            Indicator(
                type=r["type"],
                value=r["value"],
                messages=int(r["message_id_count"]),
                high_risk_messages=int(r["is_high_sum"] or 0),
                max_fraud_probability=round(float(r["fraud_probability_max"] or 0.0), 4),
                first_seen=r["received_at_min"],
                last_seen=r["received_at_max"],
                example_message_id=str(r["message_id_min"]),
                campaigns=tuple(sorted(linked.get((r["type"], r["value"]), ()))),
            )
        )
    out.sort(key=lambda i: (-i.high_risk_messages, -i.messages, i.type, i.value))
    return out


CSV_HEADER = (
    "type",
    "value",
    "messages",
    "high_risk_messages",
    "max_fraud_probability",
    "first_seen",
    "last_seen",
    "campaigns",
    "example_message_id",
)


def write_indicators_csv(indicators: Iterable[Indicator], path: Path) -> int:
    """Write the indicators CSV (UTF-8 with BOM); returns the number of rows written."""
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for i in indicators:
            w.writerow(
                [
                    i.type,
                    i.value,
                    i.messages,
                    i.high_risk_messages,
                    i.max_fraud_probability,
                    _iso(i.first_seen),
                    _iso(i.last_seen),
                    " ".join(i.campaigns),
                    i.example_message_id,
                ]
            )
            n += 1
    return n


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else ""
