"""HTML panels of the run map: title, view switch, goals panel and legend (escaped text).

The side panel (top left) holds the title, the year and origin switch and the goals: one
row per goal with its verdict, minutes against the limit, the margin and the first year it
is met, and population-share goals as a badge. The legend (bottom right) draws each style
with the same function the map uses and doubles as the layer switch. Both are plain HTML
built from ``esc``-escaped parts; the page script swaps the per-year parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._html import bi, esc, num
from .scene import Scene, goal_names, node_name, short_name, starts_away
from .styles import (
    CHANGED_HALO,
    FAIL_COLOUR,
    MEASURE_NAMES,
    NETWORK_COLOURS,
    NETWORK_NAMES,
    NETWORK_WEIGHT,
    NETWORKS,
    PASS_COLOUR,
    STATE_NAMES,
    STATE_SHORT,
    legend_line,
    state_sample,
)


def title_html(zh: str, en: str, sub: str = "") -> str:
    """Inner HTML of the title (``zh``, ``en`` plain text; ``sub`` already escaped)."""
    sub_html = f'<span class="sn-sub">{sub}</span>' if sub else ""
    return f'{esc(zh)}<span class="sn-en">{esc(en)}</span>{sub_html}'


def views_html(scene: Scene) -> str:
    """The year and origin switch (empty when there is only one view)."""
    parts = []
    if len(scene.years) > 1:
        opts = "".join(f'<option value="{y}"{" selected" if y == scene.year else ""}>{y}</option>'
                       for y in scene.years)
        parts.append(f'<label>年份 Year <select id="sn-year" aria-label="year">{opts}</select>'
                     "</label>")
    if len(scene.origins) > 1:
        opts = []
        for o in scene.origins:
            zh, en = short_name(*scene.node_name(o))
            sel = " selected" if o == scene.origin else ""
            opts.append(f'<option value="{esc(o)}"{sel}>{esc(zh)} {esc(en)}</option>')
        parts.append('<label>等时圈起点 From <select id="sn-origin" '
                     f'aria-label="isochrone origin">{"".join(opts)}</select></label>')
    return f'<div class="sn-views" id="sn-views">{"".join(parts)}</div>' if parts else ""


def _met_lookup(met: pd.DataFrame | None) -> dict[str, str]:
    if met is None:
        return {}
    return dict(zip(met["goal_id"], met["met_from_text"], strict=True))


def met_cell(text: str | None) -> str:
    """``2027`` or ``未达 >2035`` (not met by 2035; escaped)."""
    if not text:
        return "–"
    if text.startswith("not by "):
        year = text.removeprefix("not by ")
        return (f'<span title="{esc(year)}年前未达标 · not met by {esc(year)}">未达 '
                f"&gt;{esc(year)}</span>")
    return esc(text)


def share_badge(row: Any, names: dict[str, str]) -> str:
    """A population-share goal as a badge (its verdict in colour)."""
    ok = bool(row.passed)
    cls = "sn-pass" if ok else "sn-fail"
    mark = "✔" if ok else "✘"
    share = num(100 * float(row.value), "{:.0f}")
    target = num(100 * float(row.target), "{:.0f}")
    limit = num(row.limit_min)
    within = "" if f"{limit}分钟" in names["short_zh"] else f" · {limit} min"  # said once
    return (f'<div class="sn-badge {cls}" data-share-goal="{esc(row.goal_id)}" '
            f'title="{esc(names["zh"])} / {esc(names["en"])}">{mark} {esc(names["short_zh"])} '
            f"{share}% / 目标 target ≥{target}%{within}</div>")


def goal_group(measure: str, limit: float) -> str:
    """Heading row of the goals with one measure and limit, e.g. ``门到门 door to door ≤ 30 min``."""
    zh, en = MEASURE_NAMES.get(measure, (measure, measure))
    return (f'<tr class="sn-goal-group"><th colspan="5">{esc(zh)} {esc(en)} · 限值 limit '
            f"{num(limit)} min</th></tr>")


def goal_rows(table: pd.DataFrame, plan, met: pd.DataFrame | None) -> str:
    """The goals panel body of one year: population-share badges, then the goal table.

    Goals are grouped by measure and limit (a heading row each); a row names the
    destination and gives the verdict, the minutes, the margin and the first year met.
    Goals from other places than the main origin (e.g. each county seat to its nearest
    HSR station) form their own groups, and their rows name the origin and where it goes.
    """
    if table is None or not len(table):
        return '<div class="sn-note">未评估 not evaluated</div>'
    first = _met_lookup(met)
    badges, group = [], None
    rows_by = {False: [], True: []}  # goals from the main origin, from other places
    away = starts_away(table, plan)
    keys = list(zip(table["measure"], table["limit_min"].astype(float), away, strict=True))
    rank = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    order = sorted(range(len(table)), key=lambda i: (rank[keys[i]], i))
    for i in order:
        r = next(table.iloc[[i]].itertuples())
        names = goal_names(r, plan)
        if r.measure == "population_share":
            badges.append(share_badge(r, names))
            continue
        elsewhere = away[i]
        rows = rows_by[elsewhere]
        if (r.measure, float(r.limit_min), elsewhere) != group:
            group = (r.measure, float(r.limit_min), elsewhere)
            rows.append(goal_group(r.measure, float(r.limit_min)))
        if elsewhere:  # name the origin and the station or hub it reaches
            names = {**names, "to_zh": f"{names['from_zh']} → {node_name(plan, r.destination)}",
                     "to_en": names["from_en"]}
        ok = bool(r.passed)
        cls = "sn-pass" if ok else "sn-fail"
        minutes = "∞" if not np.isfinite(float(r.minutes)) else f"{float(r.minutes):.1f}"
        margin = "–" if not np.isfinite(float(r.margin_min)) else f"{float(r.margin_min):+.1f}"
        title = f"{names['zh']} / {names['en']} — 点击定位 click to find it on the map"
        rows.append(
            f'<tr class="sn-goal-row {cls}" data-goal="{esc(r.goal_id)}" tabindex="0" '
            f'title="{esc(title)}"><td class="sn-mark">{"✔" if ok else "✘"}</td>'
            f'<td class="sn-goal-name">{esc(names["to_zh"])} <small>{esc(names["to_en"])}'
            f'</small></td><td class="sn-num">{esc(minutes)}</td>'
            f'<td class="sn-num">{esc(margin)}</td><td>{met_cell(first.get(r.goal_id))}</td></tr>')
    head = ('<tr><th></th><th>目标 Goal</th><th title="door-to-door or station-to-station '
            'minutes">分钟 min</th><th title="limit minus minutes">余量 margin</th>'
            "<th>达标年 met from</th></tr>")
    def table_of(rows: list[str]) -> str:
        return (f'<table class="sn-goal-table"><thead>{head}</thead><tbody>{"".join(rows)}'
                "</tbody></table>") if rows else ""

    other = rows_by[True]
    more = ""
    if other:  # from each county seat (e.g. to its nearest HSR station): folded by default
        n = sum('class="sn-goal-row sn-pass"' in r for r in other)
        total = sum("sn-goal-row" in r for r in other)
        more = (f'<details class="sn-goals-more"><summary>自各县城 From each county seat '
                f"· {n}/{total} 达标 met</summary>{table_of(other)}</details>")
    return "".join(badges) + table_of(rows_by[False]) + more


def score_html(table: pd.DataFrame | None, year: int) -> str:
    if table is None or not len(table):
        return f"· {year}"
    n_ok = int(table["passed"].sum())
    return f"{n_ok}/{len(table)} 达标 met · {year}"


def side_panel(scene: Scene, timeline_uri: str | None = None, title: str | None = None) -> str:
    """The side panel: title, view switch, the goals of the default year, the timeline.

    ``title`` is the title's inner HTML (default ``title_html`` of the scene's title).
    """
    title = title if title is not None else title_html(*scene.title())
    parts = [f'<div class="sn-title" id="sn-title">{title}</div>', views_html(scene)]
    if scene.year_goals:
        table = scene.year_goals.get(scene.year)
        timeline = ""
        if timeline_uri and scene.timeline is not None:
            years = scene.timeline["year"]
            first_y, last_y = int(years.min()), max(int(years.max()), 2035)
            timeline = (f'<details class="sn-timeline" id="sn-timeline"><summary>时间线 Timeline '
                        f"{first_y}–{last_y} · 逐年用时 minutes by year</summary>"
                        f'<div class="sn-tl-box"><img src="{timeline_uri}" alt="Each goal&#39;s '
                        f'minutes by year against its limit, {first_y}–{last_y}"></div></details>')
        parts.append(
            '<details class="sn-goals" id="sn-goals" open data-collapse-small>'
            f'<summary>目标 Goals <span class="sn-score" id="sn-score">'
            f"{score_html(table, scene.year)}</span></summary>"
            f'<div id="sn-goals-body">{goal_rows(table, scene.plan, scene.met)}</div>'
            f"{timeline}</details>")
    return f'<div class="sn-panel sn-side" id="sn-side">{"".join(parts)}</div>'


def _check(key: str) -> str:
    return f'<input type="checkbox" data-layer="{esc(key)}" checked aria-label="{esc(key)}">'


def band_legend(bands: pd.DataFrame, cmap, origin_name: tuple[str, str]) -> str:
    """The isochrone part of the legend (one origin): a colour ramp with the band limits."""
    zh, en = short_name(*origin_name)
    cells = []
    for row in bands.sort_values("band_min").itertuples():
        colour = cmap(float(row.band_min) - 1e-9)
        cells.append(f'<span><i style="background:{colour};opacity:.75"></i>'
                     f"{float(row.lower_min):.0f}–{float(row.band_min):.0f}</span>")
    return (f'<div class="ramp">{"".join(cells)}<span class="unit">min</span></div>'
            f'<div class="sn-note">门到门 door to door, 自 from {esc(zh)} {esc(en)}</div>')


def legend_html(scene: Scene, cmap, band_block: str | None, tiles: bool = False) -> str:
    """The run map's legend: networks, points, line states, isochrones, goals, boundaries.

    Each check box switches its layer; every line sample is drawn with the map's own style
    function (``network.render.styles.state_sample``).
    """
    left = ["<h5>线路 Lines</h5>"]
    for net in NETWORKS:
        left.append(f'<label class="row sn-legend-network">{_check(net)}'
                    f"{legend_line(NETWORK_COLOURS[net], None, 0.95, NETWORK_WEIGHT[net])}"
                    f"{bi(NETWORK_NAMES[net])}</label>")
    left.append(f'<label class="row">{_check("station")}<span class="dot" style="background:'
                '#fff;box-shadow:0 0 0 1.5px #222"></span>车站 Station</label>'
                f'<label class="row">{_check("interchange")}<span class="dot" '
                'style="background:#fff;box-shadow:0 0 0 1.5px #1f5fbf"></span>互通 Interchange'
                "</label>"
                f'<label class="row">{_check("places")}<span class="dot" style="background:#333">'
                "</span>城镇 Places</label>")
    present = set()
    for states in scene.states.values():
        present |= set(states.values())
    right = ['<h5>状态 State in <span class="sn-year-now">'
             f"{scene.year}</span></h5>"]
    for st in (s for s in STATE_NAMES if s in present):
        right.append(f'<div class="row sn-legend-state" data-state="{esc(st)}">'
                     f"{state_sample(st)}{bi(STATE_SHORT.get(st, STATE_NAMES[st]))}</div>")
    if scene.changed:
        right.append(f'<div class="row sn-legend-changed">'
                     f'{legend_line("#333333", None, 0.95, 3, halo=CHANGED_HALO)}'
                     "情景改动 by scenario</div>")
    right.append(f'<label class="row">{_check("notopen")}未开通 not open</label>')
    out = [f'<div class="cols"><div>{"".join(left)}</div><div>{"".join(right)}</div></div>']
    if band_block is not None:
        out.append(f'<h5><label>{_check("bands")}等时圈 Isochrones</label></h5>'
                   f'<div id="sn-legend-bands">{band_block}</div>')
    last = []
    if scene.year_goals:
        last.append(f'<label class="row">{_check("goals")}<span class="dot" style="background:'
                    f'{PASS_COLOUR}"></span>达标 met <span class="dot" style="background:'
                    f'{FAIL_COLOUR}"></span>未达标 not met</label>')
    if scene.boundaries is not None and len(scene.boundaries):
        last.append(f'<label class="row">{_check("boundaries")}<span class="sw" '
                    'style="background:#f4f1e8;border-color:#7a7a7a"></span>区县 County</label>')
    if tiles:
        last.append(f'<label class="row">{_check("tiles")}底图 Tiles</label>')
    if last:
        out.append(f'<div class="cols">{"".join(last)}</div>')
    out.append('<details class="src"><summary>来源 Sources</summary>'
               + "<br>".join(esc(s) for s in scene.sources) + "</details>")
    return ('<div class="sn-panel sn-legend" id="sn-legend"><details open data-collapse-small>'
            "<summary>图例 Legend</summary>" + "".join(out) + "</details></div>")


__all__ = ["band_legend", "goal_group", "goal_rows", "legend_html", "met_cell", "score_html", "share_badge",
           "side_panel", "title_html", "views_html"]
