"""The shared vocabulary: networks, statuses, node kinds, time terms, CRS, year range.

Every module that needs one of these names imports it from here, so a word means the same
thing in the data files, the graph, the scenario files, the CLI and the outputs. The
glossary in ``docs/glossary.md`` explains each word.
"""

from __future__ import annotations

#: Geographic CRS of every input and output (longitude, latitude in degrees).
WGS84 = "EPSG:4326"

#: Networks of the plan (line records). The urban rail at the far ends (Chengdu, Chongqing
#: metro) is modelled separately (``metro`` in the graph).
NETWORKS = ("rail", "expressway", "trunk")

#: Networks driven by car, whose speed is the signed limit × a running factor per class.
ROAD_NETWORKS = ("expressway", "trunk")

#: Status of a line or node record, as of the latest source.
STATUSES = ("existing", "under_construction", "planned", "proposed")

#: State of a line *in a given year* (what a map of that year draws): open in that year,
#: under construction and not yet open, planned and not yet open, or added by a scenario.
LINE_STATES = ("open", "under_construction", "planned", "proposed", "hypothetical")

#: Confidence of a record: H official/several sources, M one decent source, L weak.
CONFIDENCES = ("H", "M", "L")

#: Node kinds that are places people live in or travel to.
PLACE_KINDS = ("centre", "county_seat", "town")

#: Every node kind of ``nodes.csv``.
NODE_KINDS = (*PLACE_KINDS, "station", "interchange", "junction", "waypoint")

#: Node kinds on the street layer of a phase graph (where travellers can step on and off).
STREET_KINDS = (*PLACE_KINDS, "station", "interchange", "junction", "waypoint", "roadpoint")

#: Line classes per network.
LINE_CLASSES = {
    "rail": ("hsr350", "hsr250", "intercity200", "conventional200", "conventional160",
             "conventional120", "suburban"),
    "expressway": ("expressway",),
    "trunk": ("national_road", "provincial_road", "urban_arterial", "fast_link"),
}

#: Node kinds a line of each network may stop at.
STOP_KINDS = {
    "rail": ("station",),
    "expressway": ("interchange",),
    "trunk": (*PLACE_KINDS, "junction", "waypoint", "interchange"),
}

#: Terms of a door-to-door time, in the order a trip meets them.
TERMS: tuple[str, ...] = ("access", "entry", "wait", "in_vehicle", "dwell", "transfer", "exit",
                          "egress")

#: Routing modes: every edge (``any``: a car, trains and everything else), rail only
#: (station to station), roads only (driving), and ``transit``: public transport without a
#: car (walking, buses, trains, metro).
MODES = ("any", "rail", "road", "transit")

#: Kinds of a hub of ``hubs.csv`` (airport, port, lock, rail freight terminal, comprehensive
#: passenger hub, city air terminal, bus terminal, bus stop).
HUB_KINDS = ("airport", "port", "lock", "rail_freight", "passenger_hub", "air_terminal",
             "bus_terminal", "stop")

#: Kinds of a bus route of ``bus_routes.csv``: 城乡公交 urban–rural bus, 接驳 feeder,
#: 客运班线/城际公交 intercity coach or bus, 定制客运 customised (booked) van.
BUS_KINDS = ("urban_rural", "feeder", "intercity", "customised")

#: Where riders board a bus route: ``along`` its road path (a stopping public bus, which
#: stops every few hundred metres) or only at its listed ``stops`` (coaches, vans).
BUS_BOARDING = ("along", "stops")

#: Headway periods of a bus route.
BUS_PERIODS = ("peak", "offpeak")

#: Years a phase, a line's opening or a scenario may name (inclusive).
YEAR_RANGE = (1950, 2060)

#: Largest physically plausible operating speed per network, km/h (rail: the fastest
#: Chinese HSR runs at 350; roads: the expressway limit is 120, margin for a hypothetical).
MAX_SPEED_KPH = {"rail": 400.0, "expressway": 150.0, "trunk": 150.0}

#: Isochrone band limits: above 0 and at most this many minutes.
BAND_MAX_MIN = 600.0

#: Travel-time grid cell, m (below 50 m the grid of the region has billions of cells;
#: above 5 km it no longer resolves a county seat).
CELL_M_RANGE = (50.0, 5000.0)

__all__ = ["BAND_MAX_MIN", "BUS_BOARDING", "BUS_KINDS", "BUS_PERIODS", "CELL_M_RANGE",
           "CONFIDENCES", "HUB_KINDS", "LINE_CLASSES", "LINE_STATES",
           "MAX_SPEED_KPH", "MODES", "NETWORKS", "NODE_KINDS", "PLACE_KINDS", "ROAD_NETWORKS",
           "STATUSES",
           "STOP_KINDS", "STREET_KINDS", "TERMS", "WGS84", "YEAR_RANGE"]
