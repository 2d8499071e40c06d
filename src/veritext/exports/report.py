"""A self-contained offline HTML report of a scan (plots embedded as base64 PNG), and optionally a PDF."""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import pyarrow.compute as pc

from veritext import __version__
from veritext.campaigns import CAMPAIGN_INPUT_COLUMNS, Campaign, CampaignResult, find_campaigns
from veritext.decide import kind_name
from veritext.exports import plots
from veritext.exports.template import REPORT_HTML
from veritext.message import KINDS, RISKS
from veritext.scan.results import read_results
from veritext.scan.summary import RISK_NAMES, ScanSummary, summarise

# Everything but the message texts: the report shows masked templates, never whole messages.
REPORT_COLUMNS = (*CAMPAIGN_INPUT_COLUMNS, "error")


@dataclass(frozen=True, slots=True)
class ReportData:
    """What the report shows, computed from a scan output."""

    source: str
    summary: ScanSummary
    campaigns: CampaignResult
    days: tuple[str, ...]
    per_day: dict[str, list[int]]
    hist_edges: tuple[float, ...]
    hist: dict[str, list[int]]


def kind_label(kind: str) -> str:
    """A short bilingual label for a kind, e.g. ``逾期催收短信 overdue collection``."""
    return f"{kind_name(kind).zh} {kind.replace('_', ' ')}"


def collect(results: Path, *, tz: str | None = None, min_size: int = 3, top: int = 10) -> ReportData:
    """Read a scan output and compute the report's numbers (days are counted in zone ``tz``)."""
    table = read_results(results, columns=REPORT_COLUMNS)
    summary = summarise([table], top=top)
    campaigns = find_campaigns(table, min_size=min_size, top=top)
    days, per_day = _per_day(table, tz)
    edges, hist = _histogram(table)
    return ReportData(results.name, summary, campaigns, days, per_day, edges, hist)


def _per_day(table: pa.Table, tz: str | None) -> tuple[tuple[str, ...], dict[str, list[int]]]:
    if tz:
        zone = tz
    else:  # this computer's current UTC offset, in the "+08:00" form Arrow accepts
        off = datetime.now().astimezone().strftime("%z") or "+0000"
        zone = f"{off[:3]}:{off[3:]}"
    t = table.filter(pc.and_(pc.is_valid(table.column("received_at")), pc.is_valid(table.column("kind"))))
    if t.num_rows == 0:
        return (), {}
    try:
        local = t.column("received_at").cast(pa.timestamp("us", tz=zone))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        local = t.column("received_at")  # an abbreviation Arrow does not know: count UTC days
    day = pc.strftime(local, format="%Y-%m-%d")
    counts = pa.table({"day": day, "kind": t.column("kind")}).group_by(["day", "kind"]).aggregate([("kind", "count")])
    rows = counts.to_pylist()
    days = tuple(sorted({r["day"] for r in rows}))
    index = {d: i for i, d in enumerate(days)}
    per: dict[str, list[int]] = {}
    for k in KINDS:
        per_k = [0] * len(days)
        for r in rows:
            if r["kind"] == k:
                per_k[index[r["day"]]] = int(r["kind_count"])
        if any(per_k):
            per[k] = per_k
    return days, per


def _histogram(table: pa.Table, bins: int = 20) -> tuple[tuple[float, ...], dict[str, list[int]]]:
    import numpy as np

    edges = np.linspace(0.0, 1.0, bins + 1)
    out: dict[str, list[int]] = {}
    for risk in RISKS:
        sel = table.filter(pc.equal(table.column("risk"), risk)).column("fraud_probability")
        values = sel.drop_null().to_numpy() if len(sel) else np.zeros(0)
        out[risk] = [int(x) for x in np.histogram(values, bins=edges)[0]]
    return tuple(float(e) for e in edges), out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _day(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "—"


def render_html(data: ReportData, *, title: str | None = None, top: int = 10) -> str:
    """The report as one HTML string: no external resources, plots inlined."""
    s = data.summary
    totals = {r: sum(v.get(r, 0) for v in s.by_kind_risk.values()) for r in RISKS}
    messages = s.messages or 1
    top_campaigns: Sequence[Campaign] = data.campaigns.campaigns[:top]
    png = {
        "per_day": plots.per_day_by_kind(data.days, data.per_day, {k: kind_label(k) for k in KINDS}),
        "risk": plots.risk_histogram(data.hist_edges, data.hist),
        "campaigns": plots.top_bars(
            "最大的群发活动 / Top campaigns",
            [f"{c.campaign_id} {_short(c.template, 26)}" for c in top_campaigns],
            [c.size for c in top_campaigns],
            [plots.RISK_COLOURS[c.risk] for c in top_campaigns],
            "没有发现群发活动 / no campaigns found",
        ),
        "domains": plots.top_bars(
            "出现最多的域名（红色 = 其中有高风险短信） / Top domains (red = some high-risk messages)",
            [d.value for d in s.top_domains],
            [d.messages for d in s.top_domains],
            [plots.RISK_COLOURS["high" if d.high else "low"] for d in s.top_domains],
            "短信中没有链接 / no links in the messages",
        ),
    }
    cards = [
        {"value": f"{s.messages:,}", "zh": "短信", "en": "messages", "cls": ""},
        {
            "value": f"{totals['high']:,}",
            "zh": f"高风险（{totals['high'] / messages:.0%}）",
            "en": "high risk",
            "cls": "high",
        },
        {"value": f"{totals['medium']:,}", "zh": "中风险", "en": "medium risk", "cls": "medium"},
        {"value": f"{len(data.campaigns.campaigns):,}", "zh": "群发活动", "en": "campaigns", "cls": ""},
        {"value": f"{s.distinct_senders:,}", "zh": "发送号码", "en": "senders", "cls": ""},
        {"value": f"{s.distinct_domains:,}", "zh": "涉及域名", "en": "domains", "cls": ""},
    ]  # fmt: skip
    if s.errors:
        cards.append({"value": f"{s.errors:,}", "zh": "无法分析", "en": "not triaged", "cls": "medium"})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    font_warning = (
        ""
        if plots.cjk_font()
        else "图中的中文可能显示为方框：本机没有中文字体（Debian：apt-get install fonts-wqy-microhei）。 / "
        "Chinese in the plots may show as boxes: no CJK font is installed (Debian: apt-get install fonts-wqy-microhei)."
    )
    return env.from_string(REPORT_HTML).render(
        title=title or "Veritext 扫描报告 / scan report",
        version=__version__,
        source=data.source,
        generated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        font_warning=font_warning,
        cards=cards,
        risks=[{"zh": RISK_NAMES[r][0], "en": RISK_NAMES[r][1]} for r in RISKS],
        kind_rows=[
            {
                "zh": kind_name(k).zh,
                "en": k.replace("_", " "),
                "counts": [s.by_kind_risk[k].get(r, 0) for r in RISKS],
                "total": sum(s.by_kind_risk[k].values()),
            }
            for k in KINDS
            if k in s.by_kind_risk
        ],
        plots={k: base64.b64encode(v).decode("ascii") for k, v in png.items()},
        campaigns=[
            {
                "campaign_id": c.campaign_id,
                "size": c.size,
                "distinct_senders": c.distinct_senders,
                "first": _day(c.first_seen),
                "last": _day(c.last_seen),
                "risk": c.risk,
                "risk_label": " ".join(RISK_NAMES[c.risk]),
                "kind_label": kind_label(c.kind),
                "domains": ", ".join(c.domains[:3]) or "—",
                "template": _short(c.template, 160),
            }
            for c in top_campaigns
        ],
        domains=s.top_domains,
        senders=s.top_senders,
    )


def write_pdf(html: str, path: Path) -> None:
    """Render the HTML report to PDF with WeasyPrint (optional dependency)."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the system Pango library is missing
        raise RuntimeError(
            f"生成 PDF 需要 weasyprint（pip install weasyprint）/ PDF output needs weasyprint: {exc}"
        ) from None
    weasyprint.HTML(string=html).write_pdf(path)


def to_jsonable(data: ReportData) -> dict[str, Any]:
    """The numbers behind the report (for tests and scripts)."""
    return {
        "summary": data.summary.to_dict(),
        "campaigns": [c.to_dict() for c in data.campaigns.campaigns],
        "days": list(data.days),
        "per_day": data.per_day,
        "hist": data.hist,
    }
