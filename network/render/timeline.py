"""The goal timeline: each goal's minutes year by year against its limit (matplotlib).

The goals are evaluated in every year in which the network changes
(``network.analysis.explain.change_years``), so the minutes are drawn as steps: they
only change when a line opens or is upgraded. One panel per limit (the 1-hour goals, the
half-hour goals …) with the limit as a dashed line, and one for population shares against
their target. The same drawing goes into the interactive map (a PNG data URI), the print
figure and the run's report (``goals_timeline.png``).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._fonts import find_cjk_font, font_families
from .scene import goal_names

#: Colours of the goals' lines (ColorBrewer Dark2 then Set1: distinct, print-safe).
GOAL_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                "#377eb8", "#e41a1c", "#666666")


def _groups(timeline: pd.DataFrame) -> list[tuple[str, float, list[str]]]:
    """(kind, limit or target, goal ids) per panel: time goals by limit (largest first),
    then population shares by target."""
    last = timeline.drop_duplicates("goal_id", keep="last")
    out = []
    time_goals = last[last["measure"] != "population_share"]
    for lim in sorted(time_goals["limit_min"].unique(), reverse=True):
        out.append(("time", float(lim), list(time_goals.loc[time_goals["limit_min"] == lim,
                                                            "goal_id"])))
    share = last[last["measure"] == "population_share"]
    for tgt in sorted(share["target"].dropna().unique(), reverse=True):
        out.append(("share", float(tgt), list(share.loc[share["target"] == tgt, "goal_id"])))
    return out


def goal_colours(timeline: pd.DataFrame) -> dict[str, str]:
    """Goal id → its colour in the timeline (and in the print figure's goal table).

    Colours are distinct within a panel (goals sharing a limit), where lines must be told
    apart; goals of different panels may share one.
    """
    return {g: GOAL_COLOURS[i % len(GOAL_COLOURS)]
            for _, _, ids in _groups(timeline) for i, g in enumerate(ids)}


def panel_count(timeline: pd.DataFrame) -> int:
    """How many panels ``draw_timeline`` draws."""
    return len(_groups(timeline))


def draw_timeline(axes: Sequence[Axes], timeline: pd.DataFrame, plan, *,
                  cjk: str | None = None, end_year: int = 2035, fontsize: float = 7.0,
                  legend: bool = True) -> list[Axes]:
    """Draw the goal timeline into ``axes`` (one per panel, ``panel_count``).

    Parameters
    ----------
    axes : sequence of Axes
    timeline : DataFrame
        Goal tables over years (``network.analysis.explain.goal_timeline``).
    plan : Plan
        For the goals' place names.
    cjk : str, optional
        The CJK font family (labels in English only without one).
    end_year : int
        The x axis runs to at least this year (the plan's horizon).
    legend : bool
        A legend right of each panel (off where the goals' colours are explained
        elsewhere, e.g. by the print figure's goal table).
    """
    families = font_families(cjk)
    groups = _groups(timeline)
    years = sorted(int(y) for y in timeline["year"].unique())
    x_end = max(end_year, years[-1])
    last = timeline.drop_duplicates("goal_id", keep="last").set_index("goal_id")
    colour = goal_colours(timeline)
    used = []

    def lab(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    for ax, (kind, level, ids) in zip(axes, groups, strict=False):
        used.append(ax)
        top = level
        for gid in ids:
            rows = timeline[timeline["goal_id"] == gid].sort_values("year")
            xs = [*rows["year"].astype(int), x_end]
            if kind == "time":
                ys = rows["minutes"].to_numpy(float)
                ys = np.where(np.isfinite(ys), ys, np.nan)
            else:
                ys = 100 * rows["value"].to_numpy(float)
            ys = [*ys, ys[-1]]
            finite = [v for v in ys if np.isfinite(v)]
            top = max([top, *finite]) if finite else top
            names = goal_names({**last.loc[gid].to_dict(), "goal_id": gid}, plan)
            label = lab(names["short_zh"], names["short_en"]) if kind == "time" else \
                lab(names["zh"].split("≥")[0].strip(), "share of residents")
            ax.step(xs, ys, where="post", color=colour[gid], lw=1.4, label=label)
            ax.plot(xs[:-1], ys[:-1], "o", color=colour[gid], ms=2.2)
        if kind == "time":
            ax.axhline(level, color="#333", lw=0.9, ls=(0, (4, 2)),
                       label=lab(f"限值 {level:g} 分钟", f"limit {level:g} min"))
            title = lab(f"限值 {level:g} 分钟的目标", f"goals with a {level:g} min limit")
            ax.set_ylabel(lab("分钟", "min"), fontsize=fontsize, fontfamily=families)
            ax.set_ylim(0, top * 1.08)
        else:
            ax.axhline(100 * level, color="#333", lw=0.9, ls=(0, (4, 2)),
                       label=lab(f"目标 {100 * level:.0f}%", f"target {100 * level:.0f} %"))
            title = lab("人口覆盖率", "share of residents")
            ax.set_ylabel("%", fontsize=fontsize, fontfamily=families)
            ax.set_ylim(0, 105)
        ax.set_title(title, fontsize=fontsize + 0.5, fontfamily=families, loc="left", pad=3)
        ax.set_xlim(years[0] - 0.3, x_end + 0.3)
        ax.set_xticks([y for y in range(years[0] - years[0] % 5, x_end + 1, 5) if y >= years[0]])
        ax.tick_params(labelsize=fontsize - 0.5, length=2, pad=1)
        for t in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            t.set_fontfamily(families)
        ax.grid(axis="y", color="#ddd", lw=0.5)
        ax.spines[["top", "right"]].set_visible(False)
        if legend:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                      prop={"family": families, "size": fontsize - 0.5}, handlelength=1.6,
                      borderaxespad=0.0, labelspacing=0.25)
    return used


def timeline_figure(timeline: pd.DataFrame, plan, *, width_in: float = 6.4,
                    panel_height_in: float = 1.45, end_year: int = 2035) -> Figure:
    """A figure of the goal timeline alone (for the report and the map panel)."""
    cjk = find_cjk_font()
    n = len(_groups(timeline))
    with matplotlib.rc_context({"font.family": font_families(cjk), "axes.unicode_minus": False}):
        fig = Figure(figsize=(width_in, panel_height_in * max(n, 1) + 0.2),
                     layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(max(n, 1), 1, squeeze=False)[:, 0]
        draw_timeline(list(axes), timeline, plan, cjk=cjk, end_year=end_year)
        fig.canvas.draw()  # lay out inside the font context
    return fig


def png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (no metadata that changes between runs)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({"font.family": font_families(find_cjk_font())}):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def png_data_uri(fig: Figure, dpi: int = 150) -> str:
    """The figure as a ``data:image/png;base64,`` URI."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig, dpi)).decode("ascii")


def save_timeline(timeline: pd.DataFrame, plan, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Write the goal timeline as a PNG, atomically."""
    from ..io import atomic_path

    data = png_bytes(timeline_figure(timeline, plan), dpi)
    with atomic_path(path, suffix=".png") as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


__all__ = ["GOAL_COLOURS", "draw_timeline", "goal_colours", "panel_count", "png_bytes",
           "png_data_uri", "save_timeline", "timeline_figure"]
