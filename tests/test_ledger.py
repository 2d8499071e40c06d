"""The ledger as a person fills it in: typed fields, the registry match, CSV with row-numbered errors,
the cost of waiting and the due-date calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from icalendar import Calendar

from veritext.calendar_export import due_calendar, due_items
from veritext.cost import overdue_cost
from veritext.ledger import (
    CsvError,
    Instalment,
    LedgerError,
    Loan,
    decode_csv,
    format_money,
    institution_candidates,
    loan_from_fields,
    match_institution,
    parse_amount,
    parse_currency,
    parse_date,
    parse_due,
    parse_penalty_rate,
    read_csv,
    write_csv,
)

TODAY = date(2026, 11, 28)


# ------------------------------------------------------------------------------ typing a loan in


def test_the_minimal_loan_is_lender_outstanding_and_a_due_date() -> None:
    loan = loan_from_fields({"lender": "招联金融", "outstanding": "3,000.50", "due": "2026-12-15"})
    assert loan.lender == "招联金融"
    assert loan.outstanding == Decimal("3000.50")
    assert loan.currency == "CNY"
    assert loan.due_dates == (date(2026, 12, 15),)
    assert loan.institution_id == "cn-cfc-mucfc"  # matched to the registry by alias
    assert loan.status == "active"


def test_an_instalment_schedule_with_amounts_and_a_paid_one() -> None:
    loan = loan_from_fields({"lender": "某某钱包", "outstanding": "1200", "due": "2027-01-05=600;2026-12-05=600=paid"})
    assert loan.schedule == (
        Instalment(date(2026, 12, 5), Decimal(600), paid=True),
        Instalment(date(2027, 1, 5), Decimal(600)),
    )
    assert loan.next_due(TODAY) == Instalment(date(2027, 1, 5), Decimal(600))
    assert loan.institution_id is None  # not in the registry: matched by the typed name only


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.05%/day", (Decimal("0.05"), "daily")), ("36%/year", (Decimal(36), "annual")),
     ("0.05% per day", (Decimal("0.05"), "daily")), ("18 %/年", (Decimal(18), "annual"))],
)  # fmt: skip
def test_penalty_rates_say_their_period(text: str, expected: tuple[Decimal, str]) -> None:
    assert parse_penalty_rate(text) == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_amount("3,00x"), "not an amount"),
        (lambda: parse_amount("-5"), "not an amount"),
        (lambda: parse_amount("1e5"), "not an amount"),
        (lambda: parse_amount("10.123", currency="CNY"), "3 decimal places; CNY has 2"),
        (lambda: parse_amount("100.5", currency="JPY"), "JPY has 0"),
        (lambda: parse_currency("RMB"), "not an ISO 4217"),
        (lambda: parse_date("15/12/2026"), "write YYYY-MM-DD"),
        (lambda: parse_date("2026-02-30"), "not a real calendar date"),
        (lambda: parse_due("2026-12-15=abc"), "due amount"),
        (lambda: parse_penalty_rate("0.05%"), "needs a rate and its period"),
    ],
)
def test_bad_fields_are_clear_errors(call: object, message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        call()  # type: ignore[operator]


def test_every_bad_field_of_a_loan_is_reported_at_once() -> None:
    with pytest.raises(LedgerError) as err:
        loan_from_fields({"lender": "", "outstanding": "lots", "currency": "XYZ", "due": "tomorrow"})
    text = str(err.value)
    for part in ("lender: required", "outstanding", "currency", "due"):
        assert part in text


def test_loans_are_hashable_even_from_a_list_schedule() -> None:
    loan = Loan(lender="A", outstanding=Decimal(1), schedule=[Instalment(date(2026, 1, 2))])  # type: ignore[arg-type]
    assert isinstance(loan.schedule, tuple)
    assert hash(loan) == hash(Loan(lender="A", outstanding=Decimal(1), schedule=(Instalment(date(2026, 1, 2)),)))


# ------------------------------------------------------------------------------ the registry


def test_lenders_match_the_registry_by_name_alias_or_product_case_insensitively() -> None:
    assert match_institution("招联消费金融股份有限公司").id == "cn-cfc-mucfc"  # type: ignore[union-attr]
    assert match_institution("mucfc").id == "cn-cfc-mucfc"  # type: ignore[union-attr]
    assert match_institution("【工商银行】").id == "cn-icbc"  # type: ignore[union-attr]
    assert match_institution("安逸花").id == "cn-cfc-msxf"  # type: ignore[union-attr]
    assert match_institution("中国工商银行北京分行").id == "cn-icbc"  # type: ignore[union-attr]
    assert match_institution("某某钱包") is None


def test_an_ambiguous_name_matches_nothing_until_the_person_picks() -> None:
    assert len(institution_candidates("宁来花")) == 2
    assert match_institution("宁来花") is None
    loan = loan_from_fields({"lender": "宁来花", "outstanding": "100", "institution_id": "cn-cfc-ningyin"})
    assert loan.institution_id == "cn-cfc-ningyin"
    with pytest.raises(LedgerError, match="not in the registry"):
        loan_from_fields({"lender": "宁来花", "outstanding": "100", "institution_id": "cn-nope"})


# ------------------------------------------------------------------------------ CSV


def test_csv_round_trips() -> None:
    loans = (
        loan_from_fields(
            {"lender": "招联金融", "outstanding": "3000", "due": "2026-11-20", "penalty_rate": "0.05%/day",
             "app": "招联金融", "hotline": "400-000-0000", "note": 'says "hi", with a comma'}
        ),
        loan_from_fields({"lender": "Chase", "outstanding": "99.99", "currency": "usd", "annual_rate": "24%"}),
    )  # fmt: skip
    again = read_csv(write_csv(loans))
    assert again == loans


def test_csv_errors_name_every_bad_row_as_a_spreadsheet_numbers_it() -> None:
    text = (
        "lender,outstanding,currency,due\n"  # row 1
        "招联金融,3000,CNY,2026-12-15\n"  # row 2: fine
        "某某钱包,3千,CNY,2026-12-15\n"  # row 3: amount
        "某某钱包,100,RMB,2026-12-15\n"  # row 4: currency
        "\n"  # row 5: blank, skipped
        "某某钱包,100,CNY,2026/12/15\n"  # row 6: date
    )
    with pytest.raises(CsvError) as err:
        read_csv(text)
    rows = [(e.row, e.message.split(":")[0]) for e in err.value.errors]
    assert rows == [(3, "outstanding"), (4, "currency"), (6, "due")]
    assert "nothing imported" in str(err.value)
    assert "row 3: outstanding: '3千' is not an amount" in str(err.value)


def test_csv_header_problems_are_named() -> None:
    with pytest.raises(CsvError, match="missing column"):
        read_csv("lender,due\nA,2026-01-01\n")
    with pytest.raises(CsvError, match=r"unknown column.*amount"):
        read_csv("lender,outstanding,amount\nA,1,2\n")
    with pytest.raises(CsvError, match="empty"):
        read_csv("")
    with pytest.raises(CsvError) as err:
        read_csv("lender,outstanding\nA,1,extra\n")
    assert err.value.errors[0].row == 2


def test_a_spreadsheet_bom_is_fine_and_gbk_gets_a_clear_hint() -> None:
    assert decode_csv("\ufefflender,outstanding\n".encode()) == "lender,outstanding\n"
    with pytest.raises(CsvError, match=r"not UTF-8.*GB18030"):
        decode_csv("lender,outstanding\n招联金融,1\n".encode("gbk"))


# ------------------------------------------------------------------------------ the cost of waiting


def test_daily_penalty_so_far_per_day_and_per_week() -> None:
    loan = loan_from_fields(
        {"lender": "招联金融", "outstanding": "3000", "due": "2026-11-20", "penalty_rate": "0.05%/day"}
    )
    cost = overdue_cost(loan, today=TODAY)
    assert cost is not None
    assert (cost.days_overdue, cost.accrued, cost.per_day, cost.per_week) == (
        8,
        Decimal("12.00"),
        Decimal("1.50"),
        Decimal("10.50"),
    )


def test_an_annual_penalty_is_spread_over_the_year_and_only_overdue_instalments_count() -> None:
    loan = loan_from_fields(
        {"lender": "A", "outstanding": "3650", "due": "2026-11-18=365;2026-12-18=365", "penalty_rate": "36.5%/year"}
    )
    cost = overdue_cost(loan, today=TODAY)
    assert cost is not None
    assert cost.base == Decimal(365)  # the overdue instalment, not the whole balance
    assert cost.per_day == Decimal("0.37")  # 365 × 0.1 % a day
    assert cost.accrued == Decimal("3.65")  # 10 days


def test_no_cost_without_a_rate_an_overdue_or_for_a_paid_loan() -> None:
    base = {"lender": "A", "outstanding": "100", "due": "2026-11-20"}
    assert overdue_cost(loan_from_fields(base), today=TODAY) is None
    rated = {**base, "penalty_rate": "0.05%/day"}
    assert overdue_cost(loan_from_fields(rated), today=date(2026, 11, 19)) is None
    assert overdue_cost(loan_from_fields({**rated, "status": "paid"}), today=TODAY) is None


def test_money_shows_the_currencys_minor_unit() -> None:
    assert format_money(Decimal(3000), "CNY") == "3,000.00 CNY"
    assert format_money(Decimal(3000), "JPY") == "3,000 JPY"


# ------------------------------------------------------------------------------ the calendar


def test_the_calendar_has_one_event_per_unpaid_due_date_with_a_reminder() -> None:
    rows = [
        {"lender": "招联金融", "outstanding": "3000", "due": "2026-12-15", "app": "招联金融"},
        {"lender": "某某钱包", "outstanding": "1200", "due": "2026-12-05=600=paid;2027-01-05=600"},
        {"lender": "旧贷", "outstanding": "0", "due": "2026-12-01", "status": "paid"},
    ]
    loans = tuple(loan_from_fields(row, loan_id=n) for n, row in enumerate(rows, start=1))
    ics = due_calendar(loans, now=datetime(2026, 11, 28, tzinfo=UTC))
    cal = Calendar.from_ical(ics)
    events = [c for c in cal.walk("VEVENT")]
    assert [(str(e["uid"]), e.decoded("dtstart")) for e in events] == [
        ("veritext-loan-1-2026-12-15", date(2026, 12, 15)),
        ("veritext-loan-2-2027-01-05", date(2027, 1, 5)),
    ]
    assert "招联金融" in str(events[0]["summary"]) and "Repayment" in str(events[0]["summary"])
    assert len(events[0].walk("VALARM")) == 1
    assert [i.due for _, i in due_items(loans, until=date(2026, 12, 31))] == [date(2026, 12, 15)]
