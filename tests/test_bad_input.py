"""Bad, huge and hostile input: every one gets a verdict or one clear ``InputError``, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veritext
from veritext import InputError


def triage_or_input_error(text, **kw):
    """The verdict, or ``None`` when the input is refused with :class:`InputError` (any other error fails)."""
    try:
        return veritext.triage(text, **kw)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc), "one clear line"
        return None


@pytest.mark.parametrize("text", ["", " ", "   \n\t\r\n  ", "\u3000\u3000", "\u200b\u200b"])
def test_empty_and_blank_messages_get_a_low_risk_verdict(text, valid_verdict):
    v = veritext.triage(text)
    valid_verdict(v)
    assert v.risk == "low"
    assert v.text == text


def test_nul_bytes_are_just_characters(valid_verdict):
    text = "【工商银行】您的验证码\x00为482913\x00，请勿泄露"  # written for this test
    v = veritext.triage(text)
    valid_verdict(v)
    assert v.text == text


def test_lone_surrogates_become_encodable_without_moving_offsets(valid_verdict):
    text = "\ud800abc 验证码123456 \udfff http://xx-repay.top"  # written for this test
    v = veritext.triage(text)
    d = valid_verdict(v)
    assert json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")
    assert len(v.text) == len(text)
    assert "\ud800" not in v.text and v.text[1:].startswith("abc")
    assert d["text"] == v.text


def test_lone_surrogate_alone(valid_verdict):
    v = veritext.triage("\ud800abc")
    valid_verdict(v)
    json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")


def test_lone_surrogate_in_sender(valid_verdict):
    v = veritext.triage("您的验证码为482913", sender="9558\udc00")  # written for this test
    valid_verdict(v)
    json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")


@pytest.mark.timeout(20)
def test_ten_thousand_emoji(valid_verdict):
    v = veritext.triage("😀" * 10_000)
    valid_verdict(v)


@pytest.mark.parametrize("bad", [None, 42, b"bytes are not text", ["a list"], 3.5])
def test_non_str_text_is_an_input_error(bad):
    with pytest.raises(InputError):
        veritext.triage(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [42, b"bytes are not text", None])
def test_triage_many_refuses_non_str_text_like_triage(bad):
    with pytest.raises(InputError):
        list(veritext.triage_many([veritext.Message(bad)]))  # type: ignore[arg-type]


@pytest.mark.parametrize("message", [veritext.Message(["a list"]), veritext.Message("hi", sender=["95588"])])  # type: ignore[arg-type]
def test_triage_many_refuses_unhashable_fields_with_input_error(message):
    with pytest.raises(InputError):
        list(veritext.triage_many([message]))


def test_non_str_sender_is_an_input_error():
    with pytest.raises(InputError):
        veritext.triage("hello", sender=95588)  # type: ignore[arg-type]


def test_over_a_million_characters_is_an_input_error():
    with pytest.raises(InputError, match="limit"):
        veritext.triage("a" * 1_000_001)


CHILD = """
import json, sys, time
import veritext
text = sys.stdin.buffer.read().decode("utf-8")
veritext.triage("warm up")
t0 = time.perf_counter()
try:
    v = veritext.triage(text)
except veritext.InputError as exc:
    print(json.dumps({"seconds": time.perf_counter() - t0, "input_error": str(exc)}))
    sys.exit(0)
seconds = time.perf_counter() - t0
bad = [(s.id, sp.start) for s in v.signals for sp in s.spans if v.text[sp.start:sp.end] != sp.text]
json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")
print(json.dumps({"seconds": seconds, "risk": v.risk, "bad_spans": bad[:5]}))
"""


def triage_in_child(text: str, limit: float) -> dict:
    """Triage ``text`` in a fresh interpreter, killed after ``limit`` s of work (plus start-up).

    A separate process, not an in-process timeout, because a timeout signal landing in the middle of a
    long computation can leave pytest unable to format the traceback (an INTERNALERROR ends the run).
    """
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=limit + 30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"triage of {len(text):,} characters did not finish within {limit:.0f} s (+30 s start-up)")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    assert b"Traceback" not in proc.stderr
    return json.loads(proc.stdout.decode("utf-8").splitlines()[-1])


@pytest.mark.timeout(60)
def test_exactly_the_limit_is_accepted(valid_verdict):
    text = "ok " * 333_333 + "o"
    assert len(text) == 1_000_000
    v = triage_or_input_error(text)
    assert v is not None, "the documented limit is 1,000,000 characters inclusive"
    valid_verdict(v)


@pytest.mark.timeout(300)
def test_a_million_characters_of_realistic_text_finish_within_a_minute():
    # written for this test: a realistic collection text, repeated to exactly the limit
    unit = "尊敬的客户，您的借款已逾期3天，请登录官方App还款。Your loan is 3 days overdue. "
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    result = triage_in_child(text, limit=60)
    assert result.get("bad_spans", []) == []
    assert result["seconds"] < 60, f"{result['seconds']:.0f} s for 1,000,000 characters"


# Inputs built to make careless regexes backtrack or careless loops go quadratic.
PATHOLOGICAL = {
    "spaced_http": "h t t p " * 20_000,
    "dots": "a." * 50_000,
    "one_cjk_char": "点" * 100_000,
    "digit_space": "1 " * 50_000,
    "open_brackets": "【" * 50_000,
    "code_then_tell": "验证码" + "告诉" * 30_000,
    "long_local_part": "x" * 200_000 + "@",
    "endless_host": "http://" + "a." * 40_000,
    "digits": "1" * 200_000,
    "dashes_digits": "1-" * 50_000,
    "at_dots": "a@" * 50_000,
    "closing_brackets": "】" * 50_000,
    "percent": "%" * 100_000,
    "www": "www." * 30_000,
    "amounts": "¥1,000," * 20_000,
}

SLOW_BUGS: dict[str, str] = {}  # name -> reason, for an input that is known to be too slow (none now)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=SLOW_BUGS[n])) if n in SLOW_BUGS else n
        for n in PATHOLOGICAL
    ],
)
def test_pathological_input_finishes(name, valid_verdict):
    text = PATHOLOGICAL[name]
    v = triage_or_input_error(text)
    if v is not None:
        valid_verdict(v)


@pytest.mark.timeout(60)
def test_100kb_realistic_message_has_no_blow_up(valid_verdict):
    # written for this test: a long, ordinary collection thread pasted in one piece (~100 kB of UTF-8)
    unit = (
        "【某某消费金融】尊敬的张先生，您在我司的借款（合同尾号8831）已逾期3天，应还金额1,280.00元，"
        "请登录官方App或拨打客服电话95188处理。详情见 https://www.example.com/repay?id=8831 。"
        "Dear customer, your loan payment of $1,280.00 is 3 days past due; call 1-800-555-0199. "
    )
    text = unit * (100_000 // len(unit.encode("utf-8")) + 1)
    assert len(text.encode("utf-8")) >= 100_000
    veritext.triage("warm up the caches")
    t0 = time.perf_counter()
    v = veritext.triage(text)
    elapsed = time.perf_counter() - t0
    valid_verdict(v)
    assert elapsed < 5.0, f"{elapsed:.1f} s for 100 kB: a pathological blow-up"


def assert_consistent(text, v):
    assert len(v.text) == len(text)
    for sig in v.signals:
        for span in sig.spans:
            assert 0 <= span.start <= span.end <= len(v.text)
            assert v.text[span.start : span.end] == span.text
    for ent in v.entities:
        assert v.text[ent.span.start : ent.span.end] == ent.span.text
    json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")


# database=None: the tests write nothing outside tmp_path (no .hypothesis/ in the working tree).
@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(max_size=300), sender=st.one_of(st.none(), st.text(max_size=30)))
def test_any_text_gets_a_consistent_verdict(text, sender):
    try:
        v = veritext.triage(text, sender=sender)
    except InputError:
        return
    assert_consistent(text, v)


# Fragments that wake up the rules (links, codes, amounts, threats, brackets), glued by random text and
# random surrogates, so the search reaches the extractors and the span bookkeeping, not just "other".
FRAGMENTS = st.sampled_from(
    [
        "http://",
        "https://",
        "www.",
        "bit.ly/",
        ".top",
        ".com",
        "xx-repay",
        "@",
        "【",
        "】",
        "[",
        "]",
        "验证码",
        "逾期",
        "借款",
        "还款",
        "起诉",
        "法院",
        "征信",
        "点击",
        "链接",
        "工商银行",
        "95588",
        "123456",
        "1,280.00元",
        "¥",
        "$",
        "£",
        "past due",
        "loan",
        "URGENT",
        "click",
        "court",
        "138 0013 8000",
        "+44 7700 900123",
        "1-800-555-0199",
        "h t t p",
        "ｈｔｔｐ",
        "\u3000",
        "\u200b",
        "\ufe0f",
        "\ud800",
        "\udfff",
        "\x00",
        "\r\n",
        " ",
        "。",
        "，",
    ]
)
MESSAGEY = st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=200, deadline=None, database=None)
@given(text=MESSAGEY, sender=st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["95588", "+447700900123"])))
def test_messagey_text_gets_a_consistent_verdict(text, sender):
    try:
        v = veritext.triage(text, sender=sender)
    except InputError:
        return
    assert_consistent(text, v)
