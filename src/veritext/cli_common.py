"""What the bulk commands (``scan`` and friends, ``spark-scan``) share: bilingual messages, errors and
a stand-alone entry point for running one command module on its own (benchmarks, ``spark-submit``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

EXIT_ERROR = 1

# Column options of the commands that read tables of messages (the text column's help differs).
SenderColumn = Annotated[str | None, typer.Option(help="Column with the sender number.")]
TimeColumn = Annotated[str | None, typer.Option(help="Column with the received time.")]
IdColumn = Annotated[str | None, typer.Option(help="Column with your own message id.")]


def fail(zh: str, en: str) -> typer.Exit:
    """Print a bilingual error to stderr; raise the returned exit (status 1)."""
    typer.echo(f"veritext: error: {zh} / {en}", err=True)
    return typer.Exit(EXIT_ERROR)


def fail_with(exc: Exception) -> typer.Exit:
    """Print an exception whose message is already bilingual; raise the returned exit (status 1)."""
    typer.echo(f"veritext: error: {exc}", err=True)
    return typer.Exit(EXIT_ERROR)


def say(console: Console, zh: str, en: str) -> None:
    """One line in both languages."""
    console.print(f"{zh} / {en}", highlight=False)


def check_time_zone(tz: str | None) -> None:
    """Refuse an unknown IANA time-zone name before any work starts (``None`` is the local zone)."""
    if tz is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"未知时区 {tz!r}（例如 Asia/Shanghai）", f"unknown time zone {tz!r} (e.g. Asia/Shanghai)") from None


def run_alone(register: Callable[[typer.Typer], None]) -> None:
    """Run the commands one module registers, without the rest of ``veritext``'s imports."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    register(app)
    app()
