"""The REST API's request and response shapes (pydantic), which the OpenAPI document at /openapi.json shows.

Responses are built by the core types' own ``to_dict()`` (a verdict is exactly ``veritext check
--json``); the ``*Out`` models here describe them. They forbid extra fields, so a test that validates
real responses against them fails as soon as the core adds a field the documentation does not show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from veritext.web.config import MAX_BATCH, MAX_SENDER_CHARS, MAX_TEXT_CHARS

__all__ = [
    "BatchIn",
    "BatchOut",
    "ContextIn",
    "DueItemOut",
    "HealthOut",
    "HistoryDeletedOut",
    "HistoryEntryOut",
    "HistoryListOut",
    "HistoryRecordOut",
    "ImportIn",
    "ImportOut",
    "LoanIn",
    "LoanOut",
    "TriageIn",
    "VerdictOut",
]

Answer = Literal["yes", "no", "unknown"]
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
Risk = Literal["low", "medium", "high"]
Jurisdiction = Literal["CN", "US", "UK"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------- triage


class ContextIn(_In):
    """What the person knows and the message cannot tell."""

    has_loan: Answer = Field("unknown", description="Do you have a loan with the lender the message names?")
    requested_code: Answer = Field("unknown", description="Did you just ask for a verification code?")
    jurisdiction: Jurisdiction | None = Field(None, description="Where you live; default: inferred from the message.")
    use_ledger: bool = Field(
        True, description="Compare the message with the loans and rules saved on this server (as `veritext check`)."
    )


class TriageIn(_In):
    """One message to triage."""

    text: str = Field(max_length=MAX_TEXT_CHARS, description="The message exactly as received.")
    sender: str | None = Field(None, max_length=MAX_SENDER_CHARS, description="The number or name it came from.")
    received_at: datetime | None = Field(None, description="When it arrived, ISO 8601 (night-time checks).")
    context: ContextIn = Field(default_factory=ContextIn)  # type: ignore[arg-type]
    save: bool = Field(False, description="Also save the check to this server's history.")


class BatchIn(_In):
    """Up to ``MAX_BATCH`` messages, triaged in order."""

    messages: list[TriageIn] = Field(min_length=1, max_length=MAX_BATCH)


class I18nOut(_Out):
    zh: str
    en: str


class SpanOut(_Out):
    start: int = Field(description="Offset of the first character in the ORIGINAL text (code points).")
    end: int = Field(description="Offset after the last character.")
    text: str


class SignalOut(_Out):
    id: str
    weight: float
    group: str
    description: I18nOut
    spans: list[SpanOut]
    detail: str


class EntityOut(_Out):
    kind: str
    value: str
    span: SpanOut
    attrs: dict[str, Any]


class ScenarioOut(_Out):
    id: str
    score: float
    title: I18nOut
    explanation: I18nOut
    evidence: list[str]


class StepOut(_Out):
    id: str
    text: I18nOut
    reason: I18nOut
    contacts: list[str] = Field(description="Ids of entries in `contacts`.")
    condition: str | None


class ContactOut(_Out):
    id: str
    jurisdiction: str
    kind: str
    value: str
    name: I18nOut
    how_to: str
    source_url: str


class ContextOut(_Out):
    has_loan: Answer
    requested_code: Answer
    jurisdiction: Jurisdiction | None
    loans: int = Field(description="How many loans from the ledger were compared (never the loans themselves).")
    user_rules: int


class VerdictOut(_Out):
    """``Verdict.to_dict()``: the same JSON as ``veritext check --json``."""

    schema_version: str
    kind: Kind
    kind_probabilities: dict[str, float]
    risk: Risk
    fraud_probability: float
    spam_probability: float
    language: Literal["zh", "en"]
    jurisdiction: Jurisdiction
    text: str
    sender: str | None
    sender_type: str
    received_at: str | None
    context: ContextOut
    signals: list[SignalOut]
    entities: list[EntityOut]
    scenarios: list[ScenarioOut]
    plan: list[StepOut]
    contacts: list[ContactOut]


class BatchOut(_Out):
    verdicts: list[VerdictOut]


class HealthOut(_Out):
    status: Literal["ok"]
    version: str
    schema_version: str


# ---------------------------------------------------------------------- loans


class LoanIn(_In):
    """A loan as text fields, validated by :func:`veritext.ledger.loan_from_fields` (the CSV's columns)."""

    lender: str = Field(min_length=1, max_length=100, description="The lender's name, e.g. 招联金融.")
    outstanding: str | int = Field(description="What you still owe, e.g. \"3000\" or \"3,000.50\".")
    currency: str = Field("CNY", max_length=8, description="ISO 4217 code.")
    due: list[str] = Field(
        default_factory=list,
        max_length=400,
        description="Due dates: YYYY-MM-DD, YYYY-MM-DD=AMOUNT, or YYYY-MM-DD=AMOUNT=paid.",
    )
    product: str = Field("", max_length=100)
    principal: str | int | None = None
    status: Literal["active", "paid", "disputed"] = "active"
    annual_rate: str | None = Field(None, max_length=20, description="e.g. 18%")
    penalty_rate: str | None = Field(None, max_length=30, description="With its period: 0.05%/day or 36%/year.")
    app: str = Field("", max_length=100)
    hotline: str = Field("", max_length=40)
    website: str = Field("", max_length=200)
    note: str = Field("", max_length=500)
    institution_id: str | None = Field(None, max_length=100, description="A registry id, when the name is ambiguous.")

    def fields(self) -> dict[str, str]:
        """The ledger's text fields."""
        return {
            "lender": self.lender,
            "outstanding": str(self.outstanding),
            "currency": self.currency,
            "due": ";".join(self.due),
            "product": self.product,
            "principal": "" if self.principal is None else str(self.principal),
            "status": self.status,
            "annual_rate": self.annual_rate or "",
            "penalty_rate": self.penalty_rate or "",
            "app": self.app,
            "hotline": self.hotline,
            "website": self.website,
            "note": self.note,
            "institution_id": self.institution_id or "",
        }


class InstalmentOut(_Out):
    due: str
    amount: str | None
    paid: bool


class LoanOut(_Out):
    """``Loan.to_dict()``: amounts and dates as strings."""

    id: int | None
    lender: str
    institution_id: str | None
    product: str
    principal: str | None
    outstanding: str
    currency: str
    schedule: list[InstalmentOut]
    status: Literal["active", "paid", "disputed"]
    annual_rate: str | None
    penalty_rate: str | None
    penalty_basis: Literal["daily", "annual"]
    app: str
    hotline: str
    website: str
    note: str


class ImportIn(_In):
    """A CSV document as `veritext loans export` writes it."""

    csv: str = Field(max_length=1_000_000, description="UTF-8 CSV text with a header row.")
    replace: bool = Field(False, description="Replace the whole ledger instead of adding.")


class ImportOut(_Out):
    imported: int
    loans: list[LoanOut]


class DueItemOut(_Out):
    """One unpaid due date (the same fields as `veritext loans due --json`)."""

    loan_id: int | None
    lender: str
    due: str
    amount: str
    currency: str
    days_until: int = Field(description="Negative when overdue.")


# ---------------------------------------------------------------------- history


class HistoryEntryOut(_Out):
    id: int
    checked_at: str = Field(description="UTC, ISO 8601.")
    kind: str
    risk: Risk
    language: str
    sender: str | None
    text: str


class HistoryListOut(_Out):
    total: int
    items: list[HistoryEntryOut]


class HistoryRecordOut(HistoryEntryOut):
    verdict: VerdictOut


class HistoryDeletedOut(_Out):
    deleted: int
