"""What the pages and the API share: run a check through :func:`veritext.triage`, list due dates.

No judgement here: the check builds a :class:`veritext.Context` from the person's answers (and, if
asked, their saved loans and rules) and hands the message to the pipeline unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import veritext
from veritext import Context, InputError, Verdict
from veritext.calendar_export import due_items
from veritext.ledger import Loan
from veritext.message import I18nText
from veritext.userrules import UserRules
from veritext.web.problems import WebError
from veritext.web.storage import StoreProvider

__all__ = ["NO_LEDGER", "Personal", "due_list", "personal", "run_check"]


Personal = tuple[tuple[Loan, ...], UserRules | None]
NO_LEDGER: Personal = ((), None)


def personal(provider: StoreProvider, *, use_ledger: bool) -> Personal:
    """The saved loans and rules when ``use_ledger``, else none."""
    return provider.personal_context() if use_ledger else NO_LEDGER


def run_check(
    *,
    personal: Personal,
    text: str,
    sender: str | None,
    received_at: datetime | None,
    has_loan: str,
    requested_code: str,
    jurisdiction: str | None,
) -> Verdict:
    """Triage one message with the person's answers and ``personal`` (their loans and rules, or none)."""
    loans, rules = personal
    try:
        context = Context(
            has_loan=has_loan,  # type: ignore[arg-type]
            requested_code=requested_code,  # type: ignore[arg-type]
            jurisdiction=jurisdiction,  # type: ignore[arg-type]
            loans=loans,
            rules=rules,
        )
        return veritext.triage(text, sender=sender or None, received_at=received_at, context=context)
    except (InputError, ValueError) as exc:
        raise WebError(
            status=422, slug="input-error", detail=I18nText(zh=f"无法核验这条短信：{exc}", en=str(exc))
        ) from None


def due_list(loans: Iterable[Loan], *, today: date, within_days: int) -> list[dict[str, Any]]:
    """Unpaid due dates up to ``within_days`` ahead (and every overdue one), earliest first.

    The same fields as ``veritext loans due --json``.
    """
    return [
        {
            "loan_id": loan.id,
            "lender": loan.lender,
            "due": inst.due.isoformat(),
            "amount": f"{inst.amount if inst.amount is not None else loan.outstanding:f}",
            "currency": loan.currency,
            "days_until": (inst.due - today).days,
        }
        for loan, inst in due_items(loans, until=today + timedelta(days=within_days))
    ]
