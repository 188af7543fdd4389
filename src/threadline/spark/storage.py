"""Where a Spark run's tables go: a local directory, or a directory on any Hadoop file system
the cluster has a connector for (``hdfs://``, ``s3a://``, ``abfs://``, ``gs://``, ``file://``).

Spark's writer handles both; this module does the few things around it that it does not: a
staging directory next to the target, renamed into place once every table is written (a
crash never leaves a half-written run under the target's name), removal of a failed staging
directory, the small tables written on the driver (the run's provenance, the set-aside hubs),
and a copy of a finished run to the local disk, where DuckDB loads it (DuckDB reads no Hadoop
file system without extensions, and nothing is downloaded at run time).

Local paths are handled with :mod:`pathlib`; URIs through the JVM's Hadoop ``FileSystem`` of
the Spark session, so whatever credentials and connectors the cluster is configured with apply.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["Output", "is_uri"]


def is_uri(where: str | Path) -> bool:
    """Whether ``where`` names a file-system URI (``scheme://...``) rather than a local path."""
    return isinstance(where, str) and "://" in where


class Output:
    """A run's output directory: its tables are subdirectories of Parquet parts."""

    def __init__(self, spark: SparkSession, where: str | Path) -> None:
        self._spark = spark
        self.local: Path | None = None if is_uri(where) else Path(where)
        self.uri = str(where).rstrip("/") if is_uri(where) else str(Path(where))

    def __repr__(self) -> str:
        return f"Output({self.uri!r})"

    @property
    def name(self) -> str:
        return self.uri.rsplit("/", 1)[-1]

    def table(self, name: str) -> str:
        """Where table ``name`` is written and read by Spark."""
        return f"{self.uri}/{name}"

    def staging(self) -> Output:
        """A fresh sibling directory to write a run into before it replaces this one."""
        hidden = f".{self.name}.{uuid.uuid4().hex[:8]}.partial"
        if self.local is not None:
            return Output(self._spark, self.local.with_name(hidden))
        rest = self.uri.split("://", 1)[1]  # authority, then the path
        if not rest.partition("/")[2]:
            raise ValueError(f"{self.uri} has no parent directory to stage a run in")
        return Output(self._spark, f"{self.uri.rsplit('/', 1)[0]}/{hidden}")

    def exists(self) -> bool:
        if self.local is not None:
            return self.local.exists()
        return bool(self._filesystem().exists(self._path()))

    def remove(self) -> None:
        """Delete this directory and everything under it (nothing if it does not exist)."""
        if self.local is not None:
            shutil.rmtree(self.local, ignore_errors=True)
            return
        self._filesystem().delete(self._path(), True)

    def replace(self, target: Output) -> None:
        """Move this directory to ``target``, replacing what was there."""
        target.remove()
        if self.local is not None and target.local is not None:
            self.local.rename(target.local)
            return
        if not self._filesystem().rename(self._path(), target._path()):
            raise OSError(f"could not rename {self.uri} to {target.uri}")

    def put(self, name: str, table: pa.Table) -> None:
        """Write ``table`` (built on the driver) as the one part of table ``name``."""
        if self.local is not None:
            (self.local / name).mkdir(parents=True, exist_ok=True)
            pq.write_table(table, self.local / name / "part-0.parquet")
            return
        with tempfile.TemporaryDirectory(prefix="threadline-put-") as scratch:
            part = Path(scratch) / "part-0.parquet"
            pq.write_table(table, part)
            jvm = self._jvm()
            source = jvm.org.apache.hadoop.fs.Path(part.as_uri())
            target = jvm.org.apache.hadoop.fs.Path(f"{self.table(name)}/part-0.parquet")
            self._filesystem().copyFromLocalFile(False, True, source, target)

    def fetch(self, scratch: Path) -> Path:
        """This run on the local disk: its own directory when local, else a copy made under
        ``scratch`` (which the caller removes)."""
        if self.local is not None:
            return self.local
        copy = Path(scratch) / self.name
        jvm = self._jvm()
        self._filesystem().copyToLocalFile(
            False, self._path(), jvm.org.apache.hadoop.fs.Path(copy.resolve().as_uri()), True
        )
        return copy

    def _jvm(self) -> Any:
        return self._spark.sparkContext._jvm

    def _path(self) -> Any:
        return self._jvm().org.apache.hadoop.fs.Path(self.uri)

    def _filesystem(self) -> Any:
        configuration = self._spark.sparkContext._jsc.hadoopConfiguration()
        return self._path().getFileSystem(configuration)
