"""Drafts and findings as plain text (for the terminal) and drafts as printable HTML.

Layouts are templates in ``data/report/layout.yaml``; this module turns results into plain dicts
for them. Redaction has already been applied to drafts; findings are redacted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from veritext.report.redact import Redaction
from veritext.report.results import ConductReport, Draft
from veritext.report.templating import render_html, render_text
from veritext.report.views import finding_view, layout, redact_all, trusted_css, ui, ui_both

__all__ = ["conduct_text", "draft_text", "drafts_html"]


def _draft_view(d: Draft, lang: str) -> dict[str, Any]:
    words = ui(lang)
    return {
        "channel": d.channel,
        "title": d.title.get(lang),
        "purpose": d.purpose.get(lang),
        "contacts": [{"name": c.name.get(lang), "value": c.value} for c in d.contacts],
        "fields": [{"label": f.label.get(lang), "value": f.value.get(lang), "required": f.required} for f in d.fields],
        "body": d.body.get(lang),
        "steps": [s.get(lang) for s in d.steps],
        "notes": [n.get(lang) for n in d.notes],
        "rules": [
            {
                "citation": r.citation.get(lang),
                "text": r.text.get(lang),
                "strength": r.strength,
                "facts_ref": r.facts_ref,
                "sources": list(r.sources),
            }
            for r in d.rules
        ],
        "advice": [{"text": a.text.get(lang), "ref": a.ref} for a in d.advice],
        "privacy": words["redacted"] if d.redacted else words["originals"],
    }


def draft_text(draft: Draft, lang: str) -> str:
    """One draft as plain text in ``lang`` (``zh`` or ``en``)."""
    return render_text(layout()["draft_text"], d=_draft_view(draft, lang), ui=ui(lang))


def drafts_html(drafts: Sequence[Draft]) -> str:
    """All drafts, each in Chinese then English, as one printable HTML page (every value escaped)."""
    pairs = [{"zh": _draft_view(d, "zh"), "en": _draft_view(d, "en")} for d in drafts]
    return render_html(layout()["drafts_html"], drafts=pairs, ui=ui_both(), css=trusted_css())


def conduct_text(report: ConductReport, lang: str, *, redaction: Redaction | None = None) -> str:
    """The abusive-collection findings as plain text; quoted words are redacted unless asked."""
    redacted = redact_all(report.messages, redaction or Redaction())
    view = {
        "jurisdiction": report.jurisdiction,
        "collection": len(report.collection),
        "total": len(report.messages),
        "findings": [finding_view(f, lang, redacted) for f in report.findings],
        "notes": [n.get(lang) for n in report.notes],
    }
    return render_text(layout()["conduct_text"], r=view, ui=ui(lang))
