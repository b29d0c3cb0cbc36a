"""OSM street layer: loading, speeds, caching, errors, snapping, routing and isochrones.

Every test writes its own small ``.osm`` file: a few streets round station ``stn_a``
(105.0, 30.51) and place ``a`` (105.0, 30.5) of the tiny plan, plus a cul-de-sac near the
isolated town ``far`` (105.25, 31.2). Times are computed by hand from great-circle
lengths (what OSMnx measures) and the speed rules of :mod:`network.osm`.
"""

from __future__ import annotations

import math
import socket
import time
import warnings
from pathlib import Path

import networkx as nx
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

import network as sn
from network.errors import OSMError
from network.model import osm
from network.model.osm import load_roads, parse_maxspeed
from network.model.streets import OSMSnapWarning, attach_roads

osmnx = pytest.importorskip("osmnx")

R_EARTH = 6_371_009.0  # OSMnx's great-circle radius, m
LON_1KM = 0.010437440801470224  # 1000 m of longitude at 30.5°N (great circle)
LAT_4KM = 0.035972813419715664  # 4000 m of latitude

NODES = {
    1: (105.0, 30.5),              # at place a
    2: (105.0, 30.51),             # at station stn_a
    3: (105.0 - LON_1KM, 30.5),    # 1 km west of a
    4: (105.0 - LON_1KM / 2, 30.5),  # interstitial: removed by simplification
    5: (105.0, 30.51 + LAT_4KM),   # 4 km north of the station
    6: (105.003, 30.51),           # end of a one-way street east of the station
    7: (105.002, 30.5),            # a short street east of a makes node 1 a junction
    50: (105.25, 31.20135),        # cul-de-sac ~150 m north of town "far"
    51: (105.25, 31.20335),
    60: (105.01, 30.52), 61: (105.011, 30.52), 62: (105.011, 30.521),  # a building
}
WAYS = [
    (100, [1, 4, 3], {"highway": "residential", "name": "西街"}),
    (101, [1, 2, 5], {"highway": "primary", "maxspeed": "60"}),
    (102, [2, 6], {"highway": "residential", "oneway": "yes"}),
    (103, [3, 2], {"highway": "footway"}),                    # a shortcut cars cannot use
    (104, [50, 51], {"highway": "residential"}),
    (108, [1, 7], {"highway": "living_street"}),
    (105, [60, 61, 62, 60], {"building": "yes"}),
    (106, [5, 60], {"highway": "service", "service": "parking_aisle"}),
]


def write_osm(path: Path, nodes=NODES, ways=WAYS) -> Path:
    """Write a minimal OSM XML file."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [f' <node id="{i}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in nodes.items()]
    for wid, refs, tags in ways:
        lines.append(f' <way id="{wid}">')
        lines += [f'  <nd ref="{r}"/>' for r in refs]
        lines += [f'  <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append(" </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def gc_m(a: int, b: int) -> float:
    """Great-circle distance between two test nodes, m (as OSMnx measures it)."""
    (lon1, lat1), (lon2, lat2) = NODES[a], NODES[b]
    return float(osmnx.distance.great_circle(lat1, lon1, lat2, lon2, earth_radius=R_EARTH))


@pytest.fixture
def osm_file(tmp_path) -> Path:
    return write_osm(tmp_path / "streets.osm")


@pytest.fixture
def roads(osm_file, tmp_path):
    return load_roads(osm_file, cache_dir=tmp_path / "cache")


@pytest.fixture
def plan_graph(tiny_plan):
    from network.model.graph import build_graph

    return build_graph(tiny_plan, 2020, sn.Settings())


def attach(G, roads, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OSMSnapWarning)
        return attach_roads(G, roads, **kw)


@pytest.fixture
def attached(plan_graph, roads):
    return attach(plan_graph, roads)


# --------------------------------------------------------------------------- speeds


@pytest.mark.parametrize(("value", "kph"), [
    ("60", 60.0), ("60 km/h", 60.0), ("60kmh", 60.0), ("30 mph", 30 * 1.609344),
    ("60;40", 40.0), (["80", "60"], 60.0), (50, 50.0), ("none", None), ("CN:urban", None),
    ("signals", None), (None, None), ("", None),
])
def test_parse_maxspeed(value, kph):
    assert parse_maxspeed(value) == (pytest.approx(kph) if kph else None)


def test_speed_table_and_filter():
    assert osm.edge_speed_kph({"highway": "residential"}) == 30
    assert osm.edge_speed_kph({"highway": "primary", "maxspeed": "70"}) == 70
    assert osm.edge_speed_kph({"highway": ["primary", "residential"]}) == 30
    assert osm.is_drivable({"highway": "service"})
    assert not osm.is_drivable({"highway": "service", "service": "parking_aisle"})
    assert not osm.is_drivable({"highway": "footway"})
    assert not osm.is_drivable({"highway": "residential", "motor_vehicle": "no"})
    assert not osm.is_drivable({"highway": "residential", "access": "private"})
    assert osm.is_drivable({"highway": "residential", "access": "no", "motorcar": "yes"})


# --------------------------------------------------------------------------- loading


def test_load_schema_simplify_and_filter(roads):
    sn.validate_graph(roads)
    assert roads.graph["crs"] == "EPSG:4326"
    assert roads.graph["attribution"] == osm.ATTRIBUTION
    assert set(roads.nodes) == {"osm:1", "osm:2", "osm:3", "osm:5", "osm:6", "osm:7", "osm:50",
                                "osm:51"}
    d = roads.nodes["osm:2"]
    assert (d["x"], d["y"], d["kind"], d["layer"], d["osmid"]) == (105.0, 30.51, "street", "street", 2)
    assert not roads.has_edge("osm:3", "osm:2") and not roads.has_edge("osm:2", "osm:3")  # footway
    e = roads.get_edge_data("osm:1", "osm:3")[0]  # simplified through node 4
    assert (e["mode"], e["term"], e["line_id"], e["highway"]) == ("street", "access", "", "residential")
    assert e["length_m"] == pytest.approx(1000.0, abs=0.01)
    assert e["travel_time_s"] == pytest.approx(120.0, abs=0.01)
    assert e["speed_kph"] == pytest.approx(30.0)
    assert len(e["geometry"].coords) == 3
    p = roads.get_edge_data("osm:2", "osm:5")[0]
    assert p["speed_kph"] == pytest.approx(60.0)
    assert p["travel_time_s"] == pytest.approx(gc_m(2, 5) / 1000 / 60 * 3600)
    assert roads.has_edge("osm:2", "osm:6") and not roads.has_edge("osm:6", "osm:2")  # oneway


def test_cache_written_and_reused(osm_file, tmp_path, monkeypatch):
    cache = tmp_path / "c"
    calls = []
    real = osmnx.graph_from_xml
    monkeypatch.setattr(osmnx, "graph_from_xml", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = load_roads(osm_file, cache_dir=cache)
    files = list(cache.glob("*.npz"))
    assert len(calls) == 1 and len(files) == 1
    assert not list(cache.glob("*.tmp")) and not list(cache.glob(".*"))  # atomic write left no debris
    second = load_roads(osm_file, cache_dir=cache)
    assert len(calls) == 1  # served from the cache
    assert nx.utils.graphs_equal(nx.DiGraph(first), nx.DiGraph(second))
    for u, v, k, d in first.edges(keys=True, data=True):
        d2 = second.edges[u, v, k]
        assert {a: d2[a] for a in d if a != "geometry"} == {a: d[a] for a in d if a != "geometry"}
        assert ("geometry" in d) == ("geometry" in d2)
        if "geometry" in d:
            assert d2["geometry"].equals_exact(d["geometry"], 0)
    assert dict(first.nodes(data=True)) == dict(second.nodes(data=True))
    assert first.graph == second.graph
    # a changed file is a new key
    write_osm(osm_file, ways=[*WAYS, (107, [3, 5], {"highway": "tertiary"})])
    third = load_roads(osm_file, cache_dir=cache)
    assert len(calls) == 2
    assert any("tertiary" in d["highway"].split(";") for _, _, d in third.edges(data=True))
    assert len(list(cache.glob("*.npz"))) == 2


def test_graphml_source(osm_file, tmp_path):
    # an OSMnx graph saved by someone else: all ways, simplified by OSMnx
    G = osmnx.graph_from_xml(osm_file, retain_all=True)
    osmnx.save_graphml(G, tmp_path / "mine.graphml")
    roads = load_roads(tmp_path / "mine.graphml", cache_dir=False)
    sn.validate_graph(roads)
    # OSMnx merged the residential street with the footway (1-4-3-2) and the primary road
    # with the parking aisle (2-5-60): neither may be driven, so both are dropped
    assert roads.number_of_edges(("osm:1"), "osm:2") == 1
    assert roads.get_edge_data("osm:1", "osm:2")[0]["travel_time_s"] == pytest.approx(
        gc_m(1, 2) / 1000 / 60 * 3600)
    assert roads.get_edge_data("osm:1", "osm:7")[0]["speed_kph"] == pytest.approx(15.0)
    assert not roads.has_edge("osm:2", "osm:60") and "osm:60" not in roads


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty"),
    ('<osm version="0.6"><node id="1" lat="30" lon="105"', "not well-formed"),
    ("<?xml version='1.0'?><osm version='0.6'></osm>", "no OSM nodes or ways"),
    ('<osm version="0.6"><node id="1" lat="30" lon="105"/><node id="2" lat="30.01" lon="105"/>'
     '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
     '<way id="8"><nd ref="1"/><nd ref="2"/><tag k="highway" v="steps"/></way></osm>',
     "no drivable ways (found highway=footway"),
    ('<osm version="0.6"><node id="1" lat="30" lon="105"/>'
     '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>',
     "reference nodes that are not in the file"),
])
def test_bad_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.osm"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OSMError) as err:
        load_roads(path, cache_dir=tmp_path / "cache")
    assert message in str(err.value) and str(path) in str(err.value)
    assert isinstance(err.value, sn.NetworkError)


def test_missing_file_and_offline_place_name(tmp_path):
    with pytest.raises(OSMError, match="no such file"):
        load_roads(tmp_path / "nope.osm")
    with pytest.raises(OSMError, match=r"online=True .*--online"):
        load_roads("Suining, Sichuan, China", cache_dir=tmp_path)
    with pytest.raises(OSMError, match="online=True"):
        load_roads(box(105.5, 30.4, 105.6, 30.5), cache_dir=tmp_path)


def test_online_without_network_fails_fast(tmp_path, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OSError("[Errno 101] Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    t0 = time.perf_counter()
    with pytest.raises(OSMError, match="no network"):
        load_roads("遂宁市", online=True, timeout_s=2, cache_dir=tmp_path)
    with pytest.raises(OSMError, match="no network"):
        load_roads(box(105.5, 30.4, 105.6, 30.5), online=True, timeout_s=2, cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 3


def test_online_downloader_errors_are_wrapped(tmp_path, monkeypatch):
    import requests

    def refuse(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Max retries exceeded")

    monkeypatch.setattr(osm, "_preflight", lambda hosts, timeout_s: None)
    monkeypatch.setattr(osmnx, "graph_from_place", refuse)
    before = osmnx.settings.requests_timeout
    with pytest.raises(OSMError, match=r"could not download .*ConnectionError"):
        load_roads("遂宁市", online=True, timeout_s=2, cache_dir=tmp_path)
    assert osmnx.settings.requests_timeout == before  # settings restored


def test_online_really_offline(tmp_path):
    try:
        socket.getaddrinfo("overpass-api.de", 443)
    except OSError:
        pass
    else:  # pragma: no cover - only where the network is up
        pytest.skip("network available: this test checks the offline failure")
    t0 = time.perf_counter()
    with pytest.raises(OSMError):
        load_roads(box(105.59, 30.49, 105.6, 30.5), online=True, timeout_s=2, cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 5


# --------------------------------------------------------------------------- attaching


def test_attach_is_new_graph_and_valid(plan_graph, roads):
    n, m, rn, rm = (plan_graph.number_of_nodes(), plan_graph.number_of_edges(),
                    roads.number_of_nodes(), roads.number_of_edges())
    H = attach(plan_graph, roads)
    assert (plan_graph.number_of_nodes(), plan_graph.number_of_edges()) == (n, m)
    assert (roads.number_of_nodes(), roads.number_of_edges()) == (rn, rm)
    assert "osm" not in plan_graph.graph
    sn.validate_graph(H)
    info = H.graph["osm"]
    assert info["nodes"] == rn and info["edges"] == rm
    assert info["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
    assert info["snapped"] == 3  # a, stn_a, far
    assert {"m", "b", "stn_m", "stn_b", "ic_a", "ic_b"} <= set(info["unsnapped"])
    for u, v in (("a", "osm:1"), ("osm:1", "a"), ("stn_a", "osm:2"), ("osm:2", "stn_a")):
        d = H.get_edge_data(u, v)[0]
        assert (d["mode"], d["term"]) == ("street", "access")
        assert d["length_m"] == pytest.approx(0.0, abs=1e-6)
    # the straight-line access edges stay as a fallback
    assert any(d["mode"] == "access" for d in H.get_edge_data("a", "stn_a").values())


def test_snapping_distance_and_fallback_warning(plan_graph, roads):
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    x0, y0 = tr.transform(105.25, 31.2)
    x1, y1 = tr.transform(*NODES[50])
    dist = float(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5)
    assert 140 < dist < 160
    H = attach(plan_graph, roads, snap_max_m=300)
    d = H.get_edge_data("far", "osm:50")[0]
    assert d["length_m"] == pytest.approx(dist, rel=1e-6)
    assert d["travel_time_s"] == pytest.approx(dist / 1000 / 30 * 3600, rel=1e-6)
    t = sn.travel_times(H, "far")["far"]
    assert t["osm:51"] == pytest.approx((dist / 1000 / 30 + gc_m(50, 51) / 1000 / 30) * 60, rel=1e-4)
    with pytest.warns(OSMSnapWarning) as rec:
        H2 = attach_roads(plan_graph, roads, snap_max_m=100)
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "far" in msg and "stn_b" in msg and "100 m" in msg
    assert "far" in H2.graph["osm"]["unsnapped"] and not H2.has_edge("far", "osm:50")
    assert H2.graph["osm"]["snapped"] == 2


# --------------------------------------------------------------------------- routing


def test_known_times_along_streets(attached, plan_graph):
    s = sn.Settings()
    od = sn.od_times(attached, [("osm:1", "osm:3"), ("a", "osm:3"), ("a", "stn_a"),
                                ("osm:2", "osm:6"), ("osm:6", "osm:2"), ("a", "osm:50")],
                        paths=True)
    od = od.set_index(["from", "to"])
    assert od.loc[("osm:1", "osm:3"), "minutes"] == pytest.approx(2.0, abs=1e-3)  # 1 km at 30 km/h
    assert od.loc[("a", "osm:3"), "minutes"] == pytest.approx(2.0, abs=1e-3)
    primary_min = gc_m(1, 2) / 1000 / 60 * 60  # maxspeed=60 primary
    row = od.loc[("a", "stn_a")]
    assert row["minutes"] == pytest.approx(primary_min, rel=1e-6)
    assert row["access_min"] == pytest.approx(primary_min, rel=1e-6)
    assert row["path"] == ["a", "osm:1", "osm:2", "stn_a"]
    assert od.loc[("osm:2", "osm:6"), "minutes"] == pytest.approx(gc_m(2, 6) / 1000 / 30 * 60, rel=1e-6)
    assert od.loc[("osm:6", "osm:2"), "minutes"] == float("inf")  # against the one-way
    assert od.loc[("a", "osm:50"), "minutes"] == float("inf")  # the cul-de-sac is elsewhere
    # without streets, the station is reached in a straight line × detour factor
    tr = Transformer.from_crs("EPSG:4326", s.metric_crs, always_xy=True)
    (x1, x2), (y1, y2) = tr.transform([105.0, 105.0], [30.5, 30.51])
    before = sn.od_times(plan_graph, [("a", "stn_a")])["minutes"][0]
    assert before == pytest.approx(s.access_minutes(math.hypot(x2 - x1, y2 - y1) / 1000), rel=1e-6)
    t = sn.travel_times(attached, "a", max_minutes=10)["a"]
    assert t["osm:5"] == pytest.approx(primary_min + 4.0, rel=1e-6)  # 4 km at 60 km/h


def test_isochrones_reach_along_streets(attached, plan_graph):
    north = Point(NODES[5])  # 5.1 min up the primary road; 13 min in a straight line
    west = Point(NODES[3])
    bands = sn.isochrones(attached, "a", bands_min=(5, 10), population=False, cell_m=100)
    b5, b10 = bands.geometry.iloc[0], bands.geometry.iloc[1]
    assert b10.contains(north) and not b5.contains(north)
    assert b5.contains(west)
    plain = sn.isochrones(plan_graph, "a", bands_min=(5, 10), population=False, cell_m=100)
    assert not plain.union_all().contains(north)
    assert bands["reach_area_km2"].iloc[-1] > plain["reach_area_km2"].iloc[-1]


def test_retain_all_false_keeps_the_largest_piece(osm_file, tmp_path):
    roads = load_roads(osm_file, cache_dir=tmp_path / "cache", retain_all=False)
    assert "osm:50" not in roads and "osm:1" in roads
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1  # its own cache key
