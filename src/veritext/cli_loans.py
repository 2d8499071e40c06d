"""Command line for the person's own data: ``veritext loans …`` (the ledger) and ``veritext rules …``.

A front end only: parsing and validation live in :mod:`veritext.ledger` and :mod:`veritext.userrules`,
storage in :mod:`veritext.store`, judgement in the pipeline. Every command takes ``--db PATH`` (default:
``$VERITEXT_DB``, else the user's data directory) and ``--lang zh|en`` (default: from ``$LANG``).
Errors print one ``veritext: error:`` line (or one per bad CSV row) and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import regex
import typer
from rich.console import Console
from rich.table import Table

from veritext.calendar_export import due_calendar, due_items
from veritext.cost import overdue_cost
from veritext.ledger import (
    STATUSES,
    CsvError,
    LedgerError,
    Loan,
    decode_csv,
    format_due,
    format_money,
    format_rate,
    institution_candidates,
    institution_label,
    loan_fields,
    loan_from_fields,
    parse_date,
    read_csv,
    write_csv,
)
from veritext.store import ENV_VAR, MissingLoan, Store, StoreError, resolve_path
from veritext.userrules import RulesError, UserRules, parse_rules

__all__ = ["loans_app", "personal_context", "register", "rules_app"]

EXIT_ERROR = 1

loans_app = typer.Typer(
    help="Your loans, kept on this computer: Veritext compares every loan message with them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(
    help="Your own allow-lists, deny-lists and keyword / regex rules (a TOML file).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Lang(StrEnum):
    zh = "zh"
    en = "en"


Db = Annotated[
    str | None,
    typer.Option("--db", help=f"The database file (default: ${ENV_VAR}, else your data folder)."),
]
LangOpt = Annotated[Lang | None, typer.Option("--lang", help="Language of the output (default: from $LANG).")]

_MSG: Mapping[str, tuple[str, str]] = {
    "added": ("已添加贷款 #{id}：{lender}", "Added loan #{id}: {lender}"),
    "updated": ("已更新贷款 #{id}：{lender}", "Updated loan #{id}: {lender}"),
    "removed": ("已删除贷款 #{id}", "Removed loan #{id}"),
    "no_loan": ("没有编号为 #{id} 的贷款", "there is no loan #{id}"),
    "registry": ("登记机构：{name}（{id}）", "Registry institution: {name} ({id})"),
    "not_in_registry": (
        "“{lender}”不在已登记的持牌机构名单里：只会按你写的名称核对短信。",
        "'{lender}' is not in the registry of licensed institutions: messages are matched by the name you typed.",
    ),
    "ambiguous": (
        "“{lender}”可能是：{names}；用 --institution 指定其一。",
        "'{lender}' could be any of: {names}; pick one with --institution.",
    ),
    "imported": ("已导入 {n} 笔贷款（{path}）", "Imported {n} loan(s) into {path}"),
    "exported": ("已导出 {n} 笔贷款到 {path}", "Exported {n} loan(s) to {path}"),
    "calendar": ("已把 {n} 个还款日写入 {path}", "Wrote {n} due date(s) to {path}"),
    "empty": (
        "账本是空的。用 veritext loans add 添加一笔贷款。",
        "Your ledger is empty. Add a loan with veritext loans add.",
    ),
    "nothing_due": ("{days} 天内没有到期的还款。", "Nothing due in the next {days} days."),
    "overdue": ("已逾期 {n} 天", "overdue {n} days"),
    "due_in": ("{n} 天后到期", "due in {n} days"),
    "due_today": ("今天到期", "due today"),
    "cost": (
        "罚息估算：已约 {accrued}，每天约 {per_day}，每周约 {per_week}",
        "Penalty estimate: about {accrued} so far, {per_day} a day, {per_week} a week",
    ),
    "own_channels": ("你的官方渠道（来自合同/App）", "Your official channels (from your contract / app)"),
    "verified_channels": ("登记机构经核实的渠道", "The registry's verified channels"),
    "rules_saved": ("已保存规则（{n} 条）到 {path}", "Saved your rules ({n} entries) to {path}"),
    "rules_none": (
        "还没有规则。用 veritext rules import FILE 导入。",
        "No rules yet. Import some with veritext rules import FILE.",
    ),
    "rules_cleared": ("已删除你的规则", "Removed your rules"),
    "rules_exported": ("已导出规则到 {path}", "Exported your rules to {path}"),
    "allow": ("白名单", "Allow-list"),
    "deny": ("黑名单", "Deny-list"),
    "senders": ("发送号码", "senders"),
    "domains": ("域名", "domains"),
    "weight": ("权重", "weight"),
    "rule": ("规则", "Rule"),
}
_HEAD: Mapping[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "lender": ("机构", "lender"),
    "product": ("产品", "product"),
    "outstanding": ("待还", "outstanding"),
    "next": ("下次还款", "next due"),
    "status": ("状态", "status"),
    "due": ("到期日", "due"),
    "amount": ("金额", "amount"),
    "when": ("时间", "when"),
}
_STATUS: Mapping[str, tuple[str, str]] = {
    "active": ("还款中", "active"),
    "paid": ("已还清", "paid off"),
    "disputed": ("有争议", "disputed"),
}


def _lang(lang: Lang | None) -> str:
    if lang is not None:
        return lang.value
    env = os.environ.get("VERITEXT_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "zh" if env.lower().startswith("zh") else "en"


def _msg(key: str, lang: str, **values: Any) -> str:
    zh, en = _MSG[key]
    return (zh if lang == "zh" else en).format(**values)


def _head(key: str, lang: str) -> str:
    zh, en = _HEAD[key]
    return zh if lang == "zh" else en


def _fail(message: str) -> NoReturn:
    typer.echo(f"veritext: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


@contextmanager
def _store(db: str | None, *, create: bool = True) -> Iterator[Store]:
    try:
        with Store.open(db, create=create) as store:
            yield store
    except StoreError as exc:
        _fail(str(exc))


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _write_out(path: str | None, data: bytes) -> None:
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(path).expanduser()
    tmp = target.with_name(target.name + ".tmp")
    try:
        # Write then rename, so an interrupted export never leaves half a file under the real name.
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror or exc}")


def _read_in(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")


def _registry_note(loan: Loan, lang: str) -> str:
    inst = loan.institution()
    if inst is not None:
        return _msg("registry", lang, name=institution_label(inst, lang), id=inst.id)
    found = institution_candidates(loan.lender)
    if len(found) > 1:
        names = ", ".join(f"{i.name_local} ({i.id})" for i in found)
        return _msg("ambiguous", lang, lender=loan.lender, names=names)
    return _msg("not_in_registry", lang, lender=loan.lender)


# ------------------------------------------------------------------------------------------ loans


def _fields(**options: Any) -> dict[str, str]:
    """CLI options as ledger text fields (only those given)."""
    out: dict[str, str] = {}
    for key, value in options.items():
        if value is None:
            continue
        out[key] = ";".join(value) if isinstance(value, list) else str(value)
    return out


@loans_app.command("add")
def add(
    lender: Annotated[str, typer.Option(help="The lender's name as you know it, e.g. 招联金融.")],
    outstanding: Annotated[str, typer.Option(help="What you still owe, e.g. 3000 or 3,000.50.")],
    due: Annotated[
        list[str] | None,
        typer.Option(help="A due date YYYY-MM-DD, or YYYY-MM-DD=AMOUNT for an instalment; repeat for each."),
    ] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "CNY",
    product: Annotated[str | None, typer.Option(help="The product name, e.g. 安逸花.")] = None,
    principal: Annotated[str | None, typer.Option(help="The amount you borrowed.")] = None,
    status: Annotated[str, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = "active",
    rate: Annotated[str | None, typer.Option(help="Contract interest rate per year, e.g. 18%.")] = None,
    penalty_rate: Annotated[
        str | None, typer.Option(help="Penalty interest with its period, e.g. 0.05%/day or 36%/year.")
    ] = None,
    app: Annotated[str | None, typer.Option(help="The lender's official app, as on your contract.")] = None,
    hotline: Annotated[str | None, typer.Option(help="The hotline on your contract or card.")] = None,
    website: Annotated[str | None, typer.Option(help="The official website on your contract.")] = None,
    note: Annotated[str | None, typer.Option(help="Anything else to remember.")] = None,
    institution: Annotated[
        str | None, typer.Option("--institution", help="Registry id, when the name is ambiguous.")
    ] = None,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Add a loan. Minimal: veritext loans add --lender NAME --outstanding AMOUNT --due YYYY-MM-DD."""
    ui = _lang(lang)
    fields = _fields(
        lender=lender, outstanding=outstanding, due=due, currency=currency, product=product, principal=principal,
        status=status, annual_rate=rate, penalty_rate=penalty_rate, app=app, hotline=hotline, website=website,
        note=note, institution_id=institution,
    )  # fmt: skip
    try:
        loan = loan_from_fields(fields)
    except LedgerError as exc:
        _fail(str(exc))
    with _store(db) as store:
        saved = store.add_loan(loan)
        path = store.path
    typer.echo(_msg("added", ui, id=saved.id, lender=saved.lender))
    typer.echo(f"  {_registry_note(saved, ui)}")
    typer.echo(f"  ({path})")


@loans_app.command("edit")
def edit(
    loan_id: Annotated[int, typer.Argument(help="The loan's number (see veritext loans list).")],
    lender: Annotated[str | None, typer.Option()] = None,
    outstanding: Annotated[str | None, typer.Option()] = None,
    due: Annotated[
        list[str] | None, typer.Option(help="Replaces ALL due dates: YYYY-MM-DD[=AMOUNT][=paid], repeatable.")
    ] = None,
    paid: Annotated[list[str] | None, typer.Option(help="Mark the instalment due that day (YYYY-MM-DD) paid.")] = None,
    currency: Annotated[str | None, typer.Option()] = None,
    product: Annotated[str | None, typer.Option()] = None,
    principal: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option(help=f"One of {', '.join(STATUSES)}.")] = None,
    rate: Annotated[str | None, typer.Option(help="Per year, e.g. 18%.")] = None,
    penalty_rate: Annotated[str | None, typer.Option(help="e.g. 0.05%/day or 36%/year.")] = None,
    app: Annotated[str | None, typer.Option()] = None,
    hotline: Annotated[str | None, typer.Option()] = None,
    website: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
    institution: Annotated[str | None, typer.Option("--institution", help="Registry id.")] = None,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Change a loan: give only the fields to change (an empty value clears a text field)."""
    ui = _lang(lang)
    with _store(db, create=False) as store:
        old = store.loan(loan_id)
        if old is None:
            _fail(_msg("no_loan", ui, id=loan_id))
        fields = loan_fields(old)
        changes = _fields(
            lender=lender, outstanding=outstanding, due=due, currency=currency, product=product,
            principal=principal, status=status, annual_rate=rate, penalty_rate=penalty_rate, app=app,
            hotline=hotline, website=website, note=note, institution_id=institution,
        )  # fmt: skip
        if "lender" in changes and "institution_id" not in changes:
            changes["institution_id"] = ""  # a new name is matched to the registry again
        fields.update(changes)
        try:
            new = loan_from_fields(fields, loan_id=loan_id)
            if paid:
                new = _mark_paid(new, paid)
        except LedgerError as exc:
            _fail(str(exc))
        try:
            store.update_loan(new)
        except MissingLoan:  # removed by another process since it was read above
            _fail(_msg("no_loan", ui, id=loan_id))
    typer.echo(_msg("updated", ui, id=loan_id, lender=new.lender))


def _mark_paid(loan: Loan, days: list[str]) -> Loan:
    from dataclasses import replace

    wanted = {parse_date(d, field="paid") for d in days}
    missing = wanted - set(loan.due_dates)
    if missing:
        raise LedgerError(f"paid: loan #{loan.id} has no due date {', '.join(sorted(d.isoformat() for d in missing))}")
    return replace(loan, schedule=tuple(replace(i, paid=True) if i.due in wanted else i for i in loan.schedule))


@loans_app.command("remove")
def remove(
    loan_id: Annotated[int, typer.Argument(help="The loan's number.")],
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Delete a loan from the ledger."""
    ui = _lang(lang)
    with _store(db, create=False) as store:
        if not store.remove_loan(loan_id):
            _fail(_msg("no_loan", ui, id=loan_id))
    typer.echo(_msg("removed", ui, id=loan_id))


def _next_due_text(loan: Loan, today: date, ui: str) -> str:
    late = loan.days_overdue(today)
    if late:
        return f"{loan.overdue_since(today)} ({_msg('overdue', ui, n=late)})"
    nxt = loan.next_due(today)
    return nxt.due.isoformat() if nxt else ""


def _status(loan: Loan, ui: str) -> str:
    zh, en = _STATUS[loan.status]
    return zh if ui == "zh" else en


@loans_app.command("list")
def list_loans(
    as_json: Annotated[bool, typer.Option("--json", help="Print the loans as JSON.")] = False,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Show every loan."""
    ui = _lang(lang)
    loans = _existing_loans(db)
    if as_json:
        typer.echo(json.dumps([loan.to_dict() for loan in loans], ensure_ascii=False, indent=2))
        return
    if not loans:
        typer.echo(_msg("empty", ui))
        return
    today = date.today()
    table = Table(show_edge=False, pad_edge=False)
    for key in ("id", "lender", "product", "outstanding", "next", "status"):
        table.add_column(_head(key, ui), justify="right" if key in ("id", "outstanding") else "left")
    for loan in loans:
        table.add_row(
            str(loan.id),
            loan.lender,
            loan.product,
            format_money(loan.outstanding, loan.currency),
            _next_due_text(loan, today, ui),
            _status(loan, ui),
        )
    _console().print(table)


def _existing_loans(db: str | None) -> tuple[Loan, ...]:
    """The ledger's loans; none (not an error) when the default database does not exist yet."""
    if db is None and not resolve_path(None).exists():
        return ()
    with _store(db, create=False) as store:
        return store.loans()


@loans_app.command("show")
def show(
    loan_id: Annotated[int, typer.Argument(help="The loan's number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the loan as JSON.")] = False,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Show one loan: terms, schedule, channels, and the penalty so far if it is overdue."""
    ui = _lang(lang)
    with _store(db, create=False) as store:
        loan = store.loan(loan_id)
    if loan is None:
        _fail(_msg("no_loan", ui, id=loan_id))
    today = date.today()
    cost = overdue_cost(loan, today=today)
    if as_json:
        data = loan.to_dict()
        data["days_overdue"] = loan.days_overdue(today)
        data["penalty"] = cost.to_dict() if cost else None
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(f"[bold]#{loan.id} {loan.lender}[/bold] {loan.product}  ({_status(loan, ui)})")
    console.print(f"  {_registry_note(loan, ui)}")
    rows = [
        (_head("outstanding", ui), format_money(loan.outstanding, loan.currency)),
        ("principal", format_money(loan.principal, loan.currency) if loan.principal is not None else ""),
        ("annual rate", format_rate(loan.annual_rate)),
        ("penalty rate", format_rate(loan.penalty_rate, loan.penalty_basis)),
        (_head("due", ui), ", ".join(format_due(i) for i in loan.schedule)),
        (_head("next", ui), _next_due_text(loan, today, ui)),
    ]
    for label, value in rows:
        if value:
            console.print(f"  {label}: {value}")
    if cost:
        console.print(
            "  "
            + _msg(
                "cost",
                ui,
                accrued=f"{cost.accrued} {cost.currency}",
                per_day=f"{cost.per_day} {cost.currency}",
                per_week=f"{cost.per_week} {cost.currency}",
            )
        )
    own = [v for v in (loan.app and f"App: {loan.app}", loan.hotline, loan.website) if v]
    if own:
        console.print(f"  {_msg('own_channels', ui)}: {' · '.join(own)}")
    inst = loan.institution()
    if inst is not None and (inst.service_numbers or inst.domains):
        # Only verified values: Institution holds nothing else outside known_domains, which is never shown.
        console.print(f"  {_msg('verified_channels', ui)}: {' · '.join((*inst.service_numbers, *inst.domains))}")
    if loan.note:
        console.print(f"  {loan.note}")


_WITHIN = regex.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>d|day|days|w|week|weeks|天|周)?$", regex.IGNORECASE)


def _parse_within(text: str) -> int:
    m = _WITHIN.match(text.strip())
    if not m:
        raise typer.BadParameter(f"{text!r}: write a number of days or weeks, e.g. 7d or 2w")
    n = int(m.group("n"))
    return n * 7 if (m.group("unit") or "d").lower() in ("w", "week", "weeks", "周") else n


@loans_app.command("due")
def due_cmd(
    within: Annotated[str, typer.Option(help="How far ahead to look: 7d, 2w, 30 …")] = "7d",
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """What is due soon (and anything already overdue), earliest first."""
    ui = _lang(lang)
    days = _parse_within(within)
    today = date.today()
    from datetime import timedelta

    items = due_items(_existing_loans(db), until=today + timedelta(days=days))
    if as_json:
        out = [
            {
                "loan_id": loan.id,
                "lender": loan.lender,
                "due": inst.due.isoformat(),
                "amount": f"{inst.amount if inst.amount is not None else loan.outstanding:f}",
                "currency": loan.currency,
                "days_until": (inst.due - today).days,
            }
            for loan, inst in items
        ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not items:
        typer.echo(_msg("nothing_due", ui, days=days))
        return
    table = Table(show_edge=False, pad_edge=False)
    for key in ("due", "id", "lender", "amount", "when"):
        table.add_column(_head(key, ui), justify="right" if key in ("id", "amount") else "left")
    for loan, inst in items:
        delta = (inst.due - today).days
        when = (
            _msg("overdue", ui, n=-delta)
            if delta < 0
            else _msg("due_today", ui)
            if delta == 0
            else _msg("due_in", ui, n=delta)
        )
        amount = inst.amount if inst.amount is not None else loan.outstanding
        table.add_row(inst.due.isoformat(), str(loan.id), loan.lender, format_money(amount, loan.currency), when)
    _console().print(table)


@loans_app.command("calendar")
def calendar_cmd(
    output: Annotated[str | None, typer.Argument(help="The .ics file to write ('-' or none: standard output).")] = None,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Export every unpaid due date as an iCalendar (.ics) file, with a reminder the day before."""
    ui = _lang(lang)
    loans = _existing_loans(db)
    _write_out(output, due_calendar(loans))
    if output not in (None, "-"):
        typer.echo(_msg("calendar", ui, n=len(due_items(loans)), path=output))


@loans_app.command("import")
def import_cmd(
    source: Annotated[
        str, typer.Argument(help="A CSV file ('-' for standard input), as veritext loans export writes.")
    ],
    replace: Annotated[bool, typer.Option("--replace", help="Replace the whole ledger instead of adding.")] = False,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Import loans from CSV: every row is checked first, then all are saved at once, or none."""
    ui = _lang(lang)
    try:
        loans = read_csv(decode_csv(_read_in(source)))
    except CsvError as exc:
        _fail(str(exc))
    with _store(db) as store:
        saved = store.add_loans(loans, replace=replace)
        path = store.path
    typer.echo(_msg("imported", ui, n=len(saved), path=path))


@loans_app.command("export")
def export_cmd(
    output: Annotated[str | None, typer.Argument(help="The CSV file to write ('-' or none: standard output).")] = None,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Export the ledger as CSV (UTF-8), which veritext loans import reads back."""
    ui = _lang(lang)
    loans = _existing_loans(db)
    _write_out(output, write_csv(loans).encode("utf-8"))
    if output not in (None, "-"):
        typer.echo(_msg("exported", ui, n=len(loans), path=output))


# ------------------------------------------------------------------------------------------ rules


@rules_app.command("import")
def rules_import(
    source: Annotated[str, typer.Argument(help="A TOML rules file ('-' for standard input).")],
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Check a rules file and save it (replacing your current rules); nothing changes if it has an error."""
    ui = _lang(lang)
    data = _read_in(source)
    try:
        text = data.decode("utf-8-sig")
        rules = parse_rules(text)
    except UnicodeDecodeError:
        _fail(f"{source} is not UTF-8 text")
    except RulesError as exc:
        _fail(f"{source}: {exc}")
    with _store(db) as store:
        store.save_rules_toml(text)
        path = store.path
    typer.echo(_msg("rules_saved", ui, n=rules.count(), path=path))


@rules_app.command("export")
def rules_export(
    output: Annotated[str | None, typer.Argument(help="The TOML file to write ('-' or none: standard output).")] = None,
    db: Db = None,
    lang: LangOpt = None,
) -> None:
    """Write your rules out as TOML (exactly as imported, comments included)."""
    ui = _lang(lang)
    text = _saved_rules_text(db)
    if text is None:
        _fail(_msg("rules_none", ui))
    _write_out(output, text.encode("utf-8"))
    if output not in (None, "-"):
        typer.echo(_msg("rules_exported", ui, path=output))


@rules_app.command("list")
def rules_list(db: Db = None, lang: LangOpt = None) -> None:
    """Show your allow-lists, deny-lists and rules."""
    ui = _lang(lang)
    text = _saved_rules_text(db)
    if text is None:
        typer.echo(_msg("rules_none", ui))
        return
    rules = _parse_saved(text)
    console = _console()
    for key, senders, domains, weight in (
        ("allow", rules.allow_senders, rules.allow_domains, rules.allow_weight),
        ("deny", rules.deny_senders, rules.deny_domains, rules.deny_weight),
    ):
        console.print(f"[bold]{_msg(key, ui)}[/bold] ({_msg('weight', ui)} {weight:+g})")
        console.print(f"  {_msg('senders', ui)}: {', '.join(senders) or '-'}")
        console.print(f"  {_msg('domains', ui)}: {', '.join(domains) or '-'}")
    for rule in rules.rules:
        what = f"regex {rule.pattern!r}" if rule.pattern else "keywords " + ", ".join(rule.keywords)
        console.print(
            f"[bold]{_msg('rule', ui)} {rule.id}[/bold] → {rule.signal_id} ({rule.weight:+g}) "
            f"[{rule.target}] {what}: {rule.description.get(ui)}",
            markup=True,
        )


@rules_app.command("clear")
def rules_clear(db: Db = None, lang: LangOpt = None) -> None:
    """Delete your rules."""
    ui = _lang(lang)
    with _store(db, create=False) as store:
        store.save_rules_toml(None)
    typer.echo(_msg("rules_cleared", ui))


def _saved_rules_text(db: str | None) -> str | None:
    if db is None and not resolve_path(None).exists():
        return None
    with _store(db, create=False) as store:
        return store.rules_toml()


def _parse_saved(text: str) -> UserRules:
    try:
        return parse_rules(text)
    except RulesError as exc:
        # Saved rules were valid when imported; a newer Veritext may be stricter.
        _fail(f"your saved rules no longer load: {exc}; fix and re-import them")


# ------------------------------------------------------------------------------------------ for veritext check


def personal_context(db: str | None) -> tuple[tuple[Loan, ...], UserRules | None]:
    """The ledger's loans and the user's rules for ``veritext check``.

    With ``--db`` the file must exist; without it, ``$VERITEXT_DB`` or the default file is used when
    it exists, and nothing (no ledger, no rules) when it does not.
    """
    path = resolve_path(db)
    if db is None and not path.exists():
        return (), None
    with _store(db, create=False) as store:
        loans = store.loans()
        text = store.rules_toml()
    return loans, (_parse_saved(text) if text is not None else None)


def register(app: typer.Typer) -> None:
    """Add ``loans`` and ``rules`` to the main ``veritext`` command (one line in cli.py)."""
    app.add_typer(loans_app, name="loans")
    app.add_typer(rules_app, name="rules")
