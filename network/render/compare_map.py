"""The comparison map: what changes from phase A to phase B, drawn with folium."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from ..analysis.compare import plain
from ..engine.boundaries import BOUNDARY_SOURCE
from ._geometry import feature, feature_collection, simplify_gdf
from ._html import RawHtml, bi, css_class, esc, fmt_min, num, table
from .maps import (
    _boundary_features,
    _fit,
    _geojson,
    _goal_features,
    _line_features,
    _new_map,
    _title_html,
)
from .scene import locate_goals
from .styles import LAYER_NAMES, OSM_ATTRIBUTION, SIMPLIFY_M, legend_line

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


def map_comparison(cmp, *, boundaries: gpd.GeoDataFrame | bool | None = None,
                   tiles: str | None = None, title: str | None = None,
                   tiles_attr: str | None = None) -> folium.Map:
    """Map of what changes from phase A to phase B of a comparison.

    Shows the area newly inside (and no longer inside) each band limit of the origin
    (difference of the reach polygons), the lines that differ (added, removed, changed
    opening year, status or speed), and the goals whose verdict flips (markers, and a
    table in the legend panel).

    Parameters
    ----------
    cmp : Comparison
        From :func:`network.analysis.compare.compare`.
    boundaries : GeoDataFrame or False, optional
        County boundaries (default: the population units of B).
    tiles, tiles_attr, title : see :func:`network.render.maps.map_phase`

    Returns
    -------
    folium.Map
    """
    ca, cb, ob, bb = cmp.a, cmp.b, cmp.origin, cmp.bands_b
    Gb = cb.graph
    crs = cb.settings.metric_crs
    reach = cmp.reach.to_crs(crs)
    gained = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
              if r.change == "gained"]
    lost = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
            if r.change == "lost"]
    changed, lb = cmp.lines, cb.lines_gdf()
    flips = None if cmp.flips is None else locate_goals(cmp.flips, cb)

    sources = []
    if boundaries is None:
        boundaries = cb.units if len(cb.plan.population) else None
    elif boundaries is False:
        boundaries = None
    if boundaries is not None:
        sources.append(str(boundaries.attrs.get("source") or BOUNDARY_SOURCE))
    sources.append("Lines, stations: data/geo (see SOURCES.md); travel times: network model")
    sources.append(str(Gb.graph.get("osm", {}).get("attribution") or OSM_ATTRIBUTION))

    en = title or f"Comparison: A {ca.label} → B {cb.label}"
    zh = f"方案比较 A {ca.label} → B {cb.label}"
    m = _new_map(f"{zh} · {en}", tiles, tiles_attr, sources)
    if boundaries is not None and len(boundaries):
        fc = feature_collection(_boundary_features(boundaries.to_crs("EPSG:4326"), filled=not tiles))
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
                     "className": css_class("sn-reach", f"sn-reach-{kind}", f"sn-reach-{lim:.0f}")}
            reach_feats.append(feature(f"{kind}:{lim:g}", g.geometry.iloc[0],
                                        {"sn_feature": f"reach-{kind}", "tooltip": esc(tip),
                                         "popup": f'<div class="sn-popup">{esc(tip)}</div>',
                                         "_style": style}))
    if reach_feats:
        _geojson(feature_collection(reach_feats), "可达范围变化 Change in reach", "sn-bands").add_to(m)

    unchanged = lb[~lb["id"].isin(changed["id"])].reset_index(drop=True)
    ctx = _line_features(unchanged, kind="context", style=lambda r: {
        "color": "#9a9a9a", "weight": 1.6, "opacity": 0.7, "className": "sn-context"})
    _geojson(feature_collection(ctx), "未变线路 Unchanged lines", "sn-future").add_to(m)

    def extra(rec) -> list[tuple[str, str]]:
        rows = [("变化 Change", bi(DIFF_NAMES[rec.change]))]
        for f, va_, vb_ in rec.what:
            rows.append((esc(f), f"{esc(plain(va_))} → {esc(plain(vb_))}"))
        return rows

    def diff_style(rec) -> dict:
        return {"color": DIFF_COLOURS[rec.change], "weight": 5, "opacity": 0.9,
                "dashArray": "8 6" if rec.change == "removed" else None,
                "className": css_class("sn-diff", f"sn-diff-{rec.change}",
                                  f"sn-line-{rec.network}")}

    if len(changed):
        feats = _line_features(changed, kind="diff", extra=extra, style=diff_style)
        _geojson(feature_collection(feats), "变化线路 Changed lines", "sn-lines").add_to(m)
    if flips is not None and len(flips):
        def flip_popup(row) -> str:
            rows = [(f"A {esc(ca.label)}", _verdict(row.passed_a, row.minutes_a, row.value_a)),
                    (f"B {esc(cb.label)}", _verdict(row.passed_b, row.minutes_b, row.value_b)),
                    ("限值 Limit", f"{num(row.limit_min_b)} min")]
            return (f'<div class="sn-popup"><b>{esc(row.label or row.goal_id)}</b>'
                    f"{table(rows)}</div>")

        feats = _goal_features(flips, popup=flip_popup)
        _geojson(feature_collection(feats), "翻转目标 Goals that flip", "sn-goals",
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
        sample = legend_line(DIFF_COLOURS[ch], "8 6" if ch == "removed" else None, 0.9, 4)
        legend.append(f'<div class="row sn-legend-diff">{sample}{bi(DIFF_NAMES[ch])}: {n}</div>')
    legend.append(f'<div class="row">{legend_line("#9a9a9a", None, 0.7, 1.6)}'
                  "未变 Unchanged (B)</div>")
    legend.append("<h5>目标翻转 Goals that flip</h5>")
    if flips is None:
        legend.append("<div>未评估 not evaluated</div>")
    elif not len(flips):
        legend.append("<div>无 none: 所有目标结论不变 every verdict is unchanged</div>")
    else:
        rows = "".join(
            f'<tr class="sn-flip"><td>{esc(r.label or r.goal_id)}</td>'
            f"<td>{_verdict(r.passed_a, r.minutes_a, r.value_a)}</td>"
            f"<td>{_verdict(r.passed_b, r.minutes_b, r.value_b)}</td></tr>"
            for r in flips.itertuples())
        legend.append(f"<table><tr><th>目标 Goal</th><th>A</th><th>B</th></tr>{rows}</table>")
    legend.append('<div class="src">' + "<br>".join(esc(s) for s in sources) + "</div>")
    root = m.get_root()
    root.html.add_child(RawHtml(_title_html(zh, en), "title"), name="sn_title")
    root.html.add_child(RawHtml(
        '<div class="sn-legend" id="sn-legend"><details open><summary>图例 Legend</summary>'
        + "".join(legend) + "</details></div>", "legend"), name="sn_legend")
    return m


def _verdict(passed: Any, minutes: Any, value: Any) -> str:
    mark = "✔ 达标 met" if bool(passed) else "✘ 未达标 not met"
    try:
        if np.isfinite(float(value)):
            return f"{mark} ({float(value):.0%})"
    except (TypeError, ValueError):
        pass
    return f"{mark} ({esc(fmt_min(minutes))})"


__all__ = ["map_comparison"]
