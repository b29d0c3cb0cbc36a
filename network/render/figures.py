"""Static figures (matplotlib, Agg) of a phase of the plan: the same content as the map.

:func:`plot_phase` draws the county boundaries, the isochrone bands (sequential
colormap), the lines by network (colour) and status (line style), stations,
interchanges, places and the goal verdicts, with a bilingual legend and title.
:func:`save_figure` writes a PNG atomically.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never
through pyplot, so nothing depends on (or changes) the session's backend. Chinese text
needs a CJK font: :func:`find_cjk_font` looks for WenQuanYi Micro Hei
(``fonts-wqy-microhei``) and a few common others; without one the figure is labelled
in English only and a single :class:`UserWarning` says so.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.polygon import orient

from ._geometry import simplify_gdf
from .scene import Scene, prepare_scene
from .styles import (
    FAIL_COLOUR,
    NETWORK_COLOURS,
    NETWORK_NAMES,
    NETWORKS,
    PASS_COLOUR,
    SIMPLIFY_M,
    STATUS_NAMES,
    STATUS_OPACITY,
    STATUSES,
    band_colours,
)

#: CJK-capable font families tried in order.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
                "Noto Sans SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei",
                "PingFang SC")
#: Matplotlib line style by status.
STATUS_LINESTYLE = {"existing": "-", "under_construction": (0, (5, 2.5)),
                    "planned": (0, (1.2, 2)), "proposed": (0, (1, 4))}
#: Line width by network, points.
NETWORK_LW = {"rail": 2.2, "expressway": 1.9, "trunk": 1.3}
BOUNDARY_FACE, BOUNDARY_EDGE = "#f4f1e8", "#7a7a7a"


#: Font files of the CJK fonts the project's set-up installs (Debian packages
#: ``fonts-wqy-microhei`` and ``fonts-noto-cjk``), registered with matplotlib explicitly so
#: that a font cache built before they were installed (or by a stripped test environment)
#: cannot hide them.
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def find_cjk_font() -> str | None:
    """Family name of an installed font with Chinese glyphs, or ``None``."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in installed:
            return fam
    for path in CJK_FILES:
        if os.path.isfile(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _safe(text: object) -> str:
    """Data text for matplotlib: no mathtext (``$``) interpretation."""
    return str(text).replace("$", r"\$")


def _short(name: object) -> str:
    s = str(name)
    for sep in ("(", "(", " ("):
        s = s.split(sep)[0]
    return s.strip()


def _poly_path(geom) -> MplPath | None:
    """One compound path of a (Multi)Polygon, holes included (nonzero winding)."""
    verts, codes = [], []
    polys = getattr(geom, "geoms", [geom])
    for p in polys:
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


def _fill(ax: Axes, gdf: gpd.GeoDataFrame, colours: Sequence[str] | str, **kw) -> None:
    cols = [colours] * len(gdf) if isinstance(colours, str) else list(colours)
    for geom, c in zip(gdf.geometry, cols, strict=True):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.make_valid(geom)
        path = _poly_path(geom) if geom.geom_type != "GeometryCollection" else _poly_path(
            shapely.MultiPolygon([g for g in geom.geoms if g.geom_type == "Polygon"]))
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=c, **kw))


def _lines(ax: Axes, lines: gpd.GeoDataFrame, future: bool = False) -> None:
    simple = simplify_gdf(lines, SIMPLIFY_M["line"])
    order = {"trunk": 0, "expressway": 1, "rail": 2}
    for rec in sorted(simple.itertuples(), key=lambda r: order.get(r.network, 0)):
        for part in getattr(rec.geometry, "geoms", [rec.geometry]):
            xy = np.asarray(part.coords)
            alpha = STATUS_OPACITY.get(rec.status, 0.8) * (0.4 if future else 1.0)
            lw = NETWORK_LW.get(rec.network, 1.3) * (0.6 if future else 1.0)
            ax.plot(xy[:, 0], xy[:, 1], color=NETWORK_COLOURS.get(rec.network, "#555"),
                    lw=lw, alpha=alpha, linestyle=STATUS_LINESTYLE.get(rec.status, "-"),
                    solid_capstyle="round", zorder=3 + order.get(rec.network, 0) * 0.1
                    - (1 if future else 0))


def _extent(scene: Scene) -> tuple[float, float, float, float] | None:
    for frame in (scene.boundaries, scene.bands, scene.lines):
        if frame is not None and len(frame):
            x0, y0, x1, y1 = frame.total_bounds
            if np.all(np.isfinite([x0, y0, x1, y1])):
                dx, dy = (x1 - x0) * 0.08 + 0.02, (y1 - y0) * 0.08 + 0.02
                return x0 - dx, y0 - dy, x1 + dx, y1 + dy
    return None


def _auto_size(scene: Scene, height: float = 9.0) -> tuple[float, float]:
    """Figure size (inches) fitting the map's extent at ``height`` plus a legend column."""
    ext = _extent(scene)
    if ext is None:
        return (11.0, height)
    x0, y0, x1, y1 = ext
    ratio = (x1 - x0) * np.cos(np.radians((y0 + y1) / 2)) / max(y1 - y0, 1e-9)
    return (float(np.clip(height * 0.86 * ratio + 3.4, 7.0, 18.0)), height)


def plot_phase(phase, *, bands: gpd.GeoDataFrame | bool | None = None,
               goals: pd.DataFrame | Sequence | str | bool | None = None,
               boundaries: gpd.GeoDataFrame | bool | None = None,
               ax: Axes | None = None, title: str | None = None, origin: str = "suining",
               bands_min: Sequence[float] = (15, 30, 45, 60, 90), cell_m: float = 500,
               future: bool = True,
               figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """Static figure of a phase: its networks, isochrones, goals and boundaries.

    Parameters
    ----------
    phase : Phase
    bands, goals, boundaries, origin, bands_min, cell_m
        As for :func:`network.render.maps.map_phase`: whatever isn't passed is computed
        (``False`` leaves a layer out).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes; a new Agg figure is made when not given.
    title : str, optional
        Replaces the English line of the title.
    future : bool
        Also draw, faintly, the lines not yet open in the year.
    figsize : (float, float), optional
        Size of a new figure, inches; by default 9 in high and as wide as the map's
        extent needs, plus room for the legend.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    scene = prepare_scene(phase, bands=bands, goals=goals, boundaries=boundaries,
                          origin=origin, bands_min=bands_min, cell_m=cell_m)
    return plot_scene(scene, ax=ax, title=title, future=future, figsize=figsize)


def plot_scene(scene: Scene, *, ax: Axes | None = None, title: str | None = None,
               future: bool = True,
               figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """Draw a :class:`network.render.scene.Scene` with matplotlib (see :func:`plot_phase`)."""
    cjk = find_cjk_font()
    if cjk is None:
        warnings.warn("no CJK font found (install fonts-wqy-microhei): the figure is "
                      "labelled in English only", UserWarning, stacklevel=3)
    families = [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]

    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        if ax is None:
            fig = Figure(figsize=figsize or _auto_size(scene), layout="constrained")
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        ax.set_facecolor("#e3ecf1")
        handles: list = []

        if scene.boundaries is not None and len(scene.boundaries):
            b = simplify_gdf(scene.boundaries.reset_index(drop=True), SIMPLIFY_M["boundary"])
            _fill(ax, b, BOUNDARY_FACE, edgecolor=BOUNDARY_EDGE, lw=0.7, zorder=1)
        cmap = None
        if scene.bands is not None and len(scene.bands):
            cmap = band_colours(scene.bands)
            bands = simplify_gdf(scene.bands.reset_index(drop=True), SIMPLIFY_M["band"])
            cols = [cmap(float(v) - 1e-9) for v in bands["band_min"]]
            _fill(ax, bands, cols, edgecolor="none", alpha=0.55, zorder=2)
        if future and len(scene.future):
            _lines(ax, scene.future, future=True)
        _lines(ax, scene.lines)

        pts = scene.points
        for kind, edge, size in (("interchange", "#1f5fbf", 12), ("station", "#222222", 16)):
            sub = pts[pts["kind"] == kind]
            if len(sub):
                ax.scatter(sub.geometry.x, sub.geometry.y, s=size, facecolor="white",
                           edgecolor=edge, linewidth=0.9, zorder=6)
        pl = scene.places
        if len(pl):
            big = (pl["kind"] == "centre").to_numpy()
            ax.scatter(pl.geometry.x, pl.geometry.y, s=np.where(big, 22, 10), color="#333",
                       zorder=7)
            x0, y0, x1, y1 = _extent(scene) or (-180, -90, 180, 90)
            for rec in pl.itertuples():
                x, y = rec.geometry.x, rec.geometry.y
                if not (x0 <= x <= x1 and y0 <= y <= y1):
                    continue
                name = _short(rec.name_zh) if cjk else _short(rec.name_en)
                ax.annotate(_safe(name), (x, y), xytext=(4, 3), textcoords="offset points",
                            fontsize=7.5, color="#222", zorder=8, fontfamily=families,
                            path_effects=_halo(), annotation_clip=True)
        goals = scene.goals
        if goals is not None and len(goals):
            ok = goals["passed"].astype(bool).to_numpy()
            ax.scatter(goals["x"], goals["y"], s=70, c=np.where(ok, PASS_COLOUR, FAIL_COLOUR),
                       edgecolor="white", linewidth=1.3, zorder=9)

        # legend -------------------------------------------------------------
        for net in NETWORKS:
            handles.append(Line2D([], [], color=NETWORK_COLOURS[net], lw=NETWORK_LW[net] + 0.5,
                                  label=lab(*NETWORK_NAMES[net])))
        for st in STATUSES:
            handles.append(Line2D([], [], color="#333", lw=1.6, alpha=STATUS_OPACITY[st],
                                  linestyle=STATUS_LINESTYLE[st], label=lab(*STATUS_NAMES[st])))
        if future and len(scene.future):
            handles.append(Line2D([], [], color="#333", lw=1.0, alpha=0.35,
                                  label=lab(f"{scene.year}年未开通", f"not open in {scene.year}")))
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#222",
                              label=lab("车站", "station")))
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#1f5fbf", ms=5,
                              label=lab("互通", "interchange")))
        if cmap is not None:
            for row in scene.bands.itertuples():
                handles.append(Patch(facecolor=cmap(float(row.band_min) - 1e-9), alpha=0.7,
                                     label=f"{float(row.lower_min):.0f}–{float(row.band_min):.0f}"
                                           f" {'分钟 ' if cjk else ''}min"))
        if goals is not None and len(goals):
            handles.append(Line2D([], [], marker="o", ls="", mfc=PASS_COLOUR, mec="white", ms=8,
                                  label=lab("目标达标", "goal met")))
            handles.append(Line2D([], [], marker="o", ls="", mfc=FAIL_COLOUR, mec="white", ms=8,
                                  label=lab("目标未达标", "goal not met")))
        if scene.boundaries is not None and len(scene.boundaries):
            handles.append(Patch(facecolor=BOUNDARY_FACE, edgecolor=BOUNDARY_EDGE,
                                 label=lab("区县界", "county boundary")))
        # text objects keep the CJK font even when drawn after this block (ax= passed in)
        font = {"family": families}
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=True, title=lab("图例", "Legend"),
                  prop={**font, "size": 7.5}, title_fontproperties={**font, "size": 8.5})

        zh, en = scene.title()
        en = title or en
        sub = ""
        if scene.bands is not None and scene.origin:
            ozh, oen = scene.node_name(scene.origin)
            sub = "\n" + lab(f"等时圈起点 {_short(ozh)}",
                             f"isochrones (door to door) from {_short(oen)}")
        ax.set_title(_safe((f"{zh}\n{en}" if cjk else en) + sub), fontsize=11, fontfamily=families)
        ext = _extent(scene)
        if ext is not None:
            ax.set_xlim(ext[0], ext[2])
            ax.set_ylim(ext[1], ext[3])
            ax.set_aspect(1.0 / np.cos(np.radians((ext[1] + ext[3]) / 2)))
        ax.tick_params(labelsize=7)
        ax.set_xlabel(lab("经度", "longitude") + " (°E)", fontsize=8, fontfamily=families)
        ax.set_ylabel(lab("纬度", "latitude") + " (°N)", fontsize=8, fontfamily=families)
        if scene.sources:
            import textwrap

            text = "\n".join(textwrap.wrap(" · ".join(scene.sources), 110))
            ax.text(0.0, -0.08, _safe(text), transform=ax.transAxes, fontsize=5.5,
                    color="#555", va="top", fontfamily=families)
    return fig, ax


def _halo():
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=2.2, foreground="white")]


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 300) -> Path:
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
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None},
                    bbox_inches="tight", pad_inches=0.15)  # keep the axis labels and footer
    return Path(path)


__all__ = ["CJK_FAMILIES", "find_cjk_font", "plot_phase", "plot_scene", "save_figure"]
