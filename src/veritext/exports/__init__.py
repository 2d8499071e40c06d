"""Exports of a scan: indicators (CSV, STIX 2.1) and an offline HTML / PDF report with plots."""

from __future__ import annotations

from veritext.exports.indicators import INDICATOR_INPUT_COLUMNS, Indicator, find_indicators, write_indicators_csv
from veritext.exports.report import ReportData, collect, render_html, write_pdf
from veritext.exports.stix import build_bundle, write_stix

__all__ = [
    "INDICATOR_INPUT_COLUMNS",
    "Indicator",
    "ReportData",
    "build_bundle",
    "collect",
    "find_indicators",
    "render_html",
    "write_indicators_csv",
    "write_pdf",
    "write_stix",
]
