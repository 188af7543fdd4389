"""One local Spark session for every Spark test in a worker process (starting one takes ~10 s)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

pyspark = pytest.importorskip("pyspark")


def _java_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    if not _java_available():
        pytest.fail("the Spark tests need Java 17+ (.ci/run installs it)")
    from threadline.spark.session import session

    spark_session = session("local[2]", shuffle_partitions=4, driver_memory="2g")
    yield spark_session
    spark_session.stop()
