"""The Plan: every node and line of the three networks, all phases, and what a year holds.

A ``Plan`` is what ``network.load_plan`` returns. It knows which lines are in
service in a given year (``open_year <= year``), applies dated upgrades (widenings,
speed-ups), and applies a ``Scenario``'s modifications and added
lines. It does no routing; ``network.graph`` turns a phase into a graph.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from ..errors import DataError, Problem
from ..vocab import MAX_SPEED_KPH, PLACE_KINDS, ROAD_NETWORKS, WGS84
from .metro import MetroNetwork
from .records import Collector, check_line, close_matches
from .scenario import LineAddition, Scenario

#: Columns of ``Plan.lines_gdf``, in order.
LINE_COLUMNS = [
    "id", "name_zh", "name_en", "network", "line_class", "corridor", "plan_group", "status",
    "open_year", "design_speed_kph", "operating_speed_kph", "speed_limit_kph", "lanes", "stops",
    "length_km_official", "geometry_source", "length_source", "source", "confidence", "note",
]


@dataclass(frozen=True)
class Plan:
    """All nodes and lines of the plan networks, with their phases.

    Attributes
    ----------
    nodes : pandas.DataFrame
        ``nodes.csv``, indexed by node id.
    lines : dict
        Line records by id (see ``data/geo/README.md``); ``coords`` holds the WGS84
        vertices and ``stop_vertex`` the vertex index of each stop.
    upgrades : pandas.DataFrame
        Dated changes to lines (``upgrades.csv``).
    population : pandas.DataFrame
        2020 census table (``population.csv``), indexed by unit id.
    data_dir : Path
        Where the data was read from.
    scenario : Scenario or None
        The scenario applied, if any.
    services : tuple of Service
        Rail services (``services.csv``, ``network.model.services``).
    metro : MetroNetwork or None
        Urban rail at the far ends (``network.model.metro``).
    hubs : DataFrame
        Airport, port, locks, passenger hubs, bus terminals (``hubs.csv``,
        ``network.model.hubs``), indexed by id.
    bus_routes : tuple of BusRoute
        Bus and coach routes (``bus_routes.csv``, ``network.model.buses``).
    freight : DataFrame
        Waterway, road and rail freight links (``freight.csv``, ``network.model.freight``).
    """

    nodes: pd.DataFrame
    lines: dict[str, dict]
    upgrades: pd.DataFrame
    population: pd.DataFrame
    data_dir: Path
    scenario: Scenario | None = field(default=None)
    services: tuple = ()
    metro: MetroNetwork | None = None
    hubs: pd.DataFrame = field(default_factory=pd.DataFrame)
    bus_routes: tuple = ()
    freight: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ------------------------------------------------------------------ phases

    def lines_as_of(self, year: int) -> list[dict]:
        """Line records in service in ``year``, with dated upgrades applied.

        Parameters
        ----------
        year : int
            A line is in service when its ``open_year`` is known and ``<= year``.

        Returns
        -------
        list of dict
            Copies of the line records (safe to modify).
        """
        out = []
        index = self._upgrade_index
        for line in self.lines.values():
            if line["open_year"] is None or line["open_year"] > year:
                continue
            rec = dict(line)
            for up_year, up_id, up_field, up_value in index.get(line["id"], ()):
                if up_year > year:
                    break
                rec[up_field] = up_value
                rec["upgrades"] = [*rec.get("upgrades", []), up_id]
            out.append(rec)
        return out

    @functools.cached_property
    def _upgrade_index(self) -> dict[str, list[tuple[int, str, str, float]]]:
        """Dated upgrades per line id, sorted by year, then file rows by id, then the
        scenario's own in their order (so a scenario overrides the file in the same
        year): built once per plan."""
        ups = self.upgrades.dropna(subset=["year"]).copy()
        scenario = ups["source"].eq("scenario file") if "source" in ups else False
        ups["_scenario"] = scenario
        ups["_key"] = np.where(scenario, [f"{i:08d}" for i in range(len(ups))],
                               ups["id"].astype(str))
        ups = ups.sort_values(["year", "_scenario", "_key"])
        index: dict[str, list] = {}
        for up in ups.itertuples():
            index.setdefault(up.line_id, []).append((int(up.year), up.id, up.field,
                                                     float(up.value)))
        return index

    def lines_gdf(self, year: int | None = None) -> gpd.GeoDataFrame:
        """Lines as a GeoDataFrame (EPSG:4326), all of them or those in service in ``year``."""
        recs = self.lines_as_of(year) if year is not None else list(self.lines.values())
        rows = [{c: (", ".join(r[c]) if c == "stops" else r.get(c)) for c in LINE_COLUMNS}
                for r in recs]
        geoms = [LineString(r["coords"]) for r in recs]
        gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84, columns=LINE_COLUMNS)
        # a plain range index (``id`` is a column), so the frame goes to a GeoPackage as is
        return gdf.sort_values("id", ignore_index=True)

    def nodes_gdf(self) -> gpd.GeoDataFrame:
        """Nodes as a GeoDataFrame (EPSG:4326), indexed by id."""
        pts = [Point(xy) for xy in self.nodes[["lon", "lat"]].to_numpy()]
        return gpd.GeoDataFrame(self.nodes.reset_index(drop=True), geometry=pts, crs=WGS84)

    def places(self) -> pd.DataFrame:
        """Place nodes (centres, county seats, towns)."""
        return self.nodes[self.nodes["kind"].isin(PLACE_KINDS)]

    # ------------------------------------------------------------------ scenarios

    def with_scenario(self, scenario: Scenario | None) -> Plan:
        """Return a new Plan with the scenario's modifications and added lines applied.

        Raises
        ------
        DataError
            For unknown line or node ids (listing close matches) and invalid added lines.
        """
        if scenario is None:
            return self
        file = scenario.path or f"scenario {scenario.name}"
        c = Collector(file)
        lines = {k: dict(v) for k, v in self.lines.items()}
        for i, mod in enumerate(scenario.lines.modify):
            key = f"lines.modify[{i}].id"
            if mod.id not in lines:
                hint = close_matches(mod.id, lines)
                c.add(scenario.name, key, f"unknown line id {mod.id!r}"
                      + (f"; close matches: {', '.join(hint)}" if hint else ""))
                continue
            if mod.remove:
                del lines[mod.id]
                continue
            net = lines[mod.id]["network"]
            top = MAX_SPEED_KPH[net]
            for fname in ("open_year", "operating_speed_kph", "speed_limit_kph",
                          "design_speed_kph", "status"):
                value = getattr(mod, fname)
                if value is None:
                    continue
                where = f"lines.modify[{i}].{fname}"
                if fname.endswith("_kph") and value > top:
                    c.add(scenario.name, where, f"{value:g} km/h is above the plausible maximum "
                          f"of {top:g} km/h for a {net} line")
                    continue
                if (fname == "operating_speed_kph" and net in ROAD_NETWORKS) or (
                        fname == "speed_limit_kph" and net not in ROAD_NETWORKS):
                    right = "speed_limit_kph" if net in ROAD_NETWORKS else "operating_speed_kph"
                    c.add(scenario.name, where, f"a {net} line changes speed through {right}")
                    continue
                lines[mod.id][fname] = value
        for i, add in enumerate(scenario.lines.add):
            key = f"lines.add[{i}]"
            if add.id in lines:
                c.add(scenario.name, f"{key}.id", f"line id {add.id!r} already exists")
                continue
            rec = _added_line(add, self.nodes, c, key, scenario.name)
            if rec is not None:
                lines[add.id] = rec
        upgrades = _scenario_upgrades(self.upgrades, scenario, lines, c)
        services = _scenario_services(self.services, scenario, lines, c)
        hubs, buses = _scenario_transit(self, scenario, lines, c)
        if c.problems:
            raise DataError(c.problems)
        return replace(self, lines=lines, scenario=scenario, upgrades=upgrades,
                       services=services, hubs=hubs, bus_routes=buses)


def _added_line(add: LineAddition, nodes: pd.DataFrame, c: Collector, key: str,
                record: str) -> dict | None:
    coords, node_ids = [], []
    for j, item in enumerate(add.route):
        if isinstance(item, str):
            if item not in nodes.index:
                hint = close_matches(item, nodes.index)
                c.add(record, f"{key}.route[{j}]", f"unknown node id {item!r}"
                      + (f"; close matches: {', '.join(hint)}" if hint else ""))
                return None
            coords.append((nodes.at[item, "lon"], nodes.at[item, "lat"]))
            node_ids.append(item)
        else:
            coords.append(tuple(item))
    stops = add.stops if add.stops is not None else node_ids
    for s in stops:
        if s not in node_ids:
            c.add(record, f"{key}.stops", f"stop {s!r} is not a node of the route")
            return None
    xy = np.asarray(coords, dtype=float)
    if np.any(np.all(np.diff(xy, axis=0) == 0, axis=1)):
        c.add(record, f"{key}.route", "two consecutive route points coincide")
        return None
    road = add.network in ROAD_NETWORKS
    need, other = ("speed_limit_kph", "operating_speed_kph") if road else (
        "operating_speed_kph", "speed_limit_kph")
    if getattr(add, need) is None:
        c.add(record, f"{key}.{need}", f"a {add.network} line needs {need}"
              + (f" (not {other})" if getattr(add, other) is not None else ""))
        return None
    props = {
        **add.model_dump(exclude={"route", "stops"}),
        "speed_limit_source": add.source if road else "",
        "stops": list(stops),
        "note": "added by scenario",
        "corridor": add.id,
        "length_km_official": None,
    }
    geom = {"type": "LineString", "coordinates": xy.tolist()}
    inner = Collector(c.file)
    rec = check_line(props, geom, nodes, inner)
    for p in inner.problems:
        # speak the user's key: stops come from ``route`` unless ``stops`` was given
        field = p.field
        if field == "geometry" or (field == "stops" and add.stops is None):
            field = "route"
        c.add(record, f"{key}.{field}", p.message)
    return copy.deepcopy(rec) if rec is not None and not inner.problems else None


def _scenario_upgrades(upgrades: pd.DataFrame, scenario: Scenario, lines: dict,
                       c: Collector) -> pd.DataFrame:
    """``upgrades.csv`` plus the scenario's dated upgrades (checked like the file's rows)."""
    rows = []
    for i, up in enumerate(scenario.upgrades):
        key = f"upgrades[{i}]"
        line = lines.get(up.line_id)
        if line is None:
            hint = close_matches(up.line_id, lines)
            c.add(scenario.name, f"{key}.line_id", f"unknown line id {up.line_id!r}"
                  + (f"; close matches: {', '.join(hint)}" if hint else ""))
            continue
        road = line["network"] in ROAD_NETWORKS
        if (road and up.field == "operating_speed_kph") or (not road and up.field == "speed_limit_kph"):
            right = "speed_limit_kph" if road else "operating_speed_kph"
            c.add(scenario.name, f"{key}.field", f"a {line['network']} line changes speed "
                  f"through {right}")
            continue
        rows.append({"id": f"{scenario.name}:{key}", "line_id": up.line_id, "year": up.year,
                     "field": up.field, "value": up.value, "source": "scenario file",
                     "confidence": "L"})
    if not rows:
        return upgrades
    return pd.concat([upgrades, pd.DataFrame(rows)], ignore_index=True)


def _scenario_services(services: tuple, scenario: Scenario, lines: dict, c: Collector) -> tuple:
    """The services with the scenario's service changes and additions applied."""
    from dataclasses import replace as dc_replace

    from .services import _place

    out = list(services)
    for i, mod in enumerate(scenario.services.modify):
        key = f"services.modify[{i}]"
        idx = [k for k, s in enumerate(out) if s.id == mod.id]
        if not idx:
            hint = close_matches(mod.id, sorted({s.id for s in out}))
            c.add(scenario.name, f"{key}.id", f"unknown service id {mod.id!r}"
                  + (f"; close matches: {', '.join(hint)}" if hint else ""))
            continue
        if mod.remove:
            out = [s for s in out if s.id != mod.id]
            continue
        for k in idx:
            svc = out[k]
            calls = list(mod.calls) if mod.calls is not None else list(svc.calls)
            for stop in mod.skip:
                if stop not in calls:
                    c.add(scenario.name, f"{key}.skip", f"{stop!r} is not a call of {mod.id}")
                calls = [x for x in calls if x != stop]
            rec = {"id": svc.id, "name_zh": svc.name_zh, "name_en": svc.name_en,
                   "lines": ";".join(svc.lines), "calls": ";".join(calls),
                   "trains_per_day": mod.trains_per_day or svc.trains_per_day,
                   "run_min": "" if (mod.calls is not None or mod.skip) or svc.run_min is None
                   else ";".join(map(str, svc.run_min)),
                   "first_year": mod.first_year if mod.first_year is not None else svc.first_year,
                   "last_year": mod.last_year if mod.last_year is not None else svc.last_year,
                   "kind": svc.kind, "source": svc.source, "confidence": svc.confidence,
                   "note": svc.note}
            placed = _place(rec, scenario.name, lines, c, f"{key}.id", f"{key}.calls")
            if placed is not None:
                out[k] = dc_replace(placed, kind=svc.kind)
    for i, add in enumerate(scenario.services.add):
        key = f"services.add[{i}]"
        if any(s.id == add.id for s in out):
            c.add(scenario.name, f"{key}.id", f"service id {add.id!r} already exists")
            continue
        rec = {**add.model_dump(), "lines": ";".join(add.lines), "calls": ";".join(add.calls),
               "run_min": "" if add.run_min is None else ";".join(map(str, add.run_min))}
        placed = _place(rec, scenario.name, lines, c, f"{key}.lines", f"{key}.calls")
        if placed is not None:
            out.append(placed)
    return tuple(out)


def _scenario_transit(plan: Plan, scenario: Scenario, lines: dict, c: Collector):
    """The hubs and bus routes with the scenario's ``hubs`` and ``buses`` changes applied."""
    from .buses import StopChecker, with_bus_changes
    from .hubs import with_hub_changes

    hubs = with_hub_changes(plan.hubs, scenario, c)
    buses = plan.bus_routes
    if scenario.buses.modify or scenario.buses.add:
        buses = with_bus_changes(buses, scenario, StopChecker(plan.nodes, hubs, lines), c)
    return hubs, buses


__all__ = ["LINE_COLUMNS", "Plan", "Problem", "close_matches"]
