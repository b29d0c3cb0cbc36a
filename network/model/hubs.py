"""Hubs as places: the airport, the port and locks, the rail freight terminal, the
comprehensive passenger hubs, the city air terminal and the bus terminals (``hubs.csv``).

The plan's section 五(十三) names them: 安居机场 (to become an emergency-rescue and cargo
airport), the 遂宁高铁站 and 高新站 comprehensive passenger hubs, the city air terminal,
老池港 and the 三星船闸. Each record has a ``status`` and an ``open_year`` like a line:
a hub is in a phase from its opening year, and a scenario can change both
(``[[hubs.modify]]``). A hub without a position (``lon``/``lat`` empty) is information
only and never enters a graph.

In the phase graph (``add_hubs``) an open hub is a street node of its own kind, linked
like a station: to the place it ``serves`` and to the nearest road node (car access,
``network.model.graph._add_access_edges``); a hub at a node of ``nodes.csv`` (``node``,
e.g. 遂宁站) is also joined to that node by a walk of 0 m.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pandas as pd

from ..errors import Problem
from ..vocab import CONFIDENCES, HUB_KINDS, PLACE_KINDS, STATUSES
from .projection import haversine_km
from .records import (
    REGION_BOUNDS,
    Collector,
    as_number,
    blank,
    close_matches,
    in_region,
    missing_columns,
    read_csv,
)

HUB_COLUMNS = ("id", "name_zh", "name_en", "kind", "lon", "lat", "status", "open_year",
               "source", "confidence")

#: A hub that names a ``node`` must lie this close to it, km (it repeats its coordinates).
NODE_TOLERANCE_KM = 0.5


def read_hubs(path: Path, nodes: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``hubs.csv`` (optional file) against ``nodes.csv``.

    Returns
    -------
    (DataFrame, list of Problem)
        The hubs indexed by id (``lon``, ``lat`` floats or NaN; ``open_year`` a float or
        NaN) and every problem found, each naming the file, the record and the field.
    """
    empty = pd.DataFrame(columns=[*HUB_COLUMNS, "serves", "node", "note"]).set_index(
        "id", drop=False)
    if not path.exists():
        return empty, []
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, HUB_COLUMNS, c):
        return empty, c.problems
    for col in ("serves", "node", "note", "pos_uncertainty_km"):
        if col not in df.columns:
            df[col] = ""
    c.unique(df, "id")
    for rec in df.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        if rid in nodes.index:
            c.add(rid, "id", "is already the id of a node of nodes.csv (hub ids are their own)")
        c.require(rec, rid, ("id", "name_zh", "name_en", "kind", "status", "source",
                             "confidence"))
        c.choice(rec, rid, "kind", HUB_KINDS)
        c.choice(rec, rid, "status", STATUSES)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        c.year(rec, rid, "open_year")
        if rec.get("status") == "existing" and blank(rec.get("open_year")):
            c.add(rid, "open_year", "an existing hub needs an opening year")
        c.positive(rec, rid, "pos_uncertainty_km", maximum=100)
        _check_position(rec, rid, nodes, c)
        serves = rec.get("serves")
        if not blank(serves) and (serves not in nodes.index
                                  or nodes.at[serves, "kind"] not in PLACE_KINDS):
            c.add(rid, "serves", f"{serves!r} is not the id of a place node of nodes.csv")
    if c.problems:
        return empty, c.problems
    hubs = df.set_index("id", drop=False)
    for col in ("lon", "lat", "open_year", "pos_uncertainty_km"):
        hubs[col] = pd.to_numeric(hubs[col], errors="coerce")
    return hubs, []


def _check_position(rec: dict, rid: str, nodes: pd.DataFrame, c: Collector) -> None:
    lon, lat = as_number(rec.get("lon")), as_number(rec.get("lat"))
    if blank(rec.get("lon")) and blank(rec.get("lat")):
        if not blank(rec.get("node")):
            c.add(rid, "lon/lat", "a hub at a node repeats the node's coordinates")
        return  # information only: never in a graph
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        c.add(rid, "lon/lat", f"not numeric: {rec.get('lon')!r}, {rec.get('lat')!r}")
        return
    if not in_region(lon, lat):
        hint = " (lon and lat look swapped)" if in_region(lat, lon) else ""
        c.add(rid, "lon/lat", f"({lon:g}, {lat:g}) lies outside the region {REGION_BOUNDS}{hint}")
        return
    node = rec.get("node")
    if blank(node):
        return
    if node not in nodes.index:
        c.add(rid, "node", f"unknown node id {node!r}")
        return
    d = float(haversine_km(lon, lat, nodes.at[node, "lon"], nodes.at[node, "lat"]))
    if d > NODE_TOLERANCE_KM:
        c.add(rid, "lon/lat", f"{d:.1f} km from its node {node!r}; a hub at a node repeats the "
              f"node's coordinates (within {NODE_TOLERANCE_KM} km)")


def hubs_in(hubs: pd.DataFrame, year: int) -> pd.DataFrame:
    """The hubs open in ``year`` that have a position (``open_year <= year``)."""
    if not len(hubs):
        return hubs
    ok = hubs["open_year"].notna() & (hubs["open_year"] <= year) & hubs["lon"].notna()
    return hubs[ok]


def hub_state(hub: pd.Series, year: int) -> str:
    """``open`` in ``year``, else the hub's status (why it is not open yet)."""
    oy = hub.get("open_year")
    if oy == oy and oy is not None and oy <= year:
        return "open" if hub.get("lon") == hub.get("lon") else "open (not located)"
    return str(hub.get("status"))


def with_hub_changes(hubs: pd.DataFrame, scenario, c: Collector) -> pd.DataFrame:
    """``hubs`` with the scenario's ``[[hubs.modify]]`` applied (problems go to ``c``)."""
    mods = getattr(getattr(scenario, "hubs", None), "modify", [])
    if not mods:
        return hubs
    out = hubs.copy()
    for i, mod in enumerate(mods):
        key = f"hubs.modify[{i}]"
        if mod.id not in out.index:
            hint = close_matches(mod.id, out.index)
            c.add(scenario.name, f"{key}.id", f"unknown hub id {mod.id!r}"
                  + (f"; close matches: {', '.join(hint)}" if hint else ""))
            continue
        if mod.remove:
            out = out.drop(index=mod.id)
            continue
        if mod.open_year is not None:
            if pd.isna(out.at[mod.id, "lon"]):
                c.add(scenario.name, f"{key}.open_year", f"hub {mod.id!r} has no position, so "
                      "it cannot be opened (give it lon/lat in hubs.csv first)")
                continue
            out.at[mod.id, "open_year"] = float(mod.open_year)
        if mod.status is not None:
            out.at[mod.id, "status"] = mod.status
    return out


def add_hubs(G: nx.MultiDiGraph, hubs: pd.DataFrame, year: int) -> list[str]:
    """Add the hubs open in ``year`` as street nodes; return their ids.

    A hub gets ``kind`` (its hub kind), ``hub=True`` and ``serves``; its car access edges
    are added with the stations' (``network.model.graph._add_access_edges``). A hub at
    a node of the graph is joined to it by walking edges of 0 m both ways.
    """
    added = []
    for hid, h in hubs_in(hubs, year).iterrows():
        G.add_node(hid, x=float(h["lon"]), y=float(h["lat"]), kind=str(h["kind"]),
                   name_zh=str(h["name_zh"]), name_en=str(h["name_en"]), layer="street",
                   confidence=str(h["confidence"]), hub=True,
                   serves="" if blank(h.get("serves")) else str(h["serves"]))
        node = h.get("node")
        if not blank(node) and node in G:
            for u, v in ((hid, node), (node, hid)):
                G.add_edge(u, v, mode="walk", term="access", line_id="", length_m=0.0,
                           speed_kph=0.0, travel_time_s=0.0)
        added.append(str(hid))
    return added


__all__ = ["HUB_COLUMNS", "NODE_TOLERANCE_KM", "add_hubs", "hub_state", "hubs_in", "read_hubs",
           "with_hub_changes"]
