"""JobGraph: the DAG storage rules walk, and its one-walk question for many jobs at once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cilint.linter.model import JobGraph

NODES = [f"j{i}" for i in range(8)]


def _graph(edges: list[tuple[int, int]]) -> JobGraph:
    graph = JobGraph()
    for node in NODES:
        graph.add_node(node)
    for u, v in edges:
        if u < v:  # a DAG: edges only forward
            graph.add_edge(NODES[u], NODES[v])
    return graph


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20),
       st.lists(st.sampled_from(NODES), max_size=5))
def test_upstream_first_is_the_first_start_each_node_leads_to(edges: list[tuple[int, int]], starts: list[str]) -> None:
    graph = _graph(edges)
    expected: dict[str, str] = {}
    for start in starts:  # the quadratic definition: each start's ancestors in turn, first wins
        for node in [start, *sorted(graph.ancestors(start))]:
            expected.setdefault(node, start)
    assert graph.upstream_first(starts) == expected


def test_a_chain_of_deploys_is_one_walk() -> None:
    graph = JobGraph()
    for i in range(1, 20_000):
        graph.add_edge(f"d{i - 1}", f"d{i}")
    first = graph.upstream_first(f"d{i}" for i in range(20_000))  # 20,000 starts, each others' ancestor
    assert first["d0"] == "d0" and first["d19999"] == "d19999" and len(first) == 20_000
