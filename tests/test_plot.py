"""Static figures: the print page (map, legend, goal table, timeline), the PNG written
atomically and deterministically, Chinese labels with the project's own font, scale bar and
north arrow, nothing across the frame, a graceful English fallback."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from pyproj import Geod

import network.render.figures as nplot
import network.render.timeline as ntimeline
from network import Phase, load_plan
from network.analysis.goals import goal_table
from network.render import _fonts
from network.render.figures import find_cjk_font, plot_phase, save_figure

from .conftest import write_plan
from .test_maps import BANDS_MIN, TINY_GOALS, needs_data, tiny_lines

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.fixture
def tiny_inputs(tmp_path):
    plan = load_plan(write_plan(tmp_path / "geo", lines=tiny_lines()))
    return dict(phase=Phase.of(2020, plan=plan), origin="a", goals=TINY_GOALS,
                boundaries=False, bands_min=BANDS_MIN)


def _texts(fig: Figure) -> list[str]:
    """Every text of the figure, table cells included."""
    cells = [c.get_text().get_text() for a in fig.axes for tbl in a.tables
             for c in tbl.get_celld().values()]
    return [t.get_text() for t in fig.findobj(Text)] + cells


def _assert_not_blank(path) -> None:
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05  # far from a flat image
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50


def _glyph_problems(records, logs) -> list[str]:
    """Missing-glyph warnings (matplotlib warns, or logs, 'Glyph … missing from font')."""
    msgs = [str(w.message) for w in records] + [r.getMessage() for r in logs]
    return [m for m in msgs if "glyph" in m.lower() or "findfont" in m.lower()]


def test_tests_keep_matplotlib_off_the_users_font_cache():
    # conftest points MPLCONFIGDIR at a temporary folder before matplotlib is imported
    cache = Path(matplotlib.get_cachedir()).resolve()
    assert os.environ["MPLCONFIGDIR"] and cache == Path(os.environ["MPLCONFIGDIR"]).resolve()
    assert cache.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert cache != (Path.home() / ".cache" / "matplotlib").resolve()


def test_the_projects_cjk_font_is_found_even_if_the_cache_lost_it(monkeypatch):
    path = _fonts.packaged_font_file()
    assert path is not None, "pylopdf-fonts-zh-cn (a dependency) ships the CJK font"
    # a font cache built without it (as a stripped environment would leave it)
    stripped = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name
                and "SC" not in f.name and "WenQuanYi" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stripped)
    _fonts._font_file_family.cache_clear()
    fam = find_cjk_font()
    assert fam == font_manager.FontProperties(fname=path).get_name()
    assert any(f.fname == path for f in font_manager.fontManager.ttflist)  # registered again


def test_figure_renders_and_png_is_written(tmp_path, tiny_inputs, caplog):
    with warnings.catch_warnings(record=True) as rec, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig, ax = plot_phase(**tiny_inputs)
        out = save_figure(fig, tmp_path / "png" / "tiny.png", dpi=80)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.png"]  # no temp file left
    _assert_not_blank(out)
    assert not _glyph_problems(rec, caplog.records)
    # content: title with the year, one legend entry per network / state / band / verdict
    texts = _texts(fig)
    assert any("2020" in t and "Suining transport networks" in t for t in texts)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for en in ("Rail", "Expressway", "Trunk road", "Open in 2020", "goal met", "goal not met"):
        assert any(en in lab for lab in labels), en
    assert sum("min" in lab for lab in labels) == len(BANDS_MIN)


def test_same_inputs_same_png(tmp_path, tiny_inputs):
    a = save_figure(plot_phase(**tiny_inputs)[0], tmp_path / "a.png", dpi=60)
    b = save_figure(plot_phase(**tiny_inputs)[0], tmp_path / "b.png", dpi=60)
    assert a.read_bytes() == b.read_bytes()


def test_draws_only_the_map_into_a_given_axes(tiny_inputs):
    fig = Figure()
    ax = fig.add_subplot()
    got_fig, got_ax = plot_phase(ax=ax, title="custom <title> $x$", **tiny_inputs)
    assert got_fig is fig and got_ax is ax and fig.axes == [ax]
    assert "custom <title> \\$x\\$" in ax.get_title()  # data text is never mathtext


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font installed")
def test_cjk_labels_when_a_font_is_installed(tiny_inputs, caplog):
    with warnings.catch_warnings(record=True) as rec, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig, ax = plot_phase(**tiny_inputs)
        fig.canvas.draw()
    assert not _glyph_problems(rec, caplog.records)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("铁路" in lab for lab in labels)
    assert any("遂宁交通网络" in t for t in _texts(fig))


def test_english_fallback_without_cjk_font(tmp_path, tiny_inputs, monkeypatch):
    monkeypatch.setattr(nplot, "find_cjk_font", lambda: None)
    monkeypatch.setattr(ntimeline, "find_cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, _ = plot_phase(**tiny_inputs)
        save_figure(fig, tmp_path / "en.png", dpi=60)
    msgs = [str(w.message) for w in rec]
    assert sum("CJK" in m for m in msgs) == 1  # one clear warning, no glyph spam
    assert not [m for m in msgs if "glyph" in m.lower()]
    assert not [t for t in _texts(fig) if CJK.search(t)]
    assert any("Suining transport networks" in t for t in _texts(fig))
    _assert_not_blank(tmp_path / "en.png")


def _scale_bar(ax) -> AnchoredSizeBar:
    bars = [a for a in ax.artists if isinstance(a, AnchoredSizeBar)]
    assert len(bars) == 1
    return bars[0]


@needs_data
def test_real_print_figure(tmp_path, caplog):
    phase = Phase.of("plan_2025")
    with warnings.catch_warnings(record=True) as rec, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig, ax = plot_phase(phase)
        out = save_figure(fig, tmp_path / "plan_2025.png", dpi=100)
    _assert_not_blank(out)
    # the PNG renders Chinese labels: no glyph is missing from the fonts
    assert not _glyph_problems(rec, caplog.records)
    assert find_cjk_font() is not None and any(CJK.search(t) for t in _texts(fig))
    texts = _texts(fig)
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    # nothing crosses the frame: every visible label on the map lies inside it
    for t in ax.texts:
        if t.get_visible() and t.get_text():
            box = t.get_window_extent(renderer)
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, t.get_text()
            assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, t.get_text()
    # a north arrow, and a scale bar whose length is what it says (geodesic, WGS84)
    assert any(t.startswith("N") and "北" in t for t in texts)
    bar = _scale_bar(ax)
    km = float(bar.txt_label.get_text().split()[0])
    size_deg = bar.size_bar.get_children()[0].get_width()
    lat = np.mean(ax.get_ylim())
    x0 = ax.get_xlim()[0]
    _, _, metres = Geod(ellps="WGS84").inv(x0, lat, x0 + size_deg, lat)
    assert metres / 1000 == pytest.approx(km, rel=0.01)
    # every goal is in the table inset, with its verdict; the timeline has a panel per limit
    table = goal_table(phase)
    cells = [t for t in texts if t in ("✔", "✘")]
    assert sorted(cells) == sorted("✔" if p else "✘" for p in table["passed"])
    share = table["measure"] == "population_share"
    panels = table.loc[~share, "limit_min"].nunique() + table.loc[share, "target"].nunique()
    titled = [a for a in fig.axes if a.get_title(loc="left")]
    assert len(titled) == panels
    # both ends of the 1-hour goals are on the map (the old figure left four goals out)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for nid in ("chengdu", "chongqing"):
        lon, lat = phase.plan.nodes.loc[nid, ["lon", "lat"]]
        assert x0 < lon < x1 and y0 < lat < y1, nid
