"""Command line: ``veritext check`` and ``veritext demo``. A front end only: all judgement is in the pipeline.

Exit codes of ``veritext check`` (so a script can branch on the verdict):
  0  low risk · 10 medium risk · 20 high risk · 1 the input could not be read or triaged · 2 usage error
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from veritext import (
    Context,
    InputError,
    Verdict,
    cli_loans,
    cli_model,
    cli_report,
    cli_scan,
    cli_spark,
    cli_web,
    triage,
)
from veritext.cli_options import Lang, Where, YesNo, decode_input
from veritext.decide import kind_name
from veritext.samples import SAMPLES

EXIT_BY_RISK = {"low": 0, "medium": 10, "high": 20}
EXIT_INPUT_ERROR = 1

app = typer.Typer(
    name="veritext",
    help="Is this loan, repayment, debt or court text message real? A verdict with reasons and a plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


_RISK_STYLE = {"low": "bold green", "medium": "bold yellow", "high": "bold white on red"}
_UI = {
    "kind": ("类型", "Kind"),
    "risk": ("风险", "Risk"),
    "risk_low": ("低", "low"),
    "risk_medium": ("中", "medium"),
    "risk_high": ("高", "high"),
    "fraud": ("诈骗可能性", "fraud probability"),
    "message": ("原文（标出的是证据）", "Message (evidence highlighted)"),
    "reasons": ("理由", "Reasons"),
    "why": ("你为什么会收到它", "Why you probably got it"),
    "plan": ("怎么做", "What to do"),
    "contacts": ("可用的官方渠道（均已核实）", "Official channels (all verified)"),
    "if": ("如果", "If"),
    "has_loan=yes": ("你在该机构有借款", "you have a loan with this lender"),
    "has_loan=no": ("你在该机构没有借款", "you have no loan with this lender"),
    "requested_code=yes": ("验证码是你自己申请的", "you asked for this code"),
    "requested_code=no": ("你没有申请验证码", "you did not ask for a code"),
    "sender": ("发送方", "Sender"),
}


def _ui(key: str, lang: str) -> str:
    zh, en = _UI.get(key, (key, key))
    return zh if lang == "zh" else en


def _fail(message: str) -> typer.Exit:
    typer.echo(f"veritext: error: {message}", err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


def _read_text(text: str | None) -> str:
    if text is None or text == "-":
        if sys.stdin.isatty() and text is None:
            raise _fail("give the message as an argument, or pipe it in and pass '-'")
        try:
            return decode_input(sys.stdin.buffer.read())
        except ValueError as exc:
            raise _fail(str(exc)) from None
    return text


@app.command()
def check(
    text: Annotated[str | None, typer.Argument(help="The message text, or '-' to read it from standard input.")] = None,
    sender: Annotated[str | None, typer.Option(help="The number or name the message came from.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly Verdict.to_dict() as JSON.")] = False,
    lang: Annotated[Lang | None, typer.Option(help="Interface language (default: the message's).")] = None,
    jurisdiction: Annotated[Where | None, typer.Option(help="Where you live (default: inferred).")] = None,
    has_loan: Annotated[YesNo, typer.Option(help="Do you have a loan with the lender it names?")] = YesNo.unknown,
    requested_code: Annotated[YesNo, typer.Option(help="Did you just ask for a verification code?")] = YesNo.unknown,
    received_at: Annotated[str | None, typer.Option(help="When it arrived, ISO 8601 (e.g. 2026-11-28T23:10).")] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Your loans and rules database (default: $VERITEXT_DB, else your data folder)."),
    ] = None,
) -> None:
    """Check one message. Exit code 0 = low risk, 10 = medium, 20 = high, 1 = bad input, 2 = usage error."""
    message = _read_text(text)
    when = None
    if received_at:
        try:
            when = datetime.fromisoformat(received_at)
        except ValueError:
            raise _fail(f"--received-at {received_at!r} is not an ISO 8601 date-time") from None
    loans, rules = cli_loans.personal_context(db)
    ctx = Context(
        has_loan=has_loan.value,
        requested_code=requested_code.value,
        jurisdiction=jurisdiction.value if jurisdiction else None,
        loans=loans,
        rules=rules,
    )
    try:
        verdict = triage(message, sender=sender, received_at=when, context=ctx)
    except InputError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        render(verdict, lang=lang.value if lang else verdict.language, console=Console(highlight=False))
    raise typer.Exit(EXIT_BY_RISK[verdict.risk])


@app.command()
def demo(
    lang: Annotated[Lang | None, typer.Option(help="Interface language (default: each message's).")] = None,
) -> None:
    """Check a handful of sample messages (written for this demo) and show the verdicts."""
    console = Console(highlight=False)
    for sample in SAMPLES:
        verdict = triage(sample.text, sender=sample.sender, context=sample.context)
        console.rule(f"[bold]{sample.title.get(lang.value if lang else verdict.language)}")
        render(verdict, lang=lang.value if lang else verdict.language, console=console)
        console.print()


def render(verdict: Verdict, *, lang: str, console: Console) -> None:
    """Print a verdict for people: kind, risk, the message with evidence marked, reasons, scenarios, plan."""
    risk = Text(f" {_ui('risk_' + verdict.risk, lang)} ", style=_RISK_STYLE[verdict.risk])
    head = Text.assemble(
        (f"{_ui('kind', lang)}: ", "bold"),
        kind_name(verdict.kind).get(lang),
        "   ",
        (f"{_ui('risk', lang)}: ", "bold"),
        risk,
        f"  ({_ui('fraud', lang)} {verdict.fraud_probability:.0%})",
    )
    console.print(head)
    if verdict.sender:
        console.print(Text.assemble((f"{_ui('sender', lang)}: ", "bold"), verdict.sender, f" ({verdict.sender_type})"))
    body = Text(verdict.text)
    for sig in verdict.signals:
        style = "bold red" if sig.weight > 0 else "bold green" if sig.weight < 0 else "underline"
        for span in sig.spans:
            body.stylize(style, span.start, span.end)
    console.print(Text(_ui("message", lang), style="bold"))
    console.print(Text("  ") + body)
    reasons = [s for s in verdict.signals if s.group != "kind"] + [s for s in verdict.signals if s.group == "kind"]
    if reasons:
        console.print(Text(_ui("reasons", lang), style="bold"))
    for sig in reasons:
        mark = "+" if sig.weight > 0 else "−" if sig.weight < 0 else "·"
        colour = "red" if sig.weight > 0 else "green" if sig.weight < 0 else "dim"
        words = " ".join(f"«{s.text}»" for s in sig.spans[:4])
        console.print(
            Text.assemble(
                (f"  {mark} {sig.id}", colour),
                f" ({sig.weight:+.1f}) " if sig.weight else " ",
                sig.description.get(lang),
                (f"  {words}" if words else "", "italic"),
            )
        )
    if verdict.scenarios:
        console.print(Text(_ui("why", lang), style="bold"))
        for sc in verdict.scenarios[:4]:
            console.print(Text.assemble(f"  • {sc.title.get(lang)} ", (f"— {sc.explanation.get(lang)}", "dim")))
    console.print(Text(_ui("plan", lang), style="bold"))
    for i, step in enumerate(verdict.plan, 1):
        cond = f"[{_ui('if', lang)} {_ui(step.condition, lang)}] " if step.condition else ""
        console.print(Text.assemble(f"  {i}. ", (cond, "cyan"), step.text.get(lang)))
        console.print(Text(f"     {step.reason.get(lang)}", style="dim"))
    if verdict.contacts:
        console.print(Text(_ui("contacts", lang), style="bold"))
        for c in verdict.contacts:
            console.print(f"  - {c.name.get(lang)}: {c.value}")


# Command groups that live in their own modules register themselves here (one line each).
# --- command registrations ---
for _group in (cli_model, cli_loans, cli_report, cli_scan, cli_spark, cli_web):
    _group.register(app)
# --- end command registrations ---


def main() -> None:
    """Entry point of the ``veritext`` command."""
    app()


if __name__ == "__main__":
    main()
