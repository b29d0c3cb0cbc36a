"""Suining plan networks: a phase-aware model of the rail, expressway and trunk-road plans.

Load the sourced plan, build the network as it stands in a year, route door to door,
draw isochrones and check the plan's 1-hour and half-hour goals::

    import network as sn

    G = sn.graph_as_of(2025)
    sn.od_times(G, [("遂宁", "成都")])                 # minutes, km, lines, every term
    bands = sn.isochrones(G, "遂宁", minutes=(30, 60))  # GeoDataFrame, one row per band
    sn.check_goals(years=(2020, 2025, 2035))

Importing the package has no side effects: nothing is read until a function is called.
"""

from .data import load_plan
from .errors import DataError, GraphSchemaError, NetworkError, UnknownPlaceError
from .goals import check_goals, first_year_met, read_goals
from .graph import default_plan, graph_as_of, graph_to_gdfs, validate_graph
from .isochrones import isochrones, travel_time_surface
from .osm import OSMError, attach_roads, load_roads
from .plan import Plan
from .population import county_boundaries, population_units
from .routing import compile_graph, od_times, resolve_node, travel_times
from .scenario import Scenario, parse_scenario, read_scenario
from .settings import TERMS, Settings

__version__ = "0.1.0"

__all__ = [
    "TERMS",
    "DataError",
    "GraphSchemaError",
    "NetworkError",
    "OSMError",
    "Plan",
    "Scenario",
    "Settings",
    "UnknownPlaceError",
    "attach_roads",
    "check_goals",
    "compile_graph",
    "county_boundaries",
    "default_plan",
    "first_year_met",
    "graph_as_of",
    "graph_to_gdfs",
    "isochrones",
    "load_plan",
    "load_roads",
    "od_times",
    "parse_scenario",
    "population_units",
    "read_goals",
    "read_scenario",
    "resolve_node",
    "travel_time_surface",
    "travel_times",
    "validate_graph",
]
