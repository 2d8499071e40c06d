"""Bulk scanning: ``scan(inputs, ScanOptions(out=…))`` — all cores, progress, resumable, one row per message.

The rows are :data:`veritext.batch.VERDICT_SCHEMA`; read them back with :func:`read_results`.
"""

from __future__ import annotations

from veritext.scan.results import iter_results, output_format, read_results
from veritext.scan.scanner import (
    DEFAULT_BATCH,
    ScanError,
    ScanInterrupted,
    ScanOptions,
    ScanResult,
    default_db,
    interrupted_message,
    scan,
)
from veritext.scan.summary import Ranked, ScanSummary, SourceStats, render_summary, summarise

__all__ = [
    "DEFAULT_BATCH",
    "Ranked",
    "ScanError",
    "ScanInterrupted",
    "ScanOptions",
    "ScanResult",
    "ScanSummary",
    "SourceStats",
    "default_db",
    "interrupted_message",
    "iter_results",
    "output_format",
    "read_results",
    "render_summary",
    "scan",
    "summarise",
]
