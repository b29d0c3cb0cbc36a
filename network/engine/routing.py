"""Routing engine: compile a graph once into arrays and route with scipy.

``compile_graph`` turns a ``MultiDiGraph`` into a ``CompiledGraph``: a CSR matrix
of travel times (the *minimum* over parallel edges — adding them up, as a plain sparse
conversion does, would be wrong), aligned arrays of edge length, term, mode and line, the
node index, metric coordinates and a KD-tree over the street nodes. Routing then runs
``scipy.sparse.csgraph.dijkstra`` with ``limit`` and many origins per call.

``travel_times`` returns a node-indexed table of minutes; ``od_times`` returns per
origin–destination pair the minutes, the km, the lines used and every time term.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from ..errors import EngineError, InputError
from ..model.projection import lonlat_to_xy
from ..vocab import MODES, TERMS
from .names import resolve_node

#: Edge modes of each routing mode: ``rail`` is station to station on the main railways
#: (no metro), ``road`` is driving, ``transit`` is public transport without a car (walking,
#: buses, trains and metro; no car access, no taxi).
_MODE_EDGES = {"rail": ("rail",), "road": ("expressway", "trunk", "access", "street"),
               "transit": ("rail", "metro", "bus", "walk")}

#: Edge modes that run to a timetable: their rides, dwells, changes and waits make up
#: ``timetable_min``.
SCHEDULED_MODES = ("rail", "metro", "bus")


@dataclass(frozen=True)
class _Layer:
    """CSR matrix (seconds) plus edge attributes aligned with ``csr.data``."""

    csr: csr_array
    length_m: np.ndarray
    term: np.ndarray   # int codes into TERMS
    line: np.ndarray   # int codes into CompiledGraph.line_ids (-1: none)
    street: np.ndarray  # True for local-street edges (OSM roads): access or egress by position
    eid: np.ndarray    # position of each edge in CompiledGraph.edges (lines, services)

    def edge(self, u: int, v: int) -> int:
        """Position in ``csr.data`` of the edge u→v."""
        lo, hi = self.csr.indptr[u], self.csr.indptr[u + 1]
        pos = np.flatnonzero(self.csr.indices[lo:hi] == v)
        return int(lo + pos[0])


@dataclass(frozen=True)
class CompiledGraph:
    """A graph compiled for routing.

    Attributes
    ----------
    node_ids : numpy.ndarray
        Node id of each index.
    index : dict
        Node id → index.
    xy : numpy.ndarray
        (n, 2) coordinates in ``settings.metric_crs``, m.
    lonlat : numpy.ndarray
        (n, 2) WGS84 coordinates.
    street : numpy.ndarray
        Indices of street nodes (where travellers can step onto local streets).
    line_ids : numpy.ndarray
        Line id of each line code used in the edge arrays.
    phase : Phase or None
        The phase this graph was compiled from (population units, settings).
    masked : tuple of str
        Lines left out (``without_lines``).
    """

    G: nx.MultiDiGraph
    node_ids: np.ndarray
    index: dict
    xy: np.ndarray
    lonlat: np.ndarray
    kind: np.ndarray
    street: np.ndarray
    line_ids: np.ndarray
    service_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    edges: dict = field(default_factory=dict)       # aligned edge arrays
    mode_codes: dict = field(default_factory=dict)  # edge mode name -> code
    layers: dict = field(default_factory=dict, compare=False)  # routing layers, on demand
    phase: Any = field(default=None, compare=False, repr=False)
    masked: tuple = ()

    @property
    def n(self) -> int:
        return len(self.node_ids)

    @property
    def settings(self):
        """The phase's ``Settings``."""
        from ..model.settings import Settings

        if self.phase is not None:
            return self.phase.settings
        return Settings(**self.G.graph.get("settings", {}))

    def without_lines(self, line_ids: Iterable[str]) -> CompiledGraph:
        """The same graph with every edge of the given lines left out (a mask, not a rebuild).

        An edge belongs to a line when its ``line_id`` is that line (and, for edges that
        carry a ``lines`` tuple, when the line is in it): platforms, rides, dwells and
        transfers of a rail line; carriageways, ramps and gates of an expressway; every
        segment of a trunk road. Stations and interchanges stay (with nothing to board).

        Exact for lines no scheduled service runs over. For a rail line it is not the
        same as removing the line: the waits of the other trains at shared stations were
        computed with its trains' frequencies, and a mask leaves them as they were. Build
        the phase without the line for that (``network.analysis.rank.leave_one_out``
        does).
        """
        drop = {self.line_code(x) for x in line_ids} - {None}
        if not drop:
            return replace(self, layers={}, masked=tuple(sorted(set(self.masked) | set(line_ids))))
        ptr, idx = self.edges["line_ptr"], self.edges["line_idx"]
        hit = np.concatenate([[0], np.cumsum(np.isin(idx, np.fromiter(drop, np.int64)))])
        keep = hit[ptr[1:]] == hit[ptr[:-1]]  # no line of the edge is dropped
        edges = {k: v[keep] for k, v in self.edges.items() if k not in ("line_ptr", "line_idx")}
        counts = np.diff(ptr)[keep]
        edges["line_ptr"] = np.concatenate([[0], np.cumsum(counts)])
        edges["line_idx"] = idx[np.repeat(keep, np.diff(ptr))]
        return replace(self, edges=edges, layers={},
                       masked=tuple(sorted(set(self.masked) | set(map(str, line_ids)))))

    def line_code(self, line_id: str) -> int | None:
        """Code of ``line_id`` in the edge arrays (``None`` if no edge uses it)."""
        hits = np.flatnonzero(self.line_ids == line_id)
        return int(hits[0]) if len(hits) else None

    def layer(self, mode: str = "any") -> _Layer:
        """The routing layer for ``mode`` ('any', 'rail', 'road' or 'transit'), built once."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode not in self.layers:
            e = self.edges
            keep = np.ones(len(e["u"]), bool) if mode == "any" else np.isin(
                e["mode"], [self.mode_codes[m] for m in _MODE_EDGES[mode] if m in self.mode_codes])
            sub = {k: v[keep] for k, v in e.items() if k not in ("line_ptr", "line_idx")}
            sub["eid"] = np.flatnonzero(keep)
            self.layers[mode] = _build_layer(self.n, sub)
        return self.layers[mode]


def _build_layer(n: int, e: dict) -> _Layer:
    u, v, w = e["u"], e["v"], e["w"]
    # keep the fastest of parallel edges: sort by (u, v, w), take the first of each (u, v)
    order = np.lexsort((w, v, u))
    u, v = u[order], v[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    sel = order[first]
    uu, vv = e["u"][sel], e["v"][sel]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, uu + 1, 1)
    indptr = np.cumsum(indptr).astype(np.int32)  # int32: scipy's dijkstra takes it as is
    csr = csr_array((e["w"][sel], vv.astype(np.int32), indptr), shape=(n, n))
    return _Layer(csr=csr, length_m=e["length"][sel], term=e["term"][sel], line=e["line"][sel],
                  street=e["street"][sel], eid=e["eid"][sel])


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compile_graph(G: nx.MultiDiGraph, refresh: bool = False, phase=None) -> CompiledGraph:
    """Compile ``G`` for routing, once: the result is cached with the graph.

    The cache is checked cheaply (number of nodes and of adjacent node pairs), so it
    notices added or removed nodes and links; after changing attributes or adding a
    parallel edge to an existing pair, pass ``refresh=True``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the schema of ``network.validate_graph``.
    refresh : bool
        Recompile even if a cached compilation looks current.
    phase : Phase, optional
        The phase ``G`` belongs to (kept on the result).

    Returns
    -------
    CompiledGraph

    Raises
    ------
    EngineError
        If an edge has a negative or non-finite time: Dijkstra would give wrong times
        (scipy returns a cyclic predecessor array and path reconstruction never ends).
    """
    stamp = (len(G._succ), sum(map(len, G._succ.values())))
    hit = _CACHE.get(G)
    if hit is not None and hit[0] == stamp and not refresh:
        cg = hit[1]
        return cg if phase is None or cg.phase is phase else replace(cg, phase=phase)
    cg = _compile(G, phase)
    _CACHE[G] = (stamp, cg)
    return cg


def compiled(graph) -> CompiledGraph:
    """A ``CompiledGraph`` from a phase, a compiled graph or a networkx graph."""
    if isinstance(graph, CompiledGraph):
        return graph
    if isinstance(graph, nx.MultiDiGraph | nx.DiGraph):
        return compile_graph(graph)
    if hasattr(graph, "compiled") and hasattr(graph, "recipe"):
        return graph.compiled
    raise InputError(f"expected a Phase, a CompiledGraph or a networkx graph, not "
                     f"{type(graph).__name__}")


def _compile(G: nx.MultiDiGraph, phase=None) -> CompiledGraph:
    node_ids = np.array(list(G.nodes), dtype=object)
    index = {n: i for i, n in enumerate(node_ids)}
    attrs = G.nodes(data=True)
    lon = np.fromiter((attrs[n]["x"] for n in node_ids), float, len(node_ids))
    lat = np.fromiter((attrs[n]["y"] for n in node_ids), float, len(node_ids))
    kind = np.array([attrs[n]["kind"] for n in node_ids], dtype=object)
    layer = np.array([attrs[n].get("layer", "street") for n in node_ids], dtype=object)
    crs = (phase.settings.metric_crs if phase is not None
           else G.graph.get("settings", {}).get("metric_crs", "EPSG:32648"))
    xy = lonlat_to_xy(lon, lat, crs) if len(lon) else np.empty((0, 2))
    m = G.number_of_edges()
    u = np.empty(m, np.int64)
    v = np.empty(m, np.int64)
    w = np.empty(m, float)
    length = np.empty(m, float)
    term = np.empty(m, np.int16)
    mode = np.empty(m, np.int16)
    line = np.empty(m, np.int32)
    line_ptr = np.zeros(m + 1, np.int64)
    line_idx: list[int] = []
    svc = np.full(m, -1, np.int32)
    term_code = {t: i for i, t in enumerate(TERMS)}
    mode_codes: dict[str, int] = {}
    line_codes: dict[str, int] = {}
    svc_codes: dict[str, int] = {}
    for i, (a, b, d) in enumerate(G.edges(data=True)):
        u[i], v[i] = index[a], index[b]
        w[i] = d["travel_time_s"]
        length[i] = d["length_m"]
        term[i] = term_code.get(d.get("term", "in_vehicle"), term_code["in_vehicle"])
        mode[i] = mode_codes.setdefault(d["mode"], len(mode_codes))
        lid = d.get("line_id") or ""
        line[i] = line_codes.setdefault(lid, len(line_codes)) if lid else -1
        members = d.get("lines") or ((lid,) if lid else ())
        line_idx.extend(line_codes.setdefault(x, len(line_codes)) for x in members)
        line_ptr[i + 1] = len(line_idx)
        if d.get("service"):
            svc[i] = svc_codes.setdefault(d["service"], len(svc_codes))
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        i = int(bad[0])
        raise EngineError(f"{len(bad)} edge(s) have a negative or non-finite travel time, e.g. "
                          f"{node_ids[u[i]]!r} → {node_ids[v[i]]!r}: {w[i]!r} s; routing needs "
                          "times ≥ 0 (check the settings and speeds)")
    return CompiledGraph(
        G=G, node_ids=node_ids, index=index, xy=xy,
        lonlat=np.column_stack([lon, lat]), kind=kind, street=np.flatnonzero(layer == "street"),
        line_ids=np.array(list(line_codes), dtype=object),
        service_ids=np.array(list(svc_codes), dtype=object),
        edges=dict(u=u, v=v, w=w, length=length, term=term, mode=mode, line=line,
                   street=mode == mode_codes.get("street", -1), service=svc,
                   line_ptr=line_ptr, line_idx=np.asarray(line_idx, np.int64)),
        mode_codes=mode_codes, phase=phase,
    )


# --------------------------------------------------------------------------- routing


def _indices(cg: CompiledGraph, nodes: Iterable, mode: str) -> list[int]:
    return [cg.index[resolve_node(cg.G, n, mode)] for n in nodes]


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def travel_times(graph, origins, max_minutes: float | None = None,
                 mode: str = "any") -> pd.DataFrame:
    """Shortest travel times from each origin to every node.

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
        A phase (or its graph).
    origins : node id, place name, or a list of them
    max_minutes : float, optional
        Stop searching beyond this time; farther nodes get ``inf``.
    mode : {'any', 'rail', 'road', 'transit'}

    Returns
    -------
    pandas.DataFrame
        Indexed by node id, one column per origin, minutes (``inf`` = not reached).
    """
    if isinstance(origins, str) or not isinstance(origins, Sequence):
        origins = [origins]
    cg = compiled(graph)
    idx = _indices(cg, origins, _check_mode(mode))
    if max_minutes is not None and not (isinstance(max_minutes, int | float)
                                        and max_minutes > 0 and not math.isnan(max_minutes)):
        raise InputError(f"max_minutes must be a number > 0, not {max_minutes!r}")
    limit = np.inf if max_minutes is None else float(max_minutes) * 60.0
    dist = dijkstra(cg.layer(mode).csr, directed=True, indices=idx, limit=limit)
    dist = np.atleast_2d(dist) / 60.0
    cols = [cg.node_ids[i] for i in idx]
    return pd.DataFrame(dist.T, index=pd.Index(cg.node_ids, name="node"), columns=cols)


def times_from(cg: CompiledGraph, origin_idx: Sequence[int], limit_s: float = np.inf,
               mode: str = "any") -> np.ndarray:
    """Raw engine call: seconds from each origin index to every node, shape (k, n)."""
    return np.atleast_2d(dijkstra(cg.layer(mode).csr, directed=True, indices=list(origin_idx),
                                  limit=limit_s))


def od_times(graph, pairs: Iterable[tuple], mode: str = "any", paths: bool = False
             ) -> pd.DataFrame:
    """Door-to-door (or station-to-station) times for origin–destination pairs.

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
        A phase (or its graph).
    pairs : iterable of (origin, destination)
        Node ids or place names (resolved for ``mode``).
    mode : {'any', 'rail', 'road', 'transit'}
        ``any``: door to door on every network (with a car); ``rail``: station to station
        on the main railways; ``road``: by road only; ``transit``: door to door without a
        car (walking, buses, trains, metro), walks labelled access, transfer or egress.
    paths : bool
        Also return the node path of each trip (a ``path`` column of lists).

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``from``, ``to`` (node ids), ``mode``, ``minutes`` (the
        headline: door to door; for ``mode="rail"`` station to station, the time in the
        train as a timetable shows it; ``inf`` when not reachable), ``total_min`` (the sum
        of every term: door to door; for ``mode="rail"`` the station door-to-door time,
        from entering the first station to leaving the last), ``timetable_min`` (the
        scheduled part as a timetable shows it: rides on trains and
        metro, their dwells, changes and the waits after the first boarding; NaN for a
        trip that takes no scheduled vehicle), ``km``, ``lines`` and
        ``services`` (ids in travel order, joined by ``;``: plain text, so the table goes
        to a GeoPackage or CSV as it is) and one ``<term>_min`` column per term of
        ``TERMS`` (they add up to ``total_min``).
    """
    pairs = list(pairs)
    cg = compiled(graph)
    lay = cg.layer(_check_mode(mode))
    resolved = [(cg.index[resolve_node(cg.G, a, mode)], cg.index[resolve_node(cg.G, b, mode)])
                for a, b in pairs]
    origins = sorted({a for a, _ in resolved})
    row = {o: i for i, o in enumerate(origins)}
    dist, pred = dijkstra(lay.csr, directed=True, indices=origins, return_predecessors=True)
    dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
    records = []
    for a, b in resolved:
        r = row[a]
        total = float(dist[r, b]) / 60.0
        rec = {"from": cg.node_ids[a], "to": cg.node_ids[b], "mode": mode}
        terms = _path_terms(cg, lay, pred[r], a, b)
        rec["minutes"] = terms["timetable_min"] if mode == "rail" else total
        rec["total_min"] = total
        rec.update(terms)
        if not paths:
            rec.pop("path")
        records.append(rec)
    return pd.DataFrame.from_records(records)


def shortest_km(graph, pairs: Iterable[tuple], mode: str = "road") -> np.ndarray:
    """Length of the *shortest* path between each pair, km (not the fastest route's).

    The same network and access rules as ``od_times``, routed by length instead of
    time: the like-for-like figure to set beside a shortest-path distance from another
    source (``od_times`` reports the km of the fastest route, which may be longer).

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
    pairs : iterable of (origin, destination)
        Node ids or place names.
    mode : {'any', 'rail', 'road'}

    Returns
    -------
    numpy.ndarray
        km per pair (``inf`` when not connected).
    """
    pairs = list(pairs)
    cg = compiled(graph)
    lay = cg.layer(_check_mode(mode))
    resolved = [(cg.index[resolve_node(cg.G, a, mode)], cg.index[resolve_node(cg.G, b, mode)])
                for a, b in pairs]
    # a length of 0 (a ramp, a gate) must stay an edge: scipy drops explicit zeros
    csr = csr_array((lay.length_m + 1e-6, lay.csr.indices, lay.csr.indptr), shape=lay.csr.shape)
    origins = sorted({a for a, _ in resolved})
    row = {o: i for i, o in enumerate(origins)}
    dist = np.atleast_2d(dijkstra(csr, directed=True, indices=origins))
    return np.array([dist[row[a], b] / 1000.0 for a, b in resolved])


def _members(cg: CompiledGraph, eid: int) -> list[str]:
    """Every line an edge runs over (a ride can span lines), in order."""
    ptr, idx = cg.edges["line_ptr"], cg.edges["line_idx"]
    return [cg.line_ids[k] for k in idx[ptr[eid]:ptr[eid + 1]]]


def _path_terms(cg: CompiledGraph, lay: _Layer, pred: np.ndarray, a: int, b: int) -> dict:
    terms = dict.fromkeys(TERMS, 0.0)
    out = {"km": np.inf, "lines": "", "services": "", "timetable_min": np.inf, "path": []}
    if a != b and pred[b] < 0:
        return {**out, **{f"{t}_min": np.inf for t in TERMS}}
    path = [b]
    while path[-1] != a:
        path.append(int(pred[path[-1]]))
        if len(path) > cg.n:  # a cyclic predecessor array: never loop for ever
            raise EngineError("path reconstruction found a cycle (negative edge times?)")
    path.reverse()
    edges = [lay.edge(u, v) for u, v in itertools.pairwise(path)]
    codes = [TERMS[lay.term[e]] for e in edges]
    riding = [i for i, t in enumerate(codes) if t in ("in_vehicle", "entry")]
    last_ride = riding[-1] if riding else len(edges)
    # a walk is access before the first boarding, egress after the last ride, else transfer
    rides = [i for i, t in enumerate(codes) if t == "in_vehicle"]
    first_board = next((i for i, t in enumerate(codes) if t in ("entry", "wait", "in_vehicle")),
                       len(edges))
    walk_code = cg.mode_codes.get("walk", -1)
    km, lines, services, first_wait = 0.0, [], [], None
    svc_code, mode_code = cg.edges["service"], cg.edges["mode"]
    scheduled = {cg.mode_codes[m] for m in SCHEDULED_MODES if m in cg.mode_codes}
    timetable, rode = 0.0, False
    for i, e in enumerate(edges):
        t = codes[i]
        if lay.street[e]:  # local streets count as access before the ride, egress after it
            t = "egress" if i > last_ride else "access"
        elif mode_code[lay.eid[e]] == walk_code:
            t = ("access" if i < first_board else
                 "egress" if not rides or i > rides[-1] else "transfer")
        minutes = lay.csr.data[e] / 60.0
        terms[t] += minutes
        if (mode_code[lay.eid[e]] in scheduled and t in ("wait", "in_vehicle", "dwell",
                                                         "transfer")) or (
                t == "transfer" and mode_code[lay.eid[e]] == walk_code):  # a walk to change
            if t == "wait" and first_wait is None:
                first_wait = minutes  # the first wait is before the timetable starts
            else:
                timetable += minutes
            rode = rode or t == "in_vehicle"
        km += lay.length_m[e] / 1000.0
        if t == "in_vehicle":
            for lid in _members(cg, lay.eid[e]):
                if not lines or lines[-1] != lid:
                    lines.append(lid)
            code = svc_code[lay.eid[e]]
            if code >= 0:
                sid = str(cg.service_ids[code]).removesuffix("~return")
                if not services or services[-1] != sid:
                    services.append(sid)
    return {"km": km, "lines": ";".join(lines), "services": ";".join(services),
            "timetable_min": timetable if rode else 0.0 if a == b else np.nan,
            "path": [cg.node_ids[i] for i in path],
            **{f"{t}_min": terms[t] for t in TERMS}}
