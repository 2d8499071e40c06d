"""The web page in a real browser: Playwright driving Debian's ``chromium`` against a real ``veritext serve``.

No browser is downloaded: the Debian package is used through ``executable_path`` (install it with
``scripts/install_browser.sh``). Every test fails on any request to anything but the loopback server,
on any JavaScript dialog, page error or console error. Screenshots go to ``$VERITEXT_ARTIFACTS`` (or a
temporary folder). Every message here was written for these tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from _web_server import running_server

try:
    import playwright.sync_api as playwright_api
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("pip install playwright (no browser download needed)", allow_module_level=True)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError(
            "chromium is not installed: run scripts/install_browser.sh (Debian: apt-get install chromium)"
        )
    pytest.skip("chromium is not installed (scripts/install_browser.sh)", allow_module_level=True)

# The flags that keep Chromium from calling home (see ../shared/research/dependencies.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

ZH_SCAM = "【某某消费金融】您的借款已逾期3天，请点击 http://xx-repay.top 处理，否则将上报征信并起诉"
EN_SCAM = "URGENT: your loan payment is 30 days past due. Avoid legal action, pay now at bit.ly/xyz"
ZL_WRONG = "【招联金融】您的借款已逾期3天，逾期金额8000元，请点击 http://zl-pay.top 还款。"

# Each would set window.__xss, open a dialog, or fetch from another host, if it ever ran.
XSS_PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    '"><img src=x onerror="window.__xss=2;alert(2)">',
    "'><svg onload=window.__xss=3>",
    '<iframe srcdoc="<script>parent.__xss=4</script>"></iframe>',
    "</textarea><script>window.__xss=5</script>",
    '<a href="javascript:window.__xss=6" id="xss-link">click</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=7>",
    '{{constructor.constructor("window.__xss=8")()}}',
    "<details open ontoggle=window.__xss=9>",
    "\u202e<script>window.__xss=10</script>\u200b",
    "<input autofocus onfocus=window.__xss=11>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=12">',
    "<link rel=stylesheet href=http://evil.example/x.css><style>@import 'http://evil.example/y.css';</style>",
    '您的借款已逾期，请点击 http://xx-repay.top/"><img src=x onerror=window.__xss=13> 处理，否则起诉',
    "URGENT pay now at bit.ly/a'onmouseover='window.__xss=14' or face legal action",
    '<mark tabindex="0" onfocus="window.__xss=15" autofocus>evidence</mark>',
]


@dataclass
class Guard:
    """What the page did that it must not: requests off the loopback server, dialogs, errors."""

    host: str
    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.external, f"requests to other hosts: {self.external}"
        assert not self.dialogs, f"a script opened dialogs: {self.dialogs}"
        assert not self.errors, f"page or console errors: {self.errors}"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("VERITEXT_ARTIFACTS")
    folder = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("web") / "web.db") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Any, server: str, *, locale: str, phone: bool = False) -> tuple[Any, Any, Guard]:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
    context = browser.new_context(base_url=server, locale=locale, viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(20_000)
    guard = Guard(host=urlparse(server).netloc)

    def route(r: Any) -> None:
        if urlparse(r.request.url).netloc == guard.host:
            r.continue_()
        else:
            guard.external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()

    def on_dialog(d: Any) -> None:
        guard.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: guard.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: guard.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    return context, page, guard


@pytest.fixture
def en(browser: Any, server: str) -> Iterator[tuple[Any, Guard]]:
    context, page, guard = open_page(browser, server, locale="en-US")
    yield page, guard
    context.close()


@pytest.fixture
def zh(browser: Any, server: str) -> Iterator[tuple[Any, Guard]]:
    context, page, guard = open_page(browser, server, locale="zh-CN")
    yield page, guard
    context.close()


def submit_check(page: Any, text: str, *, sender: str = "", has_loan: str = "unknown") -> None:
    page.goto("/")
    page.fill("#text", text)
    page.fill("#sender", sender)
    page.check(f"#has_loan-{has_loan}")
    page.click("#check-button")
    page.wait_for_selector("#result-h")


def mark_texts(page: Any) -> list[str]:
    return [str(t) for t in page.locator("#message mark.ev").all_inner_texts()]


def signal_ids(page: Any) -> set[str]:
    return {str(x) for x in page.locator("#reasons li").evaluate_all("els => els.map(e => e.dataset.signal)")}


def no_xss(page: Any) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", page.evaluate("window.__xss")


# ---------------------------------------------------------------------- tests


def test_chinese_message_verdict_with_highlights_reachable_by_keyboard(zh: Any, artifacts: Path) -> None:
    page, guard = zh
    submit_check(page, ZH_SCAM, sender="17187654321", has_loan="no")
    assert page.get_attribute("html", "lang") == "zh-CN"  # chosen from the browser's language
    assert page.inner_text("#risk") == "高"
    assert page.get_attribute("#kind", "data-kind") == "overdue_collection"
    marks = mark_texts(page)
    assert "http://xx-repay.top" in marks and "上报征信" in marks and "【某某消费金融】" in marks
    assert page.inner_text("#message") == ZH_SCAM  # the original text, whole, in order
    assert {"LINK_NOT_OFFICIAL", "URL_SUSPICIOUS_TLD", "CREDIT_RECORD_THREAT"} <= signal_ids(page)
    assert page.locator("#plan li input[type=checkbox]").count() >= 2
    assert page.locator("#scenarios li").count() >= 1

    # keyboard: Tab from the result heading reaches the first piece of evidence, whose reason shows on focus
    first_tip = page.locator("#message .tip").first
    assert not first_tip.is_visible()
    page.focus("#result-h")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('mark.ev')"):
            break
    assert page.evaluate("document.activeElement.textContent") == "【某某消费金融】"
    assert first_tip.is_visible() and "个人手机号" in first_tip.inner_text()
    described = page.evaluate("document.getElementById(document.activeElement.getAttribute('aria-describedby')).id")
    assert described == first_tip.get_attribute("id")
    page.screenshot(path=str(artifacts / "check_zh_focus.png"))
    page.keyboard.press("Escape")  # dismissable without moving focus (WCAG 1.4.13)
    assert not first_tip.is_visible() and page.evaluate("document.activeElement.matches('mark.ev')")
    page.keyboard.press("Tab")
    assert page.locator("#message .tip").nth(1).is_visible()
    # hover shows another mark's reason
    wrap = page.locator("#message .ev-wrap").filter(has=page.locator("mark", has_text="http://xx-repay.top"))
    wrap.locator("mark").hover()
    assert wrap.locator(".tip").is_visible() and "官方域名" in wrap.locator(".tip").inner_text()
    page.screenshot(path=str(artifacts / "check_zh.png"), full_page=True)
    guard.check()


def test_english_message_on_a_phone_sized_screen(browser: Any, server: str, artifacts: Path) -> None:
    context, page, guard = open_page(browser, server, locale="en-US", phone=True)
    submit_check(page, EN_SCAM)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#risk") == "High"
    assert page.get_attribute("#kind", "data-kind") == "overdue_collection"
    marks = mark_texts(page)
    assert "bit.ly/xyz" in marks and "URGENT" in marks and "Avoid legal action" in marks
    assert {"URL_SHORTENER", "PAY_VIA_LINK", "URGENCY"} <= signal_ids(page)
    # readable on a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator("#message mark.ev").first.focus()
    assert page.locator("#message .tip").first.is_visible()
    page.screenshot(path=str(artifacts / "check_en_phone.png"), full_page=True)
    guard.check()
    context.close()


def test_add_a_loan_then_a_matching_message_is_checked_against_it(en: Any, artifacts: Path) -> None:
    page, guard = en
    submit_check(page, ZL_WRONG, sender="95786")
    before = signal_ids(page)
    assert not any(s.startswith("VERIFY_") for s in before)
    assert page.inner_text("#risk") == "Medium"

    page.goto("/loans")
    overdue = (date.today() - timedelta(days=3)).isoformat()
    page.fill("#f-lender", "招联金融")
    page.fill("#f-outstanding", "3000")
    page.fill("#f-due", overdue)
    page.click("#add-loan-button")
    page.wait_for_selector("#notice")
    assert "Added loan" in page.inner_text("#notice")
    row = page.locator("#loans-table tbody tr", has_text="招联金融")
    assert row.count() == 1 and "3,000.00 CNY" in row.inner_text()
    assert "overdue 3 days" in page.inner_text("#due-table")
    page.screenshot(path=str(artifacts / "loans.png"), full_page=True)

    submit_check(page, ZL_WRONG, sender="95786")
    after = signal_ids(page)
    assert "VERIFY_MISMATCH_AMOUNT" in after
    assert page.inner_text("#risk") == "High"
    assert "Checked against your 1 loan(s)" in page.inner_text(".summary")
    page.screenshot(path=str(artifacts / "check_with_loan.png"), full_page=True)

    # edit, then delete it again (the other tests run without a ledger)
    page.goto("/loans")
    page.click("#loans-table a[aria-label^='Edit loan']")
    page.fill("#f-outstanding", "8000")
    page.click("#edit-loan-form button[type=submit]")
    assert "8,000.00 CNY" in page.inner_text("#loans-table")
    page.click("#loans-table button.danger")
    page.wait_for_selector("#no-loans")
    guard.check()


def test_switch_language_and_it_is_remembered(en: Any, artifacts: Path) -> None:
    page, guard = en
    page.goto("/loans")
    assert page.inner_text("h1") == "My loans"
    page.click("#lang-switch")
    page.wait_for_url("**/loans")
    assert page.get_attribute("html", "lang") == "zh-CN" and page.inner_text("h1") == "我的贷款"
    page.goto("/")
    assert page.inner_text("nav a[aria-current=page]") == "核验短信"
    assert page.inner_text("#check-button") == "核验"
    page.screenshot(path=str(artifacts / "check_form_zh.png"), full_page=True)
    page.click("#lang-switch")
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("#check-button") == "Check"
    guard.check()


def test_history_lists_checks_and_deletes_one_and_all(en: Any, artifacts: Path) -> None:
    page, guard = en
    submit_check(page, "Your Chase verification code is 123456. Don't share it with anyone.", sender="24273")
    page.goto("/history")
    rows = page.locator("#history-table tbody tr")
    n = rows.count()
    assert n >= 2
    assert "verification code" in rows.first.inner_text()
    page.screenshot(path=str(artifacts / "history.png"), full_page=True)
    rows.first.locator("a").click()
    assert page.get_attribute("#kind", "data-kind") == "verification_code"
    assert page.inner_text("#risk") == "Low"
    page.screenshot(path=str(artifacts / "history_item.png"), full_page=True)
    page.goto("/history")
    page.locator("#history-table tbody tr").first.locator("button.danger").click()
    assert page.inner_text("#notice") == "Deleted 1 check"
    assert page.locator("#history-table tbody tr").count() == n - 1
    page.click("#clear-history button")
    page.wait_for_selector("#no-history")
    guard.check()


def test_the_guard_would_notice_a_script_that_ran(en: Any) -> None:
    page, guard = en
    page.goto("/")
    page.evaluate("() => { window.__xss = 1; console.error('probe'); setTimeout(() => alert('probe')); }")
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError):
        no_xss(page)
    assert guard.dialogs == ["alert: probe"] and guard.errors == ["console: probe"]
    guard.errors.clear()
    page.evaluate("() => fetch('http://evil.example/x').catch(() => 0)")  # the CSP stops it first
    page.wait_for_timeout(200)
    assert "Content Security Policy" in guard.errors[-1] and not guard.external
    with pytest.raises(playwright_api.Error):
        page.goto("http://evil.example/y")  # the route guard stops what the CSP does not cover
    assert guard.external == ["http://evil.example/y"]


def test_hostile_payloads_never_execute(en: Any, artifacts: Path) -> None:
    page, guard = en
    for payload in XSS_PAYLOADS:
        submit_check(page, payload, sender=payload[:256])
        no_xss(page)
        for mark in page.locator("#message mark.ev").all()[:2]:  # hover and focus: on* handlers would fire
            mark.hover()
            mark.focus()
        no_xss(page)
        assert page.locator("#message").inner_text().replace("\u200b", "") != ""
    page.screenshot(path=str(artifacts / "hostile_check.png"), full_page=True)
    page.goto("/history")
    no_xss(page)
    page.screenshot(path=str(artifacts / "hostile_history.png"), full_page=True)
    for link in page.locator("#history-table tbody tr a").all()[:4]:
        href = link.get_attribute("href")
        page.goto(href)
        no_xss(page)
        page.go_back()
    # the same payloads as loan fields
    page.goto("/loans")
    page.fill("#f-lender", XSS_PAYLOADS[1][:100])
    page.fill("#f-outstanding", "100")
    page.fill("#f-note", XSS_PAYLOADS[0])
    page.click("#add-loan-button")
    page.wait_for_selector("#notice")
    no_xss(page)
    page.goto("/loans")
    no_xss(page)
    page.click("#loans-table button.danger")
    page.goto("/history")
    page.click("#clear-history button")
    guard.check()
