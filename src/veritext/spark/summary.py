"""The end-of-scan counts (kind × risk, top senders and domains) computed by Spark, as a :class:`ScanSummary`.

The same summary object ``veritext scan`` prints, so :func:`veritext.scan.render_summary` prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veritext.scan.summary import Ranked, ScanSummary, SourceStats

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def _ranked(frame: DataFrame, key: str, top: int) -> tuple[Ranked, ...]:
    from pyspark.sql import functions as F

    rows = (
        frame.where(F.col(key).isNotNull())
        .groupBy(key)
        .agg(F.count(F.lit(1)).alias("n"), F.sum(F.col("is_high").cast("int")).alias("high"))
        .orderBy(F.desc("n"), F.asc(key))
        .limit(top)
        .collect()
    )
    return tuple(Ranked(str(r[key]), int(r["n"]), int(r["high"] or 0)) for r in rows)


def summarise(verdicts: DataFrame, *, sources: tuple[SourceStats, ...] = (), top: int = 10) -> ScanSummary:
    """Counts over a verdict DataFrame, as :func:`veritext.scan.summarise` computes them over Arrow tables."""
    from pyspark.sql import functions as F

    frame = verdicts.select(
        "kind", "risk", "sender", "domains", "error", F.coalesce(F.col("risk") == "high", F.lit(False)).alias("is_high")
    ).cache()
    try:
        by: dict[str, dict[str, int]] = {}
        messages = errors = 0
        for r in frame.groupBy("kind", "risk").agg(F.count(F.lit(1)).alias("n"), F.count("error").alias("e")).collect():
            messages += int(r["n"])
            errors += int(r["e"])
            if r["kind"] is not None:
                by.setdefault(r["kind"], {})[r["risk"]] = int(r["n"])
        domains = frame.select(F.explode("domains").alias("domain"), "is_high")
        return ScanSummary(
            messages=messages,
            errors=errors,
            by_kind_risk=by,
            top_senders=_ranked(frame, "sender", top),
            top_domains=_ranked(domains, "domain", top),
            sources=sources,
            distinct_senders=int(frame.agg(F.count_distinct("sender")).first()[0]),  # type: ignore[index]
            distinct_domains=int(domains.agg(F.count_distinct("domain")).first()[0]),  # type: ignore[index]
        )
    finally:
        frame.unpersist()
