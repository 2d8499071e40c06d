"""Every string the pages and error messages show, in Chinese and English, and how the language is chosen.

The language is the ``vt_lang`` cookie (set by the switch in the page header), else the browser's
``Accept-Language`` (Chinese if it prefers ``zh``), else English. Verdict texts (signal reasons,
scenarios, plan steps) carry both languages already; this module holds only the interface's own words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["LANGS", "LANG_COOKIE", "UI", "choose_lang", "translator", "ui"]

LANGS = ("zh", "en")
LANG_COOKIE = "vt_lang"

UI: Mapping[str, tuple[str, str]] = {
    # frame
    "app_name": ("Veritext 短信核验", "Veritext message check"),
    "tagline": (
        "借款、还款、催收、法院短信：是真是假，该怎么办。全部在本机离线完成。",
        "Loan, repayment, debt and court texts: is it real, and what to do. Everything runs offline here.",
    ),
    "skip": ("跳到正文", "Skip to content"),
    "nav": ("主导航", "Main navigation"),
    "nav_check": ("核验短信", "Check a message"),
    "nav_loans": ("我的贷款", "My loans"),
    "nav_history": ("核验记录", "History"),
    "language": ("语言", "Language"),
    "switch_to": ("English", "中文"),
    "switch_label": ("切换到英文界面", "Switch the interface to Chinese"),
    "footer": (
        "Veritext 不联网：短信只留在这台电脑上。显示的官方电话和网站都来自已核实的资料，从不取自短信本身。",
        "Veritext works offline: your messages stay on this computer. Official numbers and sites shown come "
        "from verified facts, never from the message itself.",
    ),
    # check form
    "check_title": ("核验一条短信", "Check a message"),
    "message": ("短信内容", "Message"),
    "message_hint": ("把收到的短信原文粘贴到这里。", "Paste the text exactly as you received it."),
    "sender": ("发送号码或名称（可选）", "Sender number or name (optional)"),
    "sender_hint": ("例如 95588、1069… 或 +86 138…", "For example 95588, 1069… or +1 555…"),
    "q_has_loan": (
        "你在短信提到的机构有借款吗？",
        "Do you have a loan with the lender the message names?",
    ),
    "q_requested_code": ("你刚才自己申请过验证码吗？", "Did you just ask for a verification code?"),
    "yes": ("有 / 是", "Yes"),
    "no": ("没有 / 否", "No"),
    "unknown": ("不确定", "Not sure"),
    "more": ("更多选项", "More options"),
    "jurisdiction": ("你所在的地区", "Where you live"),
    "jurisdiction_auto": ("自动判断", "Work it out from the message"),
    "j_CN": ("中国大陆", "Mainland China"),
    "j_US": ("美国", "United States"),
    "j_UK": ("英国", "United Kingdom"),
    "received_at": ("收到时间（可选）", "When it arrived (optional)"),
    "received_hint": ("用于判断是否在夜间催收。", "Used to spot collection at night."),
    "save_history": ("保存到本机的核验记录", "Save to the history on this computer"),
    "check_button": ("核验", "Check"),
    "ledger_note": (
        "会自动与“我的贷款”里的 {n} 笔贷款核对。",
        "It is compared with the {n} loan(s) in My loans.",
    ),
    # verdict
    "result": ("核验结果", "Result"),
    "kind": ("类型", "Kind"),
    "risk": ("风险", "Risk"),
    "risk_low": ("低", "Low"),
    "risk_medium": ("中", "Medium"),
    "risk_high": ("高", "High"),
    "risk_low_help": ("警示信号很少。仍请按下面的步骤核实。", "Few warning signs. Still follow the steps below."),
    "risk_medium_help": (
        "有一些警示信号：先按下面的步骤核实，再行动。",
        "Some warning signs: follow the steps below before you act.",
    ),
    "risk_high_help": (
        "警示信号很多：任何操作之前，先按下面的步骤做。",
        "Many warning signs: follow the steps below before doing anything.",
    ),
    "fraud_probability": ("诈骗可能性", "Fraud probability"),
    "sender_shown": ("发送方", "Sender"),
    "ledger_used": ("已与你的 {n} 笔贷款核对", "Checked against your {n} loan(s)"),
    "original": ("原文（标出的是证据）", "The message, with the evidence marked"),
    "original_hint": (
        "用 Tab 键逐个移到标记处，或把鼠标移上去，可看到理由（按 Esc 隐藏）。红色：可疑；绿色：像真的；"
        "虚线：判断类型的字眼。",
        "Tab to each mark, or hover over it, to see why it counts (Escape hides it). Red: a warning sign; "
        "green: looks genuine; dotted underline: words that tell the kind.",
    ),
    "reason_up": ("可疑", "warning sign"),
    "reason_down": ("像真的", "looks genuine"),
    "reason_kind": ("类型线索", "kind cue"),
    "hidden_char": ("隐藏字符", "hidden character"),
    "reasons": ("理由", "Reasons"),
    "no_reasons": ("没有触发任何规则。", "No rule fired."),
    "scenarios": ("你为什么会收到它", "Why you probably got it"),
    "plan": ("现在该怎么做（可逐项勾选）", "What to do now (tick each step)"),
    "step_if": ("如果", "If"),
    "has_loan=yes": ("你在该机构有借款", "you have a loan with this lender"),
    "has_loan=no": ("你在该机构没有借款", "you have no loan with this lender"),
    "requested_code=yes": ("验证码是你自己申请的", "you asked for this code"),
    "requested_code=no": ("你没有申请验证码", "you did not ask for a code"),
    "contacts": ("可用的官方渠道（均已核实）", "Official channels (all verified)"),
    "no_contacts": ("这份结果没有需要联系的官方渠道。", "This result names no official channel to contact."),
    "source": ("来源", "source"),
    "checked_at": ("核验时间", "Checked at"),
    "saved_as": ("已保存到核验记录", "Saved to history"),
    # loans
    "loans_title": ("我的贷款", "My loans"),
    "loans_intro": (
        "只存在这台电脑上。核验短信时，会把短信里的机构、金额、逾期天数和这里的记录对照。",
        "Kept on this computer only. Each check compares the lender, amount and overdue days in a message "
        "with these records.",
    ),
    "upcoming": ("即将到期与已逾期（30 天内）", "Due soon and overdue (next 30 days)"),
    "nothing_due": ("30 天内没有到期的还款。", "Nothing is due in the next 30 days."),
    "overdue_days": ("已逾期 {n} 天", "overdue {n} days"),
    "due_today": ("今天到期", "due today"),
    "due_in": ("{n} 天后到期", "due in {n} days"),
    "no_loans": ("还没有记录贷款。", "No loans recorded yet."),
    "col_id": ("编号", "No."),
    "col_lender": ("机构", "Lender"),
    "col_product": ("产品", "Product"),
    "col_outstanding": ("未还金额", "Outstanding"),
    "col_next_due": ("下次还款", "Next due"),
    "col_status": ("状态", "Status"),
    "col_registry": ("登记机构", "Registry"),
    "col_actions": ("操作", "Actions"),
    "col_due": ("到期日", "Due"),
    "col_amount": ("金额", "Amount"),
    "col_when": ("距今", "When"),
    "status_active": ("还款中", "active"),
    "status_paid": ("已结清", "paid off"),
    "status_disputed": ("有争议", "disputed"),
    "not_in_registry": ("不在登记名单", "not in the registry"),
    "edit": ("编辑", "Edit"),
    "delete": ("删除", "Delete"),
    "delete_loan_label": ("删除贷款 #{id}（{lender}）", "Delete loan #{id} ({lender})"),
    "edit_loan_label": ("编辑贷款 #{id}（{lender}）", "Edit loan #{id} ({lender})"),
    "add_loan": ("添加一笔贷款", "Add a loan"),
    "edit_loan": ("编辑贷款 #{id}", "Edit loan #{id}"),
    "f_lender": ("机构名称", "Lender"),
    "f_lender_hint": ("合同或 App 上的名称，例如 招联金融。", "As on your contract or app, e.g. 招联金融."),
    "f_outstanding": ("未还金额", "Outstanding amount"),
    "f_outstanding_hint": ("例如 3000 或 3,000.50", "For example 3000 or 3,000.50"),
    "f_currency": ("币种", "Currency"),
    "f_product": ("产品名称（可选）", "Product (optional)"),
    "f_principal": ("借款本金（可选）", "Amount borrowed (optional)"),
    "f_due": ("还款日（每行一个）", "Due dates (one per line)"),
    "f_due_hint": (
        "YYYY-MM-DD，或 YYYY-MM-DD=金额；已还的在末尾加 =paid。",
        "YYYY-MM-DD, or YYYY-MM-DD=AMOUNT; add =paid at the end once paid.",
    ),
    "f_status": ("状态", "Status"),
    "f_rate": ("年利率（可选）", "Interest per year (optional)"),
    "f_rate_hint": ("例如 18%", "For example 18%"),
    "f_penalty": ("罚息（可选）", "Penalty interest (optional)"),
    "f_penalty_hint": ("写明周期：0.05%/day 或 36%/year", "With its period: 0.05%/day or 36%/year"),
    "f_app": ("官方 App（可选，来自合同）", "Official app (optional, from your contract)"),
    "f_hotline": ("官方客服电话（可选，来自合同或银行卡）", "Official hotline (optional, from your contract or card)"),
    "f_website": ("官方网站（可选）", "Official website (optional)"),
    "f_note": ("备注（可选）", "Note (optional)"),
    "save_loan": ("保存", "Save"),
    "cancel": ("返回", "Back"),
    "loan_added": ("已添加贷款 #{id}：{lender}", "Added loan #{id}: {lender}"),
    "loan_updated": ("已更新贷款 #{id}：{lender}", "Updated loan #{id}: {lender}"),
    "loan_removed": ("已删除贷款 #{id}", "Removed loan #{id}"),
    "import_title": ("从 CSV 导入", "Import from CSV"),
    "import_hint": (
        "UTF-8 编码，首行是列名；必填列 lender、outstanding。先检查每一行，全部无误才一起保存。",
        "UTF-8 with a header row; lender and outstanding are required. Every row is checked first; all are "
        "saved together or none.",
    ),
    "import_file": ("CSV 文件", "CSV file"),
    "import_replace": ("替换现有的全部贷款", "Replace all my current loans"),
    "import_button": ("导入", "Import"),
    "imported": ("已导入 {n} 笔贷款", "Imported {n} loan(s)"),
    "export_csv": ("导出为 CSV", "Export as CSV"),
    "fix_errors": ("请修改以下问题（没有保存任何内容）：", "Please fix these problems (nothing was saved):"),
    "no_file": ("请选择一个 CSV 文件。", "Choose a CSV file first."),
    # history
    "history_title": ("核验记录", "History"),
    "history_intro": (
        "在网页上核验过的短信，只保存在这台电脑上（最多保留最近 {n} 条）。",
        "Messages checked on this page, kept on this computer only (the newest {n}).",
    ),
    "no_history": ("还没有核验记录。", "No checks saved yet."),
    "view": ("查看", "View"),
    "delete_all": ("全部删除", "Delete all"),
    "history_deleted": ("已删除 1 条记录", "Deleted 1 check"),
    "history_cleared": ("已删除全部 {n} 条记录", "Deleted all {n} checks"),
    "delete_check_label": ("删除 {when} 的核验记录", "Delete the check of {when}"),
    "view_check_label": ("查看 {when} 的核验记录", "View the check of {when}"),
    "col_time": ("时间", "Time"),
    "col_message": ("短信", "Message"),
    "newer": ("较新的", "Newer"),
    "older": ("较早的", "Older"),
    "page_of": ("第 {page} 页，共 {pages} 页", "Page {page} of {pages}"),
    "stored_verdict": (
        "这是核验当时的结果，原样保存，没有重新判断。",
        "This is the result as it was shown at the time, stored as is, not judged again.",
    ),
    # errors
    "error": ("出错了", "Something went wrong"),
    "back_home": ("回到首页", "Back to the start page"),
    "err_csrf": (
        "表单已过期或不是从本页提交的。请刷新页面后再试。",
        "The form expired or was not sent from this page. Reload the page and try again.",
    ),
    "err_cross_site": (
        "拒绝了来自其他网站的请求。",
        "A request from another site was refused.",
    ),
    "err_token": (
        "需要访问令牌。请打开 veritext serve 打印的地址（带 ?token=…）。",
        "An access token is needed. Open the address veritext serve printed (with ?token=…).",
    ),
    "err_too_large": ("提交的内容太大（上限 {limit}）。", "What you sent is too large (the limit is {limit})."),
    "err_text_required": ("请粘贴短信内容。", "Paste the message text first."),
    "err_text_too_long": ("短信太长（上限 {n} 个字符）。", "The message is too long (the limit is {n} characters)."),
    "err_sender_too_long": ("发送方太长（上限 {n} 个字符）。", "The sender is too long (the limit is {n} characters)."),
    "err_bad_choice": ("选项无效：{field}", "Not a valid choice: {field}"),
    "err_bad_time": ("收到时间的格式不对。", "The arrival time is not a valid date and time."),
    "err_not_found": ("没有找到这一项（可能已被删除）。", "That item was not found (it may have been deleted)."),
    "err_bad_host": ("Host 请求头不被接受。", "The Host header is not accepted."),
    "err_internal": ("服务器内部错误，内容没有保存。", "Internal error; nothing was saved."),
}


def ui(key: str, lang: str, **values: object) -> str:
    """The interface string ``key`` in ``lang`` (``zh`` or ``en``), with ``{placeholders}`` filled in."""
    zh, en = UI[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` bound to one language, for the templates."""

    def t(key: str, **values: object) -> str:
        return ui(key, lang, **values)

    return t


def choose_lang(*, cookie: str | None, accept_language: str | None) -> str:
    """The interface language: the saved choice, else the browser's first zh/en preference, else English."""
    if cookie in LANGS:
        return cookie
    best, best_q = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best
