"""The ``veritext`` command, run for real in a subprocess, as a person or a script would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import veritext
from veritext import Context
from veritext.samples import SAMPLES

# written for this test (acceptance example: a fake Chinese overdue notice with a phishing link)
ZH_FAKE_OVERDUE = "【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉"
# written for this test (acceptance example: a fake English past-due text with a short link)
EN_FAKE_OVERDUE = "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz"
# written for this test
BANK_CODE = "【工商银行】您的验证码为482913，请勿泄露"
# written for this test (a plain personal message: nothing to worry about)
PERSONAL = "Hi mum, running late, see you at 7"

# written for this test: candidates for a medium-risk verdict (a reminder with a non-official link,
# an unsigned call-back request, a code that someone asks you to forward, ...). The test uses the
# first one the library rates medium, so it does not depend on exact weights.
MEDIUM_CANDIDATES = [
    "【某某银行】您的信用卡本期账单已出，请点击 http://bank-bill.example.com 查看详情。",
    "您的借款明天到期，请及时还款，详询 400-123-4567。",
    "Your loan payment is due tomorrow. Pay at https://pay-loans.example.com to avoid a late fee.",
    "Your account has been limited. Call 1-800-555-0199 to restore access.",
    "您好，您的账户存在异常，请尽快联系客服处理。",
    "Reminder: your payment is overdue. Please call us back at 0800 555 0123.",
    "【某某金融】您有一笔借款即将逾期，请尽快登录 https://xx-jinrong.com 还款。",
    "Your package could not be delivered. Update your address: https://parcel-help.example.net",
]

VERITEXT_SCRIPT = Path(sys.executable).with_name("veritext")


def run(*args: str, stdin: bytes | None = None, extra_env: dict[str, str] | None = None):
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "veritext.cli", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        timeout=120,
    )


def out(proc) -> str:
    return proc.stdout.decode("utf-8")


def err(proc) -> str:
    return proc.stderr.decode("utf-8")


def assert_no_traceback(proc) -> None:
    assert "Traceback" not in err(proc) and "Traceback" not in out(proc), err(proc)


def test_console_script_is_installed():
    assert VERITEXT_SCRIPT.exists(), f"{VERITEXT_SCRIPT} missing: is the package installed in the venv?"
    proc = subprocess.run([str(VERITEXT_SCRIPT), "--help"], capture_output=True, timeout=120)
    assert proc.returncode == 0
    assert "check" in out(proc) and "demo" in out(proc)


def test_help_lists_commands():
    proc = run("--help")
    assert proc.returncode == 0, err(proc)
    text = out(proc)
    assert re.search(r"\bcheck\b", text) and re.search(r"\bdemo\b", text)


def test_check_json_is_exactly_the_verdict():
    proc = run("check", "--json", ZH_FAKE_OVERDUE)
    assert proc.returncode == 20, err(proc)
    assert json.loads(out(proc)) == veritext.triage(ZH_FAKE_OVERDUE).to_dict()


def test_check_reads_stdin_with_dash():
    proc = run("check", "--json", "-", stdin=ZH_FAKE_OVERDUE.encode("utf-8"))
    assert proc.returncode == 20, err(proc)
    assert json.loads(out(proc)) == veritext.triage(ZH_FAKE_OVERDUE).to_dict()


def test_check_passes_sender_and_answers():
    proc = run("check", "--json", "--sender", "95588", "--requested-code", "no", BANK_CODE)
    assert proc.returncode == 0, err(proc)
    got = json.loads(out(proc))
    expected = veritext.triage(BANK_CODE, sender="95588", context=Context(requested_code="no")).to_dict()
    assert got == expected
    assert got["sender"] == "95588"
    assert got["context"]["requested_code"] == "no"
    assert "UNREQUESTED_CODE" in {s["id"] for s in got["signals"]}


def test_check_has_loan_no_drops_the_has_loan_yes_branch():
    proc = run("check", "--json", "--has-loan", "no", ZH_FAKE_OVERDUE)
    got = json.loads(out(proc))
    assert got == veritext.triage(ZH_FAKE_OVERDUE, context=Context(has_loan="no")).to_dict()
    assert got["context"]["has_loan"] == "no"
    assert not any(s["condition"] == "has_loan=yes" for s in got["plan"])


def test_check_jurisdiction_override():
    proc = run("check", "--json", "--jurisdiction", "UK", ZH_FAKE_OVERDUE)
    got = json.loads(out(proc))
    assert got["jurisdiction"] == "UK"
    assert got == veritext.triage(ZH_FAKE_OVERDUE, context=Context(jurisdiction="UK")).to_dict()


def test_human_output_in_the_message_language():
    proc = run("check", ZH_FAKE_OVERDUE)
    assert proc.returncode == 20
    text = out(proc)
    assert "风险" in text and "高" in text
    assert "怎么做" in text
    assert re.search(r"^\s+1\. ", text, re.M) and re.search(r"^\s+2\. ", text, re.M), "a numbered plan"
    assert "xx-repay.top" in text, "the message is shown with its evidence"


def test_lang_en_gives_english_headings_for_a_chinese_message():
    proc = run("check", "--lang", "en", ZH_FAKE_OVERDUE)
    assert proc.returncode == 20
    text = out(proc)
    for heading in ("Kind:", "Risk:", "Reasons", "What to do"):
        assert heading in text, heading
    assert re.search(r"\bhigh\b", text)
    assert "怎么做" not in text and "风险" not in text
    assert re.search(r"^\s+1\. ", text, re.M)


def test_exit_code_low_risk_is_0():
    assert veritext.triage(PERSONAL).risk == "low"
    proc = run("check", PERSONAL)
    assert proc.returncode == 0, err(proc)
    assert re.search(r"\blow\b", out(proc))


@pytest.mark.parametrize("text", [ZH_FAKE_OVERDUE, EN_FAKE_OVERDUE])
def test_exit_code_high_risk_is_20(text):
    proc = run("check", "--lang", "en", text)
    assert proc.returncode == 20, err(proc)
    assert re.search(r"Risk:\s+high\b", out(proc))


def test_exit_code_medium_risk_is_10():
    medium = [t for t in MEDIUM_CANDIDATES if veritext.triage(t).risk == "medium"]
    assert medium, "none of the candidates is rated medium; add one that is"
    proc = run("check", medium[0])
    assert proc.returncode == 10, err(proc)


def test_bad_option_value_is_a_usage_error():
    proc = run("check", "--has-loan", "maybe", ZH_FAKE_OVERDUE)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    assert "has-loan" in err(proc)


def test_invalid_utf8_on_stdin_is_one_clear_error():
    proc = run("check", "-", stdin=b"\xff\xfe\xfa")
    assert proc.returncode == 1
    assert out(proc) == ""
    lines = err(proc).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("veritext: error:")
    assert "UTF-8" in lines[0]
    assert_no_traceback(proc)


def test_bad_received_at_is_one_clear_error():
    proc = run("check", "--received-at", "notadate", ZH_FAKE_OVERDUE)
    assert proc.returncode == 1
    lines = err(proc).splitlines()
    assert len(lines) == 1 and lines[0].startswith("veritext: error:"), lines
    assert "notadate" in lines[0]
    assert_no_traceback(proc)


def test_good_received_at_is_kept():
    proc = run("check", "--json", "--received-at", "2026-11-28T23:10", ZH_FAKE_OVERDUE)
    assert proc.returncode == 20
    assert json.loads(out(proc))["received_at"] == "2026-11-28T23:10:00"


def test_too_long_message_is_one_clear_error():
    proc = run("check", "-", stdin=b"a" * 1_000_001)
    assert proc.returncode == 1
    lines = err(proc).splitlines()
    assert len(lines) == 1 and lines[0].startswith("veritext: error:"), lines
    assert_no_traceback(proc)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_shows_every_sample(lang):
    proc = run("demo", "--lang", lang)
    assert proc.returncode == 0, err(proc)
    text = out(proc)
    squeezed = re.sub(r"\s+", "", text)
    assert len(SAMPLES) >= 3
    for sample in SAMPLES:
        assert sample.title.get(lang) in text, sample.title
        assert re.sub(r"\s+", "", sample.text) in squeezed, sample.text
    assert text.count("1. ") >= len(SAMPLES), "every sample gets a numbered plan"
