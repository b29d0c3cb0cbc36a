"""Offline Leaflet: the installed ``xstatic-leaflet`` files inlined as ``data:`` URIs.

folium loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, so a saved map is a
blank page without internet. ``make_offline`` replaces those links on one map with
``leaflet.js`` and ``leaflet.css`` from the installed ``xstatic-leaflet`` package, inlined
as ``data:`` URIs (the CSS images too), so the saved HTML file needs no network at all.

Only Leaflet itself is inlined: the map code in ``network.maps`` uses GeoJson layers,
CircleMarkers and plain HTML panels, none of which need jQuery or Bootstrap. Default
``L.Marker`` pins work as well (their icon URLs are set to ``data:`` URIs).
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

import folium


def leaflet_dir() -> Path:
    """Folder of the installed ``xstatic-leaflet`` files (``leaflet.js``, ``leaflet.css``)."""
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@functools.cache
def image_uri(name: str) -> str:
    """A Leaflet image (e.g. ``"marker-icon.png"``) as a ``data:image/png`` URI."""
    return _data_uri((leaflet_dir() / "images" / name).read_bytes(), "image/png")


@functools.cache
def leaflet_css() -> str:
    """``leaflet.css`` with every ``url(images/...)`` replaced by a ``data:`` URI."""
    css = (leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")

    def repl(match: re.Match) -> str:
        return f'url("{image_uri(match.group(2))}")'

    return re.sub(r"url\((['\"]?)images/([\w.\-]+)\1\)", repl, css)


@functools.cache
def leaflet_js() -> str:
    """``leaflet.js`` followed by offline defaults.

    The appended code points ``L.Icon.Default`` at ``data:`` URIs (so default marker pins
    need no files) and makes the attribution prefix plain text (no link to leafletjs.com).
    """
    js = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    extra = (
        "\n;(function(){"
        "L.Icon.Default.imagePath='';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl:'{image_uri('marker-icon.png')}',"
        f"iconRetinaUrl:'{image_uri('marker-icon-2x.png')}',"
        f"shadowUrl:'{image_uri('marker-shadow.png')}'"
        "});"
        "L.Control.Attribution.prototype.options.prefix='Leaflet';"
        "})();\n"
    )
    return js + extra


@functools.cache
def leaflet_js_uri() -> str:
    """``leaflet_js`` as a ``data:text/javascript`` URI."""
    return _data_uri(leaflet_js().encode("utf-8"), "text/javascript")


@functools.cache
def leaflet_css_uri() -> str:
    """``leaflet_css`` as a ``data:text/css`` URI."""
    return _data_uri(leaflet_css().encode("utf-8"), "text/css")


def make_offline(m: folium.Map) -> folium.Map:
    """Make ``m`` load Leaflet from inlined ``data:`` URIs instead of CDNs (in place).

    Parameters
    ----------
    m : folium.Map
        A map built with folium; it must not use plugins that need other libraries
        (jQuery, Bootstrap, awesome-markers): those would be missing offline.

    Returns
    -------
    folium.Map
        ``m`` itself.
    """
    m.default_js = [("leaflet", leaflet_js_uri())]
    m.default_css = [("leaflet_css", leaflet_css_uri())]
    return m


__all__ = ["image_uri", "leaflet_css", "leaflet_css_uri", "leaflet_dir", "leaflet_js",
           "leaflet_js_uri", "make_offline"]
