"""The abusive-collection check, as examples: a harassment sequence and what each finding cites."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from veritext import Context
from veritext.report import EvidenceMessage, check_conduct, conduct_text, read_messages, to_messages
from veritext.report.rules import FINDINGS, advice, conduct_data

ADVICE_IDS = (
    "design-reporting-harassment",
    "design-court-sms",
    "design-non-malicious-overdue",
    "design-identity-theft",
    "design-never-click",
)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# A harassment sequence written for this test (names, numbers and lender are made up).
CN_SEQUENCE = [
    (
        "王小明，你已逾期6天，今天必须还清3456元，否则我们将联系你的紧急联系人和单位同事。",
        "17187654321",
        "2026-11-26T08:15",
    ),
    ("最后通知：你的欠款不处理，我们将在你所在小区张贴催收公告，把你列为老赖。", "17187654321", "2026-11-26T12:40"),
    (
        "你好，你的朋友王小明在我司借款逾期未还，你是他的紧急联系人，请转告他立即还款。",
        "16598761234",
        "2026-11-26T19:05",
    ),
    ("还不还？今晚我们的人就上门，别让你家人难堪。", "17187654321", "2026-11-26T23:48"),
    (
        "【法院通知】你因借款合同纠纷已被立案起诉，请于今日内联系法务专员处理，否则将冻结名下财产并拘留。",
        "17187654321",
        "2026-11-27T06:30",
    ),
]


def _messages(rows: list[tuple[str, str, str]]) -> list[EvidenceMessage]:
    return [EvidenceMessage(n, t, s, datetime.fromisoformat(w)) for n, (t, s, w) in enumerate(rows, 1)]


@pytest.fixture(scope="module")
def cn_report():  # type: ignore[no-untyped-def]
    return check_conduct(_messages(CN_SEQUENCE))


def test_a_harassment_sequence_yields_each_kind_of_finding_with_messages_and_times(cn_report) -> None:  # type: ignore[no-untyped-def]
    found = {f.id: f for f in cn_report.findings}
    assert cn_report.jurisdiction == "CN"
    assert {"night_contact", "messages_per_day", "third_party_disclosure", "threats", "fake_legal_document"} <= set(
        found
    )
    night = found["night_contact"]
    assert [(h.index, h.received_at.strftime("%H:%M")) for h in night.hits] == [(4, "23:48"), (5, "06:30")]
    assert night.basis == "rule" and night.rules[0].id == "cn-cba-collection-guideline"
    assert {h.index for h in found["messages_per_day"].hits} == {1, 2, 3, 4}
    assert {h.index for h in found["third_party_disclosure"].hits} >= {1, 3}
    assert {h.index for h in found["threats"].hits} >= {2, 4, 5}


def test_findings_without_a_verified_rule_say_they_are_advice_based(cn_report) -> None:  # type: ignore[no-untyped-def]
    found = {f.id: f for f in cn_report.findings}
    for fid in ("messages_per_day", "fake_legal_document"):
        assert found[fid].basis == "advice"
        assert found[fid].advice is not None and found[fid].advice.ref.startswith("DESIGN.md")
        assert found[fid].note is not None  # says why no rule is cited
    # CN has no verified opt-out rule: not checked, and the output says so.
    assert any("opt-out" in n.en for n in cn_report.notes)


def test_every_finding_reads_in_both_languages(cn_report) -> None:  # type: ignore[no-untyped-def]
    zh, en = conduct_text(cn_report, "zh"), conduct_text(cn_report, "en")
    assert "深夜或清晨催收" in zh and "Contact at night" in en
    assert "23:48" in zh and "23:48" in en
    assert "王小明" not in zh + en  # quotes are redacted by default


def test_us_rules_check_opt_out_and_cite_the_fdcpa() -> None:
    rows = [  # written for this test
        (
            "Jordan, your QuickCash account is past due. We will contact your employer about this debt.",
            "+14155550199",
            "2026-11-20T21:40",
        ),
        ("QuickCash past due balance: pay today. Reply STOP to opt out.", "+14155550199", "2026-11-21T10:00"),
    ]
    report = check_conduct(_messages(rows), jurisdiction="US")
    found = {f.id: f for f in report.findings}
    assert [h.index for h in found["no_opt_out"].hits] == [1]
    assert "§1006.6(e)" in found["no_opt_out"].rules[0].citation.en
    assert "§1692c(a)(1)" in found["night_contact"].rules[0].citation.en
    assert "§1692c(b)" in found["third_party_disclosure"].rules[0].citation.en


def test_threshold_and_context_are_explicit_parameters() -> None:
    msgs = _messages(CN_SEQUENCE)
    assert "messages_per_day" not in {f.id for f in check_conduct(msgs, max_per_day=10).findings}
    report = check_conduct(msgs, jurisdiction="CN", context=Context(has_loan="no"))
    assert all(v.context.has_loan == "no" for v in report.verdicts)
    with pytest.raises(ValueError):
        check_conduct([])


def test_each_jurisdiction_checks_or_explains_every_finding_and_cites_facts() -> None:
    facts = SHARED / "facts" / "facts.md"
    design = SHARED / "DESIGN.md"
    for j in ("CN", "US", "UK"):
        data = conduct_data(j)
        assert sorted([c.finding for c in data.checks] + [f for f, _ in data.not_checked]) == sorted(FINDINGS)
        if not facts.is_file():
            continue
        text = facts.read_text("utf-8")
        for rule in data.rules.values():
            assert rule.facts_ref.startswith("facts.md §")
            for source in rule.sources:
                key = source.split("github-index-id:")[-1]
                assert key in text, f"{rule.id}: source {source} is not in facts.md"
    if design.is_file():
        # DESIGN.md wraps lines and uses markdown emphasis; the quotes are its words without them.
        plain = " ".join(re.sub(r"\*+", "", design.read_text("utf-8")).split())
        for advice_id in ADVICE_IDS:
            assert advice(advice_id).quote in plain, advice_id


def test_pasted_messages_read_from_jsonl_and_csv_with_clear_errors(tmp_path: Path) -> None:
    jsonl = tmp_path / "sms.jsonl"
    jsonl.write_text(
        '{"text": "还不还？", "sender": "171", "time": "2026-11-26T23:48"}\n\n'
        '{"body": "今晚上门", "from": "171", "date": 1795731000000}\n',
        encoding="utf-8",
    )
    first, second = read_messages(jsonl)
    assert (first.index, first.sender, first.received_at.hour) == (1, "171", 23)
    assert second.text == "今晚上门" and second.received_at is not None
    csv = tmp_path / "sms.csv"
    csv.write_text('text,sender,time\n"a, b",+1415,2026-11-20 21:40\n', encoding="utf-8")
    (row,) = read_messages(csv)
    assert row.text == "a, b" and row.received_at.minute == 40
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        read_messages(bad)
    with pytest.raises(ValueError, match="not an ISO 8601"):
        to_messages([{"text": "x", "time": "yesterday"}])


def test_times_with_an_offset_are_read_in_the_persons_time_zone() -> None:
    from datetime import UTC

    # written for this test; 22:10 UTC is 06:10 in Beijing (night) and 17:10 in New York (not)
    m = EvidenceMessage(
        1, "你已逾期，今天必须还款，否则联系你的家人", "171", datetime(2026, 11, 26, 22, 10, tzinfo=UTC)
    )
    (night,) = [f for f in check_conduct([m], jurisdiction="CN").findings if f.id == "night_contact"]
    assert night.hits[0].why is not None and "06:10" in night.hits[0].why.en
    later = check_conduct([m], jurisdiction="CN", timezone="America/New_York")
    assert "night_contact" not in {f.id for f in later.findings}
    with pytest.raises(ValueError, match="time zone"):
        check_conduct([m], timezone="Mars/Olympus")
