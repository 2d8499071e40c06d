"""The plain, frozen data types that flow through the pipeline and come out of it.

Every offset in a :class:`Span` points into the ORIGINAL text the caller passed in, never into the
normalised form, so a front end can highlight evidence without knowing how normalisation works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # only for annotations: ledger and userrules import this module
    from veritext.ledger import Loan
    from veritext.userrules import UserRules

SCHEMA_VERSION = "1.0"

Kind = Literal[
    "verification_code",
    "loan_marketing",
    "marketing",
    "repayment_reminder",
    "overdue_collection",
    "third_party_contact",
    "legal_threat",
    "account_notice",
    "personal",
    "other",
]
KINDS: tuple[str, ...] = get_args(Kind)

Risk = Literal["low", "medium", "high"]
RISKS: tuple[str, ...] = get_args(Risk)

Answer = Literal["yes", "no", "unknown"]
ANSWERS: tuple[str, ...] = get_args(Answer)

Jurisdiction = Literal["CN", "US", "UK"]
JURISDICTIONS: tuple[str, ...] = get_args(Jurisdiction)

Language = Literal["zh", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)


@dataclass(frozen=True, slots=True)
class I18nText:
    """A user-facing string in both interface languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The string in ``lang`` (``zh`` or ``en``); English for anything else."""
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``text[start:end]`` of the original message."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Entity:
    """Something found in the message: a URL, a phone number, an amount, an organisation …

    ``value`` is the cleaned form (a de-obfuscated URL, a digits-only phone number, an amount as a
    decimal string); ``attrs`` carries kind-specific details such as a URL's registrable domain.
    """

    kind: str
    value: str
    span: Span
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "span": self.span.to_dict(),
            "attrs": dict(self.attrs),
        }


@dataclass(frozen=True, slots=True)
class Signal:
    """One named rule that fired: the unit of explanation (an Rspamd "symbol").

    ``weight`` is the rule's contribution to the fraud score (negative = looks genuine);
    ``group`` says which score it feeds (``fraud``, ``genuine``, ``spam``, ``kind``, ``conduct``,
    ``verify``).
    """

    id: str
    weight: float
    group: str
    description: I18nText
    spans: tuple[Span, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "weight": self.weight,
            "group": self.group,
            "description": self.description.to_dict(),
            "spans": [s.to_dict() for s in self.spans],
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Scenario:
    """A ranked answer to "why did I get this message?" (DESIGN.md §1)."""

    id: str
    score: float
    title: I18nText
    explanation: I18nText
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": self.score,
            "title": self.title.to_dict(),
            "explanation": self.explanation.to_dict(),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Contact:
    """A verified contact from the facts data. Never built from a message's own text."""

    id: str
    jurisdiction: str
    kind: str
    value: str
    name: I18nText
    how_to: str
    source_url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "kind": self.kind,
            "value": self.value,
            "name": self.name.to_dict(),
            "how_to": self.how_to,
            "source_url": self.source_url,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the plan. ``condition`` (e.g. ``has_loan=yes``) marks a branch of the advice."""

    id: str
    text: I18nText
    reason: I18nText
    contacts: tuple[str, ...] = ()
    condition: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text.to_dict(),
            "reason": self.reason.to_dict(),
            "contacts": list(self.contacts),
            "condition": self.condition,
        }


@dataclass(frozen=True, slots=True)
class Context:
    """What the person knows and the message cannot tell.

    ``has_loan``: do you have a loan with the lender the message names?
    ``requested_code``: did you just ask for a verification code?
    ``jurisdiction``: overrides the jurisdiction inferred from the message.
    ``loans``: the person's loan ledger (:class:`veritext.ledger.Loan`); the verify stage compares a
    message's claims with it and, when ``has_loan`` is ``unknown``, answers it. Empty = no ledger.
    ``rules``: the person's own allow/deny lists and rules (:class:`veritext.userrules.UserRules`).
    Both are tuples / frozen values, so a Context stays hashable (``triage_many`` caches on it).
    """

    has_loan: Answer = "unknown"
    requested_code: Answer = "unknown"
    jurisdiction: Jurisdiction | None = None
    loans: tuple[Loan, ...] = ()
    rules: UserRules | None = None

    def __post_init__(self) -> None:
        if self.has_loan not in ANSWERS:
            raise ValueError(f"has_loan must be one of {ANSWERS}, not {self.has_loan!r}")
        if self.requested_code not in ANSWERS:
            raise ValueError(f"requested_code must be one of {ANSWERS}, not {self.requested_code!r}")
        if self.jurisdiction is not None and self.jurisdiction not in JURISDICTIONS:
            raise ValueError(f"jurisdiction must be one of {JURISDICTIONS}, not {self.jurisdiction!r}")
        if not isinstance(self.loans, tuple):
            # A list would make the Context unhashable; accept any iterable of loans.
            object.__setattr__(self, "loans", tuple(self.loans))

    def to_dict(self) -> dict[str, Any]:
        # The ledger and rules are personal: a verdict (which people share) says only how many there are.
        return {
            "has_loan": self.has_loan,
            "requested_code": self.requested_code,
            "jurisdiction": self.jurisdiction,
            "loans": len(self.loans),
            "user_rules": self.rules.count() if self.rules is not None else 0,
        }


@dataclass(frozen=True, slots=True)
class Message:
    """One message to triage, as ``triage_many`` takes it."""

    text: str
    sender: str | None = None
    received_at: datetime | None = None
    context: Context | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to the five questions: what is it, is it real, why did I get it, what now, how to report."""

    kind: Kind
    kind_probabilities: Mapping[str, float]
    risk: Risk
    fraud_probability: float
    spam_probability: float
    language: Language
    jurisdiction: Jurisdiction
    signals: tuple[Signal, ...]
    entities: tuple[Entity, ...]
    scenarios: tuple[Scenario, ...]
    plan: tuple[Step, ...]
    contacts: tuple[Contact, ...]
    text: str
    sender: str | None
    sender_type: str
    received_at: datetime | None
    context: Context
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``schema_version`` tells readers which shape they get."""
        return {
            "schema_version": self.schema_version,
            "kind": self.kind,
            "kind_probabilities": dict(self.kind_probabilities),
            "risk": self.risk,
            "fraud_probability": self.fraud_probability,
            "spam_probability": self.spam_probability,
            "language": self.language,
            "jurisdiction": self.jurisdiction,
            "text": self.text,
            "sender": self.sender,
            "sender_type": self.sender_type,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "context": self.context.to_dict(),
            "signals": [s.to_dict() for s in self.signals],
            "entities": [e.to_dict() for e in self.entities],
            "scenarios": [s.to_dict() for s in self.scenarios],
            "plan": [s.to_dict() for s in self.plan],
            "contacts": [c.to_dict() for c in self.contacts],
        }
