"""Drawing helpers of the static figures: polygons, lines by state, scale bar, north arrow,
labels kept inside the frame, the goal table inset (matplotlib, no pyplot)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry.polygon import orient

from ._geometry import simplify_gdf
from .styles import NETWORK_COLOURS, SIMPLIFY_M, STATE_STYLE

#: Line width by network, points.
NETWORK_LW = {"rail": 2.2, "expressway": 1.9, "trunk": 1.3}
#: Lengths offered for the scale bar, km.
SCALE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200)


def safe(text: object) -> str:
    """Data text for matplotlib: no mathtext (``$``) interpretation."""
    return str(text).replace("$", r"\$")


def halo(width: float = 2.2):
    return [patheffects.withStroke(linewidth=width, foreground="white")]


def mpl_dash(state: str, lw: float):
    """Matplotlib line style of a state: the map's SVG dash pattern (px) in line widths."""
    dash = STATE_STYLE.get(state, STATE_STYLE["planned"])["dash"]
    if not dash:
        return "-"
    # the SVG pattern is drawn at the network's web width (3.5–4 px); keep its proportions
    parts = [float(v) / 3.5 for v in dash.split()]
    return (0, tuple(max(p, 0.3) for p in parts))


def poly_path(geom) -> MplPath | None:
    """One compound path of a (Multi)Polygon, holes included (nonzero winding)."""
    verts, codes = [], []
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        p = orient(p, 1.0)
        for ring in (p.exterior, *p.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2)
                         + [MplPath.CLOSEPOLY])
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def fill(ax: Axes, gdf: gpd.GeoDataFrame, colours: Sequence[str] | str, **kw) -> None:
    cols = [colours] * len(gdf) if isinstance(colours, str) else list(colours)
    for geom, c in zip(gdf.geometry, cols, strict=True):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.make_valid(geom)
        path = poly_path(geom) if geom.geom_type != "GeometryCollection" else poly_path(
            shapely.MultiPolygon([g for g in geom.geoms if g.geom_type == "Polygon"]))
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=c, **kw))


def draw_lines(ax: Axes, lines: gpd.GeoDataFrame, serving: bool = True) -> None:
    """Lines coloured by network and dashed by their ``state`` column (the map's styles)."""
    simple = simplify_gdf(lines, SIMPLIFY_M["line"])
    order = {"trunk": 0, "expressway": 1, "rail": 2}
    for rec in sorted(simple.itertuples(), key=lambda r: order.get(r.network, 0)):
        st = STATE_STYLE.get(rec.state, STATE_STYLE["planned"])
        lw = NETWORK_LW.get(rec.network, 1.3) * st["width"]
        alpha = st["opacity"] * (1.0 if serving or rec.state != "hypothetical" else 0.45)
        for part in getattr(rec.geometry, "geoms", [rec.geometry]):
            xy = np.asarray(part.coords)
            ax.plot(xy[:, 0], xy[:, 1], color=NETWORK_COLOURS.get(rec.network, "#555"),
                    lw=lw, alpha=alpha, linestyle=mpl_dash(rec.state, lw),
                    solid_capstyle="round", dash_capstyle="butt",
                    zorder=3 + order.get(rec.network, 0) * 0.1 - (0 if serving else 1))


def scale_bar(ax: Axes, lat_deg: float, fontsize: float = 7.0,
              families: Sequence[str] = ("DejaVu Sans",)) -> AnchoredSizeBar:
    """A scale bar in the lower left, about a fifth of the map's width (km)."""
    x0, x1 = ax.get_xlim()
    km_per_deg = 111.32 * np.cos(np.radians(lat_deg))
    target = (x1 - x0) * km_per_deg / 5
    km = max([k for k in SCALE_KM if k <= target] or [SCALE_KM[0]])
    bar = AnchoredSizeBar(ax.transData, km / km_per_deg, f"{km:g} km", "lower left", pad=0.5,
                          sep=3, borderpad=0.6, frameon=True, size_vertical=0,
                          fontproperties={"size": fontsize, "family": list(families)})
    bar.patch.set_alpha(0.85)
    bar.patch.set_edgecolor("#999")
    ax.add_artist(bar)
    return bar


def north_arrow(ax: Axes, label: str = "N", fontsize: float = 8.0,
                families: Sequence[str] = ("DejaVu Sans",)) -> None:
    """A north arrow in the upper right corner (the map is north-up: EPSG:4326)."""
    ax.annotate(label, xy=(0.965, 0.965), xytext=(0.965, 0.885), xycoords="axes fraction",
                textcoords="axes fraction", ha="center", va="center", fontsize=fontsize,
                fontfamily=list(families), zorder=20,
                arrowprops={"arrowstyle": "-|>", "color": "#222", "lw": 1.4,
                            "shrinkA": 6, "shrinkB": 0}, path_effects=halo())


def keep_inside(ax: Axes, texts: list, renderer) -> int:
    """Flip labels that cross the axes' frame to the other side of their point, and drop
    those that still cross it; the number dropped."""
    frame = ax.get_window_extent(renderer)
    dropped = 0
    for t in texts:
        box = t.get_window_extent(renderer)
        if frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1):
            continue
        ox, oy = t.xyann if hasattr(t, "xyann") else (0, 0)
        t.set_ha("right" if t.get_ha() == "left" else "left")
        if hasattr(t, "xyann"):
            t.xyann = (-ox, oy)
        box = t.get_window_extent(renderer)
        if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
            t.set_visible(False)
            dropped += 1
    return dropped


def goal_table(ax: Axes, rows: pd.DataFrame, colours: dict[str, str], fontsize: float,
               families: Sequence[str], header: Sequence[str]):
    """The goal table inset: one row per goal, its colour (as in the timeline) in the first
    column, ✔ green and ✘ red."""
    ax.set_axis_off()
    cells = rows.drop(columns=["goal_id", "passed"]).astype(str).values.tolist()
    tbl = ax.table(cellText=[["", *c] for c in cells], colLabels=["", *header], loc="upper left",
                   cellLoc="left", colLoc="left", edges="horizontal")
    tbl.auto_set_font_size(False)
    tbl.set_fontsize(fontsize)
    n_cols = len(header) + 1
    widths = [0.03, 0.05, 0.40, 0.11, 0.10, 0.12, 0.19][:n_cols]
    for (r, c), cell in tbl.get_celld().items():
        cell.set_width(widths[c] if c < len(widths) else 0.1)
        cell.set_height(1.0 / (len(rows) + 1.6))
        cell.set_edgecolor("#ccc")
        cell.set_linewidth(0.4)
        cell.get_text().set_fontfamily(list(families))
        cell.PAD = 0.03
        if r == 0:
            cell.get_text().set_color("#444")
            continue
        gid = rows["goal_id"].iloc[r - 1]
        if c == 0:  # a closed cell, or the fill is not drawn
            cell.visible_edges = "closed"
            cell.set_facecolor(colours.get(gid, "#999"))
            cell.set_edgecolor("white")
            cell.set_linewidth(1.5)
        if c == 1:
            ok = bool(rows["passed"].iloc[r - 1])
            cell.get_text().set_color("#1a9850" if ok else "#d73027")
    return tbl


__all__ = ["NETWORK_LW", "draw_lines", "fill", "goal_table", "halo", "keep_inside",
           "mpl_dash", "north_arrow", "poly_path", "safe", "scale_bar"]
