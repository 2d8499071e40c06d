"""The person's own loans: the :class:`Loan` type, parsing and validating what people type, and CSV.

Only the person knows their loans, and the heart of the advice is "check whether the message's details
match your loan". This module is pure: no storage (that is :mod:`veritext.store`) and no judgement (that
is :mod:`veritext.verify`). Every parse error says which field, what was given and what is expected, so
the CLI and the CSV import can show it as is, with a row number in front.

Amounts are :class:`~decimal.Decimal` (never float), currencies ISO 4217 codes, dates ``YYYY-MM-DD``.
Rates are percentages: ``annual_rate=18`` is 18 % a year; the penalty rate says its own period
(``0.05%/day`` or ``36%/year``), because contracts state it either way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal, get_args

import regex
from iso4217 import Currency

from veritext.datafiles import load_yaml
from veritext.facts import Institution, institution, institutions
from veritext.message import I18nText

__all__ = [
    "CSV_COLUMNS",
    "STATUSES",
    "CsvError",
    "Instalment",
    "LedgerError",
    "Loan",
    "format_due",
    "format_money",
    "format_rate",
    "institution_candidates",
    "institution_label",
    "loan_from_fields",
    "match_institution",
    "parse_amount",
    "parse_currency",
    "parse_date",
    "parse_due",
    "parse_penalty_rate",
    "parse_rate",
    "read_csv",
    "registry_products",
    "write_csv",
]

Status = Literal["active", "paid", "disputed"]
STATUSES: tuple[str, ...] = get_args(Status)
PenaltyBasis = Literal["daily", "annual"]
PENALTY_BASES: tuple[str, ...] = get_args(PenaltyBasis)

# Column order of the CSV format (export writes it, import reads it; the header names the columns).
CSV_COLUMNS = (
    "id",
    "lender",
    "institution_id",
    "product",
    "principal",
    "outstanding",
    "currency",
    "due",
    "status",
    "annual_rate",
    "penalty_rate",
    "app",
    "hotline",
    "website",
    "note",
)
_REQUIRED_COLUMNS = ("lender", "outstanding")
_MAX_AMOUNT = Decimal("1e15")
_AMOUNT_RE = regex.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_DATE_RE = regex.compile(r"^\d{4}-\d{2}-\d{2}$")
_RATE_RE = regex.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*%?$")
_PENALTY_RE = regex.compile(
    r"^(?P<num>\d+(?:\.\d+)?)\s*%?\s*(?:/|per\s+|每)?\s*(?P<per>day|d|日|天|year|yr|y|年|annum)?$",
    regex.IGNORECASE,
)
_PER = {"day": "daily", "d": "daily", "日": "daily", "天": "daily",
        "year": "annual", "yr": "annual", "y": "annual", "年": "annual", "annum": "annual"}  # fmt: skip
_TEXT_LIMITS = {"lender": 100, "product": 100, "app": 100, "hotline": 40, "website": 200, "note": 500}


class LedgerError(ValueError):
    """A loan field is malformed; the message names the field, the value and what is expected."""


@dataclass(frozen=True, slots=True)
class Instalment:
    """One due date of a loan. ``amount`` ``None`` means "the outstanding amount is due that day"."""

    due: date
    amount: Decimal | None = None
    paid: bool = False


@dataclass(frozen=True, slots=True)
class Loan:
    """One of the person's loans, as they recorded it from their contract or the lender's app.

    ``institution_id`` is the registry entry the lender matched (``None`` when the registry does not
    know it). ``app``, ``hotline`` and ``website`` are the person's OWN official channels for this
    loan (from their contract or the app): for this person they count as verified, so the plan may
    name them. ``annual_rate`` is percent per year; ``penalty_rate`` is percent per day when
    ``penalty_basis`` is ``daily`` and percent per year when it is ``annual``.
    """

    lender: str
    outstanding: Decimal
    currency: str = "CNY"
    schedule: tuple[Instalment, ...] = ()
    id: int | None = None
    institution_id: str | None = None
    product: str = ""
    principal: Decimal | None = None
    status: Status = "active"
    annual_rate: Decimal | None = None
    penalty_rate: Decimal | None = None
    penalty_basis: PenaltyBasis = "daily"
    app: str = ""
    hotline: str = ""
    website: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if not self.lender.strip():
            raise LedgerError("lender: must not be empty")
        if self.status not in STATUSES:
            raise LedgerError(f"status: {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.penalty_basis not in PENALTY_BASES:
            raise LedgerError(f"penalty_basis: {self.penalty_basis!r} is not one of {', '.join(PENALTY_BASES)}")
        parse_currency(self.currency)
        for name in ("outstanding", "principal", "annual_rate", "penalty_rate"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value < 0):
                raise LedgerError(f"{name}: {value!r} must be a non-negative Decimal")
        # A list would make the loan (and so Context) unhashable; sorting keeps equal loans equal.
        schedule = tuple(sorted(self.schedule, key=lambda i: i.due))
        days = [i.due for i in schedule]
        if len(set(days)) != len(days):
            raise LedgerError("due: the same date is listed twice")
        object.__setattr__(self, "schedule", schedule)

    @property
    def due_dates(self) -> tuple[date, ...]:
        """Every due date, paid or not, earliest first."""
        return tuple(i.due for i in self.schedule)

    def unpaid(self) -> tuple[Instalment, ...]:
        """The instalments not yet marked paid, earliest first (none for a paid-off loan)."""
        if self.status == "paid":
            return ()
        return tuple(i for i in self.schedule if not i.paid)

    def overdue_since(self, today: date) -> date | None:
        """The earliest unpaid due date before ``today``, or ``None`` when nothing is overdue."""
        late = [i.due for i in self.unpaid() if i.due < today]
        return late[0] if late else None

    def days_overdue(self, today: date) -> int | None:
        """Days since the earliest unpaid due date; 0 when not overdue; ``None`` without any due date."""
        if not self.schedule or self.status == "paid":
            return None
        since = self.overdue_since(today)
        return (today - since).days if since else 0

    def next_due(self, today: date) -> Instalment | None:
        """The first unpaid instalment due on or after ``today``."""
        return next((i for i in self.unpaid() if i.due >= today), None)

    def overdue_amount(self, today: date) -> Decimal:
        """What is overdue: the unpaid past instalments' amounts, or the outstanding amount."""
        late = [i for i in self.unpaid() if i.due < today]
        if late and all(i.amount is not None for i in late):
            return min(sum((i.amount for i in late if i.amount is not None), Decimal(0)), self.outstanding)
        return self.outstanding

    def institution(self) -> Institution | None:
        """The registry entry this loan's lender matched, if any."""
        if self.institution_id is None:
            return None
        try:
            return institution(self.institution_id)
        except KeyError:
            return None  # a registry entry removed since the loan was recorded

    def display_name(self) -> I18nText:
        """The lender as the person typed it (the registry name only explains, it never replaces it)."""
        return I18nText(zh=self.lender, en=self.lender)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (amounts and dates as strings)."""
        return {
            "id": self.id,
            "lender": self.lender,
            "institution_id": self.institution_id,
            "product": self.product,
            "principal": _s(self.principal),
            "outstanding": _s(self.outstanding),
            "currency": self.currency,
            "schedule": [{"due": i.due.isoformat(), "amount": _s(i.amount), "paid": i.paid} for i in self.schedule],
            "status": self.status,
            "annual_rate": _s(self.annual_rate),
            "penalty_rate": _s(self.penalty_rate),
            "penalty_basis": self.penalty_basis,
            "app": self.app,
            "hotline": self.hotline,
            "website": self.website,
            "note": self.note,
        }


def format_money(value: Decimal, currency: str) -> str:
    """``3,000.00 CNY``: grouped digits, to the currency's minor unit."""
    exponent = Currency(currency).exponent if currency else None
    shown = value.quantize(Decimal(1).scaleb(-exponent)) if exponent is not None else value
    return f"{shown:,f} {currency}".strip()


def institution_label(inst: Institution, lang: str) -> str:
    """The registry entry's name for people: the local name in Chinese, the English one unless it is a bare
    description (consumer finance companies carry "consumer finance company (licence …)" as theirs)."""
    if lang == "zh" or inst.name.lower().startswith("consumer finance company"):
        return inst.name_local
    return inst.name


def _s(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


# ------------------------------------------------------------------------------------------ parsing


def parse_currency(text: str) -> str:
    """An ISO 4217 code, upper-cased (``cny`` → ``CNY``)."""
    code = text.strip().upper()
    try:
        Currency(code)
    except ValueError:
        raise LedgerError(f"currency: {text!r} is not an ISO 4217 currency code (e.g. CNY, USD, GBP)") from None
    return code


def parse_amount(text: str, *, field: str = "amount", currency: str = "CNY") -> Decimal:
    """A non-negative amount such as ``3000``, ``3,000.50``; no more decimals than ``currency`` has."""
    raw = text.strip().replace(" ", "")
    if not _AMOUNT_RE.match(raw):
        raise LedgerError(f"{field}: {text!r} is not an amount (write digits, e.g. 3000 or 3,000.50)")
    value = Decimal(raw.replace(",", ""))
    if value >= _MAX_AMOUNT:
        raise LedgerError(f"{field}: {text!r} is too large")
    exponent = Currency(parse_currency(currency)).exponent
    places = -value.as_tuple().exponent  # type: ignore[operator]
    if exponent is not None and places > exponent:
        raise LedgerError(f"{field}: {text!r} has {places} decimal places; {currency.upper()} has {exponent}")
    return value


def parse_date(text: str, *, field: str = "date") -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    raw = text.strip()
    if not _DATE_RE.match(raw):
        raise LedgerError(f"{field}: {text!r} is not a date (write YYYY-MM-DD, e.g. 2026-12-15)")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise LedgerError(f"{field}: {text!r} is not a real calendar date") from None
    if not 1900 <= day.year <= 2200:
        raise LedgerError(f"{field}: {text!r} is out of range (years 1900-2200)")
    return day


def parse_due(text: str, *, currency: str = "CNY") -> Instalment:
    """One due date: ``2026-12-15``, ``2026-12-15=1000`` (the amount due) or ``2026-12-15=1000=paid``."""
    parts = [p.strip() for p in text.strip().split("=")]
    paid = len(parts) > 1 and parts[-1].lower() == "paid"
    if paid:
        parts = parts[:-1]
    if len(parts) > 2 or not parts[0]:
        raise LedgerError(f"due: {text!r} should be YYYY-MM-DD, YYYY-MM-DD=AMOUNT or YYYY-MM-DD=AMOUNT=paid")
    day = parse_date(parts[0], field="due")
    # "2026-12-15==paid" (an empty amount) was written by older exports: read it as no amount.
    amount = parse_amount(parts[1], field="due amount", currency=currency) if len(parts) == 2 and parts[1] else None
    return Instalment(due=day, amount=amount, paid=paid)


def format_due(inst: Instalment) -> str:
    """The inverse of :func:`parse_due`."""
    out = inst.due.isoformat()
    if inst.amount is not None:
        out += f"={inst.amount:f}"
    return out + ("=paid" if inst.paid else "")


def parse_rate(text: str, *, field: str = "annual_rate") -> Decimal:
    """A yearly percentage: ``18`` or ``18%``."""
    m = _RATE_RE.match(text.strip())
    if not m:
        raise LedgerError(f"{field}: {text!r} is not a percentage (e.g. 18%)")
    value = Decimal(m.group("num"))
    if value > 1000:
        raise LedgerError(f"{field}: {text!r} is not a plausible rate")
    return value


def parse_penalty_rate(text: str) -> tuple[Decimal, PenaltyBasis]:
    """A penalty rate with its period: ``0.05%/day`` (daily) or ``36%/year`` (annual).

    Contracts state penalty interest per day (日罚息) or per year; the period must be written, since
    0.05 % a day and 0.05 % a year differ 365-fold.
    """
    m = _PENALTY_RE.match(text.strip())
    if not m or not m.group("per"):
        raise LedgerError(f"penalty_rate: {text!r} needs a rate and its period, e.g. 0.05%/day or 36%/year")
    value = Decimal(m.group("num"))
    basis: PenaltyBasis = "daily" if _PER[m.group("per").lower()] == "daily" else "annual"
    if (basis == "daily" and value > 10) or value > 1000:
        raise LedgerError(f"penalty_rate: {text!r} is not a plausible rate")
    return value, basis


def format_rate(value: Decimal | None, basis: str | None = None) -> str:
    """``18%``, ``0.05%/day``, ``36%/year``; empty for ``None``."""
    if value is None:
        return ""
    suffix = {"daily": "/day", "annual": "/year"}.get(basis or "", "")
    return f"{value:f}%{suffix}"


def _text(fields: Mapping[str, str], name: str) -> str:
    value = (fields.get(name) or "").strip()
    limit = _TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        raise LedgerError(f"{name}: longer than {limit} characters")
    if any(ord(c) < 32 for c in value):
        raise LedgerError(f"{name}: contains control characters")
    return value


def loan_from_fields(fields: Mapping[str, str], *, loan_id: int | None = None) -> Loan:
    """Build a loan from text fields (the CSV columns, or the CLI options); :class:`LedgerError` on bad input.

    Several bad fields are reported together, separated by ``; ``. An ``institution_id`` field picks
    the registry entry explicitly; otherwise the lender's name (or product) is matched to the registry.
    """
    errors: list[str] = []

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LedgerError as exc:
            errors.append(str(exc))
            return None

    lender = attempt(_text, fields, "lender") or ""
    if not lender:
        errors.append("lender: required (the lender's name, e.g. 招联金融)")
    currency = attempt(parse_currency, fields.get("currency") or "CNY") or "CNY"
    raw_out = (fields.get("outstanding") or "").strip()
    outstanding = None
    if not raw_out:
        errors.append("outstanding: required (the amount you still owe, e.g. 3000)")
    else:
        outstanding = attempt(parse_amount, raw_out, field="outstanding", currency=currency)
    principal = None
    if (fields.get("principal") or "").strip():
        principal = attempt(parse_amount, fields["principal"], field="principal", currency=currency)
    schedule: list[Instalment] = []
    for item in (fields.get("due") or "").replace(",", ";").split(";"):
        if item.strip():
            inst = attempt(parse_due, item, currency=currency)
            if inst is not None:
                schedule.append(inst)
    if len({i.due for i in schedule}) != len(schedule):
        errors.append("due: the same date is listed twice")
    status = (fields.get("status") or "active").strip().lower()
    if status not in STATUSES:
        errors.append(f"status: {fields.get('status')!r} is not one of {', '.join(STATUSES)}")
    annual = None
    if (fields.get("annual_rate") or "").strip():
        annual = attempt(parse_rate, fields["annual_rate"])
    penalty: tuple[Decimal, PenaltyBasis] | None = None
    if (fields.get("penalty_rate") or "").strip():
        penalty = attempt(parse_penalty_rate, fields["penalty_rate"])
    texts = {name: attempt(_text, fields, name) or "" for name in ("product", "app", "hotline", "website", "note")}
    inst_id = (fields.get("institution_id") or "").strip() or None
    if inst_id is not None:
        try:
            institution(inst_id)
        except KeyError:
            errors.append(f"institution_id: {inst_id!r} is not in the registry")
    if errors:
        raise LedgerError("; ".join(errors))
    assert outstanding is not None  # errors would have said otherwise
    if inst_id is None:
        found = match_institution(lender) or (match_institution(texts["product"]) if texts["product"] else None)
        inst_id = found.id if found else None
    return Loan(
        id=loan_id,
        lender=lender,
        institution_id=inst_id,
        product=texts["product"],
        principal=principal,
        outstanding=outstanding,
        currency=currency,
        schedule=tuple(schedule),
        status=status,  # type: ignore[arg-type]
        annual_rate=annual,
        penalty_rate=penalty[0] if penalty else None,
        penalty_basis=penalty[1] if penalty else "daily",
        app=texts["app"],
        hotline=texts["hotline"],
        website=texts["website"],
        note=texts["note"],
    )


def loan_fields(loan: Loan) -> dict[str, str]:
    """The loan as CSV text fields (the inverse of :func:`loan_from_fields`)."""
    return {
        "id": "" if loan.id is None else str(loan.id),
        "lender": loan.lender,
        "institution_id": loan.institution_id or "",
        "product": loan.product,
        "principal": _s(loan.principal) or "",
        "outstanding": f"{loan.outstanding:f}",
        "currency": loan.currency,
        "due": ";".join(format_due(i) for i in loan.schedule),
        "status": loan.status,
        "annual_rate": format_rate(loan.annual_rate),
        "penalty_rate": format_rate(loan.penalty_rate, loan.penalty_basis),
        "app": loan.app,
        "hotline": loan.hotline,
        "website": loan.website,
        "note": loan.note,
    }


# ------------------------------------------------------------------------------------------ registry


def _key(name: str) -> str:
    return name.strip().strip("【】[]").casefold()


@cache
def _alias_index() -> dict[str, tuple[Institution, ...]]:
    index: dict[str, list[Institution]] = {}
    for inst in institutions():
        for alias in (inst.name, inst.name_local, *inst.aliases, *(s.strip("【】[]") for s in inst.signatures)):
            if alias.strip():
                index.setdefault(_key(alias), []).append(inst)
    return {k: tuple(dict.fromkeys(v)) for k, v in index.items()}


def institution_candidates(name: str) -> tuple[Institution, ...]:
    """Registry entries a lender name may mean: exact name or alias first, else the longest alias inside it.

    Matching is case-insensitive and ignores 【】. Two-letter Latin aliases only match exactly.
    """
    key = _key(name)
    if not key:
        return ()
    index = _alias_index()
    if key in index:
        return index[key]
    best: tuple[int, tuple[Institution, ...]] = (0, ())
    for alias, insts in index.items():
        if len(alias) < 2 or (alias.isascii() and len(alias) < 4):
            continue
        if alias in key and len(alias) > best[0]:
            best = (len(alias), insts)
    return best[1]


def match_institution(name: str) -> Institution | None:
    """The one registry entry ``name`` means, or ``None`` when unknown or ambiguous."""
    found = institution_candidates(name)
    return found[0] if len(found) == 1 else None


_NOTE = regex.compile(r"\s*[（(][^()（）]*[)）]\s*$")


@cache
def registry_products() -> Mapping[str, tuple[str, ...]]:
    """Product names (花呗, 安逸花 …) per institution id, from the registry's package data."""
    text = resources.files("veritext").joinpath("data/facts/institutions.yaml").read_text(encoding="utf-8")
    rows = load_yaml(text)["institutions"]
    return {
        str(r["id"]): tuple(_NOTE.sub("", str(p)).strip() for p in r.get("products") or [] if str(p).strip())
        for r in rows
    }


# ------------------------------------------------------------------------------------------ CSV


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad CSV row: its row number as a spreadsheet shows it (the header is row 1) and why."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class CsvError(ValueError):
    """The CSV cannot be imported; ``errors`` lists every bad row (nothing was imported)."""

    def __init__(self, *, errors: tuple[RowError, ...] = (), problem: str = "") -> None:
        self.errors = errors
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.problem:
            return self.problem
        shown = "\n".join(str(e) for e in self.errors[:50])
        more = f"\n… and {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        return f"{len(self.errors)} bad row(s), nothing imported:\n{shown}{more}"


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without the BOM spreadsheet programs write), else a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(
            problem=(
                f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save it as 'CSV UTF-8', or convert it, e.g. iconv -f GB18030 -t UTF-8"
            )
        ) from None


def read_csv(text: str) -> tuple[Loan, ...]:
    """Every loan in a CSV text, or :class:`CsvError` listing EVERY bad row (all-or-nothing).

    The header names the columns (any order; ``lender`` and ``outstanding`` are required; unknown
    columns are an error, so a typo is not silently dropped). The ``id`` column is ignored: imported
    loans get new ids.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not header:
        raise CsvError(problem="the file is empty: expected a header row such as lender,outstanding,due")
    missing = [c for c in _REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)} (known: {', '.join(CSV_COLUMNS)})")
        raise CsvError(problem="row 1 (header): " + "; ".join(parts))
    reader.fieldnames = header
    loans: list[Loan] = []
    errors: list[RowError] = []
    row_number = 1
    try:
        for raw in reader:
            row_number = reader.line_num
            if None in raw:
                errors.append(RowError(row_number, f"{len(raw[None])} more cell(s) than the header has"))
                continue
            values = {k: (v or "") for k, v in raw.items()}
            if not any(v.strip() for v in values.values()):
                continue  # a blank line in a spreadsheet export
            try:
                loans.append(loan_from_fields(values))
            except LedgerError as exc:
                errors.append(RowError(row_number, str(exc)))
    except csv.Error as exc:
        errors.append(RowError(row_number + 1, f"not valid CSV ({exc})"))
    if errors:
        raise CsvError(errors=tuple(errors))
    return tuple(loans)


def write_csv(loans: Iterable[Loan]) -> str:
    """The loans as CSV text with a header, in :data:`CSV_COLUMNS` order (``read_csv`` reads it back)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for loan in loans:
        writer.writerow(loan_fields(loan))
    return out.getvalue()


def with_id(loan: Loan, loan_id: int) -> Loan:
    """The same loan with its ledger id."""
    return replace(loan, id=loan_id)
