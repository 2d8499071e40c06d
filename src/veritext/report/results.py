"""The frozen result types of the report stage: evidence messages, rules, findings and drafts.

Message texts are kept ORIGINAL here; redaction happens when something is rendered or exported, so
one conduct check can feed a redacted bundle and, on explicit request, an unredacted one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from veritext.message import Contact, I18nText, Verdict

Basis = Literal["rule", "advice"]


def sha256_text(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 bytes of ``text``: the fingerprint printed for every original message."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class EvidenceMessage:
    """One message as received: original text, sender, time, and where it was read from."""

    index: int
    text: str
    sender: str | None = None
    received_at: datetime | None = None
    source: str = ""

    @property
    def sha256(self) -> str:
        """SHA-256 of the original text (UTF-8)."""
        return sha256_text(self.text)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule (or a verified fact used as one), with its citation and source from the facts data."""

    id: str
    citation: I18nText
    text: I18nText
    status: I18nText
    strength: str
    facts_ref: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "citation": self.citation.to_dict(),
            "text": self.text.to_dict(),
            "status": self.status.to_dict(),
            "strength": self.strength,
            "facts_ref": self.facts_ref,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Advice:
    """Advice from DESIGN.md §1, cited when the facts data holds no verified rule."""

    id: str
    ref: str
    quote: str
    text: I18nText

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "ref": self.ref, "quote": self.quote, "text": self.text.to_dict()}


@dataclass(frozen=True, slots=True)
class Hit:
    """One offending message of a finding: which message, and the words or fact that triggered it."""

    index: int
    received_at: datetime | None
    sender: str | None
    spans: tuple[tuple[int, int], ...] = ()
    why: I18nText | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "sender": self.sender,
            "spans": [list(s) for s in self.spans],
            "why": self.why.to_dict() if self.why else None,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One kind of abusive-collection conduct found in a set of messages.

    ``basis`` is ``rule`` when a verified rule from the facts data covers it, ``advice`` when only the
    product's advice (DESIGN.md) does; ``rules`` then holds related verified facts, never an invented law.
    """

    id: str
    title: I18nText
    basis: Basis
    summary: I18nText
    rules: tuple[Rule, ...]
    advice: Advice | None
    note: I18nText | None
    hits: tuple[Hit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title.to_dict(),
            "basis": self.basis,
            "summary": self.summary.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "advice": self.advice.to_dict() if self.advice else None,
            "note": self.note.to_dict() if self.note else None,
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True, slots=True)
class ConductReport:
    """The abusive-collection check over a set of messages."""

    jurisdiction: str
    messages: tuple[EvidenceMessage, ...]
    verdicts: tuple[Verdict, ...]
    collection: tuple[int, ...]
    findings: tuple[Finding, ...]
    notes: tuple[I18nText, ...]


@dataclass(frozen=True, slots=True)
class DraftField:
    """One field of a form or letter. ``fill_in`` marks a value only the person can supply."""

    key: str
    label: I18nText
    value: I18nText
    required: bool
    fill_in: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label.to_dict(),
            "value": self.value.to_dict(),
            "required": self.required,
            "fill_in": self.fill_in,
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """A report or complaint draft for one channel. Nothing is ever sent: the person sends it."""

    channel: str
    jurisdiction: str
    title: I18nText
    purpose: I18nText
    contacts: tuple[Contact, ...]
    fields: tuple[DraftField, ...]
    body: I18nText
    steps: tuple[I18nText, ...]
    notes: tuple[I18nText, ...]
    rules: tuple[Rule, ...]
    advice: tuple[Advice, ...]
    redacted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "jurisdiction": self.jurisdiction,
            "title": self.title.to_dict(),
            "purpose": self.purpose.to_dict(),
            "contacts": [c.to_dict() for c in self.contacts],
            "fields": [f.to_dict() for f in self.fields],
            "body": self.body.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "notes": [n.to_dict() for n in self.notes],
            "rules": [r.to_dict() for r in self.rules],
            "advice": [a.to_dict() for a in self.advice],
            "redacted": self.redacted,
        }
