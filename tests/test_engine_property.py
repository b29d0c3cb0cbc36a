"""The scipy engine agrees with networkx's Dijkstra on random graphs and on the plan graph."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from network.engine.routing import compile_graph, travel_times


@st.composite
def random_multidigraphs(draw):
    n = draw(st.integers(2, 25))
    m = draw(st.integers(0, 80))
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(n):
        G.add_node(i, x=105.0 + i * 0.01, y=30.5, kind="junction", name_zh=str(i),
                   name_en=str(i), layer="street")
    for _ in range(m):
        u = draw(st.integers(0, n - 1))
        v = draw(st.integers(0, n - 1))
        if u == v:
            continue
        t = draw(st.floats(0.5, 5000, allow_nan=False))
        G.add_edge(u, v, mode=draw(st.sampled_from(["rail", "trunk", "access"])),
                   term="in_vehicle", line_id="x", length_m=t, speed_kph=1.0, travel_time_s=t)
    return G


def _nx_minutes(G, source, weight="travel_time_s"):
    d = nx.single_source_dijkstra_path_length(G, source, weight=weight)
    return {k: v / 60.0 for k, v in d.items()}


@settings(max_examples=200, deadline=None)
@given(random_multidigraphs())
def test_engine_equals_networkx_on_random_graphs(G):
    table = travel_times(G, list(G.nodes)[:3])
    for src in table.columns:
        ref = _nx_minutes(G, src)
        for node, minutes in table[src].items():
            if node in ref:
                assert math.isclose(minutes, ref[node], rel_tol=1e-9, abs_tol=1e-9)
            else:
                assert math.isinf(minutes)


@settings(max_examples=60, deadline=None)
@given(random_multidigraphs(), st.floats(1, 60))
def test_limit_cuts_consistently(G, limit_min):
    full = travel_times(G, 0)[0]
    cut = travel_times(G, 0, max_minutes=limit_min)[0]
    inside = full <= limit_min
    np.testing.assert_allclose(cut[inside], full[inside])
    assert np.isinf(cut[full > limit_min]).all()


def test_engine_equals_networkx_on_plan_graph(graphs):
    G = graphs[2025]
    cg = compile_graph(G)
    origins = ["suining", "stn_suining", "chengdu", "tongnan"]
    table = travel_times(G, origins)
    for src in origins:
        ref = _nx_minutes(G, src)
        got = table[src]
        reached = np.isfinite(got.to_numpy())
        assert reached.sum() == len(ref)
        diffs = [abs(got[k] - v) for k, v in ref.items()]
        assert max(diffs) < 1e-6
    assert cg.n == G.number_of_nodes()
