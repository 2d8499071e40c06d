"""Veritext: is this loan, repayment, debt or court text message real, and what should I do?

>>> import veritext
>>> v = veritext.triage("【某银行】您的验证码为123456，请勿泄露。", sender="95588")
>>> v.kind, v.risk
('verification_code', 'low')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from veritext.message import (
    KINDS,
    SCHEMA_VERSION,
    Contact,
    Context,
    Entity,
    I18nText,
    Message,
    Scenario,
    Signal,
    Span,
    Step,
    Verdict,
)
from veritext.pipeline import InputError, triage_batch, triage_one

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Contact",
    "Context",
    "Entity",
    "I18nText",
    "InputError",
    "Message",
    "Scenario",
    "Signal",
    "Span",
    "Step",
    "Verdict",
    "triage",
    "triage_many",
]
__version__ = "0.1.0"


def triage(
    text: str,
    *,
    sender: str | None = None,
    received_at: datetime | None = None,
    context: Context | None = None,
) -> Verdict:
    """Triage one message: what it is, how risky, why, and the plan of steps.

    ``sender`` is the number or name it came from; ``received_at`` when it arrived (used for
    night-time collection checks); ``context`` what the person knows (see :class:`Context`).
    Raises :class:`InputError` for input that cannot be triaged (not text, over 1,000,000 chars).
    Opens no network connection.
    """
    return triage_one(text, sender=sender, received_at=received_at, context=context)


def triage_many(messages: Iterable[Message | str]) -> Iterator[Verdict]:
    """Triage a stream of messages (``str`` or :class:`Message`); same verdicts as :func:`triage`, faster."""
    return triage_batch(messages)
