"""Static figures: render, PNG written atomically, not blank, graceful without a CJK font."""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

import network.render.figures as nplot
from network import Phase, load_plan
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
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def _assert_not_blank(path) -> None:
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 200
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05  # far from a flat image
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50


def test_figure_renders_and_png_is_written(tmp_path, tiny_inputs, caplog):
    with warnings.catch_warnings(record=True) as rec, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig, ax = plot_phase(**tiny_inputs)
        out = save_figure(fig, tmp_path / "png" / "tiny.png", dpi=80)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.png"]  # no temp file left
    _assert_not_blank(out)
    assert not [w for w in rec if "glyph" in str(w.message).lower()]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    # content: title with the year, one legend entry per network / status / band / verdict
    assert "2020" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for en in ("Rail", "Expressway", "Trunk road", "Existing", "Under construction",
               "Planned", "Proposed", "goal met", "goal not met"):
        assert any(en in lab for lab in labels), en
    assert sum("min" in lab for lab in labels) == len(BANDS_MIN)


def test_draws_into_a_given_axes(tiny_inputs):
    fig = Figure()
    ax = fig.add_subplot()
    got_fig, got_ax = plot_phase(ax=ax, title="custom <title> $x$", **tiny_inputs)
    assert got_fig is fig and got_ax is ax
    assert "custom <title> \\$x\\$" in ax.get_title()  # data text is never mathtext


@pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font installed")
def test_cjk_labels_when_a_font_is_installed(tiny_inputs):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, ax = plot_phase(**tiny_inputs)
        fig.canvas.draw()
    assert not [w for w in rec if "glyph" in str(w.message).lower()]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("铁路" in lab for lab in labels)
    assert "遂宁交通网络" in ax.get_title()


def test_english_fallback_without_cjk_font(tmp_path, tiny_inputs, monkeypatch):
    monkeypatch.setattr(nplot, "find_cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig, ax = plot_phase(**tiny_inputs)
        save_figure(fig, tmp_path / "en.png", dpi=60)
    msgs = [str(w.message) for w in rec]
    assert sum("CJK" in m for m in msgs) == 1  # one clear warning, no glyph spam
    assert not [m for m in msgs if "glyph" in m.lower()]
    assert not [t for t in _texts(fig) if CJK.search(t)]
    assert "Suining transport networks" in ax.get_title()
    _assert_not_blank(tmp_path / "en.png")


@needs_data
def test_real_2025_figure(tmp_path):
    fig, ax = plot_phase(Phase.of(2025))
    out = save_figure(fig, tmp_path / "suining_2025.png", dpi=100)
    _assert_not_blank(out)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("county boundary" in lab for lab in labels)
