"""The rules' kind call on loan and debt kinds, as examples: look-alike wording is not a reminder,
a collection notice, a legal threat or a message about someone else's debt; the real ones still are.

The fused verdict keeps the rules' call on these kinds when the rules are confident (decide.yaml
``rule_trusted_kinds``), so a wrong rule call here is a wrong verdict. Every message in this file was
WRITTEN FOR THESE TESTS (no third-party text).
"""

from __future__ import annotations

import pytest

from veritext.decide import RuleEstimator
from veritext.extract import extract
from veritext.message import Context
from veritext.normalize import normalize
from veritext.pipeline import infer_jurisdiction
from veritext.signals import evaluate
from veritext.signals.checks import RuleContext


def rule_kind(text: str) -> str:
    """The rules' kind for a message (no model, no context)."""
    ext = extract(normalize(text))
    rc = RuleContext(context=Context(), jurisdiction=infer_jurisdiction(ext, Context()), received_at=None)
    return RuleEstimator().estimate(ext, evaluate(ext, rc)).kind


# (message, the kind the rules must NOT call it, the kind it is) — all written for these tests.
LOOK_ALIKES = [
    # EMI offered is a loan ad, not an instalment owed.
    (
        "Buy the new phone today on no cost EMI with your Acme Bank card. Click example.com/offer",
        "repayment_reminder",
        "loan_marketing",
    ),
    (
        "Dear User, your application is pending. Click example.com/apply to complete and get your EMI Card",
        "repayment_reminder",
        "loan_marketing",
    ),
    # Things other than loans expire (到期): a membership, car insurance.
    ("尊敬的客户，您的会员账户将于2026年6月1日到期，请及时更新资料以免影响使用。", "repayment_reminder", None),
    ("您的车险即将到期，本店续保享八折优惠，欢迎来电咨询", "repayment_reminder", "marketing"),
    # "is due to <verb>" is "scheduled to", not a payment due.
    ("Your streaming subscription is due to expire today. Renew at example.com/renew", "repayment_reminder", None),
    # 提前还款 (early repayment allowed) is an ad's selling point, not "pay before the date".
    ("本公司提供无抵押信用贷款，利息低，支持提前还款，欢迎咨询", "repayment_reminder", "loan_marketing"),
    # A debit already taken is a notice.
    ("【某某银行】您的账户本月已完成自动扣款，如有疑问请致电客服", "repayment_reminder", "account_notice"),
    # 逾期 about a lapsing permit or offer, not a debt.
    ("市场监管局对逾期未办理证照的店铺依法进行了处罚", "overdue_collection", "other"),
    ("您的积分将于月底清零，逾期作废，请尽快到店兑换礼品", "overdue_collection", None),
    # "overdue" for an appointment, or a refund owed TO the reader.
    ("Hi Sam, you're overdue for an eye test. Book now and get a second pair free", "overdue_collection", None),
    (
        "Tax office: submit a request for your overdue tax refund of 310.00 at example.com/refund",
        "overdue_collection",
        None,
    ),
    # An unpaid parcel fee is a delivery notice (or its imitation).
    (
        "Your parcel is held at our depot due to an unpaid shipping fee of 2.90. Pay at example.com/parcel",
        "overdue_collection",
        "other",
    ),
    # News about courts and arrests addresses nobody.
    ("某县人民法院今日开庭审理一起合同纠纷案件", "legal_threat", "other"),
    ("City police arrest two men after court hears bakery fraud case", "legal_threat", "other"),
    # 联系人 in an ad is "contact person: <name>", not someone else's debt.
    ("快递包裹超过三天未领取将退回并收取违约费用，联系人：李小姐", "third_party_contact", None),
]

# (message, its kind) — the real thing, written for these tests: the fixes above must keep these.
REAL = [
    ("Your EMI of Rs 4,500 is due on 05-06-2026. Please keep sufficient balance. -Acme Bank", "repayment_reminder"),
    ("【某某银行】您的借款将于2026年6月1日到期，应还金额1,200.00元，请按时还款。", "repayment_reminder"),
    ("Your card payment of $120 is due on 12 June. Pay in the Acme app.", "repayment_reminder"),
    ("【某某银行】您的贷款将于6月5日自动扣款，请确保账户余额充足", "repayment_reminder"),
    # A warning before the date is a reminder, not a claim of arrears.
    ("【某某消费金融】本期账单6月5日到期，请按时还款，以免逾期影响征信", "repayment_reminder"),
    ("您的借款已逾期3天，请尽快还款", "overdue_collection"),
    ("Your loan payment is now overdue. Please pay today to avoid further fees.", "overdue_collection"),
    ("您已被某某法院立案起诉，请立即联系处理", "legal_threat"),
    ("Final notice: a lawsuit will be filed in court against you unless you call us today", "legal_threat"),
    ("John Smith listed you as a reference. His loan is overdue, please ask him to call us", "third_party_contact"),
]


@pytest.mark.parametrize(("text", "not_kind", "kind"), LOOK_ALIKES)
def test_look_alike_wording_is_not_called_a_loan_or_debt_kind(text: str, not_kind: str, kind: str | None) -> None:
    got = rule_kind(text)
    assert got != not_kind, text
    if kind is not None:
        assert got == kind, text


@pytest.mark.parametrize(("text", "kind"), REAL)
def test_real_reminders_collections_and_threats_keep_their_kind(text: str, kind: str) -> None:
    assert rule_kind(text) == kind, text
