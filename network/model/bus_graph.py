"""Buses and walking as pieces of the phase graph: the public-transport network without a car.

**Buses** (``network.model.buses``) reuse the rail service model
(``network.model.transit``): each route direction is a pattern of *calls* with
per-route platform nodes (``route|k|dep``, ``route|k|arr``) at each call, so that

* ``stop_in → dep`` is the **wait** term: half the combined headway of the routes that call
  here and at this route's next call (the same rule and cap, ``max_wait_min``, as trains),
  with the headway of ``Settings.bus_period``;
* ``dep → arr`` of the next call is the **in-vehicle** term: the car time over the fastest
  road path between the two calls (restricted to the route's ``roads`` if it names any)
  divided by ``speed_share``; the ride carries every road line it runs over (``lines``);
* ``arr → dep`` at the same call is the **dwell** term: ``dwell_min`` at an intermediate
  *listed* stop, 0 at the other calls of a route boarded ``along`` its path;
* ``arr → stop_out`` is the alighting (**exit** term, 0 min).

A route boarded ``along`` its path calls at every street node of its path (places, trunk
road points, junctions, interchange gates, hubs); a stopping public bus does stop every few
hundred metres, and its ``speed_share`` already includes those stops. Stopping buses keep to
trunk roads and access links (no expressway); coaches and vans call only at their listed stops
and take the fastest road path, expressways included.

**Walking.** Each bus call location ``P`` has two gates, ``P|bus_in`` and ``P|bus_out``; each
rail station ``S`` has ``S|walk_in`` (→ concourse: entry term) and ``S|walk_out`` (from every
arrival platform: exit term). Walking edges (mode ``walk``) join every street node to the
*in* gates within ``Settings.walk_max_km`` and the *out* gates to every street node within
it (straight line × ``detour_factor`` at ``walk_speed_kph``); a change at the same stop is
``P|bus_out → P|bus_in`` (0 min). Walking never joins two street nodes directly, so a walk
leg is never longer than ``walk_max_km``. The router labels a walk by where it falls in the
trip: **access** before the first boarding, **egress** after the last ride, **transfer**
between.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from .projection import to_metric
from .services import RETURN
from .settings import Settings
from .transit import _edge, _waits

#: Road edge modes a stopping (``along``) bus may use, and those a coach may use.
ALONG_MODES = ("trunk", "access")
COACH_MODES = ("expressway", "trunk", "access")
IN_GATE, OUT_GATE = "|bus_in", "|bus_out"
WALK_IN, WALK_OUT = "|walk_in", "|walk_out"


@dataclass(frozen=True)
class _Pattern:
    """One direction of a bus route, as the wait rule of ``transit._waits`` needs it."""

    id: str
    route: str
    calls: tuple[str, ...]
    listed: tuple[bool, ...]
    legs: tuple  # per pair of consecutive calls: (minutes, metres, lines)
    per_hour: float


def _road_graph(G: nx.MultiDiGraph) -> nx.DiGraph:
    """The road layer as a DiGraph (the fastest of parallel edges), for bus paths."""
    R = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if d["mode"] not in COACH_MODES:
            continue
        t = d["travel_time_s"]
        if R.has_edge(u, v) and R[u][v]["t"] <= t:
            continue
        R.add_edge(u, v, t=t, length=d["length_m"], line=d.get("line_id") or "", mode=d["mode"])
    return R


def _view(R: nx.DiGraph, modes: tuple[str, ...], roads: tuple[str, ...]):
    def keep(u, v) -> bool:
        d = R[u][v]
        if d["mode"] not in modes:
            return False
        return not roads or d["line"] in roads or d["mode"] == "access" or not d["line"]

    return nx.subgraph_view(R, filter_edge=keep)


def _pattern(G, R, route, stops: tuple[str, ...], pid: str, s: Settings) -> _Pattern | str:
    """A pattern over ``stops`` (or the reason it cannot run)."""
    modes = ALONG_MODES if route.boards == "along" else COACH_MODES
    view = _view(R, modes, route.roads)
    path: list[str] = [stops[0]]
    listed_at = {0}
    for a, b in itertools.pairwise(stops):
        try:
            leg = nx.shortest_path(view, a, b, weight="t")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            how = "over " + ", ".join(route.roads) if route.roads else (
                "on trunk roads" if route.boards == "along" else "by road")
            return f"no road path from {a} to {b} {how}"
        path += leg[1:]
        listed_at.add(len(path) - 1)
    if route.boards == "along":
        calls = [i for i, n in enumerate(path) if G.nodes[n].get("layer") == "street"]
    else:
        calls = sorted(listed_at)
    legs = []
    for i, j in itertools.pairwise(calls):
        sec = metres = 0.0
        lines: list[str] = []
        for u, v in zip(path[i:j], path[i + 1:j + 1], strict=True):
            d = R[u][v]
            sec += d["t"]
            metres += d["length"]
            if d["line"] and d["line"] not in lines:
                lines.append(d["line"])
        legs.append((sec / 60.0 / route.speed_share, metres, tuple(lines)))
    return _Pattern(id=pid, route=route.id, calls=tuple(path[i] for i in calls),
                    listed=tuple(i in listed_at for i in calls), legs=tuple(legs),
                    per_hour=60.0 / route.headway(s.bus_period))


def add_buses(G: nx.MultiDiGraph, routes, year: int, open_lines: set[str],
              s: Settings) -> dict[str, str]:
    """Add the bus routes running in ``year``; return ``{route id: why it does not run}``
    for the dated routes left out (a stop or road not in the network of that year, no road
    path). Sets ``G.graph["bus_routes"]`` (pattern id → calls)."""
    skipped: dict[str, str] = {}
    patterns: list[_Pattern] = []
    R = None
    for route in routes:
        if not route.runs_in(year):
            continue
        missing = [x for x in route.stops if x not in G]
        closed = [r for r in route.roads if r not in open_lines]
        if missing or closed:
            skipped[route.id] = (f"stop {missing[0]} is not in the {year} network" if missing
                                 else f"road {closed[0]} is not open in {year}")
            continue
        R = R if R is not None else _road_graph(G)
        both = []
        for stops, pid in ((route.stops, route.id), (route.stops[::-1], route.id + RETURN)):
            p = _pattern(G, R, route, stops, pid, s)
            if isinstance(p, str):
                skipped[route.id] = p
                break
            both.append(p)
        else:
            patterns += both
    waits = _waits(patterns, s, per_hour=lambda p: p.per_hour)
    for p in patterns:
        _add_pattern(G, p, waits, next(r for r in routes if r.id == p.route), s)
    G.graph["bus_routes"] = {p.id: p.calls for p in patterns}
    G.graph["bus_routes_skipped"] = dict(skipped)
    return skipped


def _gate(G, place: str, suffix: str, kind: str, layer: str = "bus") -> str:
    gate = place + suffix
    if gate not in G:
        d = G.nodes[place]
        G.add_node(gate, x=d["x"], y=d["y"], name_zh=d["name_zh"], name_en=d["name_en"],
                   kind=kind, layer=layer, station=place)
    return gate


def _add_pattern(G, p: _Pattern, waits: dict, route, s: Settings) -> None:
    n = len(p.calls)
    for k, place in enumerate(p.calls):
        gin = _gate(G, place, IN_GATE, "stop_in")
        gout = _gate(G, place, OUT_GATE, "stop_out")
        if not G.has_edge(gout, gin):
            _edge(G, gout, gin, mode="walk", term="transfer", minutes=0.0)
        d = G.nodes[place]
        base = dict(x=d["x"], y=d["y"], name_zh=d["name_zh"], name_en=d["name_en"],
                    kind="platform", layer="bus", line_id="", service=p.id, station=place)
        if k < n - 1:
            G.add_node(f"{p.id}|{k}|dep", **base)
            _edge(G, gin, f"{p.id}|{k}|dep", mode="bus", term="wait", minutes=waits[(p.id, k)],
                  service=p.id)
        if k > 0:
            G.add_node(f"{p.id}|{k}|arr", **base)
            _edge(G, f"{p.id}|{k}|arr", gout, mode="bus", term="exit", minutes=0.0,
                  service=p.id)
            if k < n - 1:
                _edge(G, f"{p.id}|{k}|arr", f"{p.id}|{k}|dep", mode="bus", term="dwell",
                      minutes=route.dwell_min if p.listed[k] else 0.0, service=p.id)
    for k, (minutes, metres, lines) in enumerate(p.legs):
        _edge(G, f"{p.id}|{k}|dep", f"{p.id}|{k + 1}|arr", mode="bus", term="in_vehicle",
              minutes=minutes, line_id=lines[0] if lines else "", lines=lines,
              length_m=metres, speed_kph=metres / 1000.0 / minutes * 60.0 if minutes else 0.0,
              service=p.id)


def add_walking(G: nx.MultiDiGraph, s: Settings) -> int:
    """Add the station walk gates and every walking edge (see the module docstring);
    return the number of walking edges."""
    for st in [n for n, d in G.nodes(data=True)
               if d.get("kind") == "station" and f"{n}|concourse" in G]:
        gin = _gate(G, st, WALK_IN, "station_in", layer="walk")
        _edge(G, gin, f"{st}|concourse", mode="rail", term="entry", minutes=s.station_entry_min)
        _gate(G, st, WALK_OUT, "station_out", layer="walk")
    for n, d in list(G.nodes(data=True)):
        if d.get("kind") == "platform" and d.get("layer") == "rail" and n.endswith("|arr"):
            st = d.get("station")
            if st and st + WALK_OUT in G:
                _edge(G, n, st + WALK_OUT, mode="rail", term="exit", minutes=s.station_exit_min,
                      service=d.get("service", ""))
    street = [n for n, d in G.nodes(data=True) if d.get("layer") == "street"]
    ins = [n for n, d in G.nodes(data=True) if d.get("kind") in ("stop_in", "station_in")]
    outs = [n for n, d in G.nodes(data=True) if d.get("kind") in ("stop_out", "station_out")]
    if not street or not (ins or outs):
        return 0
    tr = to_metric(s.metric_crs)

    def xy(nodes):
        return np.column_stack(tr.transform([G.nodes[n]["x"] for n in nodes],
                                            [G.nodes[n]["y"] for n in nodes]))

    sxy = xy(street)
    tree = cKDTree(sxy)
    count = 0
    radius = s.walk_max_km * 1000.0
    for gates, inbound in ((ins, True), (outs, False)):
        if not gates:
            continue
        gxy = xy(gates)
        for gate, g, near in zip(gates, gxy, tree.query_ball_point(gxy, radius), strict=True):
            for i in sorted(near):
                metres = float(np.hypot(*(sxy[i] - g))) * s.detour_factor
                u, v = (street[i], gate) if inbound else (gate, street[i])
                _edge(G, u, v, mode="walk", term="access", length_m=metres,
                      speed_kph=s.walk_speed_kph,
                      minutes=metres / 1000.0 / s.walk_speed_kph * 60.0)
                count += 1
    return count


__all__ = ["ALONG_MODES", "COACH_MODES", "add_buses", "add_walking"]
