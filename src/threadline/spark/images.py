"""Post images on Spark: perceptual hashes, and groups of near-identical images as link items.

* Hashing: every (post, image path) pair is hashed in a ``mapInArrow`` task by
  :func:`threadline.link.images.hash_image_bytes`, the DuckDB step's pHash. The executor reads
  the file itself, from the path resolved against the post's input file as on DuckDB (a
  relative path is relative to the input file's folder): a local path, or any URI that
  pyarrow's file systems open (``file://``, ``hdfs://``, ``s3://``, ``gs://``). A file that
  cannot be read is recorded with the reason, as on DuckDB, and not retried.
* Groups: the DuckDB path's pigeonhole bands (:func:`threadline.link.images.image_groups`) as
  explode and group-by: two hashes within ``max_distance`` bits agree exactly on one of
  ``max_distance + 1`` bands, so only hashes sharing a band bucket (one photo's copies) are
  compared, by a join on the bucket; pairs within the distance are edges, and connected
  components (iterative Spark SQL) are the groups. A group is named ``phash:`` and its smallest
  hash in hexadecimal, as on DuckDB.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from threadline.link.images import BITS, hash_image_bytes, resolve_image_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["HASHES_DDL", "image_hashes", "image_items", "locate", "read_image"]

#: The ``image_hashes`` table's columns (``phash`` is an unsigned 64-bit value: DECIMAL(20, 0)
#: holds it exactly, and loads into the workspace's UBIGINT).
HASHES_DDL = (
    "post_id string, path string, phash decimal(20,0), error string, hashed_at timestamp_ntz"
)
_HASHES_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("path", pa.string()),
        ("phash", pa.decimal128(20, 0)),
        ("error", pa.string()),
        ("hashed_at", pa.timestamp("us")),
    ]
)


def _has_scheme(location: str) -> bool:
    head, sep, _ = location.partition("://")
    return bool(sep) and head.isascii() and head.replace("+", "").isalnum()


def locate(path: str, source: str) -> str:
    """Where an image written in a post lives: the path itself when absolute or a URI, else
    relative to the folder of the post's input file (``source``, a local path or a URI)."""
    if _has_scheme(path) or Path(path).is_absolute():
        return path
    if _has_scheme(source):
        return source.rsplit("/", 1)[0] + "/" + path
    return str(resolve_image_path(path, source))


def read_image(location: str) -> bytes:
    """The bytes of the file at ``location`` (a local path or a URI)."""
    if not _has_scheme(location):
        return Path(location).read_bytes()
    if location.startswith("file://"):
        return Path(location[len("file://") :]).read_bytes()
    from pyarrow import fs

    filesystem, inner = fs.FileSystem.from_uri(location)
    with filesystem.open_input_stream(inner) as stream:
        return bytes(stream.read())


def _hash_batches(batches: Iterator[pa.RecordBatch], stamp: datetime) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        post_ids = batch.column("post_id").to_pylist()
        paths = batch.column("path").to_pylist()
        sources = batch.column("source").to_pylist()
        hashes: list[Decimal | None] = []
        errors: list[str | None] = []
        for path, source in zip(paths, sources, strict=True):
            try:
                digest, error = hash_image_bytes(read_image(locate(path, source)))
            except FileNotFoundError:
                digest, error = None, "file not found"
            except OSError as exc:
                digest, error = None, f"file not readable: {type(exc).__name__}"
            hashes.append(None if digest is None else Decimal(digest))
            errors.append(error)
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(post_ids, pa.string()),
                pa.array(paths, pa.string()),
                pa.array(hashes, pa.decimal128(20, 0)),
                pa.array(errors, pa.string()),
                pa.array([stamp] * len(post_ids), pa.timestamp("us")),
            ],
            schema=_HASHES_SCHEMA,
        )


def image_hashes(posts: DataFrame, *, stamp: datetime) -> DataFrame:
    """One row per (post, image path) of ``posts`` (columns ``id``, ``source``, ``images``),
    with its hash or the reason it has none: the DuckDB workspace's ``image_hashes``."""
    from pyspark.sql import functions as F

    refs = (
        posts.where(F.col("images").isNotNull() & (F.size("images") > 0))
        .select(F.col("id").alias("post_id"), "source", F.explode("images").alias("path"))
        .dropDuplicates(["post_id", "path"])
    )
    return refs.mapInArrow(lambda batches: _hash_batches(batches, stamp), HASHES_DDL)


def _band_masks(max_distance: int) -> list[int]:
    """The bit masks of the ``max_distance + 1`` bands, as signed 64-bit values."""
    edges = np.linspace(0, BITS, max_distance + 2).astype(np.int64).tolist()
    masks = []
    for low, high in itertools.pairwise(edges):
        mask = ((1 << (high - low)) - 1) << low
        masks.append(mask - (1 << 64) if mask >= 1 << 63 else mask)
    return masks


def image_items(spark: SparkSession, hashes: DataFrame, max_distance: int) -> DataFrame:
    """``(id, kind, key)`` rows linking each post to the group of near-identical images its
    images belong to (``kind`` is ``image``); images near no other image are left out."""
    from pyspark.sql import functions as F

    from threadline.spark.components import connected_components

    if not 0 <= max_distance < BITS:
        raise ValueError(f"max_distance must be in [0, {BITS - 1}]")
    # Nodes numbered in (hash, post, path) order, so a component's smallest node holds its
    # smallest hash; ``bits`` is the hash as a signed 64-bit value for bit operations.
    nodes = (
        hashes.where(F.col("phash").isNotNull())
        .select("post_id", "path", "phash")
        .orderBy("phash", "post_id", "path")
        .withColumn("node", F.monotonically_increasing_id())
        .withColumn(
            "bits",
            F.expr(
                "CAST(CASE WHEN phash >= 9223372036854775808 "
                "THEN phash - 18446744073709551616 ELSE phash END AS BIGINT)"
            ),
        )
        .persist()
    )
    masks = F.array(*[F.lit(mask) for mask in _band_masks(max_distance)])
    banded = nodes.select("node", "bits", F.posexplode(masks).alias("band", "mask")).select(
        "node", "bits", "band", (F.col("bits").bitwiseAND(F.col("mask"))).alias("key")
    )
    left, right = banded.alias("a"), banded.alias("b")
    edges = (
        left.join(
            right,
            (F.col("a.band") == F.col("b.band"))
            & (F.col("a.key") == F.col("b.key"))
            & (F.col("a.node") < F.col("b.node")),
        )
        .where(F.bit_count(F.col("a.bits").bitwiseXOR(F.col("b.bits"))) <= max_distance)
        .select(F.col("a.node").alias("src"), F.col("b.node").alias("dst"))
        .distinct()
    )
    components = connected_components(spark, edges)
    # hex() of a negative BIGINT is its two's complement: the unsigned hash's 16 digits.
    heads = nodes.select(
        F.col("node").alias("component"),
        F.concat(F.lit("phash:"), F.lower(F.lpad(F.hex("bits"), 16, "0"))).alias("key"),
    )
    return (
        components.join(nodes.select("node", "post_id"), "node")
        .join(heads, "component")
        .select(F.col("post_id").alias("id"), F.lit("image").alias("kind"), "key")
        .distinct()
    )
