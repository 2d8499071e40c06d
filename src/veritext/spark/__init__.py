"""Veritext on Spark (the ``veritext[spark]`` extra): the core batch function on every Arrow batch.

Inside an existing PySpark job::

    from veritext.spark import verdicts, find_campaigns
    out = verdicts(messages_df, text_col="body", sender_col="from", time_col="ts")   # lazy DataFrame
    found = find_campaigns(out)                 # .campaigns, .members (DataFrames)

    # or, in pandas terms:
    from veritext.spark import triage_pandas, verdict_struct
    out = messages_df.mapInPandas(triage_pandas, verdict_struct())

Or the whole job from the command line: ``veritext spark-scan INPUT --out OUTPUT`` (:func:`spark_scan`).
``pyspark`` is imported only when these run, so ``import veritext`` works without it.
"""

from __future__ import annotations

from veritext.spark.campaigns import SparkCampaigns, find_campaigns, similar_pairs
from veritext.spark.job import SparkScanOptions, SparkScanResult, spark_scan
from veritext.spark.schema import verdict_struct
from veritext.spark.session import session
from veritext.spark.triage import TriageBatches, triage_pandas, verdicts

__all__ = [
    "SparkCampaigns",
    "SparkScanOptions",
    "SparkScanResult",
    "TriageBatches",
    "find_campaigns",
    "session",
    "similar_pairs",
    "spark_scan",
    "triage_pandas",
    "verdict_struct",
    "verdicts",
]
