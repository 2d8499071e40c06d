"""The report stage: act on a verdict (DESIGN.md §4, last stage; issue 7).

>>> import veritext
>>> from veritext import report
>>> v = veritext.triage("您的借款已逾期，再不还款就通知你的家人和单位。", sender="17012345678")  # written here
>>> [d.channel for d in report.drafts(v)]  # doctest: +SKIP
['cn-12321-report', 'cn-lender-complaint', 'cn-regulator-complaint', ...]

- :func:`drafts` — a draft for each channel that applies (12321, the lender, 12378, the police, a
  credit objection …; 7726, ReportFraud.ftc.gov, CFPB, a validation letter; 7726, Report Fraud, the
  lender), in Chinese and English, naming only verified contacts. Nothing is ever sent.
- :func:`check_conduct` — abusive-collection findings over a set of messages, each citing its rule
  and source from the facts data (or saying it is advice-based).
- :func:`write_bundle` — the evidence bundle: HTML, PDF (Chinese font embedded) and JSON with the
  SHA-256 of every original message.
- :class:`Redaction` — on by default everywhere; ``Redaction.off()`` includes originals.
"""

from __future__ import annotations

from veritext.report.conduct import check_conduct
from veritext.report.data import ReportDataError
from veritext.report.drafts import channels, drafts, unavailable
from veritext.report.evidence import BundleFiles, evidence_html, evidence_json, write_bundle
from veritext.report.layout import conduct_text, draft_text, drafts_html
from veritext.report.pasted import MessagesError, read_messages, to_messages
from veritext.report.pdf import PdfUnavailable, html_to_pdf
from veritext.report.redact import Redacted, Redaction, redact
from veritext.report.results import (
    Advice,
    ConductReport,
    Draft,
    DraftField,
    EvidenceMessage,
    Finding,
    Hit,
    Rule,
    sha256_text,
)

__all__ = [
    "Advice",
    "BundleFiles",
    "ConductReport",
    "Draft",
    "DraftField",
    "EvidenceMessage",
    "Finding",
    "Hit",
    "MessagesError",
    "PdfUnavailable",
    "Redacted",
    "Redaction",
    "ReportDataError",
    "Rule",
    "channels",
    "check_conduct",
    "conduct_text",
    "draft_text",
    "drafts",
    "drafts_html",
    "evidence_html",
    "evidence_json",
    "html_to_pdf",
    "read_messages",
    "redact",
    "sha256_text",
    "to_messages",
    "unavailable",
    "write_bundle",
]
