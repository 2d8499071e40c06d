"""Connected components by iterated joins (no GraphFrames): min-label propagation with pointer jumping.

The scheme :func:`veritext.campaigns.connected_components` runs on arrays, as DataFrame joins: each
round every node takes the smallest label among itself and its neighbours, then the label of its
label. Labels only shrink, so the loop ends when a round changes nothing; the result labels each
component with its smallest node — here the smallest template, as locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 100  # pointer jumping halves path lengths; real graphs finish in a handful of rounds


def components(edges: DataFrame) -> DataFrame:
    """``a, b`` (undirected edges between string nodes) → ``node, label`` for every node on an edge."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("a").alias("node"), F.col("b").alias("other")).unionByName(
        edges.select(F.col("b").alias("node"), F.col("a").alias("other"))
    )
    both = both.localCheckpoint()
    labels = both.groupBy("node").agg(F.least(F.min("other"), F.first("node")).alias("label")).localCheckpoint()
    for _ in range(MAX_ROUNDS):
        # 1. the smallest label among a node's neighbours (and its own)
        seen = both.join(labels.withColumnRenamed("node", "other").withColumnRenamed("label", "near"), "other")
        step = (
            seen.groupBy("node")
            .agg(F.min("near").alias("near"))
            .join(labels, "node")
            .select("node", F.least("near", "label").alias("label"))
        )
        # 2. pointer jumping: take the label of that label
        jumped = (
            step.alias("s")
            .join(step.alias("t"), F.col("s.label") == F.col("t.node"))
            .select(F.col("s.node").alias("node"), F.least(F.col("s.label"), F.col("t.label")).alias("label"))
            .localCheckpoint()
        )
        changed = jumped.join(labels.withColumnRenamed("label", "old"), "node").where("label != old").limit(1).count()
        labels = jumped
        if changed == 0:
            break
    return labels
