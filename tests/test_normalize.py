"""normalize(): the normalised text for matching, and the way back to the original characters."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from veritext.message import Span
from veritext.normalize import EDIT_KINDS, Edit, Normalized, normalize


def found(n: Normalized, needle: str) -> Span:
    """Find ``needle`` in the normalised text and map it back, as later stages do."""
    start = n.text.index(needle)
    return n.span(start, start + len(needle))


def kinds(n: Normalized) -> list[str]:
    return [e.kind for e in n.edits]


# --- step 1: width and compatibility folding -------------------------------------------------


def test_full_width_url_maps_back_to_the_full_width_original() -> None:
    n = normalize("请访问 ｗｗｗ．ａｂｃ．ｃｏｍ 查询")
    assert n.text == "请访问 www.abc.com 查询"
    assert found(n, "www.abc.com") == Span(4, 15, "ｗｗｗ．ａｂｃ．ｃｏｍ")
    assert n.edits == ()  # width folding is not suspicious in itself


def test_full_width_digits_circled_numbers_math_letters_and_ideographic_space() -> None:
    n = normalize("１２３\u3000①②⑩ ℂℍ𝔸𝕊𝔼")
    assert n.text == "123 1210 CHASE"
    assert found(n, "10") == Span(6, 7, "⑩")
    assert found(n, "CHASE") == Span(8, 13, "ℂℍ𝔸𝕊𝔼")


def test_full_width_punctuation_keeps_an_identity_map() -> None:
    n = normalize("您好，请还款！【某银行】")
    assert n.text == "您好,请还款!【某银行】"  # 【】 mark a sender signature and are kept
    assert n.to_original(0, len(n.text)) == (0, len(n.original))


def test_a_character_that_expands_maps_every_output_char_to_itself() -> None:
    n = normalize("㈱ABC")
    assert n.text == "(株)ABC"
    assert n.span(1, 2) == Span(0, 1, "㈱")
    assert n.span(0, 3) == Span(0, 1, "㈱")
    assert found(n, "ABC") == Span(1, 4, "ABC")


def test_a_base_and_its_combining_marks_are_composed_together() -> None:
    n = normalize("cafe\u0301 ok")
    assert n.text == "cafe ok"  # composed to é, then folded for matching (see homoglyphs)
    assert n.span(3, 4) == Span(3, 5, "e\u0301")
    assert found(n, "ok") == Span(6, 8, "ok")


# --- step 2: format and control characters ----------------------------------------------------


def test_zero_width_space_inside_a_domain_is_removed_and_reported() -> None:
    n = normalize("登录icb\u200bc.com核验")
    assert n.text == "登录icbc.com核验"
    assert found(n, "icbc.com") == Span(2, 11, "icb\u200bc.com")
    assert n.edits == (Edit("format_char", Span(5, 6, "\u200b")),)


def test_a_run_of_format_characters_is_one_edit() -> None:
    n = normalize("95\u200b\u200c\u2060588 请\u202e回电\u00ad")
    assert n.text == "95588 请回电"
    assert [e.span.text for e in n.edits] == ["\u200b\u200c\u2060", "\u202e", "\u00ad"]
    assert set(kinds(n)) == {"format_char"}


def test_control_characters_and_nul_are_removed_but_newline_and_tab_stay() -> None:
    n = normalize("a\x00b\x07c\td\ne")
    assert n.text == "abc\td\ne"
    assert [e.span for e in n.edits] == [Span(1, 2, "\x00"), Span(3, 4, "\x07")]


def test_leading_bom_crlf_and_emoji_variation_selectors_are_removed_silently() -> None:
    n = normalize("\ufeff还款提醒\r\n请查收❤\ufe0f 👨\u200d👩\u200d👧\rok")
    assert n.text == "还款提醒\n请查收❤ 👨👩👧\nok"
    assert n.edits == ()


def test_a_joiner_between_letters_is_reported() -> None:
    n = normalize("pay\u200dpal")
    assert n.text == "paypal"
    assert n.edits == (Edit("format_char", Span(3, 4, "\u200d")),)


def test_c1_controls_are_repaired_as_cp1252() -> None:
    n = normalize("I\x92ve got \x93it\x94")
    assert n.text == "I’ve got “it”"
    assert n.edits == ()


def test_c1_debris_of_double_encoded_utf8_is_dropped_silently() -> None:
    n = normalize("Thank\x81\x8d\x8f\x90\x9d you")
    assert n.text == "Thank you"
    assert n.edits == ()


# --- step 3: traditional to simplified ---------------------------------------------------------


def test_traditional_chinese_is_converted_and_reported() -> None:
    n = normalize("貸款逾期")
    assert n.text == "贷款逾期"
    assert n.edits == (Edit("traditional", Span(0, 1, "貸")),)
    assert found(n, "贷款") == Span(0, 2, "貸款")


def test_one_edit_per_run_of_converted_characters() -> None:
    n = normalize("您的帳戶已凍結，請聯繫客服")
    assert n.text == "您的帐户已冻结,请联系客服"  # OpenCC t2s spells it 帐户
    assert [e.span.text for e in n.edits] == ["帳戶", "凍結", "請聯繫"]


def test_phrase_only_conversions_are_applied() -> None:
    assert normalize("请回覆").text == "请回复"


def test_simplified_chinese_is_unchanged() -> None:
    n = normalize("您的借款已逾期")
    assert n.text == "您的借款已逾期"
    assert n.edits == ()
    assert n.to_original(0, 7) == (0, 7)


# --- step 4: homoglyphs ------------------------------------------------------------------------


def test_cyrillic_lookalikes_in_a_domain_are_folded() -> None:
    n = normalize("登录раypal.com验证")
    assert n.text == "登录paypal.com验证"
    assert n.edits == (Edit("homoglyph", Span(2, 12, "раypal.com")),)
    assert found(n, "paypal.com") == Span(2, 12, "раypal.com")


def test_greek_and_dotless_i_lookalikes_are_folded() -> None:
    n = normalize("Apple \u0399D")  # Greek capital iota
    assert n.text == "Apple ID"
    assert n.edits == (Edit("homoglyph", Span(6, 8, "\u0399D")),)
    assert kinds(normalize("gοοgle.com")) == ["homoglyph"]
    assert normalize("ıcbc.com").text == "icbc.com"
    assert kinds(normalize("ıcbc.com")) == ["homoglyph"]


def test_a_latin_lookalike_in_a_plain_word_is_folded_but_not_reported() -> None:
    n = normalize("Aygül Aydın")  # Turkish dotless i is a letter there, not a trick
    assert n.text == "Aygul Aydin"
    assert n.edits == ()


def test_words_without_an_ascii_letter_are_left_alone() -> None:
    n = normalize("Москва 您好 アマゾン 안녕")
    assert n.text == "Москва 您好 アマゾン 안녕"
    assert n.edits == ()


def test_kana_next_to_latin_is_not_folded() -> None:
    assert normalize("アマゾンamazon").text == "アマゾンamazon"


def test_accented_latin_is_folded_but_not_reported() -> None:
    n = normalize("Café Müller")
    assert n.text == "Cafe Muller"
    assert n.edits == ()


def test_chinese_is_never_turned_into_pinyin() -> None:
    n = normalize("您的借款raypal已逾期")
    assert n.text == "您的借款raypal已逾期"


# --- step 5: URL and number de-obfuscation -----------------------------------------------------


def test_spaced_out_url() -> None:
    n = normalize("点击 h t t p s : / / x y z . c o m 查询")
    assert n.text == "点击 https://xyz.com 查询"
    assert found(n, "https://xyz.com") == Span(3, 32, "h t t p s : / / x y z . c o m")
    assert found(n, "xyz") == Span(19, 24, "x y z")
    assert kinds(n) == ["url_obfuscation"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hxxps://evil.com", "https://evil.com"),
        ("hXXp://evil.com", "hTTp://evil.com"),
        ("h t t p://evil.com", "http://evil.com"),
        ("http //evil.com", "http://evil.com"),
        ("http:/ /evil.com", "http://evil.com"),
        ("https:// evil.com", "https://evil.com"),
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("evil(dot)com", "evil.com"),
        ("evil [dot] com", "evil.com"),
        ("evil DOT com", "evil.com"),
        ("192[.]168[.]1[.]1", "192.168.1.1"),
        ("w w w . e v i l . c o m", "www.evil.com"),
    ],
)
def test_disguised_urls(raw: str, expected: str) -> None:
    n = normalize(raw)
    assert n.text == expected
    assert "url_obfuscation" in kinds(n)
    assert n.span(0, len(n.text)).text == raw


def test_chinese_dots_between_domain_labels() -> None:
    n = normalize("请登录icbc点com进行核验")
    assert n.text == "请登录icbc.com进行核验"
    assert found(n, "icbc.com") == Span(3, 11, "icbc点com")
    assert n.edits == (Edit("url_obfuscation", Span(3, 11, "icbc点com")),)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www点abc点com", "www.abc.com"),
        ("www點abc點com", "www.abc.com"),
        ("abc。com", "abc.com"),
        ("abc｡top/x", "abc.top/x"),
        ("访问kuaidai．cn领取", "访问kuaidai.cn领取"),
    ],
)
def test_other_chinese_dots(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_a_full_width_dot_between_half_width_labels_is_reported() -> None:
    n = normalize("访问kuaidai．cn领取")
    assert n.text == "访问kuaidai.cn领取"
    assert n.edits == (Edit("url_obfuscation", Span(2, 12, "kuaidai．cn")),)
    # Typed entirely in full width, it is just a full-width keyboard.
    assert normalize("访问ｋｕａｉｄａｉ．ｃｎ领取").edits == ()


def test_spaced_digits_are_joined() -> None:
    n = normalize("请拨打 1 3 8 0 0 1 3 8 0 0 0 咨询")
    assert n.text == "请拨打 13800138000 咨询"
    assert found(n, "13800138000") == Span(4, 25, "1 3 8 0 0 1 3 8 0 0 0")
    assert found(n, "138") == Span(4, 9, "1 3 8")
    assert n.edits == (Edit("spaced_digits", Span(4, 25, "1 3 8 0 0 1 3 8 0 0 0")),)


@pytest.mark.parametrize(
    "text",
    [
        "借款1.5万元",
        "v1.2.3",
        "2024.10.05到期",
        "您好。请还款",
        "已还款。",
        "下午3点30分前还款",
        "1点5万",
        "Thanks。OK",
        "I'll dot the i",
        "call 1 2 3 4 5 now",  # five digits: not a spaced-out number
        "3.14 and 0.5%",
        "https://www.abc.com/path",
        "e.g. etc.",
    ],
)
def test_ordinary_text_is_not_deobfuscated(text: str) -> None:
    n = normalize(text)
    assert n.text == text
    assert n.edits == ()


def test_steps_combine() -> None:
    # Full width, zero width, traditional, spaced digits and a Chinese dot in one message.
    raw = "【某銀行】您的貸款已逾期，請登錄ｋｕａｉ\u200bｄａｉ點ｃｏｍ或致電 4 0 0 8 8 8 8"
    n = normalize(raw)
    assert n.text == "【某银行】您的贷款已逾期,请登录kuaidai.com或致电 4008888"
    assert found(n, "kuaidai.com") == Span(16, 28, "ｋｕａｉ\u200bｄａｉ點ｃｏｍ")
    assert found(n, "4008888") == Span(32, 45, "4 0 0 8 8 8 8")
    assert sorted(set(kinds(n))) == ["format_char", "spaced_digits", "traditional", "url_obfuscation"]


# --- step 6 and the API ------------------------------------------------------------------------


def test_lower_is_char_by_char_and_the_same_length() -> None:
    n = normalize("İ ΟΔΟΣ ICBC")
    assert n.text == "İ ΟΔΟΣ ICBC"
    # "İ".lower() is two chars, so İ stays; Σ lowers to σ, not the context-dependent final ς.
    assert n.lower == "İ οδοσ icbc"


def test_to_original_edges() -> None:
    n = normalize("\u200bab\u200b")
    assert n.text == "ab"
    assert n.to_original(0, 0) == (1, 1)
    assert n.to_original(2, 2) == (4, 4)
    assert n.to_original(0, 2) == (1, 3)
    with pytest.raises(ValueError):
        n.to_original(1, 0)
    with pytest.raises(ValueError):
        n.to_original(0, 3)


def test_empty_and_all_removed_text() -> None:
    assert normalize("").text == ""
    assert normalize("").to_original(0, 0) == (0, 0)
    n = normalize("\u200b\u200b")
    assert n.text == ""
    assert n.to_original(0, 0) == (2, 2)


def test_edit_kinds_are_the_documented_ones() -> None:
    n = normalize("貸 раypal.com a\u200bb x[.]com 1 2 3 4 5 6")
    assert set(kinds(n)) == set(EDIT_KINDS)
    assert [e.span.start for e in n.edits] == sorted(e.span.start for e in n.edits)


# --- properties --------------------------------------------------------------------------------

FRAGMENTS = [
    "您", "好", "貸", "款", "逾", "期", "。", "，", "点", "點", "．", "｡", "【", "】",
    "ｗ", "ｃ", "１", "①", "㈱", "\u3000", "\u200b", "\u200d", "\u202e", "\ufeff", "\ufe0f", "\x00", "\r",
    "а", "р", "о", "ı", "é", "e\u0301", "\u0301", "😀", "İ", "Σ",
    "a", "b", "x", "w", "h", "t", "p", "s", "com", "www", "http", "hxxp", "h t t p", "://", "/ /",
    ".", " ", " ", "-", "[.]", "(dot)", " dot ", "0", "1", "8", "1 3 8 0 0 1", "\ud800",
]  # fmt: skip
mixed_text = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
any_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=sys.maxunicode), max_size=40)


def check_invariants(n: Normalized) -> None:
    original, size = n.original, len(n.text)
    assert len(n.lower) == size
    for i, c in enumerate(n.text):
        lc = c.lower()
        assert n.lower[i] == (lc if len(lc) == 1 else c)
    last_start = 0
    for i in range(size + 1):
        s0, e0 = n.to_original(i, i)
        assert 0 <= s0 == e0 <= len(original)
        assert s0 >= last_start
        last_start = s0
        last_end = s0
        for j in range(i + 1, size + 1):
            s, e = n.to_original(i, j)
            assert s == s0 and 0 <= s < e <= len(original)
            assert e >= last_end
            last_end = e
    for edit in n.edits:
        assert edit.kind in EDIT_KINDS
        assert edit.span.text == original[edit.span.start : edit.span.end]
        assert edit.span.start < edit.span.end


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_text)
@example("h t t p s : / / x y z . c o m 查询 ｗｗｗ．ａｂｃ點ｃｏｍ")
@example("e\u0301\u0301\ufe0f\u0301 ｅ\u0301 \r\n\r")
def test_map_invariants_on_mixed_text(text: str) -> None:
    check_invariants(normalize(text))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_map_invariants_on_any_text(text: str) -> None:
    check_invariants(normalize(text))


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60))
@example("1 3 8 0 0 1 3 8 0 0 0 h t t p s : / / a b c . c o m abc dot com x[.]y")
def test_normalising_normalised_ascii_is_the_identity(text: str) -> None:
    once = normalize(text).text
    again = normalize(once)
    assert again.text == once
    assert again.edits == ()
    assert again.to_original(0, len(once)) == (0, len(once))
    assert all(again.to_original(i, i + 1) == (i, i + 1) for i in range(len(once)))


@settings(max_examples=200)
@given(st.text(alphabet="您的借款已逾期请于今日还清否则将采取法律措施。，！", max_size=60))
def test_chinese_never_gains_latin_letters(text: str) -> None:
    assert not any(c.isascii() and c.isalpha() for c in normalize(text).text)


# --- bad input ---------------------------------------------------------------------------------


def test_lone_surrogates_become_replacement_characters() -> None:
    n = normalize("a\ud800b\udfff")
    assert n.text == "a\ufffdb\ufffd"
    assert n.text.encode("utf-8")
    check_invariants(n)


def test_nul_bytes() -> None:
    n = normalize("\x00" * 100 + "abc")
    assert n.text == "abc"
    assert n.edits == (Edit("format_char", Span(0, 100, "\x00" * 100)),)
    assert found(n, "abc") == Span(100, 103, "abc")


@pytest.mark.timeout(60)
def test_one_megabyte_of_mixed_text_completes() -> None:
    chunk = "您的貸款已逾期，請登錄ｋｕａｉ\u200bｄａｉ點ｃｏｍ раypal.com 1 3 8 0 0 1 3 8 0 0 0 h t t p s : / / a b c "
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    n = normalize(text)
    assert len(n.lower) == len(n.text)
    assert n.span(len(n.text) - 1, len(n.text)).end <= len(text)


@pytest.mark.timeout(60)
def test_ten_thousand_emoji() -> None:
    n = normalize("😀" * 10_000 + "❤\ufe0f" * 10_000)
    assert n.text == "😀" * 10_000 + "❤" * 10_000
    assert n.edits == ()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        "h t t p " * 5000,
        "h t t p s : / / " * 5000,
        "hxxp" * 20_000,
        "点" * 100_000,
        "a点" * 50_000,
        "a点" * 50_000 + "com",
        "a" * 100_000 + "点com",
        "[.]" * 30_000 + "a",
        "a[.]" * 30_000,
        " dot " * 20_000,
        "1 " * 100_000,
        "w w w . " * 10_000,
        "http://" + "a " * 50_000,
        "e" + "\u0301" * 10_000,
        "\u200b" * 100_000,
        "а" * 50_000 + "a",
        "раypal" * 20_000,
        "。" * 100_000,
    ],
    ids=lambda t: repr(t[:12]) + f"*{len(t)}",
)
def test_hostile_input_does_not_blow_up(text: str) -> None:
    n = normalize(text)
    assert len(n.lower) == len(n.text)
    s, e = n.to_original(0, len(n.text))
    assert 0 <= s <= e <= len(text)


# --- the cheap gates agree with the full rules -------------------------------------------------


@pytest.mark.slow
def test_gates_cover_every_code_point() -> None:
    from veritext import normalize as module

    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if unicodedata.category(c) in ("Cf", "Cc") and c not in "\t\n":
            assert module._FORMAT_GATE_RE.match(c), hex(cp)
        if unicodedata.normalize("NFKC", c) != c:
            assert module._SPECIAL_RE.match(c), hex(cp)
        elif module._HOMO_CAND_RE.match(c) and module._fold(c) is not None:
            assert module._HOMO_GATE_RE.match(c), hex(cp)
