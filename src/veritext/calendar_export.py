"""Due dates as an iCalendar file (RFC 5545), so the person can keep repaying on time.

One all-day event per unpaid due date of every loan that is not paid off, with a reminder the day
before. Event ids are stable (``veritext-loan-<id>-<date>``), so importing a newer export updates the
events instead of duplicating them. Built with the ``icalendar`` library.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from veritext.ledger import Instalment, Loan, format_money

__all__ = ["due_calendar", "due_items"]


def due_items(loans: Iterable[Loan], *, until: date | None = None) -> list[tuple[Loan, Instalment]]:
    """Every unpaid instalment of the loans (up to ``until`` if given), earliest first."""
    items = [(loan, inst) for loan in loans for inst in loan.unpaid() if until is None or inst.due <= until]
    items.sort(key=lambda item: (item[1].due, item[0].id or 0))
    return items


def _summary(loan: Loan, inst: Instalment) -> str:
    amount = inst.amount if inst.amount is not None else loan.outstanding
    what = f"{loan.lender} {loan.product}".strip()
    return f"还款 Repayment: {what} {format_money(amount, loan.currency)}"


def _description(loan: Loan) -> str:
    channels = [c for c in (loan.app and f"App: {loan.app}", loan.hotline, loan.website) if c]
    lines = [
        "只通过官方渠道还款，不要用短信里的链接或号码。",
        "Repay only through official channels, never through a link or number in a message.",
    ]
    if channels:
        lines.append("你的渠道 / Your channels: " + " · ".join(channels))
    return "\n".join(lines)


def due_calendar(loans: Iterable[Loan], *, now: datetime | None = None) -> bytes:
    """An iCalendar document (bytes, UTF-8, CRLF lines) of the loans' unpaid due dates."""
    stamp = now or datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", "-//Veritext//loan due dates//ZH-EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "还款日 Loan due dates")
    for loan, inst in due_items(loans):
        event = Event()
        event.add("uid", f"veritext-loan-{loan.id or 0}-{inst.due.isoformat()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", inst.due)
        event.add("dtend", inst.due + timedelta(days=1))
        event.add("summary", _summary(loan, inst))
        event.add("description", _description(loan))
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _summary(loan, inst))
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
