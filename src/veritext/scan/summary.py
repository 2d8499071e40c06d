"""The end-of-scan summary: kind × risk, top senders, top domains, and what was skipped — and its table."""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.table import Table

from veritext.decide import kind_name
from veritext.message import KINDS, RISKS

RISK_NAMES = {"low": ("低", "low"), "medium": ("中", "medium"), "high": ("高", "high")}
SUMMARY_COLUMNS = ("kind", "risk", "sender", "domains", "error")


@dataclass(frozen=True, slots=True)
class Ranked:
    """A sender or domain with its message count and how many of those were high risk."""

    value: str
    messages: int
    high: int


@dataclass(frozen=True, slots=True)
class SourceStats:
    """What one input file gave: records read, rows skipped or repaired, sent messages left out."""

    source: str
    format: str
    records: int
    skipped: int
    warnings: int
    not_received: int


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """Counts over the whole output (so a resumed scan's summary covers every message)."""

    messages: int
    errors: int
    by_kind_risk: dict[str, dict[str, int]]
    top_senders: tuple[Ranked, ...]
    top_domains: tuple[Ranked, ...]
    sources: tuple[SourceStats, ...] = field(default=())
    distinct_senders: int = 0
    distinct_domains: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (kept in the checkpoint)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanSummary:
        """Inverse of :meth:`to_dict`."""
        return cls(
            messages=d["messages"],
            errors=d["errors"],
            by_kind_risk=d["by_kind_risk"],
            top_senders=tuple(Ranked(**r) for r in d["top_senders"]),
            top_domains=tuple(Ranked(**r) for r in d["top_domains"]),
            sources=tuple(SourceStats(**s) for s in d.get("sources", [])),
            distinct_senders=d.get("distinct_senders", 0),
            distinct_domains=d.get("distinct_domains", 0),
        )


def _ranked(table: pa.Table, key: str, top: int) -> tuple[Ranked, ...]:
    valid = table.filter(pc.is_valid(table.column(key)))
    if valid.num_rows == 0:
        return ()
    grouped = valid.group_by(key).aggregate([("is_high", "count"), ("is_high", "sum")]).to_pylist()
    grouped.sort(key=lambda r: (-r["is_high_count"], str(r[key])))
    return tuple(Ranked(str(r[key]), int(r["is_high_count"]), int(r["is_high_sum"] or 0)) for r in grouped[:top])


def summarise(tables: Iterable[pa.Table], *, sources: tuple[SourceStats, ...] = (), top: int = 10) -> ScanSummary:
    """Summarise verdict tables holding at least :data:`SUMMARY_COLUMNS`."""
    parts = [t.select(list(SUMMARY_COLUMNS)) for t in tables]
    if not parts:
        return ScanSummary(0, 0, {}, (), (), sources)
    table = pa.concat_tables(parts)
    is_high = pc.fill_null(pc.equal(table.column("risk"), pa.scalar("high")), False)
    table = table.append_column("is_high", is_high)
    by: dict[str, dict[str, int]] = {}
    counts = table.group_by(["kind", "risk"]).aggregate([("is_high", "count")]).to_pylist()
    for r in counts:
        if r["kind"] is None:
            continue
        by.setdefault(r["kind"], {})[r["risk"]] = int(r["is_high_count"])
    lists = table.column("domains").combine_chunks()
    parents = pc.list_parent_indices(lists)
    domains = pa.table({"domain": pc.list_flatten(lists), "is_high": pc.take(table.column("is_high"), parents)})
    return ScanSummary(
        messages=table.num_rows,
        errors=int(pc.sum(pc.is_valid(table.column("error"))).as_py() or 0),
        by_kind_risk=by,
        top_senders=_ranked(table, "sender", top),
        top_domains=_ranked(domains, "domain", top),
        sources=sources,
        distinct_senders=int(pc.count_distinct(table.column("sender")).as_py()),
        distinct_domains=int(pc.count_distinct(domains.column("domain")).as_py()),
    )


def render_summary(summary: ScanSummary, *, console: Console) -> None:
    """Print the summary tables (headers in Chinese and English)."""

    def both(zh: str, en: str) -> str:
        return f"{zh} {en}"

    grid = Table(title=both("类型 × 风险", "kind × risk"), title_justify="left")
    grid.add_column(both("类型", "kind"))
    for r in RISKS:
        grid.add_column(both(*RISK_NAMES[r]), justify="right")
    grid.add_column(both("合计", "total"), justify="right")
    for k in KINDS:
        row = summary.by_kind_risk.get(k)
        if not row:
            continue
        name = kind_name(k)
        grid.add_row(f"{name.zh} {name.en}", *(f"{row.get(r, 0):,}" for r in RISKS), f"{sum(row.values()):,}")
    totals = [sum(v.get(r, 0) for v in summary.by_kind_risk.values()) for r in RISKS]
    grid.add_row(both("合计", "total"), *(f"{t:,}" for t in totals), f"{sum(totals):,}", style="bold")
    console.print(grid)
    for title, ranked, label in (
        (both("发送最多的号码", "top senders"), summary.top_senders, both("发送方", "sender")),
        (both("出现最多的域名", "top domains"), summary.top_domains, both("域名", "domain")),
    ):
        if not ranked:
            continue
        t = Table(title=title, title_justify="left")
        t.add_column(label)
        t.add_column(both("短信", "messages"), justify="right")
        t.add_column(both("其中高风险", "of which high risk"), justify="right")
        for item in ranked:
            t.add_row(item.value, f"{item.messages:,}", f"{item.high:,}")
        console.print(t)
    if summary.sources:
        t = Table(title=both("输入文件", "inputs"), title_justify="left")
        for zh, en in (
            ("文件", "file"),
            ("格式", "format"),
            ("读出", "read"),
            ("跳过", "skipped"),
            ("已修复", "repaired"),
            ("未分析的已发送", "sent, not triaged"),
        ):
            t.add_column(both(zh, en), justify="left" if en in ("file", "format") else "right")
        for s in summary.sources:
            t.add_row(s.source, s.format, f"{s.records:,}", f"{s.skipped:,}", f"{s.warnings:,}", f"{s.not_received:,}")
        console.print(t)
    if summary.errors:
        console.print(
            f"[yellow]{summary.errors:,} 条短信无法分析（见输出的 error 列） / "
            f"{summary.errors:,} messages could not be triaged (see the output's error column)[/]"
        )
