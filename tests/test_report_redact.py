"""Redaction, as examples: what an export hides by default, and how to include originals."""

from __future__ import annotations

from veritext.report import Redaction, redact
from veritext.report.redact import redact_many

# Every message below is written for this test.


def test_chinese_id_card_and_account_numbers_are_hidden_keeping_card_tails() -> None:
    text = "身份证110101199003077777，卡号6222 0202 0011 2233 445，账户 1234567890123456"
    out = redact(text).text
    assert "110101199003077777" not in out and "[身份证号 ID number]" in out
    assert "6222 0202" not in out  # a Luhn-valid card number …
    assert "****3445" in out  # … keeps its last four digits, as banks print them
    assert "1234567890123456" not in out


def test_the_persons_own_number_is_hidden_in_any_format_but_other_numbers_stay() -> None:
    text = "我们已联系 +86 138-0013-8000 的机主，请回电 17187654321"
    out = redact(text, Redaction(own_phones=("13800138000",))).text
    assert "0013" not in out and "[本人号码 own phone]" in out
    assert "17187654321" in out  # the collector's number is evidence, not personal data


def test_names_are_hidden_where_the_message_shows_them() -> None:
    cases = {
        "尊敬的王小明先生，您的借款已逾期": "王小明",
        "【安心借】张三，你已逾期6天": "张三",
        "你的朋友李四在我司借款逾期未还": "李四",
        "Dear Jordan Miller, your account is past due": "Jordan Miller",
    }
    for text, name in cases.items():
        out = redact(text).text
        assert name not in out, text
        assert "[姓名 name]" in out, text


def test_ordinary_words_after_a_cue_are_not_taken_for_names() -> None:
    text = "我们将联系你的紧急联系人和单位同事。Dear Customer, pay now."
    assert redact(text).text == text


def test_names_the_person_gives_are_hidden_everywhere() -> None:
    out = redact("wang xiaoming 你好，王小明欠款", Redaction(names=("王小明", "Wang Xiaoming"))).text
    assert "王小明" not in out and "wang xiaoming" not in out.lower()


def test_off_includes_originals_and_hits_point_into_the_original() -> None:
    text = "身份证110101199003077777"
    assert redact(text, Redaction.off()).text == text
    r = redact(text)
    (start, end, kind, _label) = r.hits[0]
    assert (text[start:end], kind) == ("110101199003077777", "id_number")
    assert r.slice(0, 3) == "身份证"


def test_a_name_found_in_one_message_is_hidden_in_the_whole_set() -> None:
    first, second = redact_many(["Dear Sam Taylor, you are in arrears.", "Sam, we will call your employer. Samsung"])
    assert "Sam" not in first.text
    assert second.text.startswith("[姓名 name], we will") and second.text.endswith("Samsung")
