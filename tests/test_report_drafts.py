"""Report and complaint drafts, as examples: which channels apply, what each draft contains, and
that no draft names a contact that is not verified or lets hostile message text through."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

import veritext
from veritext import Context
from veritext.facts import contacts, institutions
from veritext.report import Redaction, channels, check_conduct, draft_text, drafts, drafts_html, unavailable
from veritext.report.results import EvidenceMessage

SHARED_FACTS = Path(__file__).resolve().parents[1].parent / "shared" / "facts" / "facts.yaml"
TODAY = date(2026, 11, 28)
WHEN = datetime(2026, 11, 28, 23, 40)

# Hostile message text written for this test: markup, template syntax, a CSS breakout.
HOSTILE = (
    "您的借款已逾期30天 <script>alert(1)</script> </title><img src=x onerror=alert(1)> "
    "{{7*7}} {% raw %} </style><b>x</b> 再不还就通知你的家人和单位，上门催收"
)
ALL_CHANNELS = [(j, spec.id) for j in ("CN", "US", "UK") for spec in channels(j)]

# The fields each channel must carry (the forms' and letters' own fields).
REQUIRED = {
    "cn-12321-report": {"category", "sender", "text", "screenshot", "reporter_phone"},
    "cn-lender-complaint": {"to", "name", "phone", "sender"},
    "cn-regulator-complaint": {"name", "institution", "facts", "first_complaint", "request"},
    "cn-police-report": {"reporter", "type", "when", "sender", "loss"},
    "cn-credit-objection": {"name", "id_number", "institution", "record", "reason", "attachments"},
    "cn-non-malicious-overdue": {"to", "name", "account", "repaid", "cause", "request"},
    "us-7726-forward": {"to", "message", "sender"},
    "us-reportfraud-ftc": {"how_contacted", "sender", "date", "company", "message", "money"},
    "us-cfpb-complaint": {"product", "issue", "company", "what_happened", "resolution"},
    "us-debt-validation": {"from", "to", "first_contact"},
    "uk-7726-forward": {"to", "message", "sender"},
    "uk-report-fraud": {"how_contacted", "sender", "date", "impersonated", "message", "loss"},
    "uk-lender-complaint": {"to", "name"},
}


def _verdict(jurisdiction: str, text: str = HOSTILE, **context: Any) -> veritext.Verdict:
    return veritext.triage(
        text, sender="17187654321", received_at=WHEN, context=Context(jurisdiction=jurisdiction, **context)
    )


def _unverified_values() -> set[str]:
    """Values the shared facts mark unverified (and no verified value contains), e.g. 010-12321."""
    if not SHARED_FACTS.is_file():
        pytest.skip(f"shared facts not found at {SHARED_FACTS}")
    rows = yaml.safe_load(SHARED_FACTS.read_text("utf-8"))["contacts"]
    verified = [str(r["value"]) for r in rows if r.get("verified") is True]
    verified += [str(r["name_local"]) for r in rows if r.get("verified") is True]
    out = set()
    for r in rows:
        value = str(r["value"])
        if r.get("verified") is not True and not any(value in v for v in verified):
            out.add(value.split(" (")[0])
    return out


def _allowed_urls() -> set[str]:
    allowed = {c.value.removeprefix("mailto:") for c in contacts().values() if c.kind == "website"}
    allowed |= {d for i in institutions() for d in i.domains}
    return allowed


@pytest.mark.parametrize(("jurisdiction", "channel"), ALL_CHANNELS)
def test_each_template_fills_its_required_fields_in_both_languages(jurisdiction: str, channel: str) -> None:
    (d,) = drafts(_verdict(jurisdiction), only=[channel], today=TODAY)
    assert REQUIRED[channel] <= {f.key for f in d.fields}
    for f in d.fields:
        if f.required:
            assert f.value.zh.strip() and f.value.en.strip(), f.key
    assert d.body.zh.strip() and d.body.en.strip() and d.title.zh and d.title.en
    for c in d.contacts:
        assert contacts()[c.id] == c and c.jurisdiction == jurisdiction
    for lang in ("zh", "en"):
        text = draft_text(d, lang)
        assert "49" not in re.sub(r"[0-9a-f]{64}", "", text)  # {{7*7}} is printed, never evaluated
        if "{{7*7}}" in text:
            assert "{% raw %}" in text and "<script>alert(1)</script>" in text  # verbatim in plain text


@pytest.mark.parametrize(("jurisdiction", "channel"), ALL_CHANNELS)
def test_no_template_names_an_unverified_contact(jurisdiction: str, channel: str) -> None:
    (d,) = drafts(_verdict(jurisdiction, "您的借款已逾期，请尽快处理"), only=[channel], today=TODAY)
    text = draft_text(d, "zh") + draft_text(d, "en") + drafts_html([d])
    for value in _unverified_values():
        assert value not in text, f"{channel} prints the unverified {value!r}"
    allowed = _allowed_urls()
    sources = {s for r in d.rules for s in r.sources}
    for url in re.findall(r"https?://[^\s<>\"'）)，；;]+", text):
        url = url.rstrip(".,]")
        assert url in sources or any(url.startswith(a) or a.startswith(url) for a in allowed), url


@pytest.mark.parametrize(("jurisdiction", "channel"), ALL_CHANNELS)
def test_hostile_message_text_cannot_break_the_html(jurisdiction: str, channel: str) -> None:
    (d,) = drafts(_verdict(jurisdiction), only=[channel], today=TODAY)
    html = drafts_html([d])
    assert "<script" not in html and "<img" not in html and "<b>x</b>" not in html
    assert html.count("</style>") == 1 and html.count("</title>") == 1
    if "alert(1)" in html:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{7*7}}" in html


# --- the template sources themselves -----------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w§.\-/:#])\+?\d[\d\- ]*\d(?![\w.:/%])")
_DOMAIN = re.compile(
    r"\b(?:https?://)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|gov|org|uk|net|top|io|app)\b[^\s\"'）)]*"
)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def unlisted_contacts(text: str) -> list[str]:
    """Numbers (3+ digits) and web addresses written into template text that are not verified values."""
    verified_digits = {re.sub(r"\D", "", c.value) for c in contacts().values()}
    verified_hosts = {re.sub(r"^(mailto:|https?://)", "", c.value).rstrip("/") for c in contacts().values()}
    bad = []
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 3 and digits not in verified_digits and not re.fullmatch(r"(19|20)\d\d", digits):
            bad.append(m.group())
    for m in _DOMAIN.finditer(text.lower()):
        host = re.sub(r"^https?://", "", m.group()).rstrip("/.")
        if not any(host == v or host.startswith(v) for v in verified_hosts):
            bad.append(m.group())
    return bad


def test_the_scan_catches_a_number_or_address_typed_into_a_template() -> None:
    assert unlisted_contacts("Call 010-12321 or visit www.12377.cn") == ["010-12321", "www.12377.cn"]
    assert unlisted_contacts("Call {{ c['cn-12378'].value }}; see §1692g(b) within 30 days; 12378") == []


@pytest.mark.parametrize("jurisdiction", ["CN", "US", "UK"])
def test_channel_templates_write_no_number_or_address_themselves(jurisdiction: str) -> None:
    raw = resources.files("veritext").joinpath(f"data/report/channels/{jurisdiction}.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    found = [bad for s in _strings(data["channels"]) for bad in unlisted_contacts(s)]
    assert found == [], f"write these through c['<verified contact id>'].value: {found}"


# --- which channels apply: that choice is data -----------------------------------------------


def _ids(v: veritext.Verdict, findings: tuple[Any, ...] = ()) -> list[str]:
    return [d.channel for d in drafts(v, findings=findings, today=TODAY)]


def test_a_real_looking_code_needs_no_report() -> None:
    v = replace(_verdict("CN", "您的验证码为123456"), kind="verification_code", risk="low", signals=())
    assert _ids(v) == []


def test_a_real_overdue_notice_gets_the_non_malicious_overdue_request() -> None:
    v = replace(_verdict("CN", "您的借款已逾期3天", has_loan="yes"), kind="overdue_collection", risk="low", signals=())
    assert _ids(v) == ["cn-non-malicious-overdue"]


def test_no_loan_gets_a_credit_objection_and_a_scam_gets_reports() -> None:
    v = replace(_verdict("CN", "您的借款已逾期3天", has_loan="no"), kind="overdue_collection", risk="high")
    ids = _ids(v)
    assert {"cn-credit-objection", "cn-12321-report", "cn-police-report"} <= set(ids)
    assert "cn-non-malicious-overdue" not in ids


def test_abusive_collection_gets_complaints_to_the_lender_then_the_regulator() -> None:
    text = "王小明你已逾期，再不还款就通知你的紧急联系人和单位，上门催收"  # written for this test
    v = _verdict("CN", text)
    report = check_conduct([EvidenceMessage(1, text, "17187654321", WHEN)], jurisdiction="CN")
    ids = _ids(v, report.findings)
    assert ids.index("cn-lender-complaint") < ids.index("cn-regulator-complaint")
    (lender,) = drafts(v, findings=report.findings, only=["cn-lender-complaint"], today=TODAY)
    assert "22:00" in lender.body.zh and "Contact at night" in lender.body.en  # findings with their rules
    assert "王小明" not in lender.body.zh  # redacted by default …
    (plain,) = drafts(v, findings=report.findings, only=["cn-lender-complaint"], redaction=Redaction.off())
    assert "王小明" in plain.body.zh  # … and included on request


def test_us_validation_letter_for_a_collection_and_reports_for_a_scam() -> None:
    base = _verdict("US", "Your QuickCash loan is past due. Pay today.")  # written for this test
    assert "us-debt-validation" in _ids(replace(base, kind="overdue_collection", risk="low"))
    scam = _ids(replace(base, kind="overdue_collection", risk="high"))
    assert {"us-7726-forward", "us-reportfraud-ftc"} <= set(scam) and "us-debt-validation" not in scam
    (letter,) = drafts(base, only=["us-debt-validation"], today=TODAY)
    assert "§1692g(b)" in letter.body.en and letter.rules[0].id == "us-fdcpa-1692g"


def test_uk_complaint_says_the_ombudsman_is_not_in_the_facts_data() -> None:
    v = _verdict("UK", "Sam, your FastLend account is in arrears. We will tell your employer.")  # written here
    (d,) = drafts(v, only=["uk-lender-complaint"], today=TODAY)
    assert any("Financial Ombudsman" in n.en for n in d.notes)
    assert {c.id for c in d.contacts} == {"uk-fca-register", "uk-fca-helpline"}
    assert any("Ombudsman" in u.en for u in unavailable("UK"))


def test_unknown_channel_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        drafts(_verdict("CN"), only=["cn-nope"])


def test_drafts_are_json_ready_and_say_nothing_was_sent() -> None:
    (d,) = drafts(_verdict("CN"), only=["cn-12321-report"], today=TODAY)
    data = d.to_dict()
    assert data["redacted"] is True and data["contacts"][0]["id"] == "cn-12321-wechat"
    assert "Nothing is sent automatically" in draft_text(d, "en")
