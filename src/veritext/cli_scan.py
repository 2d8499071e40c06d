"""Command line for whole inboxes: ``veritext scan``, ``campaigns``, ``export`` and ``scan-report``.

A front end only: reading is in :mod:`veritext.inbox`, judgement in the pipeline (via
:mod:`veritext.batch`), the rest in :mod:`veritext.scan`, :mod:`veritext.campaigns` and
:mod:`veritext.exports`. Heavy libraries are imported inside the commands so ``veritext check``
starts as fast as before. Exit codes: 0 done · 1 an input could not be read or written · 2 usage
error · 130 interrupted (run the same command again to resume).
"""
# pyarrow, pandas, stix2 and weasyprint ship no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veritext.cli_common import IdColumn, SenderColumn, TimeColumn, check_time_zone, fail, fail_with, run_alone, say

if TYPE_CHECKING:
    from veritext.campaigns import CampaignResult

EXIT_INTERRUPTED = 130


class OnErrorChoice(StrEnum):
    skip = "skip"
    stop = "stop"


class FormatChoice(StrEnum):
    auto = "auto"
    android_xml = "android-xml"
    ios_db = "ios-db"
    csv = "csv"
    tsv = "tsv"
    jsonl = "jsonl"
    parquet = "parquet"


class RiskChoice(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"





def scan_command(
    files: Annotated[
        list[Path], typer.Argument(help="Inbox files: SMS Backup & Restore XML, iOS sms.db, CSV/TSV, JSONL, Parquet.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output: .parquet (default), .csv or .jsonl; one row per message.")
    ] = None,
    db: Annotated[
        Path | None, typer.Option(help="Checkpoint database that makes the scan resumable (default: OUT.scan.sqlite).")
    ] = None,
    workers: Annotated[int, typer.Option(min=0, help="Worker processes (0 = every core).")] = 0,
    fmt: Annotated[FormatChoice, typer.Option("--format", help="Input format (default: detect).")] = FormatChoice.auto,
    on_error: Annotated[
        OnErrorChoice, typer.Option(help="A bad row: stop with its location, or skip it (counted and listed).")
    ] = OnErrorChoice.stop,
    text_col: Annotated[str | None, typer.Option(help="Column with the message text (CSV/JSONL/Parquet).")] = None,
    sender_col: SenderColumn = None,
    time_col: TimeColumn = None,
    id_col: IdColumn = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of CSV/TSV input (default: detect, e.g. GB18030).")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: from the header row).")] = None,
    include_sent: Annotated[bool, typer.Option(help="Also triage sent / draft messages from phone backups.")] = False,
    tz: Annotated[
        str | None,
        typer.Option(help="Time zone of times written without one, e.g. Asia/Shanghai (default: this computer's)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=1_000_000, help="Messages per batch.")] = 2000,
    restart: Annotated[
        bool, typer.Option(help="Start over: discard an earlier result or unfinished scan of OUT.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of tables.")] = False,
) -> None:
    """Triage every message in FILES with all cores; resumable; a summary table at the end."""
    from veritext.inbox import ColumnMap, InboxError, ReadOptions
    from veritext.scan import ScanInterrupted, ScanOptions, interrupted_message, render_summary, scan

    check_time_zone(tz)
    target = out or Path(f"{files[0].stem}.verdicts.parquet")
    options = ScanOptions(
        out=target,
        db=db,
        workers=workers,
        batch_size=batch_size,
        read=ReadOptions(
            format=None if fmt == FormatChoice.auto else fmt.value,
            columns=ColumnMap(text=text_col, sender=sender_col, time=time_col, id=id_col),
            encoding=encoding,
            delimiter=delimiter,
            include_sent=include_sent,
            on_error=on_error.value,
        ),
        restart=restart,
        progress=progress,
        tz=tz,
    )
    err = Console(stderr=True, highlight=False)
    try:
        result = scan(files, options, console=err)
    except ScanInterrupted:
        msg = interrupted_message(target)
        typer.echo(f"{msg.zh}\n{msg.en}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except InboxError as exc:
        raise fail_with(exc) from None
    except OSError as exc:
        raise fail(f"读写文件失败：{exc}", f"file error: {exc}") from None
    if as_json:
        payload = result.summary.to_dict() | {
            "out": str(result.out),
            "checkpoint": str(result.db),
            "skipped": result.skipped,
            "repaired": result.repaired,
            "issues_file": str(result.issues_file) if result.issues_file else None,
            "seconds": round(result.seconds, 2),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    console = Console(highlight=False)
    if result.already_complete:
        say(
            console,
            f"这次扫描早已完成：{result.out}（加 --restart 可重新扫描）",
            f"this scan was already complete: {result.out} (pass --restart to scan again)",
        )
    elif result.resumed_batches:
        say(
            console,
            f"已从检查点继续：{result.resumed_batches} 批此前已完成",
            f"resumed from the checkpoint: {result.resumed_batches} batches were already done",
        )
    render_summary(result.summary, console=console)
    if result.skipped or result.repaired:
        say(
            console,
            f"跳过 {result.skipped} 行、修复 {result.repaired} 行；完整清单：{result.issues_file}",
            f"{result.skipped} rows skipped, {result.repaired} repaired; full list: {result.issues_file}",
        )
        for issue in result.issues[:10]:
            console.print(f"  {issue.source}:{issue.location}: {issue.reason.zh} / {issue.reason.en}", highlight=False)
    say(
        console,
        f"{result.summary.messages:,} 条短信的结果已写入 {result.out}（用时 {result.seconds:.1f} 秒）",
        f"verdicts for {result.summary.messages:,} messages written to {result.out} ({result.seconds:.1f} s)",
    )


def _load_campaigns(results: Path, *, min_size: int, threshold: float, top: int) -> CampaignResult:
    from veritext.campaigns import CAMPAIGN_INPUT_COLUMNS, find_campaigns
    from veritext.scan import read_results

    table = read_results(results, columns=CAMPAIGN_INPUT_COLUMNS)
    return find_campaigns(table, min_size=min_size, threshold=threshold, top=top)


def _write_table(table: Any, path: Path) -> None:
    """A small table (campaigns, memberships) as Parquet, JSONL or CSV (lists space-joined)."""
    import pyarrow.parquet as pq

    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        pq.write_table(table, path, compression="zstd")
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as f:
            for row in table.to_pylist():
                f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(table.column_names)
            for row in table.to_pylist():
                w.writerow(
                    [" ".join(map(str, v)) if isinstance(v, list) else "" if v is None else v for v in row.values()]
                )
    else:
        raise fail(
            f"输出文件名须以 .csv、.parquet 或 .jsonl 结尾：{path.name}",
            f"the output name must end in .csv, .parquet or .jsonl: {path.name}",
        )


def campaigns_command(
    results: Annotated[Path, typer.Argument(help="A `veritext scan` output (.parquet, .csv or .jsonl).")],
    out: Annotated[Path | None, typer.Option(help="Write the campaigns table (.csv, .parquet or .jsonl).")] = None,
    members: Annotated[
        Path | None, typer.Option(help="Write message_id → campaign_id (.csv, .parquet or .jsonl).")
    ] = None,
    min_size: Annotated[int, typer.Option(min=2, help="Smallest campaign, in messages.")] = 3,
    threshold: Annotated[
        float, typer.Option(min=0.1, max=1.0, help="Jaccard similarity that joins two templates.")
    ] = 0.6,
    top: Annotated[int, typer.Option(min=1, help="How many campaigns to print.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the campaigns as JSON.")] = False,
) -> None:
    """Find campaigns: near-identical messages (numbers and links masked) sent many times."""
    from rich.markup import escape

    from veritext.campaigns import campaign_table
    from veritext.decide import kind_name
    from veritext.inbox import InboxError
    from veritext.scan.summary import RISK_NAMES

    try:
        found = _load_campaigns(results, min_size=min_size, threshold=threshold, top=10)
    except InboxError as exc:
        raise fail_with(exc) from None
    if out:
        _write_table(campaign_table(found.campaigns), out)
    if members:
        _write_table(found.members, members)
    if as_json:
        sys.stdout.write(json.dumps([c.to_dict() for c in found.campaigns[:top]], ensure_ascii=False, indent=2) + "\n")
        return
    console = Console(highlight=False)
    t = Table(
        title=f"群发活动 campaigns: {len(found.campaigns):,}（{found.messages:,} 条短信 messages, "
        f"{found.distinct_templates:,} 个不同模板 distinct templates）",
        title_justify="left",
        show_lines=True,
    )
    t.add_column("编号\nid", no_wrap=True)
    t.add_column("短信\nmsgs", justify="right")
    t.add_column("发送方\nsenders", justify="right")
    t.add_column("风险\nrisk")
    t.add_column("时间\nseen", no_wrap=True)
    t.add_column("类型 kind · 模板 template · 域名 domains", ratio=1, overflow="fold")
    for c in found.campaigns[:top]:
        seen = f"{c.first_seen:%m-%d}→{c.last_seen:%m-%d}" if c.first_seen and c.last_seen else "—"
        name = kind_name(c.kind)
        detail = f"[bold]{name.zh}[/] {c.kind}\n{escape(c.template)}"
        if c.domains:
            detail += f"\n[cyan]{escape(', '.join(c.domains[:3]))}[/]"
        t.add_row(c.campaign_id, f"{c.size:,}", f"{c.distinct_senders:,}", " ".join(RISK_NAMES[c.risk]), seen, detail)
    console.print(t)
    if out or members:
        say(
            console,
            f"已写入：{', '.join(str(p) for p in (out, members) if p)}",
            f"written: {', '.join(str(p) for p in (out, members) if p)}",
        )


def export_command(
    results: Annotated[Path, typer.Argument(help="A `veritext scan` output (.parquet, .csv or .jsonl).")],
    indicators: Annotated[Path | None, typer.Option(help="Write indicators as CSV.")] = None,
    stix: Annotated[Path | None, typer.Option(help="Write a STIX 2.1 bundle (JSON).")] = None,
    min_risk: Annotated[
        RiskChoice, typer.Option(help="List values seen in at least one message this risky.")
    ] = RiskChoice.medium,
    min_size: Annotated[int, typer.Option(min=2, help="Smallest campaign, in messages.")] = 3,
) -> None:
    """Export indicators (domains, URLs, phone numbers, account numbers) as CSV and / or STIX 2.1."""
    from veritext.exports import (
        INDICATOR_INPUT_COLUMNS,
        build_bundle,
        find_indicators,
        write_indicators_csv,
        write_stix,
    )
    from veritext.inbox import InboxError
    from veritext.scan import iter_results

    if not indicators and not stix:
        raise fail("请至少给出 --indicators 或 --stix", "give --indicators and / or --stix")
    try:
        found = _load_campaigns(results, min_size=min_size, threshold=0.6, top=10)
        inds = find_indicators(
            iter_results(results, columns=INDICATOR_INPUT_COLUMNS), min_risk=min_risk.value, members=found.members
        )
    except InboxError as exc:
        raise fail_with(exc) from None
    console = Console(highlight=False)
    if indicators:
        n = write_indicators_csv(inds, indicators)
        say(console, f"{n:,} 个指标已写入 {indicators}", f"{n:,} indicators written to {indicators}")
    if stix:
        linked = {cid for i in inds for cid in i.campaigns}
        bundle = build_bundle(inds, [c for c in found.campaigns if c.campaign_id in linked])
        write_stix(bundle, stix)
        say(
            console,
            f"STIX 2.1 包（{len(bundle.objects):,} 个对象）已写入 {stix}",
            f"STIX 2.1 bundle ({len(bundle.objects):,} objects) written to {stix}",
        )


def report_command(
    results: Annotated[Path, typer.Argument(help="A `veritext scan` output (.parquet, .csv or .jsonl).")],
    out: Annotated[Path, typer.Option(help="The HTML report to write (self-contained, works offline).")] = Path(
        "veritext-report.html"
    ),
    pdf: Annotated[Path | None, typer.Option(help="Also write a PDF (needs weasyprint).")] = None,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    tz: Annotated[str | None, typer.Option(help="Count days in this time zone (default: this computer's).")] = None,
    top: Annotated[int, typer.Option(min=1, max=50, help="Campaigns, domains and senders to show.")] = 10,
) -> None:
    """Write an offline HTML report with plots: messages per day, risk, top campaigns, top domains."""
    from veritext.exports import collect, render_html, write_pdf
    from veritext.inbox import InboxError

    try:
        data = collect(results, tz=tz, top=top)
    except InboxError as exc:
        raise fail_with(exc) from None
    html = render_html(data, title=title, top=top)
    out.write_text(html, encoding="utf-8")
    console = Console(highlight=False)
    say(console, f"报告已写入 {out}", f"report written to {out}")
    if pdf:
        try:
            write_pdf(html, pdf)
        except RuntimeError as exc:
            raise fail_with(exc) from None
        say(console, f"PDF 已写入 {pdf}", f"PDF written to {pdf}")


def register(app: typer.Typer) -> None:
    """Add ``scan``, ``campaigns``, ``export`` and ``scan-report`` to the ``veritext`` command.

    (``veritext report`` is the complaint-draft command of :mod:`veritext.cli_report`.)
    """
    app.command("scan")(scan_command)
    app.command("campaigns")(campaigns_command)
    app.command("export")(export_command)
    app.command("scan-report")(report_command)


def main() -> None:
    """``python -m veritext.cli_scan …``: these commands alone (the benchmark uses it)."""
    run_alone(register)


if __name__ == "__main__":
    main()
