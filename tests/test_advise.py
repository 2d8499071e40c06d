"""The plan stage, as examples: what a person is told to do for typical messages (DESIGN.md §1)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from veritext.advise import PlanDataError, advise, parse_plans, plan_contacts, step_templates
from veritext.facts import contacts
from veritext.message import ANSWERS, JURISDICTIONS, KINDS, RISKS, Context, I18nText, Step
from veritext.signals import default_rules

SHARED_FACTS = Path(__file__).parents[1].parent / "shared" / "facts"

KNOWN_SCENARIOS = {
    "registered_or_applied",
    "have_loan",
    "emergency_contact",
    "identity_theft",
    "data_leak_targeted",
    "mass_send_mistake",
    "phishing",
    "someone_using_your_number",
    "bulk_marketing",
}
# A plan may only name a rule that exists (data/signals.yaml).
KNOWN_SIGNALS = {rule.id for rule in default_rules()}
ZHAOLIAN = I18nText(zh="招联金融", en="Zhaolian Consumer Finance")


def plan(
    kind: str = "overdue_collection",
    risk: str = "medium",
    signals: Iterable[str] = (),
    scenarios: tuple[str, ...] = (),
    context: Context | None = None,
    jurisdiction: str = "CN",
    institution: I18nText | None = ZHAOLIAN,
) -> tuple[Step, ...]:
    """``advise`` with everyday defaults, so each test states only what matters to it."""
    return advise(
        kind=kind,
        risk=risk,
        signal_ids=frozenset(signals),
        scenario_ids=scenarios,
        context=context or Context(),
        jurisdiction=jurisdiction,
        institution_name=institution,
    )


def ids(steps: tuple[Step, ...]) -> list[str]:
    return [s.id for s in steps]


def by_id(steps: tuple[Step, ...], step_id: str) -> Step:
    matches = [s for s in steps if s.id == step_id]
    assert matches, f"{step_id} not in plan {ids(steps)}"
    return matches[0]


# ------------------------------------------------------------------------------ the advice, as examples


def test_high_risk_fake_dunning_says_do_not_click_first_then_check_in_official_app() -> None:
    steps = plan(risk="high", signals={"LINK_NOT_OFFICIAL"}, scenarios=("phishing",))
    first = steps[0]
    assert first.id == "stop_do_not_act"
    assert "click" in first.text.en and "链接" in first.text.zh
    check = by_id(steps, "check_loan_is_real")
    assert "official app" in check.text.en and "Zhaolian Consumer Finance" in check.text.en
    assert "官方App" in check.text.zh and "招联金融" in check.text.zh
    assert "cn-pbccrc-web" in check.contacts  # the credit report, from the facts
    assert by_id(steps, "if_paid_act_now").contacts == ("cn-110", "cn-96110")
    assert ids(steps)[-1] == "report_fraud"


def test_dunning_follows_the_four_steps_in_order() -> None:
    steps = plan(context=Context(has_loan="yes"))
    order = ids(steps)
    four = ["check_loan_is_real", "compare_details", "repay_official_then_ask", "keep_repaying_on_time"]
    assert [i for i in order if i in four] == four
    assert "非恶意逾期证明" in by_id(steps, "repay_official_then_ask").text.zh
    assert order[0] == "use_official_channels"  # never the link or number in the message


def test_unknown_has_loan_gives_both_branches() -> None:
    steps = plan(context=Context(has_loan="unknown"))
    assert by_id(steps, "repay_official_then_ask").condition == "has_loan=yes"
    assert by_id(steps, "keep_repaying_on_time").condition == "has_loan=yes"
    assert by_id(steps, "no_loan_ignore").condition == "has_loan=no"
    assert by_id(steps, "check_loan_is_real").condition is None


def test_no_loan_gives_only_the_no_loan_branch() -> None:
    steps = plan(context=Context(has_loan="no"))
    assert by_id(steps, "no_loan_ignore").condition is None
    for yes_only in (
        "repay_official_then_ask",
        "keep_repaying_on_time",
        "check_loan_is_real",
        "compare_details",
    ):
        assert yes_only not in ids(steps)
    assert all(s.condition is None for s in steps)


def test_has_loan_yes_drops_the_no_loan_branch() -> None:
    steps = plan(context=Context(has_loan="yes"))
    assert "no_loan_ignore" not in ids(steps)
    assert by_id(steps, "repay_official_then_ask").condition is None


def test_unrequested_code_says_never_share_it() -> None:
    steps = plan(kind="verification_code", risk="low", context=Context(requested_code="no"))
    assert ids(steps)[0] == "code_never_share"
    never = steps[0]
    assert never.condition is None
    assert "do not tell it to anyone" in never.text.en and "不要告诉任何人" in never.text.zh
    assert "code_secure_accounts" in ids(steps)
    assert "code_use_only_yourself" not in ids(steps)


def test_requested_code_says_use_it_only_yourself() -> None:
    steps = plan(kind="verification_code", risk="low", context=Context(requested_code="yes"))
    assert ids(steps) == ["code_use_only_yourself"]


def test_unknown_requested_code_shows_both_branches() -> None:
    steps = plan(kind="verification_code", risk="low")
    assert by_id(steps, "code_never_share").condition == "requested_code=no"
    assert by_id(steps, "code_use_only_yourself").condition == "requested_code=yes"


def test_legal_threat_in_cn_names_the_court_verification_contact() -> None:
    steps = plan(kind="legal_threat", risk="high", signals={"CASE_FILED_UNVERIFIABLE"})
    court = by_id(steps, "verify_case_with_court")
    assert court.contacts[0] == "cn-12368"
    assert "12368" in court.text.zh and "12368" in court.text.en
    assert "12368" in [c.value for c in plan_contacts(steps)]
    # Urgency: stop first, damage control, then the court check, before the loan check.
    assert ids(steps).index("verify_case_with_court") < ids(steps).index("check_loan_is_real")


@pytest.mark.parametrize("jurisdiction", ["US", "UK"])
def test_us_and_uk_fraud_plans_name_7726(jurisdiction: str) -> None:
    steps = plan(kind="overdue_collection", risk="high", jurisdiction=jurisdiction, institution=None)
    report = by_id(steps, "report_fraud")
    assert report.contacts[0] == f"{jurisdiction.lower()}-7726"
    assert "7726" in report.text.en
    assert "7726" in [c.value for c in plan_contacts(steps)]
    assert all(c.jurisdiction == jurisdiction for c in plan_contacts(steps))


def test_emergency_contact_is_told_it_is_not_their_debt() -> None:
    steps = plan(kind="third_party_contact", risk="low", scenarios=("emergency_contact",))
    assert ids(steps)[:3] == ["use_official_channels", "not_your_debt", "tell_lender_to_stop"]
    assert by_id(steps, "complain_lender_then_regulator").contacts == ("cn-12378", "cn-12363")


def test_harassment_goes_lender_regulator_spam_centre_police() -> None:
    steps = plan(risk="low", signals={"CONDUCT_THREATENS_CONTACTS"}, context=Context(has_loan="yes"))
    order = ids(steps)
    chain = ["complain_lender_then_regulator", "report_spam", "threats_call_police"]
    assert [i for i in order if i in chain] == chain
    assert by_id(steps, "report_spam").contacts == ("cn-12321-web", "cn-12321-wechat")
    assert by_id(steps, "threats_call_police").contacts == ("cn-110",)


def test_identity_theft_gets_credit_objection_and_police() -> None:
    steps = plan(scenarios=("identity_theft",), context=Context(has_loan="no"))
    assert by_id(steps, "identity_theft_dispute").contacts == ("cn-pbccrc-web", "cn-pbccrc-hotline", "cn-110")
    us = plan(scenarios=("identity_theft",), jurisdiction="US", context=Context(has_loan="no"))
    assert by_id(us, "identity_theft_dispute").contacts[0] == "us-identitytheft"


def test_weak_scenarios_do_not_override_the_persons_answers() -> None:
    # The decide stage lists every plausible explanation, weak ones too; branches must stay branches.
    code = plan(
        kind="verification_code", risk="low", scenarios=("registered_or_applied", "someone_using_your_number")
    )
    assert by_id(code, "code_never_share").condition == "requested_code=no"
    assert by_id(code, "code_secure_accounts").condition == "requested_code=no"
    dunning = plan(scenarios=("have_loan", "mass_send_mistake", "identity_theft"))
    assert by_id(dunning, "identity_theft_dispute").condition == "has_loan=no"
    assert ids(dunning).index("no_loan_ignore") < ids(dunning).index("identity_theft_dispute")
    with_loan = plan(scenarios=("have_loan", "identity_theft"), context=Context(has_loan="yes"))
    assert "identity_theft_dispute" not in ids(with_loan)
    ad = plan(kind="loan_marketing", risk="low", scenarios=("registered_or_applied", "data_leak_targeted"))
    assert ids(ad) == ["marketing_ignore"]


def test_low_risk_notice_needs_nothing_beyond_the_official_app() -> None:
    steps = plan(kind="repayment_reminder", risk="low", context=Context(has_loan="yes"))
    assert ids(steps) == ["notice_check_in_app"]
    assert steps[0].text.en.startswith("Nothing else to do")


def test_marketing_is_ignored_or_unsubscribed_officially() -> None:
    assert ids(plan(kind="loan_marketing", risk="low")) == ["marketing_ignore"]
    assert "report_spam" in ids(plan(kind="loan_marketing", risk="medium"))


def test_missing_institution_name_uses_a_neutral_phrase() -> None:
    steps = plan(institution=None, context=Context(has_loan="yes"))
    check = by_id(steps, "check_loan_is_real")
    assert "该机构" in check.text.zh and "the institution" in check.text.en
    assert not any("{" in s.text.zh + s.text.en + s.reason.zh + s.reason.en for s in steps)


def test_plan_contacts_are_deduplicated_in_first_use_order() -> None:
    steps = plan(risk="high", scenarios=("identity_theft",))
    found = [c.id for c in plan_contacts(steps)]
    assert found[:2] == ["cn-110", "cn-96110"]
    assert len(found) == len(set(found))


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        plan(kind="dunning")
    with pytest.raises(ValueError, match="jurisdiction"):
        plan(jurisdiction="FR")


# ------------------------------------------------------------------------------ every plan, not just examples

SIGNAL_SETS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"LINK_NOT_OFFICIAL"}),
    frozenset({"URL_SHORTENER", "CALL_THIS_NUMBER"}),
    frozenset({"CONDUCT_THREATENS_CONTACTS", "CONDUCT_NIGHT_CONTACT"}),
    frozenset({"UNREQUESTED_CODE"}),
    frozenset({"IMPERSONATES_COURT", "CASE_FILED_UNVERIFIABLE"}),
    frozenset({"UPFRONT_FEE"}),
)
SCENARIO_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("phishing",),
    ("identity_theft",),
    # What the decide stage ranks for a debt message, a code and an ad when the answers are unknown.
    ("have_loan", "mass_send_mistake", "identity_theft", "data_leak_targeted"),
    ("registered_or_applied", "someone_using_your_number"),
    ("registered_or_applied", "bulk_marketing", "data_leak_targeted"),
)


def every_plan() -> Iterator[tuple[tuple[Any, ...], tuple[Step, ...]]]:
    for kind, risk, jur, loan, code, signals, scenarios in itertools.product(
        KINDS, RISKS, JURISDICTIONS, ANSWERS, ANSWERS, SIGNAL_SETS, SCENARIO_SETS
    ):
        ctx = Context(has_loan=loan, requested_code=code)  # type: ignore[arg-type]
        args = (kind, risk, jur, loan, code, sorted(signals), scenarios)
        yield args, plan(kind, risk, signals, scenarios, ctx, jur)


def steps_on_one_branch(steps: tuple[Step, ...]) -> int:
    """How many steps one person follows: the unconditional ones plus the longest single branch."""
    branches = {s.condition for s in steps if s.condition}
    return max((sum(s.condition in (None, b) for s in steps) for b in branches), default=len(steps))


@pytest.mark.parametrize(
    ("kind", "risk", "signals", "scenarios", "context"),
    [
        ("overdue_collection", "high", {"LINK_NOT_OFFICIAL"}, ("phishing",), Context()),
        ("overdue_collection", "medium", {"URL_SHORTENER"}, ("have_loan",), Context(has_loan="yes")),
        ("overdue_collection", "low", set(), ("mass_send_mistake",), Context(has_loan="no")),
        ("legal_threat", "high", {"CASE_FILED_UNVERIFIABLE"}, ("phishing",), Context()),
        ("third_party_contact", "medium", {"CONDUCT_THREATENS_CONTACTS"}, ("emergency_contact",), Context()),
        ("verification_code", "high", {"UNREQUESTED_CODE"}, ("someone_using_your_number",), Context()),
        ("loan_marketing", "high", {"UPFRONT_FEE"}, ("phishing",), Context()),
        ("repayment_reminder", "low", set(), ("have_loan",), Context(has_loan="yes")),
    ],
)
@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_everyday_plans_are_three_to_seven_steps(
    kind: str, risk: str, signals: set[str], scenarios: tuple[str, ...], context: Context, jurisdiction: str
) -> None:
    steps = plan(kind, risk, signals, scenarios, context, jurisdiction)
    assert 1 <= steps_on_one_branch(steps) <= 7, ids(steps)
    if risk != "low":
        assert len(steps) >= 3, ids(steps)


def test_every_plan_is_short_ordered_and_names_only_its_own_jurisdiction() -> None:
    order = {(t.id, j): t.order for t in step_templates() for j in t.jurisdictions()}
    for args, steps in every_plan():
        risk, jur = args[1], args[2]
        # Stacked themes (e.g. a harassing collector AND identity theft, loan unknown) run longer.
        assert 1 <= len(steps) <= 10, (args, ids(steps))
        assert steps_on_one_branch(steps) <= 8, (args, ids(steps))
        assert len(set(ids(steps))) == len(steps), args
        orders = [order[(s.id, jur)] for s in steps]
        assert orders == sorted(orders), args
        if risk == "high":
            assert steps[0].id == "stop_do_not_act", args
        for c in plan_contacts(steps):
            assert c.jurisdiction == jur, (args, c.id)


# ---------------------------------------------------------------------- the data obeys the house rules


def raw_plans() -> dict[str, Any]:
    text = resources.files("veritext").joinpath("data").joinpath("plans.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def raw_contact_ids() -> set[str]:
    """Every contact id written anywhere in plans.yaml, read straight from the file."""
    found: set[str] = set()
    for step in raw_plans()["steps"]:
        for id_list in (step.get("contacts") or {}).values():
            found.update(id_list)
    return found


def shared_verified_contacts() -> dict[str, str]:
    path = SHARED_FACTS / "facts.yaml"
    if not path.is_file():
        pytest.skip(f"shared facts not found at {path} (run inside the project workspace to compare)")
    with path.open(encoding="utf-8") as fh:
        rows = yaml.safe_load(fh)["contacts"]
    return {r["id"]: str(r["value"]) for r in rows if r.get("verified") is True}


def not_verified(contact_ids: Iterable[str], shared_verified: dict[str, str]) -> set[str]:
    """The ids that are not both a packaged contact and a verified contact in the shared facts."""
    packaged = contacts()
    return {cid for cid in contact_ids if cid not in packaged or cid not in shared_verified}


def test_every_contact_id_in_plans_is_verified() -> None:
    shared = shared_verified_contacts()
    referenced = raw_contact_ids()
    assert referenced, "plans.yaml names no contacts at all"
    assert not_verified(referenced, shared) == set()
    # The same helper catches a made-up id and a real but unverified one.
    assert not_verified(referenced | {"cn-fake-hotline"}, shared) == {"cn-fake-hotline"}
    assert not_verified({"cn-12321-sms"}, shared) == {"cn-12321-sms"}


def test_the_loader_refuses_an_unverified_contact() -> None:
    bad = """
institution_fallback: {zh: 该机构, en: the institution}
steps:
  - id: report_by_sms
    order: 60
    text: {zh: 发短信举报, en: Report by text}
    reason: {zh: 原因, en: Because}
    contacts: {CN: [cn-12321-sms]}
"""
    with pytest.raises(PlanDataError, match="cn-12321-sms"):
        parse_plans(bad)


def test_the_loader_refuses_a_bare_yes() -> None:
    bad = """
institution_fallback: {zh: 该机构, en: the institution}
steps:
  - id: s
    order: 1
    when: {has_loan: [yes]}
    text: {zh: 文, en: text}
    reason: {zh: 因, en: reason}
"""
    with pytest.raises(PlanDataError, match="quote"):
        parse_plans(bad)


def test_every_step_has_text_and_reason_in_both_languages() -> None:
    for step in raw_plans()["steps"]:
        for field in ("text", "reason"):
            for lang in ("zh", "en"):
                value = step[field][lang]
                assert isinstance(value, str) and value.strip(), (step["id"], field, lang)


def test_when_clauses_use_known_signal_and_scenario_ids() -> None:
    def clauses(when: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield when
        yield from when.get("any_of", [])

    for step in raw_plans()["steps"]:
        for clause in clauses(step.get("when") or {}):
            assert set(clause.get("any_signals", [])) <= KNOWN_SIGNALS, step["id"]
            assert set(clause.get("scenarios", [])) <= KNOWN_SCENARIOS, step["id"]


# A phone number / short code: digits, optionally grouped by spaces or hyphens, at least 3 digits in all.
NUMBER = re.compile(r"\+?\d(?:[\d\- ]*\d)?")
DOMAIN = re.compile(r"(?i)(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def host(value: str) -> str:
    value = value.lower().removeprefix("mailto:")
    value = re.sub(r"^https?://", "", value).split("/")[0].split("@")[-1]
    return value.removeprefix("www.")


def allowed_tokens(values: Iterable[str]) -> tuple[set[str], set[str]]:
    """Digit strings and hosts a text may show, given the contact values it may name."""
    numbers: set[str] = set()
    hosts: set[str] = set()
    for v in values:
        numbers.add(digits(v))
        numbers.update(run for run in re.findall(r"\d{3,}", v))
        for token in DOMAIN.findall(v):
            hosts.add(host(token))
    return numbers, hosts


def foreign_tokens(text: str, values: Iterable[str]) -> list[str]:
    """Numbers (>= 3 digits) and domains in ``text`` that are not values of the given contacts."""
    numbers, hosts = allowed_tokens(values)
    bad = [d for d in DOMAIN.findall(text) if host(d) not in hosts]
    rest = DOMAIN.sub(" ", text)
    for token in NUMBER.findall(rest):
        if len(digits(token)) < 3 or digits(token) in numbers:
            continue
        # "call 159 or 101" joins into one token; each group may still be a contact value.
        if any(len(digits(part)) >= 3 and digits(part) not in numbers for part in token.split()):
            bad.append(token)
    return bad


def test_the_scanner_catches_numbers_and_domains() -> None:
    values = [c.value for c in contacts().values()]
    assert foreign_tokens("call 110 or 96110, see ReportFraud.ftc.gov or dial 0300 123 2040", values) == []
    assert foreign_tokens("call 95786 now", values) == ["95786"]
    assert foreign_tokens("pay at mucfc-pay.com", values) == ["mucfc-pay.com"]
    assert foreign_tokens("report to 12321 by sms", ["110"]) == ["12321"]


def test_step_texts_show_only_numbers_and_domains_of_verified_contacts() -> None:
    every_value = [c.value for c in contacts().values()]
    for t in step_templates():
        for text in (t.text.zh, t.text.en, t.reason.zh, t.reason.en):
            assert foreign_tokens(text, every_value) == [], (t.id, text)
            # Stricter: in each jurisdiction, only the contacts this very step names may appear.
            for jur in t.jurisdictions():
                own = [contacts()[cid].value for cid in t.contacts_for(jur)]
                assert foreign_tokens(text, own) == [], (t.id, jur, text)


@pytest.mark.parametrize("signal", ["TRAFFIC_FINE_LINK", "NOT_ME_LINK"])
@pytest.mark.parametrize("jurisdiction", ["CN", "US", "UK"])
def test_a_link_lure_sends_the_person_to_the_official_channel(signal: str, jurisdiction: str) -> None:
    steps = plan(kind="other", risk="medium", signals=[signal], jurisdiction=jurisdiction, institution=None)
    assert "use_official_channels" in ids(steps)
