"""A Spark session for running Veritext on one machine (tests, benchmarks, ``--master local[N]``).

On a cluster, ``spark-submit`` builds the session and :func:`session` only picks it up. Either way
the Python workers must run an interpreter that has veritext installed, so ``PYSPARK_PYTHON``
defaults to this interpreter (without it Spark starts the system ``python3``, which fails with
``No module named 'pandas'``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# In local mode the driver is the executor: with 1 GB, local[2] ran out of memory building a broadcast
# join in the campaign step of a 1,000,000-message scan (bench_spark.py); 2 GB is enough.
DEFAULT_DRIVER_MEMORY = "2g"


def session(
    master: str | None = None,
    *,
    app_name: str = "veritext",
    driver_memory: str = DEFAULT_DRIVER_MEMORY,
    shuffle_partitions: int | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (``None``: what spark-submit / Spark defaults say).

    New sessions have the web UI off (nothing listens on a port), times in UTC (Arrow batches carry
    UTC instants; :func:`veritext.batch.localise` then judges them in the zone the caller asks for)
    and, when ``shuffle_partitions`` is given, that many shuffle partitions (Spark's 200 is far too
    many for one machine).
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": driver_memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if shuffle_partitions:
        settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark

