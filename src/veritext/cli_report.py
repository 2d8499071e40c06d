"""Command line for the report stage: ``veritext report``, ``veritext conduct``, ``veritext evidence``.

A front end only: choosing channels, checking conduct and building the bundle live in
:mod:`veritext.report`. Nothing is ever sent; every export is redacted unless
``--include-originals`` is given.

Exit codes: ``report`` and ``evidence`` 0 = done; ``conduct`` 0 = no finding, 10 = findings;
1 = the input could not be read; 2 = usage error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from veritext import Context, InputError, Verdict, triage
from veritext.cli_options import Where, YesNo, decode_input

if TYPE_CHECKING:
    from types import ModuleType

    from veritext.report import ConductReport, EvidenceMessage, Redaction

__all__ = ["conduct", "evidence", "register", "report"]

EXIT_INPUT_ERROR = 1
EXIT_FINDINGS = 10


class Lang(StrEnum):
    zh = "zh"
    en = "en"
    both = "both"


# Options shared by the three commands.
JurisdictionOpt = Annotated[Where | None, typer.Option(help="Where you live (default: inferred from the messages).")]
HasLoanOpt = Annotated[YesNo, typer.Option(help="Do you have a loan with the lender the messages name?")]
OriginalsOpt = Annotated[
    bool,
    typer.Option(
        "--include-originals", help="Do not redact: include ID / card numbers, your number and names as written."
    ),
]
MyPhoneOpt = Annotated[
    list[str] | None, typer.Option("--my-phone", help="Your own phone number, to hide it (repeatable).")
]
NameOpt = Annotated[list[str] | None, typer.Option("--name", help="A name to hide, e.g. yours (repeatable).")]
TimezoneOpt = Annotated[
    str | None,
    typer.Option(help="Your time zone (IANA, e.g. Asia/Shanghai) for times that carry an offset."),
]
MaxPerDayOpt = Annotated[
    int | None, typer.Option(min=1, help="Daily threshold for 'too many messages' (default: the data file's).")
]


def _r() -> ModuleType:
    # The report stage (Jinja2, and WeasyPrint for PDFs) loads only when one of these commands runs,
    # so `veritext check` never depends on it.
    import veritext.report
    import veritext.report.views

    return veritext.report


def _fail(message: str) -> typer.Exit:
    typer.echo(f"veritext: error: {message}", err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


def _redaction(include_originals: bool, my_phone: Sequence[str] | None, name: Sequence[str] | None) -> Redaction:
    if include_originals:
        return _r().Redaction.off()  # type: ignore[no-any-return]
    return _r().Redaction(own_phones=tuple(my_phone or ()), names=tuple(name or ()))  # type: ignore[no-any-return]


def _langs(lang: Lang | None, default: str) -> tuple[str, ...]:
    if lang is None:
        return (default,)
    return ("zh", "en") if lang is Lang.both else (lang.value,)


def _context(jurisdiction: Where | None, has_loan: YesNo) -> Context:
    return Context(has_loan=has_loan.value, jurisdiction=jurisdiction.value if jurisdiction else None)


def _messages(path: Path) -> tuple[EvidenceMessage, ...]:
    try:
        return _r().read_messages(path)  # type: ignore[no-any-return]
    except _r().MessagesError as exc:
        raise _fail(str(exc)) from None


def _read_text(text: str | None) -> str:
    if text == "-":
        try:
            return decode_input(sys.stdin.buffer.read())
        except ValueError as exc:
            raise _fail(str(exc)) from None
    return text or ""


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--received-at {value!r} is not an ISO 8601 date-time") from None


def _conduct(
    messages: Sequence[EvidenceMessage], ctx: Context, max_per_day: int | None, timezone: str | None = None
) -> ConductReport:
    try:
        return _r().check_conduct(  # type: ignore[no-any-return]
            messages, jurisdiction=ctx.jurisdiction, context=ctx, max_per_day=max_per_day, timezone=timezone
        )
    except (InputError, ValueError) as exc:  # ValueError includes ReportDataError: a broken data file
        raise _fail(str(exc)) from None


def _latest(messages: Sequence[EvidenceMessage], report: ConductReport) -> EvidenceMessage:
    # Without a message of its own, a report is about the most recent collection message.
    pool = [messages[i] for i in report.collection] or list(messages)
    timed = [m for m in pool if m.received_at is not None]
    if timed:
        try:
            return max(timed, key=lambda m: m.received_at)  # type: ignore[arg-type,return-value]
        except TypeError:  # naive and aware times mixed: fall back to file order
            pass
    return pool[-1]


def report(
    text: Annotated[
        str | None, typer.Argument(help="The message text, or '-' for standard input (optional with --history).")
    ] = None,
    sender: Annotated[str | None, typer.Option(help="The number or name the message came from.")] = None,
    received_at: Annotated[str | None, typer.Option(help="When it arrived, ISO 8601 (e.g. 2026-11-28T23:10).")] = None,
    history: Annotated[
        Path | None,
        typer.Option(help="JSONL/CSV of the collection messages (text, sender, time) the complaint is about."),
    ] = None,
    jurisdiction: JurisdictionOpt = None,
    has_loan: HasLoanOpt = YesNo.unknown,
    timezone: TimezoneOpt = None,
    lang: Annotated[Lang | None, typer.Option(help="zh, en or both (default: the message's language).")] = None,
    channel: Annotated[list[str] | None, typer.Option(help="Only this channel id (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the drafts as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Also write drafts.json, drafts.html and drafts.pdf into this folder.")
    ] = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="With --out: skip the PDF.")] = False,
    include_originals: OriginalsOpt = False,
    my_phone: MyPhoneOpt = None,
    name: NameOpt = None,
) -> None:
    """Draft reports and complaints for the channels that apply (12321, the lender, 12378, police, 7726, FTC, CFPB …).

    Nothing is sent: you check each draft and submit it yourself. Personal data is hidden unless
    --include-originals is given.
    """
    redaction = _redaction(include_originals, my_phone, name)
    ctx = _context(jurisdiction, has_loan)
    history_msgs: tuple[EvidenceMessage, ...] = ()
    findings = None
    if history is not None:
        history_msgs = _messages(history)
        conduct_report = _conduct(history_msgs, ctx, None, timezone)
        findings = conduct_report.findings
        ctx = Context(has_loan=ctx.has_loan, jurisdiction=conduct_report.jurisdiction)  # type: ignore[arg-type]
    if text is None and not history_msgs:
        raise _fail("give the message as an argument, '-' for standard input, or --history FILE")
    if text is None:
        latest = _latest(history_msgs, conduct_report)
        message, sender, when = latest.text, latest.sender, latest.received_at
    else:
        message, when = _read_text(text), _time(received_at)
    try:
        verdict = triage(message, sender=sender, received_at=when, context=ctx)
        result = _r().drafts(verdict, history=history_msgs, findings=findings, redaction=redaction, only=channel)
    except (InputError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if out is not None:
        _write_drafts(out, verdict, result, pdf=not no_pdf)
    if as_json:
        payload = {
            "jurisdiction": verdict.jurisdiction,
            "kind": verdict.kind,
            "risk": verdict.risk,
            "redacted": redaction.enabled,
            "drafts": [d.to_dict() for d in result],
            "unavailable": [u.to_dict() for u in _r().unavailable(verdict.jurisdiction)],
            "sent": False,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    for lg in _langs(lang, verdict.language):
        words = _r().views.ui(lg)
        if not result:
            typer.echo(f"{words['no_channel']} ({verdict.jurisdiction})")
        for d in result:
            typer.echo(_r().draft_text(d, lg))
            typer.echo("")
        notes = _r().unavailable(verdict.jurisdiction)
        if notes:
            typer.echo(f"{words['unavailable']}:")
            for note in notes:
                typer.echo(f"  - {note.get(lg)}")
            typer.echo("")


def _write_drafts(out: Path, verdict: Verdict, result: Sequence[Any], *, pdf: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    html = _r().drafts_html(result)
    payload = {"jurisdiction": verdict.jurisdiction, "drafts": [d.to_dict() for d in result], "sent": False}
    (out / "drafts.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "drafts.html").write_text(html, encoding="utf-8")
    if pdf:
        try:
            (out / "drafts.pdf").write_bytes(_r().html_to_pdf(html))
        except _r().PdfUnavailable as exc:
            raise _fail(f"{exc} (or use --no-pdf)") from None
    typer.echo(f"veritext: wrote drafts to {out}", err=True)


def conduct(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV of messages: text, sender, time.")],
    jurisdiction: JurisdictionOpt = None,
    has_loan: HasLoanOpt = YesNo.unknown,
    lang: Annotated[Lang | None, typer.Option(help="zh, en or both (default: the messages' language).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    max_per_day: MaxPerDayOpt = None,
    timezone: TimezoneOpt = None,
    include_originals: OriginalsOpt = False,
    my_phone: MyPhoneOpt = None,
    name: NameOpt = None,
) -> None:
    """Check a set of collection messages for abusive conduct; each finding cites its rule and source.

    Exit code 0 = nothing found, 10 = findings, 1 = the file could not be read.
    """
    messages = _messages(file)
    result = _conduct(messages, _context(jurisdiction, has_loan), max_per_day, timezone)
    redaction = _redaction(include_originals, my_phone, name)
    if as_json:
        payload = {
            "jurisdiction": result.jurisdiction,
            "messages": len(result.messages),
            "collection_messages": len(result.collection),
            "findings": [f.to_dict() for f in result.findings],
            "notes": [n.to_dict() for n in result.notes],
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        default = "zh" if result.jurisdiction == "CN" else "en"
        for lg in _langs(lang, default):
            typer.echo(_r().conduct_text(result, lg, redaction=redaction))
            typer.echo("")
    raise typer.Exit(EXIT_FINDINGS if result.findings else 0)


def evidence(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV of messages: text, sender, time.")],
    out: Annotated[Path, typer.Option(help="Folder for evidence.json, evidence.html, evidence.pdf, SHA256SUMS.")],
    jurisdiction: JurisdictionOpt = None,
    has_loan: HasLoanOpt = YesNo.unknown,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip the PDF.")] = False,
    max_per_day: MaxPerDayOpt = None,
    timezone: TimezoneOpt = None,
    include_originals: OriginalsOpt = False,
    my_phone: MyPhoneOpt = None,
    name: NameOpt = None,
) -> None:
    """Build the evidence bundle: printable HTML, PDF (Chinese font embedded) and JSON with SHA-256 of each original."""
    messages = _messages(file)
    result = _conduct(messages, _context(jurisdiction, has_loan), max_per_day, timezone)
    try:
        files = _r().write_bundle(result, out, redaction=_redaction(include_originals, my_phone, name), pdf=not no_pdf)
    except _r().PdfUnavailable as exc:
        raise _fail(f"{exc} (or use --no-pdf)") from None
    except OSError as exc:
        raise _fail(f"cannot write to {out}: {exc.strerror or exc}") from None
    for path in (files.json, files.html, files.pdf, files.sums):
        if path is not None:
            typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add ``report``, ``conduct`` and ``evidence`` to the ``veritext`` command."""
    app.command("report")(report)
    app.command("conduct")(conduct)
    app.command("evidence")(evidence)
