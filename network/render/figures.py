"""Static figures (matplotlib, Agg) of a phase of the plan: the print figure of a run.

``plot_phase`` draws an A4-landscape page: the map (county boundaries, isochrone
bands, the lines by network and by their state in the year, stations, interchanges,
places and goal markers, all labelled in Chinese and English, with a scale bar and a
north arrow; no label crosses the frame), and beside it the legend, the goal table
(verdict, minutes, limit, margin, first year met) and the goal timeline 2020–2035.
Given an ``ax``, it draws only the map into it. ``save_figure`` writes a PNG
atomically.

Figures are built on ``matplotlib.figure.Figure`` with an Agg canvas, never through
pyplot, so nothing depends on (or changes) the session's backend. Chinese text needs a
CJK font: the project installs one (``._fonts``); without any the figure is labelled
in English only and a single ``UserWarning`` says so.
"""

from __future__ import annotations

import os
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ._fonts import CJK_FAMILIES, find_cjk_font, font_families
from ._geometry import simplify_gdf
from ._mpl import (
    NETWORK_LW,
    draw_lines,
    fill,
    goal_table,
    halo,
    keep_inside,
    mpl_dash,
    north_arrow,
    safe,
    scale_bar,
)
from .scene import Scene, goal_names, prepare_scene, short_name
from .styles import (
    FAIL_COLOUR,
    MEASURE_SHORT,
    NETWORK_COLOURS,
    NETWORK_NAMES,
    NETWORKS,
    PASS_COLOUR,
    SIMPLIFY_M,
    STATE_NAMES,
    STATE_STYLE,
    band_colours,
)

BOUNDARY_FACE, BOUNDARY_EDGE = "#f4f1e8", "#7a7a7a"
#: Size of the print figure: A4 landscape, inches.
A4_LANDSCAPE_IN = (11.69, 8.27)


def _extent(scene: Scene) -> tuple[float, float, float, float] | None:
    """The map's extent: the boundaries (else bands, else lines) and every goal marker."""
    pts = []
    if scene.goals is not None and len(scene.goals):
        g = scene.goals[np.isfinite(scene.goals["x"]) & np.isfinite(scene.goals["y"])]
        pts = list(zip(g["x"], g["y"], strict=True))
    for frame in (scene.boundaries, scene.bands, scene.lines):
        if frame is not None and len(frame):
            x0, y0, x1, y1 = frame.total_bounds
            if pts:
                xs, ys = zip(*pts, strict=True)
                x0, x1 = min(x0, *xs), max(x1, *xs)
                y0, y1 = min(y0, *ys), max(y1, *ys)
            if np.all(np.isfinite([x0, y0, x1, y1])):
                dx, dy = (x1 - x0) * 0.06 + 0.03, (y1 - y0) * 0.06 + 0.03
                return x0 - dx, y0 - dy, x1 + dx * 1.6, y1 + dy
    return None


def plot_phase(phase, *, bands: gpd.GeoDataFrame | bool | None = None,
               goals: pd.DataFrame | Sequence | str | bool | None = None,
               boundaries: gpd.GeoDataFrame | bool | None = None,
               ax: Axes | None = None, title: str | None = None, origin: str = "suining",
               bands_min: Sequence[float] = (15, 30, 45, 60, 90), cell_m: float = 500,
               future: bool = True,
               figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """Print figure of a phase: the map with its legend, goal table and goal timeline.

    Parameters
    ----------
    phase : Phase
    bands, goals, boundaries, origin, bands_min, cell_m
        As for ``network.render.maps.map_phase``: whatever isn't passed is computed
        (``False`` leaves a layer out). Goals given as a list or a goals file (or by
        default) are also evaluated over the years for the timeline.
    ax : matplotlib.axes.Axes, optional
        Draw only the map into this axes; by default a new A4-landscape figure with the
        legend, the goal table and the timeline beside the map.
    title : str, optional
        Replaces the English line of the title.
    future : bool
        Also draw the lines not in service in the year (by their state).
    figsize : (float, float), optional
        Size of a new figure, inches (default A4 landscape).

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
        The figure and the map's axes.
    """
    scene = prepare_scene(phase, bands=bands, goals=goals, boundaries=boundaries,
                          origin=origin, bands_min=bands_min, cell_m=cell_m, views=False)
    return plot_scene(scene, ax=ax, title=title, future=future, figsize=figsize)


def _draw_map(ax: Axes, scene: Scene, cjk: str | None, future: bool) -> tuple[list, object]:
    """The map itself; returns (labels to keep inside the frame, band colour map)."""
    families = font_families(cjk)
    ax.set_facecolor("#e3ecf1")
    if scene.boundaries is not None and len(scene.boundaries):
        b = simplify_gdf(scene.boundaries.reset_index(drop=True), SIMPLIFY_M["boundary"])
        fill(ax, b, BOUNDARY_FACE, edgecolor=BOUNDARY_EDGE, lw=0.7, zorder=1)
    cmap = None
    if scene.bands is not None and len(scene.bands):
        cmap = band_colours(scene.bands)
        bands = simplify_gdf(scene.bands.reset_index(drop=True), SIMPLIFY_M["band"])
        fill(ax, bands, [cmap(float(v) - 1e-9) for v in bands["band_min"]], edgecolor="none",
             alpha=0.55, zorder=2)
    if future and len(scene.future):
        draw_lines(ax, scene.future, serving=False)
    draw_lines(ax, scene.lines)
    pts = scene.points
    if "since" in pts:
        pts = pts[pts["since"].isna() | (pts["since"] <= scene.year)]
    for kind, edge, size in (("interchange", "#1f5fbf", 10), ("station", "#222222", 15)):
        sub = pts[pts["kind"] == kind]
        if len(sub):
            ax.scatter(sub.geometry.x, sub.geometry.y, s=size, facecolor="white",
                       edgecolor=edge, linewidth=0.8, zorder=6)
    labels = []
    ext = _extent(scene) or (-180, -90, 180, 90)
    pl = scene.places
    if len(pl):
        big = (pl["kind"] == "centre").to_numpy()
        ax.scatter(pl.geometry.x, pl.geometry.y, s=np.where(big, 20, 9), color="#333", zorder=7)
        for rec in pl.itertuples():
            x, y = rec.geometry.x, rec.geometry.y
            if not (ext[0] <= x <= ext[2] and ext[1] <= y <= ext[3]):
                continue
            zh, en = short_name(rec.name_zh, rec.name_en)
            labels.append(ax.annotate(safe(f"{zh} {en}" if cjk else en), (x, y), xytext=(4, 2),
                                      textcoords="offset points", fontsize=6.5, color="#222",
                                      zorder=8, fontfamily=families, path_effects=halo(),
                                      ha="left", va="bottom"))
    goals = scene.goals
    if goals is not None and len(goals):
        g = goals[np.isfinite(goals["x"]) & np.isfinite(goals["y"])]
        ok = g["passed"].astype(bool).to_numpy()
        ax.scatter(g["x"], g["y"], s=60, c=np.where(ok, PASS_COLOUR, FAIL_COLOUR),
                   edgecolor="white", linewidth=1.2, zorder=9)
        dests = [goal_names(r, scene.plan)["to_zh"] for r in g.itertuples()]
        seen: dict[str, int] = {}
        for r, dest in zip(g.itertuples(), dests, strict=True):
            k = seen[dest] = seen.get(dest, -1) + 1
            mz, me = MEASURE_SHORT.get(r.measure, (r.measure, r.measure))
            what = (f"{mz} {me} " if cjk else f"{me} ") if dests.count(dest) > 1 else ""
            m = "∞" if not np.isfinite(float(r.minutes)) else f"{float(r.minutes):.0f}"
            text = f'{"✔" if r.passed else "✘"} {what}{m}/{float(r.limit_min):.0f}'
            dy = -7 if k % 2 == 0 and dests.count(dest) == 1 else (7 if k % 2 == 0 else -7)
            labels.append(ax.annotate(safe(text), (r.x, r.y), xytext=(0, dy),
                                      textcoords="offset points", fontsize=6.5,
                                      color="#00682f" if r.passed else "#a50f15",
                                      zorder=10, fontfamily=families,
                                      path_effects=halo(), ha="center",
                                      va="top" if dy < 0 else "bottom"))
    return labels, cmap


def _legend_handles(scene: Scene, cmap, cjk: str | None, future: bool) -> list:
    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    handles: list = []
    for net in NETWORKS:
        handles.append(Line2D([], [], color=NETWORK_COLOURS[net], lw=NETWORK_LW[net] + 0.4,
                              label=lab(*NETWORK_NAMES[net])))
    present = set(scene.lines["state"]) | (set(scene.future["state"]) if future else set())
    for st in (s for s in STATE_NAMES if s in present):
        lw = 1.8 * STATE_STYLE[st]["width"]
        handles.append(Line2D([], [], color="#333", lw=lw, alpha=STATE_STYLE[st]["opacity"],
                              linestyle=mpl_dash(st, lw), dash_capstyle="butt",
                              label=lab(STATE_NAMES[st][0], f"{STATE_NAMES[st][1]} in "
                                        f"{scene.year}")))
    handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#222",
                          label=lab("车站", "station")))
    handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#1f5fbf", ms=5,
                          label=lab("互通", "interchange")))
    if cmap is not None:
        for row in scene.bands.itertuples():
            handles.append(Patch(facecolor=cmap(float(row.band_min) - 1e-9), alpha=0.7,
                                 label=f"{float(row.lower_min):.0f}–{float(row.band_min):.0f}"
                                       f" {'分钟 ' if cjk else ''}min"))
    if scene.goals is not None and len(scene.goals):
        handles.append(Line2D([], [], marker="o", ls="", mfc=PASS_COLOUR, mec="white", ms=8,
                              label=lab("目标达标", "goal met")))
        handles.append(Line2D([], [], marker="o", ls="", mfc=FAIL_COLOUR, mec="white", ms=8,
                              label=lab("目标未达标", "goal not met")))
    if scene.boundaries is not None and len(scene.boundaries):
        handles.append(Patch(facecolor=BOUNDARY_FACE, edgecolor=BOUNDARY_EDGE,
                             label=lab("区县界", "county boundary")))
    return handles


def _goal_rows(scene: Scene, cjk: str | None) -> pd.DataFrame:
    met = {} if scene.met is None else dict(zip(scene.met["goal_id"], scene.met["met_from_text"],
                                                strict=True))
    rows = []
    for r in scene.goals.itertuples():
        names = goal_names(r, scene.plan)
        share = r.measure == "population_share"
        en = "share" if share else names["to_en"]
        name = f"{names['short_zh']} {en}" if cjk else names["short_en"]
        if share:
            value, limit = f"{100 * float(r.value):.0f}%", f"≥{100 * float(r.target):.0f}%"
            margin = "–"
        else:
            value = "∞" if not np.isfinite(float(r.minutes)) else f"{float(r.minutes):.1f}"
            limit = f"{float(r.limit_min):.0f}"
            margin = "–" if not np.isfinite(float(r.margin_min)) else f"{float(r.margin_min):+.1f}"
        first = met.get(r.goal_id, "–")
        if first.startswith("not by") and cjk:
            first = "未达 " + first
        rows.append({"goal_id": r.goal_id, "passed": bool(r.passed),
                     "mark": "✔" if r.passed else "✘", "goal": safe(name), "value": value,
                     "limit": limit, "margin": margin, "met": first})
    return pd.DataFrame(rows)


def plot_scene(scene: Scene, *, ax: Axes | None = None, title: str | None = None,
               future: bool = True,
               figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """Draw a ``network.render.scene.Scene`` with matplotlib (see ``plot_phase``)."""
    cjk = find_cjk_font()
    if cjk is None:
        warnings.warn("no CJK font found (install the project, or fonts-wqy-microhei): the "
                      "figure is labelled in English only", UserWarning, stacklevel=3)
    families = font_families(cjk)

    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        page = ax is None
        if page:
            fig = Figure(figsize=figsize or A4_LANDSCAPE_IN)
            FigureCanvasAgg(fig)
            ax = fig.add_axes((0.045, 0.2, 0.6, 0.71))
            ax.set_anchor("NW")
        else:
            fig = ax.figure
            if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): give it Agg
                FigureCanvasAgg(fig)
        labels, cmap = _draw_map(ax, scene, cjk, future)
        font = {"family": families}
        handles = _legend_handles(scene, cmap, cjk, future)
        if page:  # below the map, in four columns
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.075),
                      ncols=4, frameon=False, title=lab("图例", "Legend"), alignment="left",
                      prop={**font, "size": 6.5}, title_fontproperties={**font, "size": 7.5},
                      handlelength=2.4, columnspacing=1.2, labelspacing=0.3,
                      borderaxespad=0.0)
        else:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      frameon=True, title=lab("图例", "Legend"),
                      prop={**font, "size": 7.5}, title_fontproperties={**font, "size": 8.5})
        zh, en = scene.title()
        en = title or en
        sub = ""
        if scene.bands is not None and scene.origin:
            ozh, oen = short_name(*scene.node_name(scene.origin))
            sub = lab(f"等时圈起点 {ozh} (门到门)", f"isochrones door to door from {oen}")
        ext = _extent(scene)
        if ext is not None:
            ax.set_xlim(ext[0], ext[2])
            ax.set_ylim(ext[1], ext[3])
            ax.set_aspect(1.0 / np.cos(np.radians((ext[1] + ext[3]) / 2)))
        ax.tick_params(labelsize=6.5)
        ax.set_xlabel(lab("经度", "longitude") + " (°E)", fontsize=7, fontfamily=families)
        ax.set_ylabel(lab("纬度", "latitude") + " (°N)", fontsize=7, fontfamily=families)
        if ext is not None:
            scale_bar(ax, (ext[1] + ext[3]) / 2, families=families)
            north_arrow(ax, "N 北" if cjk else "N", families=families)
        if page:
            fig.text(0.045, 0.975, safe(zh if cjk else en), fontsize=13, va="top",
                     fontfamily=families)
            fig.text(0.045, 0.94, safe((en + " · " if cjk else "") + sub), fontsize=9,
                     va="top", fontfamily=families, color="#333")
            ax.set_title("")
            _side(fig, scene, cjk, families)
            if scene.sources:
                text = "\n".join(textwrap.wrap(" · ".join(scene.sources), 170))
                fig.text(0.045, 0.012, safe(text), fontsize=5.5, color="#555", va="bottom",
                         fontfamily=families)
        else:
            ax.set_title(safe((f"{zh}\n{en}" if cjk else en) + ("\n" + sub if sub else "")),
                         fontsize=10, fontfamily=families)
        fig.canvas.draw()
        keep_inside(ax, labels, fig.canvas.get_renderer())
    return fig, ax


def _side(fig: Figure, scene: Scene, cjk: str | None, families: list[str]) -> None:
    """The goal table and the timeline beside the map of the print figure."""
    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    if scene.goals is None or not len(scene.goals):
        return
    from .timeline import draw_timeline, goal_colours, panel_count

    colours = goal_colours(scene.timeline) if scene.timeline is not None else {}
    rows = _goal_rows(scene, cjk)
    n_ok = int(rows["passed"].sum())
    fig.text(0.675, 0.91, safe(lab(f"目标 {scene.year} 年: {n_ok}/{len(rows)} 达标",
                                   f"goals in {scene.year}: {n_ok} of {len(rows)} met")),
             fontsize=8.5, fontfamily=families, va="bottom")
    tax = fig.add_axes((0.675, 0.62, 0.315, 0.285))
    goal_table(tax, rows, colours, 6.0, families,
               ["", lab("目标", "goal"), lab("分钟", "min"), lab("限值", "limit"),
                lab("余量", "margin"), lab("达标年", "met from")])
    if scene.timeline is None or not len(scene.timeline):
        return
    n = panel_count(scene.timeline)
    top, bottom, gap = 0.535, 0.075, 0.045
    h = (top - bottom - gap * (n - 1)) / max(n, 1)
    axes = [fig.add_axes((0.715, top - (i + 1) * h - i * gap, 0.275, h)) for i in range(n)]
    draw_timeline(axes, scene.timeline, scene.plan, cjk=cjk, fontsize=6.0, legend=False)
    years = scene.timeline["year"]
    fig.text(0.675, 0.57, safe(lab(f"时间线 {int(years.min())}–{max(int(years.max()), 2035)}",
                                   "timeline: minutes by year (colours as in the table)")),
             fontsize=8.5, fontfamily=families, va="bottom")


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 200) -> Path:
    """Write ``fig`` as a PNG atomically (temp file + rename).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path
        Output ``.png`` file; parent folders are created.
    dpi : int
        Resolution, dots per inch.

    Returns
    -------
    Path
        ``path``.
    """
    from ..io import atomic_path

    if fig.canvas is None or not hasattr(fig.canvas, "print_png"):
        FigureCanvasAgg(fig)
    families = font_families(find_cjk_font())
    with atomic_path(path, suffix=".png") as tmp, matplotlib.rc_context({"font.family": families}):
        fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None},
                    bbox_inches="tight", pad_inches=0.15)  # keep the axis labels and footer
    return Path(path)


__all__ = ["A4_LANDSCAPE_IN", "CJK_FAMILIES", "find_cjk_font", "plot_phase",
           "plot_scene", "save_figure"]
