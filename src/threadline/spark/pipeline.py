"""``threadline analyze --engine spark``: ingest and analyse on Spark, results as Parquet.

Every table the DuckDB workspace would hold after the same stages is written as a Parquet
directory under the output directory (``posts/``, ``identifiers/``, ``networks/``...), with the
workspace's column names and types. :func:`open_as_workspace` loads them into a DuckDB
workspace file, which the CLI and the web app open as they open any workspace.

A run writes into a fresh sibling directory and renames it into place when every table is
written, so a crash never leaves a half-written result where a reader would look.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from threadline import __version__
from threadline.settings import Settings
from threadline.spark.storage import Output

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SPARK_STAGES", "SparkRun", "analyze", "open_as_workspace"]

#: Stages the Spark engine runs, in order (ingest always runs first).
SPARK_STAGES: tuple[str, ...] = ("extract", "cluster", "screen", "link")


@dataclass
class SparkRun:
    """What a Spark run did: per stage, its counts (the DuckDB reports' names)."""

    out: str | Path
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _write(frame: DataFrame, path: str, order: Sequence[str] = ()) -> None:
    ordered = frame.sortWithinPartitions(*order) if order else frame
    ordered.write.mode("overwrite").parquet(path)


def analyze(
    spark: SparkSession,
    inputs: Sequence[str | Path],
    out: str | Path,
    settings: Settings | None = None,
    *,
    stages: Sequence[str] = SPARK_STAGES,
    field_map: Mapping[str, str] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> SparkRun:
    """Ingest ``inputs`` and run ``stages`` on Spark; write every table under ``out`` (a local
    directory or a Hadoop file-system URI, :mod:`threadline.spark.storage`)."""
    import time

    from pyspark.sql import functions as F

    from threadline.spark import cluster as spark_cluster
    from threadline.spark import images as spark_images
    from threadline.spark import ingest as spark_ingest
    from threadline.spark import link as spark_link
    from threadline.spark import stages as spark_stages

    settings = settings or Settings()
    unknown = [stage for stage in stages if stage not in SPARK_STAGES]
    if unknown:
        raise ValueError(
            f"stage(s) {unknown} do not run on Spark yet; Spark runs {list(SPARK_STAGES)}"
        )
    if "screen" in stages and "extract" not in stages:
        raise ValueError("the screen stage on Spark reads the identifiers of extract: add it")
    if "link" in stages and "extract" not in stages:
        raise ValueError("the link stage reads the identifiers of extract: add it")
    target = Output(spark, out)
    staging = target.staging()
    run = SparkRun(out)
    stamp = _now()

    def step(name: str) -> float:
        if on_stage is not None:
            on_stage(name)
        return time.perf_counter()

    try:
        started = step("ingest")
        ingested = spark_ingest.ingest(
            spark, inputs, field_map=field_map, settings=settings.ingest, ingested_at=stamp
        )
        posts = ingested.posts.repartition(
            max(2, spark.sparkContext.defaultParallelism * 2), "id"
        ).persist()
        _write(posts, staging.table("posts"), ["id"])
        _write(ingested.occurrences, staging.table("post_occurrences"), ["source", "line"])
        _write(ingested.quarantine, staging.table("quarantine"), ["source", "line"])
        run.counts["ingest"] = ingested.counts
        run.warnings = ingested.warnings
        run.seconds["ingest"] = time.perf_counter() - started
        identifiers = screens = flags = clusters = cluster_members = None
        if "extract" in stages:
            started = step("extract")
            extracted = spark_stages.extract(posts, settings.extract, stamp=_now())
            _write(extracted.identifiers, staging.table("identifiers"), ["post_id"])
            _write(extracted.extracted_posts, staging.table("extracted_posts"), ["post_id"])
            identifiers = spark.read.parquet(staging.table("identifiers"))
            by_kind = {
                str(r["kind"]): int(r["count"])
                for r in identifiers.groupBy("kind").count().collect()
            }
            run.counts["extract"] = {
                "posts": run.counts["ingest"]["posts_added"],
                "identifiers": sum(by_kind.values()),
                "by_kind": dict(sorted(by_kind.items())),
            }
            run.seconds["extract"] = time.perf_counter() - started
        if "cluster" in stages:
            started = step("cluster")
            clustered = spark_cluster.cluster(spark, posts, settings.cluster, stamp=_now())
            _write(clustered.clusters, staging.table("clusters"), ["cluster_id"])
            _write(
                clustered.cluster_members,
                staging.table("cluster_members"),
                ["cluster_id", "post_id"],
            )
            _write(clustered.clustered_posts, staging.table("clustered_posts"), ["post_id"])
            for name, frame in clustered.index.items():
                _write(frame, staging.table(name))
            clusters = spark.read.parquet(staging.table("clusters"))
            cluster_members = spark.read.parquet(staging.table("cluster_members"))
            sizes = clusters.agg(F.count("*"), F.sum("size"), F.max("size")).collect()[0]
            run.counts["cluster"] = {
                "posts": run.counts["ingest"]["posts_added"],
                "mode": "full",
                "clusters": int(sizes[0] or 0),
                "clustered_posts": int(sizes[1] or 0),
                "largest": int(sizes[2] or 0),
                **clustered.counts,
            }
            run.seconds["cluster"] = time.perf_counter() - started
        if "screen" in stages and identifiers is not None:
            started = step("screen")
            screened = spark_stages.screen(posts, identifiers, settings.screen, stamp=_now())
            _write(screened.screens, staging.table("screens"), ["post_id"])
            _write(screened.flags, staging.table("flags"), ["post_id"])
            screens = spark.read.parquet(staging.table("screens"))
            flags = spark.read.parquet(staging.table("flags"))
            by_band = {
                str(r["band"]): int(r["count"]) for r in screens.groupBy("band").count().collect()
            }
            run.counts["screen"] = {
                "posts": sum(by_band.values()),
                "flagged": int(screens.where("flagged").count()),
                "flags": int(flags.count()),
                "by_band": dict(sorted(by_band.items())),
                "identifiers": "stored",
            }
            run.seconds["screen"] = time.perf_counter() - started
        if "link" in stages and identifiers is not None:
            started = step("link")
            hashes = spark_images.image_hashes(posts, stamp=_now())
            _write(hashes, staging.table("image_hashes"), ["post_id", "path"])
            hashes = spark.read.parquet(staging.table("image_hashes"))
            hashed = hashes.count()
            # Groups need two hashed images at least (and cost a components job).
            images = (
                spark_images.image_items(spark, hashes, settings.link.image_max_distance)
                if hashes.where(F.col("phash").isNotNull()).limit(2).count() == 2
                else None
            )
            linked = spark_link.link(
                spark,
                posts,
                identifiers,
                screens,
                flags,
                clusters,
                cluster_members,
                settings.link,
                stamp=_now(),
                images=images,
                images_hashed=hashed,
            )
            _write(linked.networks, staging.table("networks"), ["network_id"])
            _write(linked.network_posts, staging.table("network_posts"), ["network_id", "post_id"])
            _write(linked.network_identifiers, staging.table("network_identifiers"), ["network_id"])
            staging.put("set_aside", linked.set_aside)
            run.counts["link"] = linked.counts
            run.seconds["link"] = time.perf_counter() - started
        _write_runs(spark, staging, run, settings, stamp)
        posts.unpersist()
        staging.replace(target)
    except BaseException:
        staging.remove()
        raise
    return run


def _write_runs(
    spark: SparkSession, staging: Output, run: SparkRun, settings: Settings, stamp: datetime
) -> None:
    """The provenance rows of the ``runs`` table: one per stage, with the engine named."""
    del spark
    rows = [
        {
            "run_id": uuid.uuid4().hex,
            "stage": stage,
            "started_at": stamp,
            "finished_at": _now(),
            "software_version": __version__,
            "settings": orjson.dumps(
                {"engine": "spark", **orjson.loads(settings.model_dump_json())}
            ).decode(),
            "counts": orjson.dumps({**counts, "seconds": round(run.seconds[stage], 3)}).decode(),
        }
        for stage, counts in run.counts.items()
    ]
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("run_id", pa.string()),
                ("stage", pa.string()),
                ("started_at", pa.timestamp("us")),
                ("finished_at", pa.timestamp("us")),
                ("software_version", pa.string()),
                ("settings", pa.string()),
                ("counts", pa.string()),
            ]
        ),
    )
    staging.put("runs", table)


#: Tables a Spark run writes, in the order they are loaded.
TABLES: tuple[str, ...] = (
    "posts",
    "post_occurrences",
    "quarantine",
    "identifiers",
    "extracted_posts",
    "screens",
    "flags",
    "clusters",
    "cluster_members",
    "clustered_posts",
    "cluster_index_meta",
    "cluster_index_posts",
    "cluster_index_buckets",
    "cluster_index_shingles",
    "cluster_index_common",
    "cluster_index_medoids",
    "image_hashes",
    "networks",
    "network_posts",
    "network_identifiers",
    "set_aside",
    "runs",
)


def open_as_workspace(out: Path, workspace: Path) -> dict[str, int]:
    """Load a Spark run's Parquet tables into a new DuckDB workspace; rows per table.

    The workspace must not exist yet (results of two engines are not mixed). It is written
    under a temporary name and renamed when complete.
    """
    from threadline.errors import InputError
    from threadline.link.settings import LINK_KINDS
    from threadline.screening import Screener, indicator_rows
    from threadline.workspace import Workspace

    out, workspace = Path(out), Path(workspace)
    if not (out / "posts").is_dir():
        raise InputError(f"{out} holds no Spark run (no posts/ directory)")
    if workspace.exists():
        raise InputError(f"{workspace} exists already: name a new workspace file")
    partial = workspace.with_name(f".{workspace.name}.partial")
    partial.unlink(missing_ok=True)
    loaded: dict[str, int] = {}
    try:
        with Workspace.open(partial, create=True) as ws:
            engine = ws.engine
            with engine.transaction():
                for table in TABLES:
                    directory = out / table
                    if not directory.is_dir() or not any(directory.glob("*.parquet")):
                        continue
                    described = engine.fetchall(f"DESCRIBE {table}")
                    names = ", ".join(row[0] for row in described)
                    # Spark has no unsigned type: 64-bit hashes travel as signed longs and
                    # are read back bit for bit.
                    values = ", ".join(
                        f"CAST(CASE WHEN {name} < 0 THEN {name}::HUGEINT + {1 << 64} "
                        f"ELSE {name} END AS UBIGINT)"
                        if kind == "UBIGINT"
                        else name
                        for name, kind, *_ in described
                    )
                    source = str(directory / "*.parquet").replace("'", "''")
                    engine.execute(
                        f"INSERT INTO {table} ({names}) SELECT {values} "
                        f"FROM read_parquet('{source}')"
                    )
                    loaded[table] = int(engine.scalar(f"SELECT count(*) FROM {table}"))
                rows = indicator_rows(Screener().library)
                engine.register("_indicators", pa.Table.from_pylist(rows))
                try:
                    engine.execute(
                        "INSERT INTO indicators SELECT code, label, category, strength, weight, "
                        "source FROM _indicators"
                    )
                finally:
                    engine.unregister("_indicators")
                kinds_sql = ", ".join(f"'{kind}'" for kind in LINK_KINDS)
                engine.execute(
                    "INSERT INTO identifier_lookup SELECT DISTINCT canonical, kind, post_id "
                    f"FROM identifiers WHERE kind IN ({kinds_sql}) "
                    "ORDER BY canonical, kind, post_id"
                )
                engine.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('identifier_lookup_posts', "
                    "(SELECT count(*)::VARCHAR FROM extracted_posts))"
                )
        partial.rename(workspace)
    except BaseException:
        partial.unlink(missing_ok=True)
        Path(str(partial) + ".wal").unlink(missing_ok=True)
        raise
    return loaded
