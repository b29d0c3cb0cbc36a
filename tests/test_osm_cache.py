"""The binary street cache reloads the very graph networkx's own API would build.

``_load_npz`` assembles the graph straight into networkx's dict-of-dicts for speed; here
it is compared with the same graph built edge by edge through ``add_node``/``add_edge``,
including parallel edges, geometries, keys, edge order and the in-edge views, and the
result must behave as a normal graph afterwards (adding and removing edges).
"""

from __future__ import annotations

import gc

import networkx as nx
from shapely.geometry import LineString

from network.model.osm import _load_npz, _save_npz


def _street_graph() -> nx.MultiDiGraph:
    """A small graph in the project's street schema, built through networkx's API."""
    G = nx.MultiDiGraph(crs="EPSG:4326", source="test", attribution="© OSM", osm_nodes=4)
    coords = {"osm:1": (105.50, 30.50), "osm:2": (105.51, 30.50), "osm:3": (105.51, 30.51),
              "osm:40": (105.52, 30.52)}
    for n, (x, y) in coords.items():
        G.add_node(n, x=x, y=y, kind="street", layer="expressway" if n == "osm:40" else "street",
                   name_zh="", name_en="", osmid=int(n[4:]))

    def edge(u, v, length, hw, name="", geometry=None):
        d = dict(mode="street", term="access", line_id="", length_m=length, speed_kph=30.0,
                 travel_time_s=length / 1000 / 30 * 3600, highway=hw, name=name)
        if geometry is not None:
            d["geometry"] = geometry
        G.add_edge(u, v, **d)

    edge("osm:1", "osm:2", 960.0, "residential", "解放路")
    edge("osm:2", "osm:1", 960.0, "residential", "解放路")
    edge("osm:1", "osm:2", 1200.0, "tertiary", "",  # a parallel edge: key 1
         LineString([(105.50, 30.50), (105.505, 30.503), (105.51, 30.50)]))
    edge("osm:2", "osm:3", 1110.0, "primary;secondary", "遂州路")
    edge("osm:3", "osm:40", 1500.0, "motorway_link", "", LineString([(105.51, 30.51), (105.52, 30.52)]))
    edge("osm:3", "osm:1", 1600.0, "residential")
    return G


def _edges(G):
    return [(u, v, k, {a: (b.wkt if a == "geometry" else b) for a, b in d.items()})
            for u, v, k, d in G.edges(keys=True, data=True)]


def test_reloaded_graph_equals_the_one_built_edge_by_edge(tmp_path):
    G = _street_graph()
    _save_npz(G, tmp_path / "g.npz")
    H = _load_npz(tmp_path / "g.npz")
    assert list(H.nodes(data=True)) == list(G.nodes(data=True))
    assert _edges(H) == _edges(G)  # same order, keys and attributes
    assert H.graph == G.graph
    assert sorted(H.in_edges(keys=True)) == sorted(G.in_edges(keys=True))
    assert dict(H.in_degree()) == dict(G.in_degree())
    assert H.number_of_edges("osm:1", "osm:2") == 2
    assert nx.shortest_path_length(H, "osm:2", "osm:40", weight="length_m") == 2610.0
    # one key dict per node pair, seen from both ends (as add_edge makes it)
    assert H._succ["osm:1"]["osm:2"] is H._pred["osm:2"]["osm:1"]
    # and it behaves as a normal graph afterwards
    assert H.add_edge("osm:1", "osm:2", length_m=1.0) == 2
    assert H.number_of_edges("osm:1", "osm:2") == 3 and H.in_degree("osm:2") == 3
    H.remove_edge("osm:1", "osm:2", key=0)
    assert sorted(H.pred["osm:2"]["osm:1"]) == [1, 2]


def test_reload_leaves_the_garbage_collector_as_it_was(tmp_path):
    _save_npz(_street_graph(), tmp_path / "g.npz")
    assert gc.isenabled()
    _load_npz(tmp_path / "g.npz")
    assert gc.isenabled()
    gc.disable()
    try:
        _load_npz(tmp_path / "g.npz")
        assert not gc.isenabled()
    finally:
        gc.enable()
