"""Local streets under a phase: attach loaded OpenStreetMap roads to a phase graph.

``attach_roads`` returns a new graph with the roads added and the plan's street nodes
(places, stations, interchange gates, trunk-road nodes) snapped to the nearest road node.
``roads_for`` loads an extract once per process (``network.model.osm.load_roads``
caches it on disk as well).

Licence: OpenStreetMap data is © OpenStreetMap contributors, ODbL 1.0; the attribution is
recorded in ``G.graph["osm"]["attribution"]`` and shown on every map made with it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from ..errors import OSMError
from ..vocab import STREET_KINDS
from .osm import ATTRIBUTION
from .projection import to_metric
from .settings import Settings


class OSMSnapWarning(UserWarning):
    """Some plan street nodes are too far from any road node to be snapped."""


_ROADS: dict = {}  # loaded OSM roads by (source, size, mtime): one load per process


def roads_for(source: str | os.PathLike, online: bool = False) -> nx.MultiDiGraph:
    """Roads of ``source`` (see ``network.model.osm.load_roads``), loaded once per process."""
    from .osm import load_roads

    p = Path(source)
    key = (str(p.resolve()), *((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else ()))
    if key not in _ROADS:
        _ROADS.clear()  # keep one extract in memory
        _ROADS[key] = load_roads(source, online=online)
    return _ROADS[key]


_SNAP_ORDER = {k: i for i, k in enumerate(("centre", "county_seat", "town", "station", "interchange",
                                           "junction", "waypoint", "roadpoint"))}


def attach_roads(G: nx.MultiDiGraph, roads: nx.MultiDiGraph, *, snap_max_m: float = 300.0,
                 settings: Settings | None = None) -> nx.MultiDiGraph:
    """A new graph: ``G`` with the road network added and the plan's street nodes snapped.

    Every plan node on the street layer (places, stations, interchange gates, trunk-road
    nodes: ``network.vocab.STREET_KINDS``) is linked both ways to its nearest road
    node on the street layer, when that is within ``snap_max_m``. Connector edges have
    mode ``street``, term ``access``, the straight-line length in ``settings.metric_crs``
    and ``settings.local_speed_kph``. A node farther away keeps only its straight-line
    access edges (the fallback); one ``OSMSnapWarning`` names all such nodes.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A phase graph (``network.graph_as_of``); not modified.
    roads : networkx.MultiDiGraph
        From ``load_roads``; not modified.
    snap_max_m : float
        Largest snapping distance, m.
    settings : Settings, optional
        Defaults to the settings stored in ``G.graph["settings"]``.

    Returns
    -------
    networkx.MultiDiGraph
        With ``H.graph["osm"]`` = ``{"source", "nodes", "edges", "snapped", "unsnapped",
        "snap_max_m", "attribution"}``.
    """
    s = settings or Settings(**G.graph.get("settings", {}))
    clash = [n for n in roads if n in G and G.nodes[n].get("kind") != "street"]
    if clash:
        raise OSMError(f"road node ids clash with plan node ids: {clash[:5]}")
    H = G.copy()
    H.add_nodes_from(roads.nodes(data=True))
    H.add_edges_from(roads.edges(keys=True, data=True))
    plan_nodes = sorted((n for n, d in G.nodes(data=True)
                         if d.get("layer") == "street" and d.get("kind") in STREET_KINDS),
                        key=lambda n: (_SNAP_ORDER.get(G.nodes[n]["kind"], 9), str(n)))
    targets = [n for n, d in roads.nodes(data=True) if d.get("layer") == "street"]
    snapped, unsnapped = 0, []
    if plan_nodes and targets:
        tr = to_metric(s.metric_crs)
        txy = np.column_stack(tr.transform(np.array([roads.nodes[n]["x"] for n in targets]),
                                           np.array([roads.nodes[n]["y"] for n in targets])))
        pxy = np.column_stack(tr.transform(np.array([G.nodes[n]["x"] for n in plan_nodes]),
                                           np.array([G.nodes[n]["y"] for n in plan_nodes])))
        dist, idx = cKDTree(txy).query(pxy, distance_upper_bound=snap_max_m)
        for node, d, i in zip(plan_nodes, dist, idx, strict=True):
            if not np.isfinite(d):
                unsnapped.append(node)
                continue
            t = float(d) / 1000.0 / s.local_speed_kph * 3600.0
            for a, b in ((node, targets[i]), (targets[i], node)):
                H.add_edge(a, b, mode="street", term="access", line_id="", length_m=float(d),
                           speed_kph=float(s.local_speed_kph), travel_time_s=t, connector=True)
            snapped += 1
    else:
        unsnapped = list(plan_nodes)
    H.graph["osm"] = {"source": roads.graph.get("source", ""), "nodes": roads.number_of_nodes(),
                      "edges": roads.number_of_edges(), "snapped": snapped,
                      "unsnapped": unsnapped, "snap_max_m": float(snap_max_m),
                      "attribution": ATTRIBUTION}
    if unsnapped:
        shown = ", ".join(map(str, unsnapped[:20]))
        more = f" and {len(unsnapped) - 20} more" if len(unsnapped) > 20 else ""
        warnings.warn(f"{len(unsnapped)} plan street node(s) are more than {snap_max_m:g} m from any "
                      f"OSM road node and keep only their straight-line access edges: {shown}{more} "
                      "(full list in G.graph['osm']['unsnapped'])", OSMSnapWarning, stacklevel=2)
    return H


__all__ = ["OSMSnapWarning", "attach_roads", "roads_for"]
