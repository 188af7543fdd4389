"""Connected components in Spark SQL against scipy's, on shapes that stress convergence."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from threadline.spark.components import connected_components


def _expected(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Smallest node of each node's component, by scipy."""
    nodes = sorted({node for edge in edges for node in edge})
    if not nodes:
        return {}
    index = {node: number for number, node in enumerate(nodes)}
    rows = np.array([index[a] for a, _ in edges])
    cols = np.array([index[b] for _, b in edges])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, label = scipy_components(graph, directed=False)
    smallest: dict[int, int] = {}
    for node in nodes:
        smallest[label[index[node]]] = min(smallest.get(label[index[node]], node), node)
    return {node: smallest[label[index[node]]] for node in nodes}


def _run(spark: Any, edges: list[tuple[int, int]]) -> dict[int, int]:
    frame = spark.createDataFrame(edges, "src long, dst long")
    return {row["node"]: row["component"] for row in connected_components(spark, frame).collect()}


def test_empty_edges_give_no_nodes(spark: Any) -> None:
    assert _run(spark, []) == {}


@pytest.mark.parametrize(
    "edges",
    [
        [(5, 9)],
        [(4, 4)],  # a self-loop: a node alone in its component
        [(1, 2), (2, 1), (1, 2), (3, 3)],  # duplicates both ways
        [(0, n) for n in range(1, 30)] + [(100, 101)],  # a star and a separate edge
    ],
    ids=["edge", "self-loop", "duplicates", "star"],
)
def test_small_shapes(spark: Any, edges: list[tuple[int, int]]) -> None:
    assert _run(spark, edges) == _expected(edges)


def test_long_path_with_shuffled_ids_converges(spark: Any) -> None:
    ids = list(range(10_000, 10_200))
    random.Random(3).shuffle(ids)
    edges = [(ids[n], ids[n + 1]) for n in range(len(ids) - 1)]
    frame = spark.createDataFrame(edges, "src long, dst long")
    result = connected_components(spark, frame).collect()
    labels = {row["node"]: row["component"] for row in result}
    assert set(labels.values()) == {min(ids)}
    assert labels == _expected(edges)


@st.composite
def _disjoint_graphs(draw: st.DrawFn) -> list[tuple[int, int]]:
    """A few small random graphs on disjoint nodes, with the ids scattered among them."""
    graphs = draw(
        st.lists(
            st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=12),
            min_size=1,
            max_size=4,
        )
    )
    edges = [(8 * k + a, 8 * k + b) for k, graph in enumerate(graphs) for a, b in graph]
    scatter = draw(st.permutations(range(8 * len(graphs))))
    return [(scatter[a] * 7 + 1, scatter[b] * 7 + 1) for a, b in edges]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_disjoint_graphs())
def test_disjoint_random_graphs_match_scipy(spark: Any, edges: list[tuple[int, int]]) -> None:
    assert _run(spark, edges) == _expected(edges)


def test_bad_input_is_refused_up_front(spark: Any) -> None:
    with pytest.raises(ValueError, match="no column 'src'"):
        connected_components(spark, spark.createDataFrame([(1, 2)], "a long, b long"))
    with pytest.raises(ValueError, match="must hold integers"):
        connected_components(spark, spark.createDataFrame([("1", 2)], "src string, dst long"))
    good = spark.createDataFrame([(1, 2)], "src long, dst long")
    with pytest.raises(ValueError, match="max_iterations"):
        connected_components(spark, good, max_iterations=0)


def test_non_convergence_is_an_error_not_a_wrong_answer(spark: Any) -> None:
    edges = [(n, n + 1) for n in range(64)]
    with pytest.raises(RuntimeError, match="did not converge"):
        connected_components(
            spark, spark.createDataFrame(edges, "src long, dst long"), max_iterations=1
        )
