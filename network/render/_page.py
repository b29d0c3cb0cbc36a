"""The page around a folium map: offline Leaflet, panes, panels, the page's data and script.

Every map of the package is one self-contained HTML page made here: Leaflet inlined
(``._leaflet``), the page CSS (``assets/map.css``) in the head, HTML panels in the body
(``RawHtml``, never compiled as a template), and one JSON block ``#sn-data``
read by the page script (``assets/map.js``). The JSON is data, not code: every string in
it was escaped with ``esc`` or built from escaped parts, and ``<``, ``>``, ``&``
are written as ``\\u003c`` … so nothing in it can close the script element.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import folium
import numpy as np

from . import _leaflet
from ._html import RawHtml, check_no_template, esc
from .styles import PANES, short_source


@functools.cache
def asset(name: str) -> str:
    """Text of ``network/render/assets/<name>``."""
    return resources.files("network.render").joinpath("assets", name).read_text(encoding="utf-8")


def json_for_html(obj: Any) -> str:
    """``obj`` as JSON safe inside an HTML ``<script>`` element (no ``<``, ``>``, ``&``)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Script(folium.MacroElement):
    """JavaScript of our own run right after the parent map is created (``{map}`` = its
    variable). The code must be template-free (it is checked)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, m: folium.Map, code: str):
        super().__init__()
        self._name = "SnScript"
        self.code = check_no_template(code.replace("{map}", m.get_name()), "script")


def new_map(title: str, tiles: str | None, attr: str | None, sources: list[str]) -> folium.Map:
    """An offline folium map with the package's panes, CSS and a short attribution.

    Parameters
    ----------
    title : str
        Page title (escaped here).
    tiles, attr : str, optional
        Web tiles (see ``network.render.maps.map_phase``); default none.
    sources : list of str
        Attribution lines (plain text); the corner shows their short forms.
    """
    m = folium.Map(location=[30.5, 105.6], zoom_start=9, tiles=None, control_scale=False,
                   prefer_canvas=False, zoom_control="topright", zoom_snap=0.25,
                   zoom_delta=0.5)
    _leaflet.make_offline(m)
    root = m.get_root()
    root.title = esc(title)
    root.header.add_child(RawHtml('<link rel="icon" href="data:,">'), name="sn_icon")
    root.header.add_child(RawHtml("<style>\n" + asset("map.css") + "</style>", "css"),
                          name="sn_css")
    _add_tiles(m, tiles, attr)
    for pane, z in PANES:
        folium.map.CustomPane(pane, z_index=z, pointer_events=True).add_to(m)
    # one short line in the corner (a long one wraps over the scale bar); the legend's
    # source block keeps the full wording
    attribution = " | ".join(esc(short_source(s)) for s in sources)
    Script(m, "{map}.attributionControl.addAttribution(" + json_for_html(attribution)
           + ");\nL.control.scale({imperial: false, maxWidth: 140}).addTo({map});").add_to(m)
    return m


def tile_layer_name(m: folium.Map) -> str | None:
    """Variable name of the web tile layer of ``m`` (``None`` without tiles)."""
    for child in m._children.values():
        if isinstance(child, folium.TileLayer):
            return child.get_name()
    return None


def _add_tiles(m: folium.Map, tiles: str | None, attr: str | None) -> None:
    if not tiles:
        return
    from ..model.scenario import tiles_problem
    from .styles import LAYER_NAMES

    problem = tiles_problem(tiles)
    if problem:
        from ..errors import InputError

        raise InputError(f"tiles {tiles[:80]!r}: {problem}")
    kwargs: dict[str, Any] = {"name": esc(LAYER_NAMES["tiles"]), "overlay": False,
                              "control": True}
    if "{" in tiles:
        kwargs["attr"] = esc(attr or "tiles")
    elif attr:
        kwargs["attr"] = esc(attr)
    folium.TileLayer(tiles, **kwargs).add_to(m)


def add_html(m: folium.Map, name: str, html: str) -> None:
    """Add an HTML block (already escaped) to the page body, as it is."""
    m.get_root().html.add_child(RawHtml(html, name), name=f"sn_{name}")


def add_data(m: folium.Map, data: dict) -> None:
    """Add the page data (``#sn-data``) and the page script that reads it.

    ``data`` gets the map's variable name (``map``); see ``assets/map.js`` for its keys.
    """
    data = {"map": m.get_name(), **data}
    check_no_template(data, "page data")
    add_html(m, "data", '<script type="application/json" id="sn-data">'
             + json_for_html(data) + "</script>")
    add_html(m, "script", "<script>\n" + asset("map.js") + "</script>")


def bounds_of(*frames, points: list[tuple[float, float]] = (),
              east_room: float = 0.06) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around GeoDataFrames and (lon, lat) points, with
    ``east_room`` of the width added in the east (place labels run to the right)."""
    boxes = [f.total_bounds for f in frames if f is not None and len(f)]
    boxes += [(x, y, x, y) for x, y in points if np.isfinite(x) and np.isfinite(y)]
    if not boxes:
        return None
    b = np.array(boxes, dtype=float)
    if not np.all(np.isfinite(b)):
        return None
    west, east = float(b[:, 0].min()), float(b[:, 2].max())
    east += east_room * (east - west)
    return [[round(float(b[:, 1].min()), 5), round(west, 5)],
            [round(float(b[:, 3].max()), 5), round(east, 5)]]


__all__ = ["Script", "add_data", "add_html", "asset", "bounds_of", "json_for_html", "new_map",
           "tile_layer_name"]
