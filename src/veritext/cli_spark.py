"""Command line for Spark: ``veritext spark-scan INPUT --out OUTPUT`` (needs the ``veritext[spark]`` extra).

A front end only: the job is :func:`veritext.spark.spark_scan`. ``pyspark`` is imported inside the
command, so the other commands start without it. Exit codes: 0 done · 1 the input could not be
read, an output exists, or Spark is not installed · 2 usage error.

Run it as ``veritext spark-scan`` (local: ``--master local[N]``), or hand this file to
``spark-submit`` for a cluster (then spark-submit's ``--master`` applies): see the README.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from veritext.cli_common import EXIT_ERROR, IdColumn, SenderColumn, TimeColumn, check_time_zone, fail, run_alone, say


def spark_scan_command(
    source: Annotated[
        str, typer.Argument(metavar="INPUT", help="Parquet file or (partitioned) directory of messages.")
    ],
    out: Annotated[str, typer.Option(help="Output directory: verdicts as Parquet, one row per message.")],
    text_col: Annotated[str | None, typer.Option(help="Column with the message text (default: found by name).")] = None,
    sender_col: SenderColumn = None,
    time_col: TimeColumn = None,
    id_col: IdColumn = None,
    master: Annotated[
        str | None, typer.Option(help="Spark master, e.g. local[2] (default: spark-submit's, else local[*]).")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(help="Time zone of times written without one, e.g. Asia/Shanghai (default: the workers')."),
    ] = None,
    campaigns: Annotated[
        str | None, typer.Option(help="Campaign table output (Parquet; default: OUT-campaigns).")
    ] = None,
    members: Annotated[
        str | None, typer.Option(help="message_id → campaign_id output (Parquet; default: OUT-members).")
    ] = None,
    no_campaigns: Annotated[bool, typer.Option("--no-campaigns", help="Skip the campaign clustering.")] = False,
    min_size: Annotated[int, typer.Option(min=2, help="Smallest campaign, in messages.")] = 3,
    threshold: Annotated[
        float, typer.Option(min=0.1, max=1.0, help="Jaccard similarity that joins two templates.")
    ] = 0.6,
    partitions: Annotated[int, typer.Option(min=0, help="Triage tasks (0 = four per core).")] = 0,
    partition_by: Annotated[
        list[str] | None, typer.Option(help="Write verdict folders by this column (e.g. risk); repeatable.")
    ] = None,
    driver_memory: Annotated[str, typer.Option(help="Driver memory for a session started here.")] = "2g",
    overwrite: Annotated[bool, typer.Option(help="Replace outputs that already exist.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON instead of tables.")] = False,
) -> None:
    """Triage a Parquet dataset of messages on Spark; verdicts, campaigns and members as Parquet; counts at the end."""
    from veritext.inbox import ColumnMap, InboxError

    try:
        import pyspark  # noqa: F401  # only to say clearly when the extra is missing
    except ImportError:
        raise fail(
            "没有安装 Spark；请安装可选组件：pip install 'veritext[spark]'",
            "Spark is not installed; install the extra: pip install 'veritext[spark]'",
        ) from None
    check_time_zone(tz)
    from veritext.scan import render_summary
    from veritext.spark import SparkScanOptions, session, spark_scan

    base = out.rstrip("/")
    options = SparkScanOptions(
        out=out,
        campaigns=None if no_campaigns else (campaigns or f"{base}-campaigns"),
        members=None if no_campaigns else (members or f"{base}-members"),
        columns=ColumnMap(text=text_col, sender=sender_col, time=time_col, id=id_col),
        tz=tz,
        partitions=partitions,
        partition_by=tuple(partition_by or ()),
        overwrite=overwrite,
        min_size=min_size,
        threshold=threshold,
    )
    from pyspark.sql import SparkSession

    ours = SparkSession.getActiveSession() is None  # inside a running job (or a test), leave its session alone
    spark = session(master, driver_memory=driver_memory, shuffle_partitions=8 if master else None)
    try:
        result = spark_scan(spark, source, options)
    except InboxError as exc:
        typer.echo(f"veritext: error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    finally:
        if ours:
            spark.stop()
    if as_json:
        payload = result.summary.to_dict() | {
            "out": out,
            "campaigns_out": options.campaigns,
            "members_out": options.members,
            "campaigns": result.campaigns,
            "messages_in_campaigns": result.messages_in_campaigns,
            "skipped": result.skipped,
            "seconds": round(result.seconds, 2),
            "triage_seconds": round(result.triage_seconds, 2),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    console = Console(highlight=False)
    render_summary(result.summary, console=console)
    if result.skipped:
        say(
            console,
            f"跳过 {result.skipped:,} 行（没有短信内容）",
            f"{result.skipped:,} rows skipped (no message text)",
        )
    if options.campaigns:
        say(
            console,
            f"群发活动 {result.campaigns:,} 个，涉及 {result.messages_in_campaigns:,} 条短信："
            f"{options.campaigns}、{options.members}",
            f"{result.campaigns:,} campaigns covering {result.messages_in_campaigns:,} messages: "
            f"{options.campaigns}, {options.members}",
        )
    say(
        console,
        f"{result.summary.messages:,} 条短信的结果已写入 {out}（用时 {result.seconds:.1f} 秒）",
        f"verdicts for {result.summary.messages:,} messages written to {out} ({result.seconds:.1f} s)",
    )


def register(app: typer.Typer) -> None:
    """Add ``spark-scan`` to the ``veritext`` command."""
    app.command("spark-scan")(spark_scan_command)


def main() -> None:
    """``spark-submit …/veritext/cli_spark.py INPUT --out OUTPUT``: this command alone."""
    run_alone(register)


if __name__ == "__main__":
    main()
