"""Build the phase graph: a ``networkx.MultiDiGraph`` of the plan as it stands in a year.

The access rule is built into the graph's shape:

* **Rail services** (``network.model.transit``). Each service has its own platform
  nodes at each call. A passenger reaches them only through the station: ``station →
  concourse`` (entry term), ``concourse → dep`` (wait term: half the combined headway of
  the services going that way), ``dep → arr`` of the next call (in-vehicle term),
  ``arr → dep`` at the same call (dwell term), ``arr → station`` (exit term) or ``arr →
  concourse`` (transfer term). No edge leaves a train between calls.
* **Metro** at the far ends (成都, 重庆): stations, lines, changes and walking links to
  the main rail stations and the city centres (``network.model.transit``).
* **Expressways.** Each line has a carriageway node at each interchange (``line|ic``).
  Local traffic joins it only at an interchange with ``access=yes`` (entry/exit terms);
  two expressways meeting at an interchange are joined by a transfer edge.
* **Trunk roads** are continuous: they get a node at least every
  ``Settings.trunk_segment_km``, and all their nodes are street nodes.
* **Roads** run at the signed limit × the running factor of their class.
* **Access.** Each station and interchange is linked to the place it serves by access
  and egress edges (straight-line distance × detour factor at the urban speed of a city
  centre or the local speed of a county seat or town).
* **Hubs** open in the year (``network.model.hubs``: the airport, the port, passenger
  hubs, bus terminals) are street nodes linked like stations.
* **Buses and walking** (``network.model.bus_graph``): bus routes as frequency-based
  services on the roads, with per-route platforms, and walking legs to and from stops and
  stations: the public-transport network of ``mode="transit"``.

Edge attributes: ``mode`` (rail, metro, bus, walk, expressway, trunk, access, and street
for OSM roads attached by ``network.model.streets``), ``term`` (one of
``network.vocab.TERMS``), ``line_id`` ("" if none), ``length_m``, ``speed_kph``
(0 for pure time penalties), ``travel_time_s``; rides also ``lines`` (every line the ride
runs over) and ``service``. Node attributes: ``x``, ``y`` (lon, lat), ``kind``,
``name_zh``, ``name_en``, ``layer`` (street, rail, metro, bus, walk, expressway); platforms
also ``station`` (the station or stop they belong to); hubs ``hub=True`` and ``serves``.
Graph attributes: ``crs``, ``year``, ``settings``, ``services`` (service id → its calls in
order, one entry per direction run), ``metro_lines`` (metro line ids open in the year),
``hubs`` (hub ids open), ``bus_routes`` (bus pattern id → its calls) and
``bus_routes_skipped`` (route id → why a dated route does not run in the year).
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from ..errors import GraphSchemaError
from ..vocab import PLACE_KINDS, TERMS, WGS84
from .bus_graph import add_buses, add_walking
from .hubs import add_hubs
from .plan import Plan
from .projection import to_metric
from .settings import Settings
from .transit import add_metro, add_services

CRS = WGS84


def build_graph(plan: Plan, year: int, settings: Settings) -> nx.MultiDiGraph:
    """Build the graph of ``plan`` in ``year`` (see the module docstring for its shape)."""
    G = nx.MultiDiGraph(
        crs=CRS, year=int(year), settings=settings.model_dump(),
        scenario=plan.scenario.name if plan.scenario else None,
        name=f"Suining plan networks, {year}" + (f" ({plan.scenario.name})" if plan.scenario else ""),
    )
    nodes = plan.nodes
    for nid, rec in plan.places().iterrows():
        _add_data_node(G, nid, rec)
    lines = plan.lines_as_of(year)
    tr = to_metric(settings.metric_crs)
    carriageways: dict[str, list[str]] = {}  # interchange id -> carriageway nodes there
    for line in lines:
        xy = np.column_stack(tr.transform(line["coords"][:, 0], line["coords"][:, 1]))
        if line["network"] == "expressway":
            _add_expressway(G, line, xy, nodes, settings, carriageways)
        elif line["network"] == "trunk":
            _add_trunk(G, line, xy, nodes, settings)
    services = add_services(G, plan, year, lines, settings, _add_data_node)
    centres = {n for n, d in G.nodes(data=True) if d.get("kind") == "centre"}
    metro = add_metro(G, plan.metro, year, settings, centres)
    G.graph["hubs"] = add_hubs(G, plan.hubs, year) if len(plan.hubs) else []
    _add_access_edges(G, nodes, settings)
    G.graph["services"] = {svc.id: tuple(svc.calls) for svc in services}
    G.graph["metro_lines"] = metro
    add_buses(G, plan.bus_routes, year, {ln["id"] for ln in lines}, settings)
    add_walking(G, settings)
    return G


# --------------------------------------------------------------------------- pieces


def _add_data_node(G: nx.MultiDiGraph, nid: str, rec: pd.Series) -> None:
    """Add a node of ``nodes.csv`` as a street node (once)."""
    if nid in G:
        return
    serves = rec.get("serves")
    G.add_node(nid, x=float(rec["lon"]), y=float(rec["lat"]), kind=rec["kind"],
               name_zh=rec["name_zh"], name_en=rec["name_en"], layer="street",
               confidence=rec["confidence"],
               serves=serves if isinstance(serves, str) else "")


def _add_edge(G, u, v, *, mode, term, line_id="", length_m=0.0, speed_kph=0.0,
              minutes=None, geometry=None) -> None:
    if minutes is None:
        minutes = (length_m / 1000.0) / speed_kph * 60.0 if speed_kph > 0 else 0.0
    attrs = dict(mode=mode, term=term, line_id=line_id, length_m=float(length_m),
                 speed_kph=float(speed_kph), travel_time_s=float(minutes * 60.0))
    if geometry is not None:
        attrs["geometry"] = geometry
    G.add_edge(u, v, **attrs)


def _segments(line: dict, xy: np.ndarray):
    """Yield (i, stop_a, stop_b, length_m, lonlat_coords) per pair of consecutive stops."""
    sv = line["stop_vertex"]
    seg_len = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    total = cum[sv[-1]] - cum[sv[0]]
    scale = 1.0
    if line.get("length_km_official") and total > 0:
        scale = line["length_km_official"] * 1000.0 / total
    for i in range(len(sv) - 1):
        a, b = sv[i], sv[i + 1]
        yield (i, line["stops"][i], line["stops"][i + 1], (cum[b] - cum[a]) * scale,
               line["coords"][a:b + 1])


def road_speed_kph(line: dict, s: Settings) -> float:
    """Average driving speed on a road line: the signed limit × the class's running factor."""
    limit = line.get("speed_limit_kph") or line.get("operating_speed_kph")
    return float(limit) * s.road_factor(line["line_class"])


def _add_expressway(G, line, xy, nodes, s: Settings, carriageways: dict) -> None:
    lid = line["id"]
    speed = road_speed_kph(line, s)
    for ic in dict.fromkeys(line["stops"]):
        cw = f"{lid}|{ic}"
        rec = nodes.loc[ic]
        G.add_node(cw, x=float(rec["lon"]), y=float(rec["lat"]), kind="carriageway",
                   name_zh=rec["name_zh"], name_en=rec["name_en"], layer="expressway",
                   line_id=lid)
        if str(rec.get("access", "yes")) != "no":
            _add_data_node(G, ic, nodes.loc[ic])
            _add_edge(G, ic, cw, mode="expressway", term="entry", line_id=lid,
                      minutes=s.interchange_entry_min)
            _add_edge(G, cw, ic, mode="expressway", term="exit", line_id=lid,
                      minutes=s.interchange_exit_min)
        for other_cw in carriageways.get(ic, []):
            if other_cw != cw:
                _add_edge(G, cw, other_cw, mode="expressway", term="transfer",
                          minutes=s.interchange_transfer_min)
                _add_edge(G, other_cw, cw, mode="expressway", term="transfer",
                          minutes=s.interchange_transfer_min)
        carriageways.setdefault(ic, []).append(cw)
    for _, a, b, length, coords in _segments(line, xy):
        geom = LineString(coords)
        for u, v, g in ((a, b, geom), (b, a, geom.reverse())):
            _add_edge(G, f"{lid}|{u}", f"{lid}|{v}", mode="expressway", term="in_vehicle",
                      line_id=lid, length_m=length, speed_kph=speed, geometry=g)


def _add_trunk(G, line, xy, nodes, s: Settings) -> None:
    lid = line["id"]
    speed = road_speed_kph(line, s)
    for stop in line["stops"]:
        _add_data_node(G, stop, nodes.loc[stop])
    for i, a, b, length, coords in _segments(line, xy):
        geom = LineString(coords)
        pieces = max(1, math.ceil(length / 1000.0 / s.trunk_segment_km))
        chain = [a]
        for k in range(1, pieces):
            p = geom.interpolate(k / pieces, normalized=True)
            nid = f"{lid}|{i}|{k}"
            G.add_node(nid, x=float(p.x), y=float(p.y), kind="roadpoint", layer="street",
                       name_zh=line["name_zh"], name_en=line["name_en"], line_id=lid)
            chain.append(nid)
        chain.append(b)
        piece_len = length / pieces
        for u, v in itertools.pairwise(chain):
            seg = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
            for p, q, g in ((u, v, seg), (v, u, seg.reverse())):
                _add_edge(G, p, q, mode="trunk", term="in_vehicle", line_id=lid,
                          length_m=piece_len, speed_kph=speed, geometry=g)


def _add_access_edges(G, nodes: pd.DataFrame, s: Settings) -> None:
    """Link stations and interchange gates to the place they serve and to the road network.

    Each gets access/egress edges to its ``serves`` place and, within
    ``Settings.access_link_km`` (straight line × detour factor), to the nearest node of
    each trunk road and to the nearest place or junction. One link per road (not only to
    the nearest road node) keeps the network monotone: a road that opens never takes a
    link away from another. The speed fits the place served: a city centre's urban speed
    (``urban_speed_kph``), else the local speed of county seats and towns
    (``local_speed_kph``).
    """
    road_kinds = (*PLACE_KINDS, "roadpoint", "junction", "waypoint")
    road = [n for n, d in G.nodes(data=True) if d["kind"] in road_kinds]
    gates = [n for n, d in G.nodes(data=True)
             if (d["kind"] in ("station", "interchange") or d.get("hub"))
             and d.get("layer") == "street"]
    if not gates or not road:
        return
    tr = to_metric(s.metric_crs)
    road_xy = np.column_stack(tr.transform([G.nodes[n]["x"] for n in road],
                                           [G.nodes[n]["y"] for n in road]))
    gate_xy = np.column_stack(tr.transform([G.nodes[n]["x"] for n in gates],
                                           [G.nodes[n]["y"] for n in gates]))
    # a road point belongs to its line (id "line|i|k"); places and junctions to no line
    group = [n.split("|", 1)[0] if G.nodes[n]["kind"] == "roadpoint" else "" for n in road]
    tree = cKDTree(road_xy)
    for gate, xy in zip(gates, gate_xy, strict=True):
        targets = {}
        place = G.nodes[gate]["serves"] if G.nodes[gate].get("hub") else nodes.at[gate, "serves"]
        speed = s.local_speed_kph
        if place in G:
            p = G.nodes[place]
            targets[place] = float(np.hypot(*(np.array(tr.transform(p["x"], p["y"])) - xy)))
            if p["kind"] == "centre":
                speed = s.urban_speed(place)
        nearest: dict[str, tuple[float, int]] = {}
        for i in tree.query_ball_point(xy, s.access_link_km * 1e3):
            d = float(np.hypot(*(road_xy[i] - xy)))
            if d < nearest.get(group[i], (np.inf, -1))[0] or (
                    d == nearest[group[i]][0] and road[i] < road[nearest[group[i]][1]]):
                nearest[group[i]] = (d, i)
        for d, i in nearest.values():
            targets.setdefault(road[i], d)
        for target, dist_m in sorted(targets.items()):
            length = dist_m * s.detour_factor
            _add_edge(G, target, gate, mode="access", term="access", length_m=length,
                      speed_kph=speed)
            _add_edge(G, gate, target, mode="access", term="egress", length_m=length,
                      speed_kph=speed)


# --------------------------------------------------------------------------- schema


NODE_SCHEMA = ("x", "y", "kind", "name_zh", "name_en")
EDGE_SCHEMA = ("mode", "line_id", "length_m", "speed_kph", "travel_time_s")


def validate_graph(G: nx.MultiDiGraph, max_report: int = 20) -> None:
    """Check that ``G`` follows the graph schema.

    Checks ``G.graph["crs"]``; node ``x``, ``y``, ``kind``, ``name_zh``, ``name_en``; edge
    ``mode``, ``line_id``, ``length_m`` (≥ 0), ``speed_kph`` (≥ 0), ``travel_time_s``
    (≥ 0, finite) and ``term`` (one of ``TERMS``).

    Raises
    ------
    GraphSchemaError
        Listing up to ``max_report`` problems and the total count.
    """
    problems: list[str] = []
    if not G.graph.get("crs"):
        problems.append('G.graph["crs"] is missing')
    for n, d in G.nodes(data=True):
        missing = [k for k in NODE_SCHEMA if k not in d]
        if missing:
            problems.append(f"node {n!r}: missing {', '.join(missing)}")
        elif not (np.isfinite(d["x"]) and np.isfinite(d["y"])):
            problems.append(f"node {n!r}: non-finite x/y")
    for u, v, k, d in G.edges(keys=True, data=True):
        missing = [a for a in EDGE_SCHEMA if a not in d]
        if missing:
            problems.append(f"edge ({u!r}, {v!r}, {k}): missing {', '.join(missing)}")
            continue
        for a in ("length_m", "speed_kph", "travel_time_s"):
            val = d[a]
            if not isinstance(val, int | float) or not math.isfinite(val) or val < 0:
                problems.append(f"edge ({u!r}, {v!r}, {k}): {a}={val!r} is not a finite number ≥ 0")
        if d.get("term", "in_vehicle") not in TERMS:
            problems.append(f"edge ({u!r}, {v!r}, {k}): unknown term {d.get('term')!r}")
    if problems:
        shown = "\n  - ".join(problems[:max_report])
        more = f"\n  ... and {len(problems) - max_report} more" if len(problems) > max_report else ""
        raise GraphSchemaError(f"{len(problems)} schema problem(s):\n  - {shown}{more}")


def graph_to_gdfs(G: nx.MultiDiGraph, nodes: bool = True, edges: bool = True):
    """Convert the graph to GeoDataFrames, like ``osmnx.graph_to_gdfs``.

    Returns
    -------
    GeoDataFrame or tuple of GeoDataFrame
        Nodes indexed by id (Point geometry); edges indexed by ``(u, v, key)`` with their
        LineString geometry (a straight segment when the edge has none). CRS is
        ``G.graph["crs"]``.
    """
    if not (nodes or edges):
        raise ValueError("nodes or edges must be True")
    crs = G.graph["crs"]
    out = []
    if nodes:
        data = dict(G.nodes(data=True))
        gdf_n = gpd.GeoDataFrame.from_dict(data, orient="index")
        gdf_n = gdf_n.set_geometry(gpd.points_from_xy(gdf_n["x"], gdf_n["y"]), crs=crs)
        gdf_n.index.name = "node"
        out.append(gdf_n)
    if edges:
        rows, geoms, index = [], [], []
        for u, v, k, d in G.edges(keys=True, data=True):
            geom = d.get("geometry")
            if geom is None:
                geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                   (G.nodes[v]["x"], G.nodes[v]["y"])])
            rows.append({a: b for a, b in d.items() if a != "geometry"})
            geoms.append(geom)
            index.append((u, v, k))
        gdf_e = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs,
                                 index=pd.MultiIndex.from_tuples(index, names=["u", "v", "key"]))
        out.append(gdf_e)
    return out[0] if len(out) == 1 else tuple(out)


__all__ = ["CRS", "build_graph", "graph_to_gdfs", "road_speed_kph", "validate_graph"]
