"""Trace existing lines on the OpenStreetMap-derived scgraph-data graphs.

For each line in ``data/geo/lines.geojson`` that exists on the ground (status ``existing``; lines
under construction only where listed in ``TRACE_UNDER_CONSTRUCTION``), each leg between two
consecutive stops is replaced by the shortest path on the scgraph-data highway graph (roads) or
railway graph (rail), each stop snapped to its nearest graph edge: stop coordinate + the graph
vertices of the path + next stop coordinate (the snap points themselves are left out, so a stop
off the road joins the path without a spike); vertices are rounded to 5 decimals and those within
50 m of the previous one are dropped. A leg keeps its old (schematic) geometry when a stop lies more
than ``MAX_SNAP_KM`` from the graph, when the path is implausibly long (> ``MAX_RATIO`` × the
straight line), or when ``LEG_OVERRIDES`` rejects it after inspection (e.g. the path takes a
parallel road) or routes it through a via point.

Expressways (and rail) are traced first; the carriageway edges of their accepted legs (longer
than ``SHORT_LINK_KM``; shorter edges at junction clusters stand for the local roads the graph
merged into them) and the edges in ``EXPRESSWAY_CHORDS`` are then closed to trunk roads, which
never run on an expressway. A trunk stop that is a *place* (a city centre, county seat or town: an
area whose own streets the simplified graph lacks, e.g. the Suining centre lies 2 km from it) is
joined by straight connectors to every open edge within ``AREA_RADIUS_KM`` (the nearest open edge
if none is that near; at most ``MAX_AREA_CONN_KM``), weighted × ``AREA_DETOUR`` for the choice of
path; its attachment point is drawn and the connector counts in the length at its straight length.

The script also writes ``data/geo/reference_road_km.csv``: shortest road paths on the same graph
between Suining and each county seat and neighbouring city, each place joined by the same
connectors (counted × ``AREA_DETOUR``) at both ends, never to a closed expressway edge; the
``model_note`` column of the file is kept.

The graphs are scgraph-data 2.0.0 (PyPI; MIT code, data © OpenStreetMap contributors, ODbL 1.0;
2024 snapshot, coordinates rounded to 0.001°, no names, classes or speeds). Edge weights are the
graph's own kilometres; most edges are straight chords between junctions whose weight is the chord
length (weighted mean 1.03 × the chord in the data region), so winding roads come out short.

Re-run from the repository root with the tools venv (scgraph 2.15 + scgraph-data 2.0; loading the
world graphs takes a few seconds and about 1 GB; nothing is downloaded)::

    /work/toolsvenv/bin/python scripts/trace_alignments.py                # print the leg table only
    /work/toolsvenv/bin/python scripts/trace_alignments.py --write        # rewrite lines.geojson
    /work/toolsvenv/bin/python scripts/trace_alignments.py --reference    # rewrite reference_road_km.csv

The run is idempotent: stops come from ``nodes.csv``; rejected legs keep the geometry that is in
the file; the trace sentence appended to ``note`` is replaced, not added twice.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
from pathlib import Path

import networkx as nx
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import LineString, Point

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "geo"

GRAPH_SOURCE = "traced:scgraph-data-2.0 (OSM 2024)"
SOURCE_KEY = "scgraph-osm"
NOTE_MARK = " | geometry: "

#: Clip box for the world graphs (lon0, lat0, lon1, lat1): a margin round the data region.
CLIP = (103.0, 28.0, 109.5, 33.0)
MAX_SNAP_KM = 3.0
MAX_RATIO = 1.6
#: Vertices closer than this to the previous kept vertex are dropped (stops are always kept), km.
MIN_VERTEX_KM = 0.05
DECIMALS = 5
#: Places (areas, not road points) are joined to the graph by connectors to every edge within
#: this radius, km: the model's ``Settings.access_link_km`` (3 km), so that the place is not
#: forced onto the one nearest edge when the simplified graph lacks its local streets.
AREA_RADIUS_KM = 3.0
#: Connector length = straight line × this: the model's ``Settings.detour_factor`` (1.3).
AREA_DETOUR = 1.3
#: A place may lie this far from the simplified graph (its own streets are not in it), km.
MAX_AREA_CONN_KM = 5.0
#: Expressway edges shorter than this stay open to trunk roads and place connectors, km.
SHORT_LINK_KM = 3.0
#: A stop snapped within this distance lies on the edge it snaps to, km.
SNAP_ON_KM = 0.5
#: Graph edges that are expressway carriageway although no traced leg runs on them (their
#: stops lie too far off), keyed by graph node ids of scgraph-data 2.0.0, with the reason.
EXPRESSWAY_CHORDS: dict[tuple[int, int], str] = {
    (512347, 500255): "绵遂 (G93) 吉祥–三台: one straight 65 km chord in the graph, passing 2 km "
                      "west of 射洪; the 射洪 stop lies 4 km off it, so e_miansui's legs there "
                      "stay schematic, but a place must not join it between interchanges",
}
#: Node kinds that are places (areas), as in ``network.vocab.PLACE_KINDS``.
PLACE_KINDS = ("centre", "county_seat", "town")

#: Lines under construction whose course the 2024 graph already holds (checked: none of them).
TRACE_UNDER_CONSTRUCTION: set[str] = set()

#: Per-leg decisions after inspection, keyed by (line id, index of the leg's first stop).
#: ``reject``: keep the schematic leg, with the reason; ``via``: (lon, lat, reason) points the
#: path must pass (sourced positions only); ``max_ratio``: accept a longer path, with the reason.
_ZH = ("the 中环线 junction points are schematic and the graph holds no urban streets there: "
       "the shortest path follows other roads")
LEG_OVERRIDES: dict[tuple[str, int], dict] = {
    ("t_zhonghuan_e", 0): {"reject": _ZH},
    ("t_zhonghuan_e", 1): {"reject": _ZH},
    ("t_zhonghuan_e", 2): {"reject": _ZH},
    # the ring's south arc (遂渝, now S53) leaves 复兴 by the junction 2.7 km west where 内遂
    # joins it (huaxi100-2012: 内遂 ends at 复兴; the graph's smooth arc south of the city); the
    # shortest path cuts through city streets further north (G318 and others)
    ("e_ring_s", 0): {"via": [(105.608, 30.395, "graph junction where 内遂 joins the ring")]},
}

#: Reference pairs for reference_road_km.csv: (from, to).
REFERENCE_PAIRS = [("suining", t) for t in (
    "anju", "shehong", "pengxi", "daying", "tongnan",
    "chengdu", "chongqing", "mianyang", "nanchong", "neijiang", "guangan", "ziyang", "deyang",
    "hechuan", "lezhi", "anyue", "zhongjiang", "tongliang", "yanting", "xichong", "santai", "dazu",
)]

_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


# ------------------------------------------------------------------------------------ graphs


class RoadGraph:
    """A clipped scgraph-data graph with an edge index for snapping points onto edges."""

    def __init__(self, kind: str):
        if kind == "rail":
            from scgraph_data.world_railways import world_railways_geograph as geo
        else:
            from scgraph_data.world_highways import world_highways_geograph as geo
        x0, y0, x1, y1 = CLIP
        keep = {i for i, (lat, lon) in enumerate(geo.nodes) if x0 <= lon <= x1 and y0 <= lat <= y1}
        G = nx.Graph()
        for i in keep:
            lat, lon = geo.nodes[i]
            G.add_node(i, lon=float(lon), lat=float(lat))
        for i in keep:
            for j, w in geo.graph[i].items():
                if j in keep and j != i:
                    old = G.get_edge_data(i, j)
                    if old is None or w < old["km"]:
                        G.add_edge(i, j, km=float(w))
        self.kind = kind
        self.G = G
        #: expressway carriageway edges closed to place connectors and trunk roads (see
        #: :meth:`close_expressway`)
        self.no_attach: set[frozenset] = set()
        if kind == "road":
            for (u, v), _why in EXPRESSWAY_CHORDS.items():
                if G.has_edge(u, v):
                    self.no_attach.add(frozenset((u, v)))
        self.edges = list(G.edges())
        self.lines = [LineString([self._xy(u), self._xy(v)]) for u, v in self.edges]
        self.tree = STRtree(self.lines)
        self._tmp = 0

    def close_expressway(self, r: dict) -> None:
        """Close the edges of an accepted expressway leg (a :func:`trace_leg` result): the
        edges between its graph nodes and the edges its two stops lie inside (snapped within
        ``SNAP_ON_KM``, not at a graph node), if longer than ``SHORT_LINK_KM`` — shorter
        edges at junction clusters stand for the interchange's own links and the local
        roads the simplified graph merged into them, and stay open."""
        edges = list(itertools.pairwise(r["nodes"]))
        ends = r.get("snap_edges", [])
        # a stop that lies inside an edge (not at a graph node, where the snap edge is any of
        # the node's edges) lies on it
        edges += [e for e, d, t in ends[:1] + ends[-1:] if d <= SNAP_ON_KM and 0.02 < t < 0.98]
        for u, v in edges:
            if self.G.has_edge(u, v) and self.G.edges[u, v]["km"] > SHORT_LINK_KM:
                self.no_attach.add(frozenset((u, v)))

    def _xy(self, n) -> tuple[float, float]:
        d = self.G.nodes[n]
        return _TO_UTM.transform(d["lon"], d["lat"])

    def snap(self, lon: float, lat: float) -> dict:
        """Nearest point on the nearest edge: edge, fraction from its first node, distance km."""
        p = Point(_TO_UTM.transform(lon, lat))
        k = int(self.tree.nearest(p))
        line = self.lines[k]
        t = line.project(p, normalized=True) if line.length > 0 else 0.0
        q = line.interpolate(t, normalized=True)
        lon_q, lat_q = _TO_UTM.transform(q.x, q.y, direction="INVERSE")
        return {"edge": self.edges[k], "t": t, "km": p.distance(q) / 1000.0, "lon": lon_q, "lat": lat_q}

    def _insert(self, s: dict) -> str:
        """Add a temporary node at a snap point, joined to both ends of its edge."""
        self._tmp += 1
        name = f"tmp{self._tmp}"
        u, v = s["edge"]
        w = self.G.edges[u, v]["km"]
        self.G.add_node(name, lon=s["lon"], lat=s["lat"], edge=(u, v), t=s["t"])
        self.G.add_edge(u, name, km=w * s["t"])
        self.G.add_edge(name, v, km=w * (1 - s["t"]))
        return name

    def route(self, a: tuple[float, float], b: tuple[float, float]) -> dict:
        """Shortest path between two points, each snapped to its nearest edge.

        Returns the graph nodes passed (``nodes``, without the two snap points), their
        coordinates, the graph length between the first and last of them (``inner_km``) and the
        two snap distances.
        """
        sa, sb = self.snap(*a), self.snap(*b)
        na, nb = self._insert(sa), self._insert(sb)
        if set(sa["edge"]) == set(sb["edge"]):  # both on one edge: the direct piece
            u, _ = sa["edge"]
            ta = sa["t"] if sa["edge"][0] == u else 1 - sa["t"]
            tb = sb["t"] if sb["edge"][0] == u else 1 - sb["t"]
            w = self.G.edges[sa["edge"]]["km"]
            self.G.add_edge(na, nb, km=w * abs(ta - tb))
        try:
            path = nx.shortest_path(self.G, na, nb, weight="km")
            km = nx.path_weight(self.G, path, weight="km")
            inner = path[1:-1]
            inner_km = nx.path_weight(self.G, inner, weight="km") if len(inner) > 1 else 0.0
            coords = [(self.G.nodes[n]["lon"], self.G.nodes[n]["lat"]) for n in inner]
            ok = True
        except nx.NetworkXNoPath:
            inner, coords, km, inner_km, ok = [], [], math.inf, math.inf, False
        finally:
            self.G.remove_nodes_from([na, nb])
        return {"ok": ok, "nodes": inner, "coords": coords, "graph_km": km, "inner_km": inner_km,
                "snap_a_km": sa["km"], "snap_b_km": sb["km"],
                "snap_edges": [(sa["edge"], sa["km"], sa["t"]), (sb["edge"], sb["km"], sb["t"])]}

    def _attach(self, name: str, lon: float, lat: float, radius_km: float, detour: float) -> list:
        """Join a place to the graph: a straight connector to the nearest point of *every* edge
        within ``radius_km`` (or, if there is none, of the nearest edge), each weighted
        straight length × ``detour``. Edges in ``self.no_attach`` (the carriageways of traced
        expressways: a car joins an expressway only at an interchange) are never joined.
        Returns the temporary nodes added (``name`` first)."""
        p = Point(_TO_UTM.transform(lon, lat))
        ks = [int(k) for k in self.tree.query(p, predicate="dwithin", distance=radius_km * 1000.0)]
        ks = [k for k in ks if frozenset(self.edges[k]) not in self.no_attach]
        radius = radius_km
        while not ks and radius < 100.0:  # no edge near: the nearest ones that may be joined
            radius *= 2
            ks = [int(k) for k in self.tree.query(p, predicate="dwithin", distance=radius * 1000.0)
                  if frozenset(self.edges[int(k)]) not in self.no_attach]
            if ks:
                d = {k: p.distance(self.lines[k]) for k in ks}
                ks = [min(d, key=d.get)]
        self.G.add_node(name, lon=lon, lat=lat)
        added = [name]
        for k in sorted(ks):
            line = self.lines[k]
            t = line.project(p, normalized=True) if line.length > 0 else 0.0
            q = line.interpolate(t, normalized=True)
            lon_q, lat_q = _TO_UTM.transform(q.x, q.y, direction="INVERSE")
            s = {"edge": self.edges[k], "t": t, "km": p.distance(q) / 1000.0, "lon": lon_q, "lat": lat_q}
            tmp = self._insert(s)
            added.append(tmp)
            self.G.add_edge(name, tmp, km=s["km"] * detour, straight=s["km"], area=True)
        return added

    def _snap_end(self, name: str, lon: float, lat: float, avoid: bool = False) -> list:
        """Join a point (an interchange, a junction) to its nearest edge as :meth:`route` does:
        the snap piece is not weighted, and it is not drawn. With ``avoid`` the nearest edge
        not in ``self.no_attach``."""
        s = self.snap(lon, lat)
        if avoid and frozenset(s["edge"]) in self.no_attach:
            p = Point(_TO_UTM.transform(lon, lat))
            radius = 1.0
            ks: list = []
            while not ks and radius < 200.0:
                radius *= 2
                ks = [int(k) for k in self.tree.query(p, predicate="dwithin", distance=radius * 1e3)
                      if frozenset(self.edges[int(k)]) not in self.no_attach]
            k = min(ks, key=lambda k: p.distance(self.lines[k]))
            line = self.lines[k]
            t = line.project(p, normalized=True) if line.length > 0 else 0.0
            q = line.interpolate(t, normalized=True)
            lon_q, lat_q = _TO_UTM.transform(q.x, q.y, direction="INVERSE")
            s = {"edge": self.edges[k], "t": t, "km": p.distance(q) / 1000.0, "lon": lon_q,
                 "lat": lat_q}
        tmp = self._insert(s)
        self.G.add_node(name, lon=lon, lat=lat)
        self.G.add_edge(name, tmp, km=0.0, straight=s["km"], area=False)
        return [name, tmp]

    def route_ends(self, a: tuple[float, float], b: tuple[float, float], a_area: bool,
                   b_area: bool, radius_km: float | None = None,
                   detour: float | None = None, avoid_expressways: bool = False) -> dict:
        """Shortest path between two ends, each a *place* (``*_area``: an area joined by
        :meth:`_attach`, connectors at straight length × ``detour``) or a *point* (snapped
        to its nearest edge as :meth:`route` does).

        Returns ``coords`` (the points to draw between the two ends: a place's attachment
        point on the road is kept, a point's snap point is not), ``km`` (the routing weight,
        connectors at straight × detour), ``drawn_km`` (the length of the drawn leg: straight
        pieces from and to the ends plus the graph kilometres between), and the straight
        connector or snap distances ``conn_a_km`` and ``conn_b_km``. With
        ``avoid_expressways`` the path does not run on the edges in ``self.no_attach``."""
        radius_km = AREA_RADIUS_KM if radius_km is None else radius_km
        detour = AREA_DETOUR if detour is None else detour
        av = avoid_expressways
        ta = (self._attach("A*", *a, radius_km, detour) if a_area else self._snap_end("A*", *a, av))
        tb = (self._attach("B*", *b, radius_km, detour) if b_area else self._snap_end("B*", *b, av))
        for x, y in itertools.product(ta[1:], tb[1:]):  # both on one edge: the direct piece
            ex, ey = self.G.nodes[x], self.G.nodes[y]
            if set(ex["edge"]) == set(ey["edge"]):
                tx = ex["t"]  # fractions from the first node of x's edge
                ty = ey["t"] if ey["edge"][0] == ex["edge"][0] else 1 - ey["t"]
                self.G.add_edge(x, y, km=self.G.edges[ex["edge"]]["km"] * abs(tx - ty))
        try:
            blocked = self.no_attach if avoid_expressways else set()
            path = nx.shortest_path(
                self.G, "A*", "B*",
                weight=lambda u, v, d: None if frozenset((u, v)) in blocked else d["km"])
            km = nx.path_weight(self.G, path, weight="km")
            ca, cb = self.G.edges[path[0], path[1]], self.G.edges[path[-2], path[-1]]
            first = 1 if a_area else 2   # a place keeps its attachment point; a point does not
            last = len(path) - (1 if b_area else 2)
            mid = path[first:last]
            coords = [(self.G.nodes[n]["lon"], self.G.nodes[n]["lat"]) for n in mid]
            if mid:
                drawn = (haversine_km(*a, *coords[0]) + nx.path_weight(self.G, mid, weight="km")
                         + haversine_km(*coords[-1], *b))
            else:
                drawn = haversine_km(*a, *b)
            out = {"ok": True, "nodes": [n for n in mid if not str(n).startswith("tmp")],
                   "coords": coords, "km": km, "drawn_km": drawn,
                   "conn_a_km": ca["straight"], "conn_b_km": cb["straight"]}
        except nx.NetworkXNoPath:
            out = {"ok": False, "nodes": [], "coords": [], "km": math.inf, "drawn_km": math.inf,
                   "conn_a_km": math.nan, "conn_b_km": math.nan}
        finally:
            self.G.remove_nodes_from(ta + tb)
        return out

    def route_area(self, a: tuple[float, float], b: tuple[float, float]) -> dict:
        """Shortest path between two places (both ends joined by :meth:`_attach`)."""
        return self.route_ends(a, b, True, True)


# ------------------------------------------------------------------------------------ data


def read_nodes() -> dict[str, dict]:
    with open(DATA / "nodes.csv", encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def node_xy(nodes: dict, nid: str) -> tuple[float, float]:
    return float(nodes[nid]["lon"]), float(nodes[nid]["lat"])


def stop_vertices(coords: list, stops_xy: list) -> list[int]:
    """Index of each stop's vertex, searched in order: an exact match, else the first within
    0.3 km, else (a node moved since the file was written) the nearest remaining vertex."""
    out, start = [], 0
    for x, y in stops_xy:
        best = None
        for i in range(start, len(coords)):
            d = haversine_km(coords[i][0], coords[i][1], x, y)
            if d < 1e-6:
                best = i
                break
            if d <= 0.3 and best is None:
                best = i
        if best is None:  # the node has moved since the file was written: take the nearest vertex
            rest = range(start, len(coords))
            best = min(rest, key=lambda i: haversine_km(coords[i][0], coords[i][1], x, y))
        out.append(best)
        start = best + 1 if best + 1 < len(coords) else best
    return out


def thin(leg: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Round to DECIMALS and drop interior vertices within MIN_VERTEX_KM of the last kept one
    (or of the leg's end); the two ends (stops) are kept as they are."""
    a, b = leg[0], leg[-1]
    out = [a]
    for p in leg[1:-1]:
        p = (round(p[0], DECIMALS), round(p[1], DECIMALS))
        if (haversine_km(*out[-1], *p) >= MIN_VERTEX_KM and haversine_km(*p, *b) >= MIN_VERTEX_KM):
            out.append(p)
    out.append(b)
    return out


def poly_km(coords) -> float:
    return sum(haversine_km(*p, *q) for p, q in itertools.pairwise(coords))


def is_place(nodes: dict, nid: str) -> bool:
    return nodes[nid]["kind"] in PLACE_KINDS


def trace_leg(g: RoadGraph, line_id: str, i: int, a_id: str, b_id: str, nodes: dict,
              network: str = "") -> dict:
    """Trace one leg. The drawn leg is: stop A, the graph nodes of the path, stop B (the snap
    points themselves are left out, so a stop off the road joins the path without a spike); its
    length is the graph length between the first and last graph node plus the straight pieces
    from and to the stops.

    Trunk roads (``network == "trunk"``) differ in two ways: they never run on the carriageway
    of a traced expressway (``g.no_attach``), and a stop that is a *place* (a city centre,
    county seat or town: an area whose own streets the simplified graph lacks) is joined to
    every edge within ``AREA_RADIUS_KM`` (:meth:`RoadGraph._attach`); its attachment point on
    the road is drawn, and the straight connector counts in the length."""
    a, b = node_xy(nodes, a_id), node_xy(nodes, b_id)
    ov = LEG_OVERRIDES.get((line_id, i), {})
    straight = haversine_km(*a, *b)
    res = {"line": line_id, "i": i, "a": a_id, "b": b_id, "straight_km": straight}
    points = [a, *[(x, y) for x, y, _ in ov.get("via", [])], b]
    trunk = network == "trunk"
    inner: list = []
    inner_km, snaps, ok, path_nodes, snap_edges = 0.0, [], True, [], []
    limits: list = []
    n_pieces = len(points) - 1
    for k, (p, q) in enumerate(itertools.pairwise(points)):
        a_area = trunk and k == 0 and is_place(nodes, a_id)
        b_area = trunk and k == n_pieces - 1 and is_place(nodes, b_id)
        if trunk:
            r = g.route_ends(p, q, a_area, b_area, avoid_expressways=True)
            if r["ok"]:
                r["snap_a_km"], r["snap_b_km"] = r["conn_a_km"], r["conn_b_km"]
                # the graph length between the first and last drawn point
                r["inner_km"] = (r["drawn_km"] - haversine_km(*p, *r["coords"][0])
                                 - haversine_km(*r["coords"][-1], *q)) if r["coords"] else 0.0
        else:
            r = g.route(p, q)
        if not r["ok"]:
            ok = False
            break
        snaps += [r["snap_a_km"], r["snap_b_km"]]
        limits += [MAX_AREA_CONN_KM if a_area else MAX_SNAP_KM,
                   MAX_AREA_CONN_KM if b_area else MAX_SNAP_KM]
        path_nodes += list(r["nodes"])
        snap_edges += r.get("snap_edges", [])
        if inner and r["coords"]:  # join the pieces either side of a via point
            inner_km += haversine_km(*inner[-1], *r["coords"][0])
        inner += r["coords"]
        inner_km += r["inner_km"]
    if ok and inner:
        km = haversine_km(*a, *inner[0]) + inner_km + haversine_km(*inner[-1], *b)
    else:
        km = straight if ok else math.inf
    res["snap_a_km"] = snaps[0] if snaps else math.nan
    res["snap_b_km"] = snaps[-1] if snaps else math.nan
    res["max_snap_km"] = max(snaps) if snaps else math.nan
    res["km"] = km
    res["ratio"] = km / straight if straight > 0 else math.inf
    res["nodes"] = path_nodes
    res["snap_edges"] = snap_edges
    max_ratio = ov.get("max_ratio", (MAX_RATIO, ""))[0]
    too_far = [d for d, lim in zip(snaps, limits, strict=True) if d > lim]
    reason = ""
    if "reject" in ov:
        reason = ov["reject"]
    elif not ok:
        reason = "no path on the graph"
    elif too_far:
        reason = f"stop {max(too_far):.1f} km from the OSM graph"
    elif res["ratio"] > max_ratio and straight > 2.0:
        reason = f"graph path {res['ratio']:.2f}× the straight line"
    res["accepted"] = not reason
    res["reason"] = reason
    coords = [a]
    for p in inner:  # drop repeated points (a via piece may start where the last ended)
        if haversine_km(*coords[-1], *p) > 1e-6:
            coords.append(p)
    coords.append(b)
    res["coords"] = thin(coords)
    return res


# ------------------------------------------------------------------------------------ main


def traceable(props: dict) -> bool:
    if props["status"] == "existing":
        return True
    return props["status"] == "under_construction" and props["id"] in TRACE_UNDER_CONSTRUCTION


def read_features() -> list[dict]:
    return json.loads((DATA / "lines.geojson").read_text(encoding="utf-8"))["features"]


def write_features(features: list[dict]) -> None:
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    text = '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n"
    (DATA / "lines.geojson").write_text(text, encoding="utf-8")


def trace_lines(write: bool, only: set[str] | None = None) -> list[dict]:
    nodes = read_nodes()
    features = read_features()
    graphs: dict[str, RoadGraph] = {}
    table = []
    # expressways (and rail) first: the carriageways they trace are then closed to the trunk
    # roads traced after them (a trunk road never runs on an expressway, and a place is never
    # joined to one between interchanges)
    order = sorted(range(len(features)),
                   key=lambda k: features[k]["properties"]["network"] == "trunk")
    for k in order:
        feat = features[k]
        p = feat["properties"]
        base_note = (p.get("note") or "").split(NOTE_MARK)[0]
        if only and p["id"] not in only and p["network"] != "expressway":
            continue
        if not traceable(p):
            p.update(geometry_source="schematic", length_km_traced=None,
                     length_source="official" if p.get("length_km_official") else "schematic")
            p["note"] = base_note
            # a stop node moved since the file was written drags its vertex along
            coords = feat["geometry"]["coordinates"]
            for s_id, v in zip(p["stops"], stop_vertices(coords, [node_xy(nodes, s) for s in p["stops"]]),
                               strict=True):
                coords[v] = [round(c, DECIMALS) for c in node_xy(nodes, s_id)]
            continue
        kind = "rail" if p["network"] == "rail" else "road"
        if kind not in graphs:
            print(f"loading the {kind} graph …", file=sys.stderr)
            graphs[kind] = RoadGraph(kind)
        g = graphs[kind]
        stops = p["stops"]
        old = feat["geometry"]["coordinates"]
        sv = stop_vertices(old, [node_xy(nodes, s) for s in stops])
        coords: list = []
        traced_legs, schematic_legs, km = [], [], 0.0
        for i, (a, b) in enumerate(itertools.pairwise(stops)):
            r = trace_leg(g, p["id"], i, a, b, nodes, p["network"])
            if r["accepted"] and p["network"] == "expressway":
                g.close_expressway(r)
            if only and p["id"] not in only:
                continue
            table.append(r)
            if r["accepted"]:
                leg = r["coords"]
                km += r["km"]
                traced_legs.append(f"{a}–{b}")
            else:
                leg = [tuple(c) for c in old[sv[i]:sv[i + 1] + 1]]
                leg[0], leg[-1] = node_xy(nodes, a), node_xy(nodes, b)
                km += poly_km(leg)
                schematic_legs.append(f"{a}–{b} ({r['reason']})")
            coords += leg if not coords else leg[1:]
        if not traced_legs:
            source = "schematic"
        elif not schematic_legs:
            source = GRAPH_SOURCE
        else:
            source = "mixed"
        feat["geometry"]["coordinates"] = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]
        p["geometry_source"] = source
        p["length_km_traced"] = round(km, 1) if traced_legs else None
        if p.get("length_km_official"):
            p["length_source"] = "official"
        else:
            p["length_source"] = "traced" if traced_legs else "schematic"
        sentence = ""
        if source == "mixed":
            sentence = (f"traced on the OSM graph except {'; '.join(schematic_legs)}, kept schematic; "
                        "length_km_traced counts those legs at their drawn length")
        elif source == "schematic":
            sentence = f"not traced: {'; '.join(schematic_legs)}"
        else:
            sentence = "traced on the OSM graph, every leg"
        p["note"] = base_note + NOTE_MARK + sentence
        keys = [k.strip() for k in p["source"].split(";") if k.strip() and k.strip() != SOURCE_KEY]
        p["source"] = "; ".join([*keys, SOURCE_KEY] if traced_legs else keys)
    if write:
        write_features(features)
    return table


def mark_expressways(g: RoadGraph, nodes: dict, features: list[dict]) -> None:
    """Close the carriageways of the traced existing expressways to place connectors
    (``g.no_attach``), as :func:`trace_lines` does."""
    for feat in features:
        p = feat["properties"]
        if p["network"] != "expressway" or not traceable(p):
            continue
        for i, (a, b) in enumerate(itertools.pairwise(p["stops"])):
            r = trace_leg(g, p["id"], i, a, b, nodes, "expressway")
            if r["accepted"]:
                g.close_expressway(r)


REFERENCE_METHOD = (
    "shortest path by length on the scgraph-data 2.0 world highway graph; each place joined to "
    f"every road edge within {AREA_RADIUS_KM:g} km (the nearest one if none is that near) by a "
    "straight connector counted at "
    f"{AREA_DETOUR:g}× its length (the model's access_link_km and detour_factor; the same rule "
    "at both ends), never to an expressway carriageway between interchanges")


def write_reference() -> list[dict]:
    nodes = read_nodes()
    g = RoadGraph("road")
    mark_expressways(g, nodes, read_features())
    path = DATA / "reference_road_km.csv"
    old_notes: dict = {}
    if path.exists():
        with open(path, encoding="utf-8", newline="") as f:
            old_notes = {(r["from"], r["to"]): r.get("model_note", "") or ""
                         for r in csv.DictReader(f)}
    rows = []
    for a, b in REFERENCE_PAIRS:
        pa, pb = node_xy(nodes, a), node_xy(nodes, b)
        r = g.route_area(pa, pb)
        old = g.route(pa, pb)  # the single-snap rule of the first pass, for comparison
        old_km = old["graph_km"] + old["snap_a_km"] + old["snap_b_km"]
        km = r["km"]
        straight = haversine_km(*pa, *pb)
        rows.append({
            "from": a, "to": b, "km": round(km, 1),
            "method": REFERENCE_METHOD,
            "source": SOURCE_KEY,
            "confidence": "M",
            "note": (f"connectors {r['conn_a_km']:.2f} km ({a}) and {r['conn_b_km']:.2f} km ({b}) "
                     f"straight, counted ×{AREA_DETOUR:g}; straight line {straight:.1f} km "
                     f"(ratio {km / straight:.2f}); the first pass (each place snapped to its one "
                     f"nearest edge, snap counted ×1) gave {old_km:.1f} km; shortest, not fastest, "
                     "path on a simplified graph whose edges are mostly straight chords between "
                     "junctions (so winding roads come out short) and that lacks minor and most "
                     "urban roads; traced alignments come from the same OSM 2024 snapshot, so a "
                     "check against this tests topology and routing, not the tracing"),
            "model_note": old_notes.get((a, b), ""),
        })
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["from", "to", "km", "method", "source", "confidence", "note",
                               "model_note"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="rewrite data/geo/lines.geojson")
    ap.add_argument("--reference", action="store_true", help="rewrite data/geo/reference_road_km.csv")
    ap.add_argument("--only", nargs="*", help="trace only these line ids (report only)")
    args = ap.parse_args(argv)
    if args.reference:
        for r in write_reference():
            print(f"{r['from']:>8} → {r['to']:<11} {r['km']:7.1f} km  {r['note'][:60]}")
        return 0
    table = trace_lines(args.write and not args.only, set(args.only) if args.only else None)
    print(f"{'line':<16}{'leg':<36}{'straight':>9}{'km':>8}{'ratio':>7}{'snapA':>7}{'snapB':>7}  result")
    for r in table:
        leg = f"{r['a']}–{r['b']}"
        print(f"{r['line']:<16}{leg:<36}{r['straight_km']:9.1f}{r['km']:8.1f}{r['ratio']:7.2f}"
              f"{r['snap_a_km']:7.2f}{r['snap_b_km']:7.2f}  {'traced' if r['accepted'] else r['reason']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
