"""The report's plots as PNG bytes (matplotlib, Agg backend), with a CJK font so Chinese labels render.

The CJK font comes from the system (Debian: ``fonts-wqy-microhei``); without one the plots are still
drawn, Chinese glyphs show as boxes, and :func:`cjk_font` returns ``None`` so the report can say so.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
RISK_COLOURS = {"low": "#3a9d5d", "medium": "#e0a100", "high": "#c8321e"}
_KIND_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


@cache
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    import matplotlib.pyplot as plt

    font = cjk_font()
    plt.rcParams["font.sans-serif"] = [*([font] if font else []), "DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
    plt.rcParams["svg.fonttype"] = "none"
    return plt


@cache
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs, or ``None``."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buf.getvalue()


def _empty(title: str, note: str) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.2))
    ax.set_title(title, loc="left")
    ax.text(0.5, 0.5, note, ha="center", va="center", fontsize=12, color="#666")
    ax.set_axis_off()
    return _png(fig)


def per_day_by_kind(days: Sequence[str], counts: Mapping[str, Sequence[int]], labels: Mapping[str, str]) -> bytes:
    """Stacked bars: messages per day, one colour per kind."""
    title = "每日短信数（按类型） / Messages per day, by kind"
    if not days:
        return _empty(title, "数据中没有接收时间 / no received times in the data")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.2))
    bottom = [0] * len(days)
    x = range(len(days))
    for i, (kind, values) in enumerate(counts.items()):
        ax.bar(x, values, bottom=bottom, label=labels.get(kind, kind), color=_KIND_COLOURS[i % len(_KIND_COLOURS)])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(days) // 12)
    ax.set_xticks(list(x)[::step])
    ax.set_xticklabels(list(days)[::step], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("短信数 / messages")
    ax.set_title(title, loc="left")
    ax.legend(fontsize=9, ncol=3, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def risk_histogram(edges: Sequence[float], counts: Mapping[str, Sequence[int]]) -> bytes:
    """Histogram of the fraud probability, coloured by risk band (log scale)."""
    title = "诈骗可能性分布（按风险） / Fraud probability, by risk band"
    if not any(sum(v) for v in counts.values()):
        return _empty(title, "没有数据 / no data")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 3.6))
    width = edges[1] - edges[0]
    names = {"low": "低 low", "medium": "中 medium", "high": "高 high"}
    # Risk bands sit on different probability ranges, so bars overlap little; a log scale keeps a
    # few hundred high-risk messages visible next to tens of thousands of harmless ones.
    for risk in ("low", "medium", "high"):
        values = counts.get(risk, [0] * (len(edges) - 1))
        ax.bar(edges[:-1], values, width=width, align="edge", color=RISK_COLOURS[risk], label=names[risk], alpha=0.85)
    ax.set_yscale("log")
    ax.set_xlabel("诈骗可能性 / fraud probability")
    ax.set_ylabel("短信数（对数刻度） / messages (log scale)")
    ax.set_title(title, loc="left")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def top_bars(
    title: str, labels: Sequence[str], values: Sequence[int], colours: Sequence[str], empty_note: str
) -> bytes:
    """Horizontal bars, largest on top (top campaigns, top domains)."""
    if not labels:
        return _empty(title, empty_note)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.2))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=colours)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=10)
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, f" {v:,}", va="center", fontsize=8)
    ax.set_xlabel("短信数 / messages")
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
