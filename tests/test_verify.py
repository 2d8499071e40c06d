"""The verify stage, as a person with a ledger meets it: every branch — match, mismatch (each detail),
no such loan, unknown lender, nothing to compare — and what each does to the verdict and the plan."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

import veritext
from veritext import Context, Message, Verdict
from veritext.ledger import Loan, loan_from_fields

WHEN = datetime(2026, 11, 28, 10, 0)  # "today" for every message below

ZHAOLIAN = loan_from_fields(
    {"lender": "招联金融", "outstanding": "3000", "due": "2026-11-20", "penalty_rate": "0.05%/day",
     "app": "招联金融", "hotline": "400-000-0000", "product": "好期贷"},
    loan_id=1,
)  # fmt: skip
WALLET = loan_from_fields(
    {"lender": "某某钱包", "outstanding": "1200", "due": "2026-12-05=600;2027-01-05=600"}, loan_id=2
)
LEDGER = (ZHAOLIAN, WALLET)

# written for this test: the real notice for ZHAOLIAN (3000 yuan, due 20 November, 8 days overdue)
MATCHING = "【招联金融】您的好期贷借款3000元已逾期8天，请尽快登录招联金融App还款。"
# written for this test: the same notice with the wrong amount
WRONG_AMOUNT = "【招联金融】您的好期贷借款5000元已逾期8天，请尽快登录招联金融App还款。"
# written for this test: a lender the person has no loan with
NO_LOAN = "【马上消费金融】您的借款2000元已逾期5天，请尽快还款，否则将上报征信。"


def check(text: str, *, loans: tuple[Loan, ...] = LEDGER, sender: str | None = None, **ctx: str) -> Verdict:
    return veritext.triage(text, sender=sender, received_at=WHEN, context=Context(loans=loans, **ctx))  # type: ignore[arg-type]


def ids(v: Verdict, group: str | None = None) -> set[str]:
    return {s.id for s in v.signals if group is None or s.group == group}


def signal(v: Verdict, sid: str) -> veritext.Signal:
    return next(s for s in v.signals if s.id == sid)


def step(v: Verdict, sid: str) -> veritext.Step:
    return next(s for s in v.plan if s.id == sid)


def plan_ids(v: Verdict) -> list[str]:
    return [s.id for s in v.plan]


# ------------------------------------------------------------------------------ match


def test_a_matching_notice_is_your_loan_repay_through_your_own_channel() -> None:
    v = check(MATCHING)
    assert ids(v, "verify") == {"VERIFY_MATCH"}
    match = signal(v, "VERIFY_MATCH")
    assert match.weight < 0
    assert "金额" in match.description.zh and "days overdue" in match.description.en
    assert {s.text for s in match.spans} >= {"3000元", "逾期8天"}
    assert v.context.has_loan == "yes"  # answered from the ledger
    repay = step(v, "ledger_match_repay")
    # The person's own channels, from their contract, are named: they count as verified for them.
    assert "招联金融 app" in repay.text.en and "400-000-0000" in repay.text.en
    assert "400-000-0000" in repay.text.zh
    assert "no_loan_ignore" not in plan_ids(v)


def test_a_real_overdue_shows_the_cost_of_waiting() -> None:
    v = check(MATCHING)
    cost = step(v, "overdue_cost")
    assert "12.00 CNY" in cost.text.en and "1.50 CNY" in cost.text.en and "10.50 CNY" in cost.text.en
    assert "12.00 CNY" in cost.text.zh and "每多拖一周" in cost.text.zh
    assert "penalty_accrued=12.00 CNY" in signal(v, "VERIFY_MATCH").detail
    assert plan_ids(v).index("overdue_cost") < plan_ids(v).index("repay_official_then_ask")


def test_an_overdue_without_a_recorded_penalty_rate_says_how_to_see_the_cost() -> None:
    loan = loan_from_fields({"lender": "招联金融", "outstanding": "3000", "due": "2026-11-20"}, loan_id=1)
    v = check(MATCHING, loans=(loan,))
    assert "overdue_cost_unknown" in plan_ids(v)
    assert "--penalty-rate" in step(v, "overdue_cost_unknown").text.en


def test_a_quoted_total_with_penalty_still_matches() -> None:
    # written for this test: 3000 + 12.00 penalty so far
    v = check("【招联金融】您的借款已逾期8天，应还金额3012元，请登录招联金融App处理。")
    assert "VERIFY_MATCH" in ids(v)


def test_an_instalment_amount_matches_and_the_name_as_typed_is_enough() -> None:
    # written for this test: the wallet is in no registry; the person typed its name
    v = check("【某某钱包】您本期应还600元，还款日2026年12月5日，请按时还款。")
    assert ids(v, "verify") == {"VERIFY_MATCH"}
    assert "到期日" in signal(v, "VERIFY_MATCH").description.zh


def test_an_english_notice_matches_a_dollar_loan() -> None:
    chase = loan_from_fields(
        {"lender": "Chase", "outstanding": "250", "currency": "USD", "due": "2026-11-23"}, loan_id=3
    )
    # written for this test
    v = check("Chase: your payment of $250.00 is 5 days past due. Please pay in the Chase app.", loans=(chase,))
    assert ids(v, "verify") == {"VERIFY_MATCH"}


def test_a_notice_that_names_the_lender_but_no_detail_is_a_weaker_match() -> None:
    # written for this test
    v = check("【招联金融】您的借款已逾期，请尽快处理。")
    assert ids(v, "verify") == {"VERIFY_LENDER_ONLY"}
    assert -1 < signal(v, "VERIFY_LENDER_ONLY").weight < 0
    assert "ledger_match_repay" in plan_ids(v)


# ------------------------------------------------------------------------------ mismatch


def test_the_wrong_amount_is_named_with_both_values_and_raises_the_risk() -> None:
    v = check(WRONG_AMOUNT)
    assert ids(v, "verify") == {"VERIFY_MISMATCH_AMOUNT"}
    mismatch = signal(v, "VERIFY_MISMATCH_AMOUNT")
    assert "3,000.00 CNY" in mismatch.description.en and "5,000.00 CNY" in mismatch.description.en
    assert [s.text for s in mismatch.spans] == ["5000元"]
    assert v.fraud_probability > check(MATCHING).fraud_probability
    first = step(v, "ledger_mismatch")
    assert "amount (ledger: 3,000.00 CNY; message: 5,000.00 CNY)" in first.text.en
    assert "金额（账本：3,000.00 CNY；短信：5,000.00 CNY）" in first.text.zh
    assert "招联金融 app" in first.text.en  # where to check the real bill
    assert v.context.has_loan == "yes"  # the loan exists; this message's details do not fit it


def test_the_wrong_due_date() -> None:
    # written for this test
    v = check("【某某钱包】您本期应还600元，还款日2026年12月8日，请按时还款。")
    mismatch = signal(v, "VERIFY_MISMATCH_DUE_DATE")
    assert "2026-12-05" in mismatch.description.en and "12月8日" in mismatch.description.en


def test_overdue_days_when_the_ledger_says_not_yet_due() -> None:
    # written for this test
    v = check("【某某钱包】您的借款600元已逾期15天，请立即还款。")
    mismatch = signal(v, "VERIFY_MISMATCH_OVERDUE_DAYS")
    assert "not overdue (next due 2026-12-05)" in mismatch.description.en
    assert "15 days" in mismatch.description.en


def test_another_product_of_the_same_lender() -> None:
    # written for this test: the person's loan is another product; the message names 安逸花 (a registry product)
    v = check("【马上消费金融】您的安逸花借款3000元已逾期8天。", loans=(_msxf("马上消费金融", "另一款"),))
    assert "VERIFY_MISMATCH_PRODUCT" in ids(v)
    assert "安逸花" in signal(v, "VERIFY_MISMATCH_PRODUCT").description.zh


def _msxf(lender: str, product: str) -> Loan:
    return loan_from_fields(
        {"lender": lender, "outstanding": "3000", "due": "2026-11-20", "product": product}, loan_id=4
    )


def test_a_paid_off_loan_dunned_again() -> None:
    paid = loan_from_fields(
        {"lender": "招联金融", "outstanding": "0", "due": "2026-10-01", "status": "paid"}, loan_id=5
    )
    v = check(MATCHING, loans=(paid,))
    assert ids(v, "verify") == {"VERIFY_MISMATCH_STATUS"}
    assert "paid off" in signal(v, "VERIFY_MISMATCH_STATUS").description.en
    assert v.context.has_loan == "no"
    assert "repay_official_then_ask" not in plan_ids(v)


# ------------------------------------------------------------------------------ no such loan / unknown lender


def test_a_lender_you_have_no_loan_with_is_a_mass_send_mistake_or_fraud() -> None:
    v = check(NO_LOAN)
    assert ids(v, "verify") == {"VERIFY_NO_SUCH_LOAN"}
    assert "马上消费金融" in signal(v, "VERIFY_NO_SUCH_LOAN").description.zh
    assert v.context.has_loan == "no"
    ignore = step(v, "no_loan_ignore")
    assert ignore.condition is None
    assert "mass-send mistake or a scam" in ignore.text.en and "credit report" in ignore.text.en
    assert "cn-pbccrc-web" in ignore.contacts  # the credit report, from the verified facts
    assert "ledger_no_such_loan" in plan_ids(v)  # "if you have one you have not recorded, add it"
    assert "repay_official_then_ask" not in plan_ids(v)


def test_an_unknown_sender_name_with_no_loan_is_no_such_loan_too() -> None:
    # written for this test: a made-up platform in a signature
    v = check("【闪电速借】您的借款已逾期3天，请立即还款。")
    assert ids(v, "verify") == {"VERIFY_NO_SUCH_LOAN"}
    assert "闪电速借" in step(v, "ledger_no_such_loan").text.zh


def test_a_notice_that_names_no_lender_cannot_be_checked() -> None:
    # written for this test
    v = check("您在本平台的借款已逾期5天，请尽快还款。")
    assert ids(v, "verify") == {"VERIFY_UNKNOWN_LENDER"}
    assert v.context.has_loan == "unknown"
    assert step(v, "no_loan_ignore").condition == "has_loan=no"  # both branches stay


# ------------------------------------------------------------------------------ the person's own answer


def test_no_loan_said_by_the_person_and_by_the_ledger_counts_once() -> None:
    without_ledger = check(NO_LOAN, loans=(), has_loan="no")
    assert "NO_LOAN_BUT_DUNNED" in ids(without_ledger)
    with_ledger = check(NO_LOAN, has_loan="no")
    assert "VERIFY_NO_SUCH_LOAN" in ids(with_ledger)
    assert "NO_LOAN_BUT_DUNNED" not in ids(with_ledger)
    assert with_ledger.fraud_probability == pytest.approx(without_ledger.fraud_probability, abs=1e-9)


def test_an_explicit_answer_wins_over_the_ledger() -> None:
    v = check(NO_LOAN, has_loan="yes")  # "I do have a loan there" — the ledger is incomplete
    assert v.context.has_loan == "yes"
    assert "VERIFY_NO_SUCH_LOAN" not in ids(v)
    assert "ledger_no_such_loan" in plan_ids(v)
    assert check(MATCHING, has_loan="no").context.has_loan == "no"


# ------------------------------------------------------------------------------ nothing to compare


@pytest.mark.parametrize(
    "text",
    [
        "【工商银行】您的验证码为482913，请勿泄露。",  # written for this test: no loan claim
        "【招联金融】最高可借20万，低息秒到账，立即申请！",  # written for this test: an advertisement
        "您的朋友张三在我司借款已逾期，请转告其尽快还款。",  # written for this test: someone else's debt
        "【工商银行】您的信用卡将于2026年12月10日到期，新卡已寄出。",  # written for this test: no amount owed
    ],
)
def test_messages_that_claim_no_loan_of_yours_are_not_compared(text: str) -> None:
    assert ids(check(text), "verify") == set()


def test_without_a_ledger_nothing_changes() -> None:
    plain = veritext.triage(WRONG_AMOUNT, received_at=WHEN)
    assert ids(plain, "verify") == set()
    assert plain.context.has_loan == "unknown"
    assert not any(s.id.startswith("ledger_") for s in plain.plan)


def test_the_channel_falls_back_to_the_registrys_verified_ones_then_to_generic_advice() -> None:
    icbc = loan_from_fields({"lender": "工商银行", "outstanding": "800", "due": "2026-12-10"}, loan_id=6)
    # written for this test
    v = check("【工商银行】您的信用卡账单800元，还款日12月10日，请按时还款。", loans=(icbc,))
    repay = step(v, "ledger_match_repay")
    assert "95588" in repay.text.en and "verified" in repay.text.en
    v = check("【某某钱包】您本期应还600元，请按时还款。", loans=(WALLET,))
    assert "official app" in step(v, "ledger_match_repay").text.en


# ------------------------------------------------------------------------------ the API


def test_context_with_a_ledger_stays_hashable_and_batch_triage_agrees() -> None:
    ctx = Context(loans=list(LEDGER))  # type: ignore[arg-type]
    assert ctx.loans == LEDGER and hash(ctx) == hash(Context(loans=LEDGER))
    batch = list(veritext.triage_many([Message(MATCHING, received_at=WHEN, context=ctx)] * 3))
    assert batch[0] == batch[2] == check(MATCHING)


def test_a_shared_verdict_does_not_carry_the_ledger() -> None:
    d = check(MATCHING).to_dict()
    assert d["context"]["loans"] == 2
    assert "3000" not in str(d["context"]) and Decimal(3000) not in d["context"].values()
