"""The cost of waiting: penalty interest on an overdue loan, from the person's own contract terms.

The advice says "the longer it is overdue, the more penalty interest accumulates"; this turns it into
numbers the person can act on: what has accrued so far, and what each extra day and week adds.

It is an estimate, and says so: simple (not compounded) penalty interest on the overdue amount, at the
penalty rate the person recorded. An annual rate is turned into a daily one over ``days_per_year``
(365 unless the contract says otherwise; many Chinese contracts use 360, which makes each day dearer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from iso4217 import Currency

from veritext.ledger import Loan

__all__ = ["OverdueCost", "overdue_cost"]


@dataclass(frozen=True, slots=True)
class OverdueCost:
    """Penalty interest on one overdue loan, in the loan's currency, rounded to its minor unit."""

    loan_id: int | None
    currency: str
    days_overdue: int
    base: Decimal
    daily_rate_pct: Decimal
    accrued: Decimal
    per_day: Decimal
    per_week: Decimal

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict (amounts as strings)."""
        return {
            "loan_id": self.loan_id,
            "currency": self.currency,
            "days_overdue": self.days_overdue,
            "base": f"{self.base:f}",
            "daily_rate_pct": f"{self.daily_rate_pct:f}",
            "accrued": f"{self.accrued:f}",
            "per_day": f"{self.per_day:f}",
            "per_week": f"{self.per_week:f}",
        }


def _round(value: Decimal, currency: str) -> Decimal:
    exponent = Currency(currency).exponent or 0
    return value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def overdue_cost(
    loan: Loan, *, today: date, days_overdue: int | None = None, days_per_year: int = 365
) -> OverdueCost | None:
    """Penalty accrued so far and per extra day / week; ``None`` without a penalty rate or an overdue.

    ``days_overdue`` defaults to what the ledger says (days since the earliest unpaid due date); pass
    it when the ledger has no due dates and the overdue is known otherwise.
    """
    if loan.penalty_rate is None or loan.status == "paid":
        return None
    days = loan.days_overdue(today) if days_overdue is None else days_overdue
    if not days or days <= 0:
        return None
    daily_pct = loan.penalty_rate if loan.penalty_basis == "daily" else loan.penalty_rate / days_per_year
    base = loan.overdue_amount(today)
    per_day_exact = base * daily_pct / 100
    return OverdueCost(
        loan_id=loan.id,
        currency=loan.currency,
        days_overdue=days,
        base=base,
        daily_rate_pct=daily_pct.normalize(),
        accrued=_round(per_day_exact * days, loan.currency),
        per_day=_round(per_day_exact, loan.currency),
        per_week=_round(per_day_exact * 7, loan.currency),
    )
