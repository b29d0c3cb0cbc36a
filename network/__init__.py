"""Suining plan networks: phases of the rail, expressway and trunk-road plans, door to door.

Make a phase (the plan in a year, optionally under a scenario), route door to door, draw
isochrones, check the plan's 1-hour and half-hour goals, compare and rank::

    import network as sn

    p = sn.Phase.of(2030)                               # or sn.Phase.of("lanyu_hsr")
    sn.od_times(p, [("遂宁", "成都")])                   # minutes, km, lines, every term
    bands = sn.isochrones(p, "遂宁", bands_min=(30, 60))  # GeoDataFrame, one row per band
    sn.check_goals(years=(2020, 2025, 2035))
    sn.compare("plan_2035", "lanyu_hsr")                # both in B's year
    sn.rank_lines(sn.Phase.of("plan_2035"), by="reach-population")

Importing the package is cheap and has no side effects: every name below is imported on
first use (``import network`` loads neither geopandas nor folium, matplotlib, dask or
osmnx).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.2.0"

#: Public name → module that defines it (imported on first use).
_API = {
    # the phase and what it is made of
    "Phase": "model.phase",
    "graph_as_of": "model.phase",
    "Settings": "model.settings",
    "Scenario": "model.scenario",
    "read_scenario": "model.scenario",
    "parse_scenario": "model.scenario",
    "Plan": "model.plan",
    "load_plan": "model.data",
    "default_plan": "model.data",
    "graph_to_gdfs": "model.graph",
    "validate_graph": "model.graph",
    "load_roads": "model.osm",
    "attach_roads": "model.streets",
    "TERMS": "vocab",
    # the engine
    "od_times": "engine.routing",
    "travel_times": "engine.routing",
    "resolve_node": "engine.names",
    "isochrones": "engine.isochrones",
    "travel_time_surface": "engine.isochrones",
    "population_units": "engine.population",
    "county_boundaries": "engine.boundaries",
    # the analysis
    "check_goals": "analysis.goals",
    "goal_table": "analysis.goals",
    "first_year_met": "analysis.goals",
    "read_goals": "analysis.goals",
    "compare": "analysis.compare",
    "rank_lines": "analysis.rank",
    "hub_catchments": "analysis.hubs",
    "freight_links": "analysis.hubs",
    "transit_equity": "analysis.equity",
    # rendering
    "map_phase": "render.maps",
    "map_comparison": "render.compare_map",
    "save_map": "render.maps",
    "plot_phase": "render.figures",
    "save_figure": "render.figures",
    "rail_feed": "render.gtfs",
    "write_gtfs": "render.gtfs",
    # errors
    "NetworkError": "errors",
    "DataError": "errors",
    "InputError": "errors",
    "UnknownPlaceError": "errors",
    "GraphSchemaError": "errors",
    "OSMError": "errors",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'network' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # next time, no __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


if TYPE_CHECKING:  # for editors and type checkers; never imported at run time
    from .analysis.compare import compare
    from .analysis.equity import transit_equity
    from .analysis.goals import check_goals, first_year_met, goal_table, read_goals
    from .analysis.hubs import freight_links, hub_catchments
    from .analysis.rank import rank_lines
    from .engine.boundaries import county_boundaries
    from .engine.isochrones import isochrones, travel_time_surface
    from .engine.names import resolve_node
    from .engine.population import population_units
    from .engine.routing import od_times, travel_times
    from .errors import (
        DataError,
        GraphSchemaError,
        InputError,
        NetworkError,
        OSMError,
        UnknownPlaceError,
    )
    from .model.data import default_plan, load_plan
    from .model.graph import graph_to_gdfs, validate_graph
    from .model.osm import load_roads
    from .model.phase import Phase, graph_as_of
    from .model.plan import Plan
    from .model.scenario import Scenario, parse_scenario, read_scenario
    from .model.settings import Settings
    from .model.streets import attach_roads
    from .render.compare_map import map_comparison
    from .render.figures import plot_phase, save_figure
    from .render.gtfs import rail_feed, write_gtfs
    from .render.maps import map_phase, save_map
    from .vocab import TERMS
