"""The REST API's request and response shapes (pydantic), which the OpenAPI document at /openapi.json shows.

Responses are built by the core types' own ``to_dict()`` (a verdict is exactly ``veritext check
--json``); the ``*Out`` models here describe them. They forbid extra fields, so a test that validates
real responses against them fails as soon as the core adds a field the documentation does not show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from veritext.message import Answer, Jurisdiction, Kind, Risk
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


# What veritext.ledger accepts, as far as a pattern can say it (it also checks real dates, ISO 4217
# codes, each currency's decimals and plausible rates, and answers 422 with the field named).
_AMOUNT = r"^\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*$"
_DUE = r"^\s*\d{4}-\d{2}-\d{2}\s*(?:=\s*\d+(?:\.\d+)?\s*)?(?:=\s*paid\s*)?$"
_PENALTY = r"^\s*\d+(?:\.\d+)?\s*%?\s*(?:/|per\s+|每)?\s*(?:day|d|日|天|year|yr|y|年|annum)\s*$"
_RATE = r"^\s*\d+(?:\.\d+)?\s*%?\s*$"
_TEXT = r"^[^\x00-\x1f]*$"
_NAME = r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$"
Amount = Annotated[str, Field(pattern=_AMOUNT, max_length=30)] | Annotated[int, Field(ge=0, lt=10**15)]


class _In(BaseModel):
    # Strict: "1" is not a number, 1 is not a string, 0 is not false, and 1700000000 is not a date.
    model_config = ConfigDict(extra="forbid", strict=True)


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

    @field_validator("received_at", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        """Only ISO 8601 text (strict models take no other form of a date-time from JSON)."""
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string, e.g. 2026-11-28T23:10:00+08:00")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value[:40]!r} is not an ISO 8601 date-time") from None


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

    lender: str = Field(min_length=1, max_length=100, pattern=_NAME, description="The lender's name, e.g. 招联金融.")
    outstanding: Amount = Field(
        description='What you still owe, e.g. "3000" or "3,000.50" (no more decimals than the currency has).'
    )
    currency: str = Field("CNY", pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code, e.g. CNY.")
    due: list[Annotated[str, Field(pattern=_DUE, max_length=60)]] = Field(
        default_factory=list,
        max_length=400,
        description="Due dates: YYYY-MM-DD, YYYY-MM-DD=AMOUNT, or YYYY-MM-DD=AMOUNT=paid (real calendar dates).",
    )
    product: str = Field("", max_length=100, pattern=_TEXT)
    principal: Amount | None = None
    status: Literal["active", "paid", "disputed"] = "active"
    annual_rate: str | None = Field(None, max_length=20, pattern=_RATE, description="Percent a year, e.g. 18%.")
    penalty_rate: str | None = Field(
        None, max_length=30, pattern=_PENALTY, description="With its period: 0.05%/day or 36%/year."
    )
    app: str = Field("", max_length=100, pattern=_TEXT)
    hotline: str = Field("", max_length=40, pattern=_TEXT)
    website: str = Field("", max_length=200, pattern=_TEXT)
    note: str = Field("", max_length=500, pattern=_TEXT)
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
