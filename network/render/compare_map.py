"""The comparison map: what B changes against A, and what it buys, drawn with folium.

One page answers "what does this scenario do?": the lines that differ, highlighted and
labelled with their names; the door-to-door minutes saved from the origin to every place
(labelled) and per county (coloured); the area and the residents newly within each band
limit; and every goal before (A) and after (B), the flips marked. The side panel lists
the changes, the goals (click a row to fly to it) and the residents gaining access; the
legend explains each colour. The page machinery is that of the run map (``._page``).
"""

from __future__ import annotations

import json
from typing import Any

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..analysis.compare import plain
from ..engine.boundaries import BOUNDARY_SOURCE
from ._geometry import feature, feature_collection, simplify_gdf
from ._html import bi, css_class, esc, fmt_min, num, table
from ._page import add_data, add_html, bounds_of, new_map
from .features import (
    geojson_layer,
    line_features,
    marker_feature,
    short_line_name,
    verdict_text,
)
from .panels import title_html
from .scene import goal_names, locate_goals, node_name, short_name, starts_away
from .styles import (
    FAIL_COLOUR,
    MEASURE_SHORT,
    OSM_ATTRIBUTION,
    PASS_COLOUR,
    SIMPLIFY_M,
    legend_line,
    state_styles,
)

DIFF_COLOURS = {"added": "#1a9850", "removed": "#d73027", "changed": "#7b3294"}
DIFF_NAMES = {"added": ("新增", "Added"), "removed": ("移除", "Removed"),
              "changed": ("变更", "Changed")}
GAIN_COLOURS = {30: "#08519c", 60: "#6baed6"}
#: Minutes saved → colour (ColorBrewer RdBu: blue faster in B, red slower), min.
SAVED_SCALE = (-30.0, 30.0)
#: A place's saving is labelled on the map from this many minutes (either way).
SAVED_LABEL_MIN = 0.5
FIELD_NAMES = {"open_year": "开通 opens", "operating_speed_kph": "速度 speed (km/h)",
               "speed_limit_kph": "限速 speed limit (km/h)",
               "design_speed_kph": "设计速度 design speed (km/h)", "lanes": "车道 lanes",
               "status": "状态 status", "line_class": "等级 class", "route": "走向 route"}


def _drop_slivers(geom, min_km2: float = 0.05):
    if geom is None or geom.is_empty:
        return geom
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.area >= min_km2 * 1e6]
    return shapely.MultiPolygon([p for p in parts if p.geom_type == "Polygon"]) \
        if parts else shapely.MultiPolygon()


def saved_colours() -> bcm.LinearColormap:
    """Diverging colours of minutes saved: red (slower in B) – white – blue (faster)."""
    return bcm.LinearColormap(list(bcm.linear.RdBu_09.colors), vmin=SAVED_SCALE[0], vmax=SAVED_SCALE[1],
                              caption="minutes saved")


def _saved_colour(cmap, v: float) -> str:
    if not np.isfinite(v):
        return "#cccccc"
    return cmap(float(np.clip(v, *SAVED_SCALE)))


def _verdict(passed: Any, minutes: Any, value: Any) -> str:
    mark = "✔" if bool(passed) else "✘"
    try:
        if np.isfinite(float(value)):
            return f"{mark} {float(value):.0%}"
    except (TypeError, ValueError):
        pass
    try:
        m = float(minutes)
    except (TypeError, ValueError):
        return mark
    return f"{mark} {'∞' if not np.isfinite(m) else f'{m:.1f}'}"


def _change_rows(changed: gpd.GeoDataFrame) -> str:
    if not len(changed):
        return '<div class="sn-note">无 none: 线路相同 the lines are the same</div>'
    items = []
    for rec in changed.itertuples():
        b = rec.geometry.bounds
        fly = esc(json.dumps([[round(b[1], 4), round(b[0], 4)], [round(b[3], 4), round(b[2], 4)]]))
        what = "; ".join(f"{esc(FIELD_NAMES.get(f, f))}: {esc(plain(x))} → {esc(plain(y))}"
                         for f, x, y in rec.what)
        hyp = ' <span class="sn-hyp">情景假设 hypothetical</span>' \
            if getattr(rec, "plan_group", "") == "scenario" else ""
        items.append(f'<li data-fly="{fly}" title="点击定位 click to find it on the map" '
                     f'style="cursor:pointer"><b>{bi(DIFF_NAMES[rec.change])}</b>: '
                     f"{esc(rec.name_zh)} {esc(rec.name_en)}{hyp}"
                     f"{': ' + what if what else ''}</li>")
    return f'<ul class="sn-list">{"".join(items)}</ul>'


def _goal_table(pairs: pd.DataFrame, plan) -> str:
    """Every goal before (A) → after (B); flips highlighted, share goals as badges."""
    badges = []
    rows_by: dict[bool, list[str]] = {False: [], True: []}  # main origin, elsewhere
    away = starts_away(pairs, plan)
    keys = list(zip(pairs["measure_b"], pairs["limit_min_b"].astype(float), away, strict=True))
    rank = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    order = sorted(range(len(pairs)), key=lambda i: (rank[keys[i]], i))
    for i in order:
        r = next(pairs.iloc[[i]].itertuples())
        names = goal_names({"measure": r.measure_b, "label": r.label, "origin": r.origin,
                            "destination": r.destination, "goal_id": r.goal_id}, plan)
        if away[i] and r.measure_b != "population_share":
            # from a county seat: name the origin and the station or hub it reaches
            names = {**names, "short_zh": f"{names['from_zh']} → {node_name(plan, r.destination)}",
                     "to_en": names["from_en"]}
        rows = rows_by[away[i]]
        flip = bool(r.passed_a) != bool(r.passed_b)
        a, b = _verdict(r.passed_a, r.minutes_a, r.value_a), _verdict(r.passed_b, r.minutes_b,
                                                                         r.value_b)
        if r.measure_b == "population_share":
            cls = "sn-pass" if bool(r.passed_b) else "sn-fail"
            badges.append(f'<div class="sn-badge {cls}" data-share-goal="{esc(r.goal_id)}" '
                          f'title="{esc(names["zh"])} / {esc(names["en"])}">'
                          f'{esc(names["short_zh"])} A {esc(a)} → B {esc(b)} '
                          f'(≥{num(100 * float(r.target_b), "{:.0f}")}%)</div>')
            continue
        cls = css_class("sn-goal-row", "sn-flip" if flip else "",
                        "sn-pass" if bool(r.passed_b) else "sn-fail")
        rows.append(f'<tr class="{cls}" data-goal="{esc(r.goal_id)}" tabindex="0" '
                    f'title="{esc(names["zh"])} / {esc(names["en"])}">'
                    f'<td class="sn-goal-name">{esc(names["short_zh"])} <small>'
                    f'{esc(names["to_en"])}</small> ≤{num(r.limit_min_b)}</td>'
                    f'<td class="sn-num">{esc(a)}</td><td class="sn-num">{esc(b)}</td>'
                    f'<td>{"翻转 flips" if flip else ""}</td></tr>')
    head = ("<tr><th>目标 Goal (min)</th><th>A</th><th>B</th><th></th></tr>")

    def table_of(rows: list[str]) -> str:
        return (f'<table class="sn-goal-table"><thead>{head}</thead><tbody>{"".join(rows)}'
                "</tbody></table>") if rows else ""

    other = rows_by[True]
    more = ""
    if other:  # from each county seat (e.g. to its nearest HSR station): folded, flips counted
        flips = sum("sn-flip" in r for r in other)
        more = (f'<details class="sn-goals-more"><summary>自各县城 From each county seat · '
                f"{len(other)} · {flips} 翻转 flip{'s' if flips != 1 else ''}</summary>"
                f"{table_of(other)}</details>")
    return "".join(badges) + table_of(rows_by[False]) + more


def _reach_table(cmp, gained, lost) -> str:
    """Area newly within (or no longer within) each band limit, and residents A → B."""
    pop = cmp.population()
    pop = pop.set_index("band_min") if len(pop) else None
    rows = []
    for lim, geom in gained:
        area = 0.0 if geom is None or geom.is_empty else geom.area / 1e6
        loss = next((g for lm, g in lost if lm == lim), None)
        lost_km2 = 0.0 if loss is None or loss.is_empty else loss.area / 1e6
        colour = GAIN_COLOURS.get(int(lim), "#3182bd")
        people = "–"
        if pop is not None and lim in pop.index:
            r = pop.loc[lim]
            people = (f"{int(r['residents_within_a_2020census']):,} → "
                      f"{int(r['residents_within_b_2020census']):,} "
                      f"<b>({int(r['residents_gained']):+,})</b>")
        more = f", −{lost_km2:,.0f}" if lost_km2 >= 0.5 else ""
        rows.append(f'<tr class="sn-reach-row"><td><span class="sw" style="background:{colour}">'
                    f"</span> ≤{lim:.0f} min</td><td class='sn-num'>+{area:,.0f}{more}</td>"
                    f'<td class="sn-num">{people}</td></tr>')
    return ('<table class="sn-goal-table"><thead><tr><th>范围 within</th><th>面积 km²</th>'
            "<th>人口 residents A → B</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _goal_points(pairs: pd.DataFrame, located: pd.DataFrame, plan) -> list[dict]:
    out = []
    xy = located.set_index("goal_id")[["x", "y"]]
    for r, away in zip(pairs.itertuples(), starts_away(pairs, plan), strict=True):
        if r.goal_id not in xy.index:
            continue
        x, y = xy.loc[r.goal_id]
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        names = goal_names({"measure": r.measure_b, "label": r.label, "origin": r.origin,
                            "destination": r.destination, "goal_id": r.goal_id}, plan)
        ok, flip = bool(r.passed_b), bool(r.passed_a) != bool(r.passed_b)
        mz, me = MEASURE_SHORT.get(r.measure_b, (r.measure_b, r.measure_b))
        ma = "∞" if not np.isfinite(float(r.minutes_a)) else f"{float(r.minutes_a):.0f}"
        mb = "∞" if not np.isfinite(float(r.minutes_b)) else f"{float(r.minutes_b):.0f}"
        marks = f'{"✔" if r.passed_a else "✘"}→{"✔" if ok else "✘"}'
        # a goal from elsewhere sits at its origin: say where it goes, as the run map does
        what = (f"→{esc(node_name(plan, r.destination, short=True))}" if away
                else f"{esc(mz)} {esc(me)}")
        rows = [("A", f"{verdict_text(r.passed_a)} ({esc(fmt_min(r.minutes_a))})"),
                ("B", f"{verdict_text(r.passed_b)} ({esc(fmt_min(r.minutes_b))})"),
                ("限值 Limit", f"{num(r.limit_min_b)} min")]
        popup = (f'<div class="sn-popup"><b>{esc(names["zh"])}</b><br>{esc(names["en"])}'
                 f"{table(rows)}</div>")
        cls = css_class("sn-goal", "sn-goal-pass" if ok else "sn-goal-fail",
                        "sn-goal-flip" if flip else "")
        moved = flip or not np.isclose(float(r.minutes_a), float(r.minutes_b), atol=0.5,
                                       equal_nan=True)
        out.append({"id": esc(r.goal_id), "lat": round(float(y), 5), "lon": round(float(x), 5),
                    "passed": ok, "colour": PASS_COLOUR if ok else FAIL_COLOUR, "cls": cls,
                    "label": f"{marks} {what} {ma}→{mb}" if moved else "",
                    "dir": "top", "popup": popup})
    # goals at one place (Chengdu by rail and door to door): labels above, below, …
    seen: dict[tuple, int] = {}
    for p in out:
        key = (round(p["lat"], 1), round(p["lon"], 1))
        seen[key] = seen.get(key, -1) + 1
        p["dir"] = ("top", "bottom", "left", "right")[seen[key] % 4]
    return out


def map_comparison(cmp, *, boundaries: gpd.GeoDataFrame | bool | None = None,
                   tiles: str | None = None, title: str | None = None,
                   tiles_attr: str | None = None) -> folium.Map:
    """Map of what changes from phase A to phase B of a comparison.

    Shows the lines that differ (added, removed, changed; named on the map), the
    door-to-door minutes saved from the origin to each place (labels) and each county
    (colours), the area newly within (and no longer within) each band limit, the residents
    gaining access, and every goal before and after (markers and a table; the flips are
    marked).

    Parameters
    ----------
    cmp : Comparison
        From ``network.analysis.compare.compare``.
    boundaries : GeoDataFrame or False, optional
        County boundaries (default: the population units of B, coloured by minutes saved).
    tiles, tiles_attr, title : see ``network.render.maps.map_phase``

    Returns
    -------
    folium.Map
    """
    ca, cb, ob = cmp.a, cmp.b, cmp.origin
    Gb = cb.graph
    crs = cb.settings.metric_crs
    reach = cmp.reach.to_crs(crs)
    gained = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
              if r.change == "gained"]
    lost = [(r.band_min, _drop_slivers(r.geometry)) for r in reach.itertuples()
            if r.change == "lost"]
    changed, lb = cmp.lines, cb.lines_gdf()
    pairs = cmp.pairs()
    located = locate_goals(cmp.goals_b, cb) if cmp.goals_b is not None else None
    units = cmp.units() if boundaries is None else None

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
    m = new_map(f"{zh} · {en}", tiles, tiles_attr, sources)
    layers: dict[str, list[str]] = {}

    def add(key: str, layer: folium.GeoJson) -> None:
        layer.add_to(m)
        layers.setdefault(key, []).append(layer.get_name())

    cmap = saved_colours()
    if boundaries is not None and len(boundaries):
        bnd = boundaries.to_crs("EPSG:4326").reset_index(drop=True)
        simple = simplify_gdf(bnd, SIMPLIFY_M["boundary"])
        per = units.set_index("unit_id") if units is not None else None
        feats = []
        for i, row in enumerate(simple.itertuples()):
            uid = getattr(row, "unit_id", None)
            saved = float(per.at[uid, "minutes_saved"]) if per is not None and uid in per.index \
                else np.nan
            fill = _saved_colour(cmap, saved) if per is not None else "#f4f1e8"
            zh_, en_ = getattr(row, "name_zh", ""), getattr(row, "name_en", "")
            tip = f"{esc(zh_)} {esc(en_)}"
            if np.isfinite(saved):
                ma, mb = per.at[uid, "minutes_a"], per.at[uid, "minutes_b"]
                tip += (f": 县城 seat {esc(fmt_min(ma))} → {esc(fmt_min(mb))} "
                        f"({-saved:+.1f} min)")
            style = {"color": "#7a7a7a", "weight": 1.2, "opacity": 0.9, "fillColor": fill,
                     "fillOpacity": 0.75 if not tiles else 0.5,
                     "className": css_class("sn-boundary", "sn-unit-saved")}
            feats.append(feature(f"boundary:{i}", row.geometry,
                                 {"sn_feature": "boundary", "tooltip": tip,
                                  "minutes_saved": None if not np.isfinite(saved)
                                  else round(saved, 2), "_style": style}))
        add("boundaries", geojson_layer(feature_collection(feats),
                                        "区县 节省分钟 Counties: minutes saved", "sn-boundaries"))

    reach_feats = []
    for kind, items in (("gain", gained), ("loss", lost)):
        for lim, geom in reversed(items):
            if geom is None or geom.is_empty:
                continue
            g = simplify_gdf(gpd.GeoDataFrame(geometry=[geom], crs=crs), SIMPLIFY_M["band"])
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
        add("reach", geojson_layer(feature_collection(reach_feats), "可达范围变化 Change in reach",
                                   "sn-bands"))

    unchanged = lb[~lb["id"].isin(changed["id"])].reset_index(drop=True)
    ctx = line_features(unchanged, kind="context", style=lambda r: {
        "color": "#8a8a8a", "weight": 1.6, "opacity": 0.75, "className": "sn-context"})
    add("context", geojson_layer(feature_collection(ctx), "未变线路 Unchanged lines", "sn-future"))

    def extra(rec) -> list[tuple[str, str]]:
        rows = [("变化 Change", bi(DIFF_NAMES[rec.change]))]
        for f, va_, vb_ in rec.what:
            rows.append((esc(FIELD_NAMES.get(f, f)), f"{esc(plain(va_))} → {esc(plain(vb_))}"))
        return rows

    def diff_style(rec) -> dict:
        return {"color": DIFF_COLOURS[rec.change], "weight": 5, "opacity": 0.9,
                "dashArray": "8 6" if rec.change == "removed" else None,
                "className": css_class("sn-diff", f"sn-diff-{rec.change}",
                                       f"sn-line-{rec.network}")}

    if len(changed):
        feats = line_features(changed, year=cb.year, kind="diff", extra=extra, style=diff_style)
        for f, rec in zip(feats, changed.itertuples(), strict=True):
            lz, le = short_line_name(rec)
            f["properties"]["label"] = (f"{esc(lz)} <small>{esc(le)}</small> "
                                        f"· {bi(DIFF_NAMES[rec.change])}")
            f["properties"]["label_cls"] = "sn-lab-change"
            f["properties"]["label_dir"] = "center"
        add("diff", geojson_layer(feature_collection(feats), "变化线路 Changed lines", "sn-lines"))

    places = cmp.places
    if places is not None and len(places):
        feats = []
        for r in places.itertuples():
            if not (np.isfinite(r.lon) and np.isfinite(r.lat)):
                continue
            zh_, en_ = short_name(r.name_zh, r.name_en)
            saved = float(r.minutes_saved)
            show = np.isfinite(saved) and abs(saved) >= SAVED_LABEL_MIN
            label = f"{esc(zh_)} <small>{esc(en_)}</small>"
            if show:
                label += f" <b>{-saved:+.0f} min</b>"
            tip_rows = [("A", esc(fmt_min(r.minutes_a))), ("B", esc(fmt_min(r.minutes_b)))]
            if np.isfinite(saved):
                tip_rows.append(("节省 Saved", f"{saved:.1f} min"))
            style = {"radius": 6 if show else 3, "color": "#333", "weight": 1, "fill": True,
                     "fillColor": _saved_colour(cmap, saved) if show else "#555",
                     "fillOpacity": 1.0, "pane": "sn-points",
                     "className": css_class("sn-place", "sn-saved" if show else "")}
            props = {"sn_feature": "place", "place": esc(r.place),
                     "minutes_saved": round(saved, 2) if np.isfinite(saved) else None,
                     "label": label, "label_cls": "sn-lab-saved" if show else "sn-lab-place",
                     "popup": (f'<div class="sn-popup"><b>{esc(r.name_zh)}</b><br>'
                               f"{esc(r.name_en)}<br>门到门 door to door from "
                               f"{esc(' '.join(short_name(*_name(cb, ob))))}{table(tip_rows)}</div>")}
            feats.append(marker_feature(f"place:{esc(r.place)}", r.lon, r.lat, props, style))
        add("places", geojson_layer(feature_collection(feats), "城镇 节省分钟 Places: minutes saved",
                                    "sn-points", marker=folium.CircleMarker()))

    # panels and data ----------------------------------------------------------------
    oname = _name(cb, ob)
    goals = None
    if pairs is not None and located is not None:
        goals = {str(cb.year): {"panel": _goal_table(pairs, cb.plan),
                                "score": f"A {int(pairs['passed_a'].sum())}/{len(pairs)} → "
                                         f"B {int(pairs['passed_b'].sum())}/{len(pairs)} 达标 met",
                                "points": _goal_points(pairs, located, cb.plan)}}
    points = [(p["lon"], p["lat"]) for g in (goals or {}).values() for p in g["points"]]
    fit = bounds_of(boundaries, cmp.bands_b if boundaries is None else None, points=points)
    add_data(m, {"year": cb.year, "origin": esc(ob), "years": [cb.year], "layers": layers,
                 "states": {}, "serving": {}, "styles": state_styles(), "stateNames": [],
                 "stateLabels": {}, "titles": {}, "goals": goals, "bands": None,
                 "bandLegends": {}, "fit": fit, "flyZoom": 9,
                 "noGoals": '<div class="sn-note">未评估 not evaluated</div>'})

    years = f"两者均为 {cb.year} 年 both in {cb.year}" if cmp.same_year else \
        f"各按其年份 each in its own year: A {ca.year}, B {cb.year}"
    side = [f'<div class="sn-title" id="sn-title">{title_html(zh, en, esc(years))}</div>',
            '<details class="sn-section" open data-collapse-small><summary>线路变化 What changes '
            f"({len(changed)})</summary>{_change_rows(changed)}</details>"]
    if goals is not None:
        score = goals[str(cb.year)]["score"]
        side.append('<details class="sn-goals" id="sn-goals" open data-collapse-small>'
                    f'<summary>目标 Goals <span class="sn-score" id="sn-score">{score}</span>'
                    f'</summary><div id="sn-goals-body">{goals[str(cb.year)]["panel"]}</div>'
                    "</details>")
    add_html(m, "side", f'<div class="sn-panel sn-side" id="sn-side">{"".join(side)}</div>')
    add_html(m, "legend", _legend(cmap, changed, _reach_table(cmp, gained, lost), oname,
                                  sources, units is not None, goals is not None))
    return m


def _name(phase, nid: str) -> tuple[str, str]:
    nodes = phase.plan.nodes
    if nid in nodes.index:
        return (str(nodes.at[nid, "name_zh"]), str(nodes.at[nid, "name_en"]))
    d = phase.graph.nodes[nid]
    return (str(d.get("name_zh", nid)), str(d.get("name_en", nid)))


def _legend(cmap, changed, reach_table: str, oname, sources, counties: bool,
            goals: bool) -> str:
    zh, en = short_name(*oname)
    ticks = (30, 15, 0, -15, -30)  # minutes saved: faster (blue) first
    ramp = "".join(f'<span><i style="background:{cmap(float(t))}"></i>'
                   f'{"0" if t == 0 else f"{-t:+d}"}</span>' for t in ticks)
    out = [f"<h5>自 {esc(zh)} 门到门分钟变化 · door-to-door minutes from {esc(en)}</h5>",
           f'<div class="ramp">{ramp}<span class="unit">min, − 更快 faster</span></div>']
    if counties:
        out.append('<div class="sn-note">区县按至县城用时着色 counties: time to their seat</div>')
    out.append('<h5><label><input type="checkbox" data-layer="reach" checked>新增可达 Newly '
               f"within reach, 2020 年人口 census</label></h5>{reach_table}")
    out.append('<h5>线路 Lines</h5><div class="cols">')
    for ch in ("added", "removed", "changed"):
        n = int((changed["change"] == ch).sum()) if len(changed) else 0
        sample = legend_line(DIFF_COLOURS[ch], "8 6" if ch == "removed" else None, 0.9, 4,
                             length=30)
        out.append(f'<div class="row sn-legend-diff">{sample}{bi(DIFF_NAMES[ch])}: {n}</div>')
    out.append(f'<label class="row"><input type="checkbox" data-layer="context" checked>'
               f'{legend_line("#8a8a8a", None, 0.75, 1.6, length=30)}未变 Unchanged</label></div>')
    if goals:
        out.append(f'<label class="row"><input type="checkbox" data-layer="goals" checked>'
                   f'<span class="dot" style="background:{PASS_COLOUR}"></span>B 达标 met '
                   f'<span class="dot" style="background:{FAIL_COLOUR}"></span>B 未达标 not met'
                   " · ✘→✔ 翻转 flips</label>")
    out.append('<details class="src"><summary>来源 Sources</summary>'
               + "<br>".join(esc(s) for s in sources) + "</details>")
    return ('<div class="sn-panel sn-legend" id="sn-legend"><details open data-collapse-small>'
            "<summary>图例 Legend</summary>" + "".join(out) + "</details></div>")


__all__ = ["DIFF_COLOURS", "map_comparison", "saved_colours"]
