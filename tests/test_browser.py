"""Saved maps in a real browser (Playwright for Python driving Debian chromium, offline).

Skipped, with the reason, when chromium or playwright is missing, except on CI
(``CI=true``) where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from network.render.maps import map_scene, prepare_scene, save_map
from network.render.styles import NETWORK_NAMES, STATUS_NAMES

from .test_maps import INJECTED, TINY_GOALS, needs_data, tiny_lines, tiny_scene

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOT = Path("/tmp/suining_map.png")

#: Page point on a path where the path itself is the topmost element (client px), or null.
_POINT_ON_PATH = """(el) => {
    const len = el.getTotalLength(), ctm = el.getScreenCTM();
    for (const f of [0.3, 0.7, 0.4, 0.6, 0.2, 0.8, 0.5, 0.1, 0.9]) {
        const p = el.getPointAtLength(len * f);
        const x = ctm.a * p.x + ctm.c * p.y + ctm.e, y = ctm.b * p.x + ctm.d * p.y + ctm.f;
        if (document.elementFromPoint(x, y) === el) return [x, y];
    }
    return null;
}"""


def _missing() -> str | None:
    if shutil.which("chromium") is None:
        return "Debian chromium is not on PATH (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run on CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS,
                              headless=True)
        yield b
        b.close()


class Page:
    """A page with everything that went wrong recorded."""

    def __init__(self, browser, path: Path):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.ctx.new_page()
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        pg = self.page
        pg.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        pg.on("pageerror", lambda e: self.console_errors.append(str(e)))
        pg.on("requestfailed", lambda r: self.failed.append(r.url[:120]))
        pg.on("request", lambda r: self.requests.append(r.url[:60]))
        pg.on("dialog", self._dialog)
        pg.goto(path.resolve().as_uri(), wait_until="load")
        pg.wait_for_selector("path.sn-line", state="attached", timeout=10_000)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def click_path(self, selector: str) -> str:
        """Click on the stroke of the first path matching ``selector``; the popup's text."""
        el = self.page.locator(selector).first
        xy = el.evaluate(_POINT_ON_PATH)
        assert xy is not None, f"no clickable point on {selector}"
        self.page.mouse.click(*xy)
        popup = self.page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5_000)
        return popup.inner_text()

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture(scope="module")
def tiny_page(browser, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny_map")
    scene = tiny_scene(tmp)
    page = Page(browser, save_map(map_scene(scene), tmp / "tiny.html"))
    yield scene, page
    page.close()


def test_loads_offline_without_errors(tiny_page):
    _, page = tiny_page
    assert page.failed == []
    assert page.console_errors == []
    assert all(u.startswith(("file:", "data:")) for u in page.requests), page.requests
    assert page.count(".leaflet-control-scale") == 1
    assert page.count(".leaflet-control-layers") == 1


def test_feature_counts_match_the_data(tiny_page):
    scene, page = tiny_page
    assert page.count("path.sn-band") == len(scene.bands) == 4
    assert page.count("path.sn-line") == len(scene.lines) == 3
    for net in ("rail", "expressway", "trunk"):
        assert page.count(f"path.sn-line-{net}") == (scene.lines["network"] == net).sum()
    assert page.count("path.sn-station") == 3
    assert page.count("path.sn-interchange") == 2
    assert page.count("path.sn-goal") == len(TINY_GOALS)
    assert page.count("path.sn-goal-pass") == 1 and page.count("path.sn-goal-fail") == 1


def test_legend_shows_every_network_and_status(tiny_page):
    _, page = tiny_page
    legend = page.page.locator("#sn-legend").inner_text()
    for zh, en in [*NETWORK_NAMES.values(), *STATUS_NAMES.values()]:
        assert zh in legend and en in legend
    assert "0–15 min" in legend and "45–60 min" in legend
    title = page.page.locator("#sn-title").inner_text()
    assert "2020" in title


def test_clicking_a_line_shows_its_popup(tiny_page):
    _, page = tiny_page
    text = page.click_path("path.sn-line-rail")
    assert "甲乙高铁" in text and "Acity–Bcity HSR" in text
    assert "hsr350" in text and "200 km/h" in text and "2010" in text
    page.page.keyboard.press("Escape")


def test_injected_name_runs_nothing(browser, tmp_path):
    lines = tiny_lines(r_ab=(INJECTED, INJECTED))
    path = save_map(map_scene(tiny_scene(tmp_path, lines=lines)), tmp_path / "injected.html")
    page = Page(browser, path)
    try:
        text = page.click_path("path.sn-line-rail")  # opens the popup with the name
        page.page.hover("path.sn-line-rail", force=True)  # and the tooltip
        page.page.wait_for_timeout(300)
        assert INJECTED in text  # shown as text
        assert page.page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert page.dialogs == []
        assert page.console_errors == [] and page.failed == []
    finally:
        page.close()


@needs_data
def test_real_2025_map_in_browser(browser, tmp_path):
    import network as sn

    scene = prepare_scene(sn.Phase.of(2025))
    path = save_map(map_scene(scene), tmp_path / "suining_2025.html")
    page = Page(browser, path)
    try:
        assert page.failed == [] and page.console_errors == []
        assert page.count("path.sn-band") == len(scene.bands)
        assert page.count("path.sn-line:not(.sn-future)") == len(scene.lines)
        assert page.count("path.sn-future") == len(scene.future)
        assert page.count("path.sn-boundary") == len(scene.boundaries)
        assert page.count("path.sn-goal") == len(scene.goals)
        page.page.wait_for_timeout(300)
        page.page.screenshot(path=str(SCREENSHOT))
    finally:
        page.close()
    from matplotlib.image import imread

    rgb = imread(SCREENSHOT)[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 200
