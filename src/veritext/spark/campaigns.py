"""Campaigns at scale: the clustering of :mod:`veritext.campaigns`, as Spark joins and shuffles.

1. MinHash signature per distinct template (:mod:`veritext.spark.signatures`: the local function);
2. banded buckets: each signature cut into ``BANDS`` bands, exploded, grouped by (band, values) — the
   shuffle; in each bucket the smallest template is the representative, and a (representative,
   member) pair is kept when the two signatures agree on at least ``threshold`` of their values;
3. connected components by iterated joins (:mod:`veritext.spark.components`);
4. per component: members and the campaign row with the fields of :func:`veritext.campaigns.campaign_table`.

Steps 1–3 make the same pairs, hence the same components and campaign ids, as the local code. The
campaign rows agree too: where the local code breaks a tie by input order (equally frequent senders,
domains, phones or kinds), Spark breaks it by first appearance (source file name, then row) — the
same order for a single input file — and shares are rounded with Python's ``round``. Only a mean
whose float sum lands on a rounding boundary can differ, in the fourth decimal.
"""
# pyarrow ships no type information:
# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from veritext import campaigns as local

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True, slots=True)
class SparkCampaigns:
    """The campaign table (largest first) and the membership table, as DataFrames."""

    campaigns: DataFrame  # the columns of veritext.campaigns.campaign_table
    members: DataFrame  # message_id, campaign_id


def _campaign_ids(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        labels = batch.column("label").to_pylist()
        ids = [local.campaign_id(t) for t in labels]
        yield pa.RecordBatch.from_arrays(
            [pa.array(labels, pa.string()), pa.array(ids, pa.string())], ["label", "campaign_id"]
        )


def similar_pairs(sigs: DataFrame, *, bands: int = local.BANDS, threshold: float = 0.6) -> DataFrame:
    """``a, b``: a bucket's smallest template and another member, kept when their estimated Jaccard ≥ ``threshold``."""
    from pyspark.sql import functions as F

    rows = local.NUM_PERM // bands
    cut = F.expr(f"transform(sequence(0, {bands - 1}), b -> slice(signature, b * {rows} + 1, {rows}))")
    banded = sigs.select("template", F.posexplode(cut).alias("band", "key"))
    reps = banded.groupBy("band", "key").agg(F.min("template").alias("rep"))
    pairs = (
        banded.join(reps, ["band", "key"])
        .where(F.col("template") != F.col("rep"))
        .select(F.col("rep").alias("a"), F.col("template").alias("b"))
        .distinct()
    )
    left = sigs.select(F.col("template").alias("a"), F.col("signature").alias("sa"))
    right = sigs.select(F.col("template").alias("b"), F.col("signature").alias("sb"))
    same = F.aggregate(
        F.zip_with("sa", "sb", lambda x, y: F.when(x == y, 1).otherwise(0)), F.lit(0), lambda acc, x: acc + x
    )
    # The local test is mean(equal) >= threshold; count / NUM_PERM is that same float.
    return (
        pairs.join(left, "a")
        .join(right, "b")
        .where((same / F.lit(float(local.NUM_PERM))) >= F.lit(threshold))
        .select("a", "b")
    )


def _top(frame: DataFrame, value: str, top: int, name: str, *, by_first_seen: bool = True) -> DataFrame:
    """Per campaign, the ``top`` most frequent values as an ordered list.

    Ties go as in the local code, which numbers values by their first appearance among all campaign
    messages in input order: here the smallest ``at`` (source, position, place in the list) of the
    value over every campaign, then the value itself (``by_first_seen=False``: the value only).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    present = frame.where(F.col(value).isNotNull())
    counted = present.groupBy("campaign_id", value).count()
    order = [F.desc("count")]
    if by_first_seen:
        counted = counted.join(present.groupBy(value).agg(F.min("at").alias("first_at")), value)
        order.append(F.asc("first_at"))
    order.append(F.asc(value))
    ranked = counted.withColumn("rank", F.row_number().over(Window.partitionBy("campaign_id").orderBy(*order)))
    ranked = ranked.where(F.col("rank") <= top)
    return ranked.groupBy("campaign_id").agg(
        F.transform(F.array_sort(F.collect_list(F.struct("rank", value))), lambda s: s[value]).alias(name)
    )


def _rounded(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Shares rounded by Python's ``round`` (half-even on the exact binary value), as the local table is."""
    for batch in batches:
        cols = {name: batch.column(name) for name in batch.schema.names}
        for name in ("high_share", "mean_fraud_probability"):
            cols[name] = pa.array([None if v is None else round(v, 4) for v in cols[name].to_pylist()], pa.float64())
        yield pa.RecordBatch.from_arrays(list(cols.values()), names=list(cols))


def find_campaigns(verdicts: DataFrame, *, min_size: int = 3, threshold: float = 0.6, top: int = 10) -> SparkCampaigns:
    """Cluster a verdict DataFrame (needs :data:`veritext.campaigns.CAMPAIGN_INPUT_COLUMNS`).

    Lazy except for the signatures and the component loop, which Spark runs (and checkpoints) here.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    from veritext.spark.components import components
    from veritext.spark.signatures import with_signatures

    columns = [*local.CAMPAIGN_INPUT_COLUMNS, "source", "position"]
    msgs = verdicts.select(*columns).where(F.col("template").isNotNull())
    templates = msgs.select("template").distinct()
    sigs = with_signatures(templates).localCheckpoint()
    labels = components(similar_pairs(sigs, threshold=threshold))
    labelled = msgs.join(labels.withColumnRenamed("node", "template"), "template", "left").withColumn(
        "label", F.coalesce("label", "template")
    )
    sizes = labelled.groupBy("label").count().where(F.col("count") >= min_size)
    ids = sizes.select("label").mapInArrow(_campaign_ids, "label string, campaign_id string")
    rows = labelled.join(ids, "label").localCheckpoint()
    members = rows.select("message_id", "campaign_id")

    risk = F.when(F.col("risk") == "high", 2).when(F.col("risk") == "medium", 1).otherwise(0)
    stats = rows.groupBy("campaign_id").agg(
        F.count(F.lit(1)).alias("size"),
        F.count_distinct("template").alias("distinct_templates"),
        F.min("received_at").alias("first_seen"),
        F.max("received_at").alias("last_seen"),
        F.count_distinct("sender").alias("distinct_senders"),
        F.sum(F.when(risk == 0, 1).otherwise(0)).alias("n_low"),
        F.sum(F.when(risk == 1, 1).otherwise(0)).alias("n_medium"),
        F.sum(F.when(risk == 2, 1).otherwise(0)).alias("n_high"),
        F.sum(F.coalesce("fraud_probability", F.lit(0.0))).alias("fraud_sum"),
        F.min("message_id").alias("example_message_id"),
    )
    half = F.col("size") / 2
    # The median member's risk, the upper median on a tie — as the local code computes it.
    median_risk = (
        F.when(F.col("n_low") > half, "low").when(F.col("n_low") + F.col("n_medium") > half, "medium").otherwise("high")
    )
    at = rows.withColumn("at", F.struct("source", "position", F.lit(0).alias("item")))
    most = _top(rows, "template", 1, "template", by_first_seen=False)  # local: templates are numbered in sorted order
    kinds = _top(at, "kind", 1, "kind")
    senders = _top(at, "sender", top, "top_senders")
    lists = {}
    for column, item in (("domains", "domain"), ("phones", "phone")):
        exploded = rows.select("campaign_id", "source", "position", F.posexplode(column).alias("item", item))
        exploded = exploded.withColumn("at", F.struct("source", "position", "item"))
        lists[column] = _top(exploded, item, top, column)
    empty = F.array().cast("array<string>")
    table = (
        stats.join(most, "campaign_id", "left")
        .join(kinds, "campaign_id", "left")
        .join(senders, "campaign_id", "left")
        .join(lists["domains"], "campaign_id", "left")
        .join(lists["phones"], "campaign_id", "left")
        .select(
            "campaign_id",
            F.col("size").cast("bigint"),
            F.col("distinct_templates").cast("bigint"),
            "first_seen",
            "last_seen",
            F.col("distinct_senders").cast("bigint"),
            F.coalesce("top_senders", empty).alias("top_senders"),
            F.coalesce("domains", empty).alias("domains"),
            F.coalesce("phones", empty).alias("phones"),
            F.col("template")[0].alias("template"),
            F.coalesce(F.col("kind")[0], F.lit("other")).alias("kind"),
            median_risk.alias("risk"),
            (F.col("n_high") / F.col("size")).alias("high_share"),
            (F.col("fraud_sum") / F.col("size")).alias("mean_fraud_probability"),
            "example_message_id",
        )
    )
    schema = from_arrow_schema(local.campaign_table([]).schema)
    table = table.mapInArrow(_rounded, schema).orderBy(F.desc("size"), F.asc("campaign_id"))
    return SparkCampaigns(campaigns=table, members=members)
