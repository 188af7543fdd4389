"""Connected components in Spark SQL: the large-star / small-star alternation.

GraphFrames cannot be installed here (its jars come from a Maven repository at run time), and
collecting the graph to the driver does not scale, so components are computed with DataFrame
operations only, after Kiveris, Lattanzi, Mirrokni, Rastogi and Vassilvitskii, "Connected
Components in MapReduce and Beyond" (SoCC 2014): *large-star* links every node's larger
neighbours to the smallest node of its neighbourhood, *small-star* links a node's smaller
neighbours to the smallest of them; alternating the two turns every component into a star
around its smallest node in O(log^2 n) rounds. The result names each component by its
smallest node, as :func:`threadline.link.graph._merge` does on the DuckDB path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["connected_components"]

_INTEGRAL = ("bigint", "int", "smallint", "tinyint")


def _check(edges: DataFrame, src: str, dst: str) -> None:
    types = dict(edges.dtypes)
    for name in (src, dst):
        if name not in types:
            raise ValueError(f"edges have no column {name!r} (columns: {sorted(types)})")
        if types[name] not in _INTEGRAL:
            raise ValueError(f"edge column {name!r} must hold integers, not {types[name]}")


def _both_ways(edges: DataFrame) -> DataFrame:
    """Each edge in both directions, by one ``explode`` rather than a union, so that the
    plan holds the input once: a plan that doubles its input every step grows exponentially
    over the rounds between checkpoints."""
    from pyspark.sql import functions as F

    pair = F.explode(
        F.array(F.struct("u", "v"), F.struct(F.col("v").alias("u"), F.col("u").alias("v")))
    )
    return edges.select(pair.alias("e")).select("e.u", "e.v")


def _large_star(edges: DataFrame) -> DataFrame:
    """Every neighbour larger than a node joins the smallest node of its neighbourhood."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    smallest = F.least(F.min("v").over(Window.partitionBy("u")), F.col("u"))
    return (
        _both_ways(edges)
        .select("u", "v", smallest.alias("m"))
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("u"), F.col("m").alias("v"))
        .where(F.col("u") != F.col("v"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    """A node and its smaller neighbours all join the smallest of them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # Edges are stored larger node first, so ``v`` is each of ``u``'s smaller neighbours.
    smallest = F.min("v").over(Window.partitionBy("u"))
    linked = edges.select("u", "v", smallest.alias("m"))
    pair = F.explode(F.array(F.struct("u", "m"), F.struct(F.col("v").alias("u"), "m")))
    return (
        linked.select(pair.alias("e"))
        .select("e.u", F.col("e.m").alias("v"))
        .where(F.col("u") != F.col("v"))
        .select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
        .distinct()
    )


def connected_components(
    spark: SparkSession,
    edges: DataFrame,
    *,
    src: str = "src",
    dst: str = "dst",
    max_iterations: int = 100,
) -> DataFrame:
    """``(node, component)`` for every node of an undirected edge list (self-loops and
    duplicates allowed); ``component`` is the smallest node of the node's component.

    Every round's edges are checkpointed locally (no checkpoint directory needed, rows kept
    on local disk: :func:`threadline.spark.session.checkpoint`), which cuts the plan's lineage:
    it would otherwise grow by several joins a round. Caching rounds instead, and
    checkpointing every few, ran the driver out of heap on 34,000 star edges.
    Raises ``RuntimeError`` rather than return a partial labelling when ``max_iterations``
    rounds do not converge.
    """
    from pyspark.sql import functions as F

    del spark  # the edges carry their session; kept for a uniform engine-call signature
    _check(edges, src, dst)
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, not {max_iterations}")
    from threadline.spark.session import checkpoint

    pairs = edges.select(F.col(src).cast("long").alias("a"), F.col(dst).cast("long").alias("b"))
    nodes = (
        pairs.select(F.col("a").alias("node"))
        .unionByName(pairs.select(F.col("b").alias("node")))
        .distinct()
    )
    # Edges are kept once each, larger node in ``u``; self-loops only matter as nodes.
    current = (
        pairs.where(F.col("a") != F.col("b"))
        .select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v"))
        .distinct()
    )
    current = checkpoint(current)
    for _ in range(max_iterations):
        after = checkpoint(_small_star(_large_star(current)))
        # Both sides are sets, so they are equal when neither has an edge the other lacks.
        changed = (
            after.subtract(current).limit(1).count() + current.subtract(after).limit(1).count()
        )
        current = after
        if changed == 0:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_iterations} iterations")
    # Every component is now a star around its smallest node: a node's label is the smallest
    # of itself and its neighbours.
    label = (
        _both_ways(current)
        .groupBy("u")
        .agg(F.min("v").alias("m"))
        .select(F.col("u").alias("node"), "m")
    )
    return nodes.join(label, "node", "left").select(
        "node", F.least(F.coalesce("m", "node"), F.col("node")).alias("component")
    )
