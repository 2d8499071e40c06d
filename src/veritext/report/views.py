"""Plain dicts that templates read: messages (redacted unless asked), findings and interface words.

Templates never see a dataclass or the original text of a redacted message: everything they print
passes through here, which is where redaction is applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from veritext.message import I18nText
from veritext.report.data import ReportDataError, i18n, load
from veritext.report.redact import Redacted, Redaction, redact, redact_many
from veritext.report.results import EvidenceMessage, Finding, Hit

__all__ = ["finding_view", "fmt_time", "layout", "message_view", "redact_all", "trusted_css", "ui", "ui_both"]


@cache
def layout() -> Mapping[str, Any]:
    """The parsed ``layout.yaml``."""
    data = load("layout.yaml")
    if not isinstance(data, dict):
        raise ReportDataError("layout.yaml: expected a mapping")
    return data


def trusted_css() -> Markup:
    """The layout's CSS, marked safe: it is package data, never input, and escaping would break it."""
    return Markup(str(layout()["css"]))


@cache
def _ui() -> Mapping[str, I18nText]:
    return {key: i18n(value, f"layout.yaml ui.{key}") for key, value in layout()["ui"].items()}


def ui(lang: str) -> dict[str, str]:
    """Interface words in one language."""
    return {key: text.get(lang) for key, text in _ui().items()}


def ui_both() -> dict[str, dict[str, str]]:
    """Interface words in both languages: ``ui_both()[key]["zh"]``."""
    return {key: text.to_dict() for key, text in _ui().items()}


def fmt_time(when: datetime | None) -> str:
    """``2026-11-28 23:40`` (plus the UTC offset when the time carries one); empty for no time."""
    if when is None:
        return ""
    out = when.strftime("%Y-%m-%d %H:%M")
    return f"{out} {when.strftime('%z')}" if when.tzinfo is not None else out


def message_view(m: EvidenceMessage, redaction: Redaction, redacted: Redacted | None = None) -> dict[str, Any]:
    """A message as templates see it: redacted text, original's SHA-256, time and sender."""
    r = redacted or redact(m.text, redaction)
    return {
        "index": m.index,
        "time": fmt_time(m.received_at),
        "iso_time": m.received_at.isoformat() if m.received_at else None,
        "sender": m.sender or "",
        "text": r.text,
        "sha256": m.sha256,
        "redacted": redaction.enabled,
        "redactions": list(r.kinds()),
    }


def _hit_line(h: Hit, lang: str, redacted: Mapping[int, Redacted]) -> str:
    words = ui(lang)
    parts = [f"#{h.index}", fmt_time(h.received_at) or words["no_time"], h.sender or words["no_sender"]]
    r = redacted.get(h.index)
    quotes = [r.slice(s, e) for s, e in h.spans] if r else []
    line = " · ".join(parts)
    if h.why is not None:
        line += f" — {h.why.get(lang)}"
    if quotes:
        line += " «" + "» «".join(dict.fromkeys(quotes)) + "»"
    return line


def finding_view(f: Finding, lang: str, redacted: Mapping[int, Redacted]) -> dict[str, Any]:
    """A finding in one language; quoted words come from the redacted texts in ``redacted``."""
    words = ui(lang)
    cites = [f"{r.citation.get(lang)} [{r.strength}; {r.facts_ref}]" for r in f.rules]
    if f.advice is not None:
        cites.append(f"{f.advice.text.get(lang)} [{f.advice.ref}]")
    return {
        "id": f.id,
        "title": f.title.get(lang),
        "basis": words["basis_rule"] if f.basis == "rule" else words["basis_advice"],
        "basis_key": f.basis,
        "summary": f.summary.get(lang),
        "hits": [_hit_line(h, lang, redacted) for h in f.hits],
        "cites": cites,
        "rules": [
            {
                "citation": r.citation.get(lang),
                "text": r.text.get(lang),
                "status": r.status.get(lang),
                "strength": r.strength,
                "facts_ref": r.facts_ref,
                "sources": list(r.sources),
            }
            for r in f.rules
        ],
        "advice": {"text": f.advice.text.get(lang), "ref": f.advice.ref} if f.advice else None,
        "note": f.note.get(lang) if f.note else "",
    }


def redact_all(messages: Sequence[EvidenceMessage], redaction: Redaction) -> dict[int, Redacted]:
    """Each message's redaction, by message index (names found in one are hidden in all)."""
    return {m.index: r for m, r in zip(messages, redact_many([m.text for m in messages], redaction), strict=True)}
