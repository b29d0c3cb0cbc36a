"""GeoJSON features and popups of the folium maps: every string escaped, names not ids.

Each builder returns a list of GeoJSON features whose properties carry ``sn_feature``
(what it is, for tests and the page script), ``popup``/``tooltip``/``label`` HTML (escaped
with ``esc``) and ``_style`` (the Leaflet style, taken out by
``geojson_layer``). Ids of records never reach the viewer: line classes, measures,
kinds and confidence letters are shown by their names (``.styles``).
"""

from __future__ import annotations

import re
from typing import Any

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.utilities import JsCode
from shapely.geometry import Point

from ._geometry import feature, round_geometry, simplify_gdf
from ._html import bi, check_no_template, css_class, esc, fmt_min, num, table
from .scene import short_name
from .styles import (
    CONFIDENCE_NAMES,
    KIND_NAMES,
    LINE_CLASS_NAMES,
    MEASURE_NAMES,
    NETWORK_NAMES,
    SIMPLIFY_M,
    STATE_NAMES,
    STATUS_NAMES,
    line_state,
    line_style,
)

#: Binds each feature's popup, and either a permanent label or a hover tooltip.
BIND_JS = JsCode("""function(feature, layer) {
    var p = feature.properties || {};
    if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 380}); }
    if (p.label) {
        layer.bindTooltip(p.label, {permanent: true, direction: p.label_dir || 'right',
                                    offset: [6, 0], className: 'sn-label ' + (p.label_cls || ''),
                                    interactive: false});
    } else if (p.tooltip) {
        layer.bindTooltip(p.tooltip, {sticky: true});
    }
}""")


def state_text(state: str, year: int) -> str:
    """``已开通 Open (2025)``: a line's state in a year, escaped."""
    return f"{bi(STATE_NAMES.get(state, (state, state)))} ({year})"


def confidence_text(letter: Any) -> str:
    zh, en = CONFIDENCE_NAMES.get(str(letter), (str(letter), ""))
    return f"{esc(zh)} {esc(en)}".strip()


def line_popup(rec: Any, year: int | None = None, extra: list[tuple[str, str]] | None = None
               ) -> str:
    """Popup HTML of a line record (every value escaped; names, not ids).

    With ``year``, a row gives the line's state in that year (the page script updates it
    when the viewer switches the year).
    """
    net = NETWORK_NAMES.get(rec.network, (rec.network, rec.network))
    cls = LINE_CLASS_NAMES.get(rec.line_class, (rec.line_class, rec.line_class))
    status = STATUS_NAMES.get(rec.status, (rec.status, rec.status))
    limit = num(getattr(rec, "speed_limit_kph", None))
    speed = num(rec.operating_speed_kph)
    speed = f"{speed} km/h" if speed else f"限速 limit {limit} km/h" if limit else "?"
    design = num(rec.design_speed_kph)
    if design:
        speed += f" (设计 design {design} km/h)"
    opens = num(rec.open_year) or "未定 not dated"
    rows = [("网络 Network", bi(net)), ("等级 Class", bi(cls))]
    if year is not None:
        st = line_state(rec, year)
        rows.append(("状态 State", f'<span class="sn-popup-state" data-line="{esc(rec.id)}">'
                                 f"{state_text(st, year)}</span>"))
    rows += [("资料所载 Status in sources", bi(status)), ("开通 Opens", opens),
             ("速度 Speed", speed)]
    if getattr(rec, "lanes", None) is not None and num(rec.lanes):
        rows.append(("车道 Lanes", num(rec.lanes)))
    if getattr(rec, "plan_group", "") == "scenario":
        rows.append(("情景假设 Hypothetical", "本线由情景添加，无官方来源 added by the scenario, "
                                           "no official source"))
    rows += [("来源 Source", esc(rec.source)), ("可信度 Confidence", confidence_text(rec.confidence))]
    rows += extra or []
    return (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
            f"{table(rows)}</div>")


def verdict_text(passed: Any) -> str:
    return "✔ 达标 met" if bool(passed) else "✘ 未达标 not met"


def goal_popup(row: Any, names: dict[str, str], met_from: str | None = None) -> str:
    """Popup HTML of a goal verdict row (every value escaped; places by name).

    Parameters
    ----------
    row : namedtuple
        A row of a goal table.
    names : dict
        ``network.render.scene.goal_names`` of the row.
    met_from : str, optional
        First year met (or ``"not by 2035"``).
    """
    rows: list[tuple[str, str]] = [("结果 Verdict", verdict_text(row.passed)),
                                   ("年份 Year", num(row.year))]
    measure = bi(MEASURE_NAMES.get(row.measure, (row.measure, row.measure)))
    if row.measure == "population_share":
        rows += [("覆盖 Share", f"{num(100 * float(row.value), '{:.0f}')} % 在 within "
                                f"{num(row.limit_min)} 分钟 min"),
                 ("目标 Target", f"≥ {num(100 * float(row.target), '{:.0f}')} %")]
    else:
        margin = "–"
        if np.isfinite(float(row.margin_min)):
            margin = esc(f"{float(row.margin_min):+.1f} min")
        rows += [("用时 Time", esc(fmt_min(row.minutes))),
                 ("限值 Limit", f"{num(row.limit_min)} min"), ("余量 Margin", margin)]
    if met_from:
        rows.append(("首次达标 Met from", esc(met_from)))
    rows += [("方式 Measure", measure),
             ("起讫 From → to", f"{esc(names['from_zh'])} {esc(names['from_en'])} → "
                               f"{esc(names['to_zh'])} {esc(names['to_en'])}")]
    return (f'<div class="sn-popup"><b>{esc(names["zh"])}</b><br>{esc(names["en"])}'
            f"{table(rows)}</div>")


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


def geojson_layer(fc: dict, name: str, pane: str, show: bool = True,
                  marker=None) -> folium.GeoJson:
    """A folium GeoJson layer of a feature collection whose features carry ``_style``."""
    styles = {f["id"]: f["properties"].pop("_style") for f in fc["features"]}
    check_no_template(fc, f"layer {name!r}")

    def style(feature: dict) -> dict:
        return styles[feature["id"]]

    return folium.GeoJson(fc, name=esc(name), style_function=style, on_each_feature=BIND_JS,
                          marker=marker, pane=pane, show=show, smooth_factor=0.5)


def line_features(lines: gpd.GeoDataFrame, *, year: int | None = None, serving=None,
                  extra=None, style=None, kind: str = "line") -> list[dict]:
    """One feature per line; ``serving`` (ids in service in ``year``) styles the others
    as not open (and calls them ``future-line``). The default style is
    ``network.render.styles.line_style`` of the line's state in ``year``."""
    simple = simplify_gdf(lines, SIMPLIFY_M["line"])
    out = []
    for rec in lines.itertuples():
        if rec.Index not in simple.index:
            continue
        geom = simple.geometry.loc[rec.Index]
        more = extra(rec) if extra else None
        on = serving is None or rec.id in serving
        st = style(rec) if style is not None else line_style(rec.network, line_state(rec, year),
                                                             on)
        # a line not in service in the map's (first) year is a "future-line"
        what = kind if on or kind != "line" else "future-line"
        props = {"sn_feature": what, "line_id": esc(rec.id), "network": esc(rec.network),
                 "popup": line_popup(rec, year, more),
                 "tooltip": f"{esc(rec.name_zh)} {esc(rec.name_en)}", "_style": st}
        out.append(feature(f"{kind}:{esc(rec.id)}", geom, props))
    return out


def short_line_name(rec) -> tuple[str, str]:
    """Short (中文, English) name of a line record for a map label."""
    zh = re.sub(r"[((][^))]*[))]", "", str(rec.name_zh)).split("/")[0].strip()
    en = re.sub(r"\s*\([^)]*\)", "", str(rec.name_en)).split(",")[0].strip()
    return zh or str(rec.name_zh), en or str(rec.name_en)


def line_label_features(lines: gpd.GeoDataFrame, cls: str = "sn-lab-line") -> list[dict]:
    """A label point half-way along each line (shown from zoom 10 by the page CSS)."""
    simple = simplify_gdf(lines, SIMPLIFY_M["line"])
    out = []
    for rec in lines.itertuples():
        if rec.Index not in simple.index:
            continue
        geom = simple.geometry.loc[rec.Index]
        zh, en = short_line_name(rec)
        pt = round_geometry(geom.interpolate(0.5, normalized=True))
        style = {"radius": 0, "weight": 0, "opacity": 0, "fillOpacity": 0,
                 "className": "sn-labelpoint"}
        props = {"sn_feature": "line-label", "line_id": esc(rec.id),
                 "label": f"{esc(zh)} <small>{esc(en)}</small>", "label_cls": cls,
                 "_style": style}
        out.append(feature(f"label:{esc(rec.id)}", pt, props))
    return out


def point_features(points: gpd.GeoDataFrame, kind: str) -> list[dict]:
    """Stations or interchanges: a white dot, a popup, a hover name and a zoom label."""
    out = []
    for rec in points[points["kind"] == kind].itertuples():
        lines = "<br>".join(esc(n) for n in rec.lines)
        rows = [("类型 Kind", bi(KIND_NAMES[kind])), ("线路 Lines", lines),
                ("来源 Source", esc(rec.source)),
                ("可信度 Confidence", confidence_text(rec.confidence))]
        popup = (f'<div class="sn-popup"><b>{esc(rec.name_zh)}</b><br>{esc(rec.name_en)}'
                 f"{table(rows)}</div>")
        colour = "#222" if kind == "station" else "#1f5fbf"
        style = {"radius": 4 if kind == "station" else 3.5, "color": colour, "weight": 1.5,
                 "fill": True, "fillColor": "#ffffff", "fillOpacity": 1.0, "opacity": 1.0,
                 "className": css_class("sn-point", f"sn-{kind}"), "pane": "sn-points"}
        since = getattr(rec, "since", np.nan)
        props = {"sn_feature": kind, "popup": popup,
                 "tooltip": f"{esc(rec.name_zh)} {esc(rec.name_en)}",
                 "since": None if pd.isna(since) else int(since), "_style": style}
        out.append(feature(f"{kind}:{esc(rec.id)}", round_geometry(rec.geometry), props))
    return out


def point_label_features(points: gpd.GeoDataFrame) -> list[dict]:
    """Zoom labels of stations (from zoom 10) and interchanges (from zoom 11)."""
    out = []
    for rec in points.itertuples():
        zh, en = short_name(rec.name_zh, rec.name_en)
        since = getattr(rec, "since", np.nan)
        style = {"radius": 0, "weight": 0, "opacity": 0, "fillOpacity": 0,
                 "className": "sn-labelpoint"}
        props = {"sn_feature": "point-label", "label": f"{esc(zh)} <small>{esc(en)}</small>",
                 "label_cls": f"sn-lab-{esc(rec.kind)}",
                 "since": None if pd.isna(since) else int(since), "_style": style}
        out.append(feature(f"label:{esc(rec.id)}", round_geometry(rec.geometry), props))
    return out


def band_features(bands: gpd.GeoDataFrame, cmap: bcm.StepColormap,
                  tolerance_m: float | None = None, decimals: int = 5) -> list[dict]:
    """Isochrone bands, nearest darkest (style in the properties, for the page script)."""
    simple = simplify_gdf(bands.reset_index(drop=True),
                          SIMPLIFY_M["band"] if tolerance_m is None else tolerance_m,
                          decimals=decimals)
    out = []
    for row in simple.itertuples():
        tip, popup = band_text(row)
        colour = cmap(float(row.band_min) - 1e-9)
        style = {"color": colour, "weight": 0.6, "opacity": 0.9, "fillColor": colour,
                 "fillOpacity": 0.45, "className": "sn-band"}
        props = {"sn_feature": "band", "band_min": float(row.band_min), "popup": popup,
                 "tooltip": tip, "style": style}
        out.append(feature(f"band:{row.band_min:g}", row.geometry, props))
    return out


def boundary_features(boundaries: gpd.GeoDataFrame, filled: bool) -> list[dict]:
    simple = simplify_gdf(boundaries.reset_index(drop=True), SIMPLIFY_M["boundary"])
    out = []
    for i, row in enumerate(simple.itertuples()):
        zh, en = getattr(row, "name_zh", ""), getattr(row, "name_en", "")
        style = {"color": "#7a7a7a", "weight": 1.2, "opacity": 0.9, "fillColor": "#f4f1e8",
                 "fillOpacity": 1.0 if filled else 0.0, "className": "sn-boundary"}
        props = {"sn_feature": "boundary", "tooltip": f"{esc(zh)} {esc(en)}", "_style": style}
        out.append(feature(f"boundary:{i}", row.geometry, props))
    return out


def place_features(places: gpd.GeoDataFrame) -> list[dict]:
    """Centres and county seats: a dark dot with a permanent bilingual label."""
    out = []
    for rec in places.itertuples():
        big = rec.kind == "centre"
        zh, en = short_name(rec.name_zh, rec.name_en)
        style = {"radius": 5 if big else 3.5, "color": "#333", "weight": 1, "fill": True,
                 "fillColor": "#333", "fillOpacity": 1.0, "className": "sn-place",
                 "pane": "sn-points"}
        props = {"sn_feature": "place", "label": f"{esc(zh)} <small>{esc(en)}</small>",
                 "label_cls": "sn-lab-place", "_style": style}
        out.append(feature(f"place:{esc(rec.id)}", round_geometry(rec.geometry), props))
    return out


def marker_feature(fid: str, x: float, y: float, props: dict, style: dict) -> dict:
    """A point feature (rounded) with a CircleMarker style."""
    return feature(fid, round_geometry(Point(x, y)), {**props, "_style": style})


__all__ = [
    "BIND_JS",
    "band_features",
    "band_text",
    "boundary_features",
    "confidence_text",
    "geojson_layer",
    "goal_popup",
    "line_features",
    "line_label_features",
    "line_popup",
    "marker_feature",
    "place_features",
    "point_features",
    "point_label_features",
    "short_line_name",
    "state_text",
    "verdict_text",
]
