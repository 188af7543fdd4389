"""A Spark session for Threadline jobs: local mode by default, any master by URL.

Nothing is downloaded: no packages (``spark.jars.packages``), no UI. The Python workers run
the interpreter of the driver (``PYSPARK_PYTHON``), so that the UDFs see the same installed
Threadline as the driver.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["checkpoint", "session"]


def session(
    master: str = "local[2]",
    *,
    app_name: str = "threadline",
    shuffle_partitions: int | None = None,
    driver_memory: str | None = None,
    conf: dict[str, str] | None = None,
) -> SparkSession:
    """Get or create the Spark session of this process.

    ``driver_memory`` defaults to ``THREADLINE_SPARK_DRIVER_MEMORY`` or 2g; in local mode the
    driver's JVM also runs the executors, so it bounds what Spark may cache.

    ``shuffle_partitions`` defaults to twice the local cores in local mode (Spark's 200 is far
    too many for a laptop-sized job) and to Spark's own default on a cluster.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "the Spark engine needs pyspark: pip install 'threadline[spark]' (and Java 17+)"
        ) from error
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config(
            "spark.driver.memory",
            driver_memory or os.environ.get("THREADLINE_SPARK_DRIVER_MEMORY", "2g"),
        )
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.adaptive.enabled", "true")
        # Plan strings are for display only, but Spark renders each adaptive plan update in
        # full: the link stage's plan (components' rounds, template and contact edges) rendered
        # to hundreds of MB and ran a 2 GB driver out of heap. Capped, nothing is lost.
        .config("spark.sql.maxPlanStringLength", str(1 << 16))
    )
    if shuffle_partitions is None and master.startswith("local"):
        cores = master[len("local[") : -1] if master.startswith("local[") else "1"
        count = (os.cpu_count() or 1) if cores == "*" else int(cores)
        shuffle_partitions = 2 * count
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def checkpoint(frame: DataFrame) -> DataFrame:
    """``frame`` computed now and its lineage cut, its rows kept on the executors' local disk.

    Not in memory: Spark's own ``localCheckpoint()`` keeps the rows in the heap, as objects
    (millions of them at 1M posts, seen in heap histograms); kept serialized instead, they left
    the 1M cluster stage's grouped verification too little of a 4 GB heap. Read back from disk
    (the page cache, mostly), a checkpoint costs its write and no heap.
    """
    from pyspark import StorageLevel

    return frame.localCheckpoint(eager=True, storageLevel=StorageLevel.DISK_ONLY)
