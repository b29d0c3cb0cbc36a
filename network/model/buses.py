"""Bus and coach routes: frequency-based services on the road network (``bus_routes.csv``).

A route is a list of stops (nodes of ``nodes.csv`` or hubs of ``hubs.csv``) with a headway
per period (``peak``, ``offpeak``), a running speed as a stated share of the car speed on
the same roads (``speed_share``), a dwell per intermediate listed stop and the years it
runs. It runs both ways (the file is direction-agnostic). Between consecutive stops it
follows the fastest road path of the phase (``network.model.bus_graph``), restricted
to the roads it names in ``roads`` when it names any.

Riders board either **along** the route (a stopping public bus: it stops every few hundred
metres, so it can be boarded and left at any street node of its path; the stops that are
not listed cost no dwell, because ``speed_share`` already includes them) or only at its
listed **stops** (coaches and booked vans).

``read_bus_routes`` checks the file, every problem naming the file, the route and the
field: an unknown stop or road, a headway ≤ 0, a stop farther than
``STOP_OFF_ROAD_MAX_KM`` from every road of the plan (unless it is linked to the place it
serves within ``SERVED_PLACE_MAX_KM``, as stations and hubs are) …
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from ..errors import Problem
from ..vocab import BUS_BOARDING, BUS_KINDS, CONFIDENCES, PLACE_KINDS, ROAD_NETWORKS
from .projection import lonlat_to_xy
from .records import Collector, as_number, blank, close_matches, missing_columns, read_csv

BUS_COLUMNS = ("id", "name_zh", "name_en", "kind", "stops", "headway_peak_min",
               "headway_offpeak_min", "speed_share", "dwell_min", "first_year", "last_year",
               "source", "confidence")
#: How a headway was obtained.
HEADWAY_BASES = ("published", "assumption")
#: A stop must lie within this distance of a road of the plan (a trunk-road or expressway
#: alignment), km: the distance within which stations and interchanges are linked to the
#: nearest road node (``Settings.access_link_km`` default). Modelling rule.
STOP_OFF_ROAD_MAX_KM = 3.0
#: … or, for a station or hub that names the place it serves, that place must lie within
#: this distance (the graph links them, like a station to its town), km. Modelling rule.
SERVED_PLACE_MAX_KM = 20.0
#: Largest headway accepted, min (one bus a day).
MAX_HEADWAY_MIN = 1440.0
#: Default boarding rule by route kind.
DEFAULT_BOARDING = {"urban_rural": "along", "feeder": "along", "intercity": "stops",
                    "customised": "stops"}


@dataclass(frozen=True)
class BusRoute:
    """One bus or coach route (both directions).

    Attributes
    ----------
    id : str
    kind : str
        One of ``network.vocab.BUS_KINDS``.
    stops : tuple of str
        Node or hub ids in order.
    headway_peak_min, headway_offpeak_min : float
        Minutes between departures in each period.
    headway_basis : str
        ``published`` or ``assumption``.
    speed_share : float
        Bus running speed / car speed on the same roads.
    dwell_min : float
        Minutes per intermediate listed stop.
    boards : str
        ``along`` or ``stops`` (``network.vocab.BUS_BOARDING``).
    roads : tuple of str
        Road line ids the route keeps to (empty: the fastest road path).
    first_year, last_year : int or None
        ``first_year`` ``None``: undated (in no phase until a scenario dates it).
    """

    id: str
    name_zh: str
    name_en: str
    kind: str
    stops: tuple[str, ...]
    headway_peak_min: float
    headway_offpeak_min: float
    speed_share: float
    dwell_min: float
    boards: str
    headway_basis: str = "assumption"
    roads: tuple[str, ...] = ()
    first_year: int | None = None
    last_year: int | None = None
    source: str = ""
    confidence: str = "L"
    note: str = ""

    def headway(self, period: str) -> float:
        """Minutes between departures in ``period`` (``peak`` or ``offpeak``)."""
        return self.headway_peak_min if period == "peak" else self.headway_offpeak_min

    def runs_in(self, year: int) -> bool:
        """Whether the route is dated and runs in ``year`` (its stops may still be closed)."""
        return (self.first_year is not None and self.first_year <= year
                and (self.last_year is None or year <= self.last_year))


def _split(value) -> list[str]:
    return [v.strip() for v in str(value).split(";") if v.strip()]


def read_bus_routes(path: Path, nodes: pd.DataFrame, hubs: pd.DataFrame,
                    lines: dict[str, dict]) -> tuple[list[BusRoute], list[Problem]]:
    """Read and check ``bus_routes.csv`` (optional file).

    Parameters
    ----------
    path : Path
    nodes, hubs : DataFrame
        ``nodes.csv`` and ``hubs.csv`` (stops are ids of either).
    lines : dict
        Line records by id (``roads`` names road lines; stops are checked against the road
        alignments).
    """
    if not path.exists():
        return [], []
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, BUS_COLUMNS, c):
        return [], c.problems
    checker = StopChecker(nodes, hubs, lines)
    out, seen = [], set()
    for i, rec in enumerate(df.to_dict("records")):
        rid = rec.get("id") or f"<row {i + 2}>"
        if rid in seen:
            c.add(rid, "id", "duplicate id")
        seen.add(rid)
        route = check_route(rec, rid, checker, c)
        if route is not None:
            out.append(route)
    return out, c.problems


def check_route(rec: dict, rid: str, checker: StopChecker, c: Collector,
                prefix: str = "") -> BusRoute | None:
    """A ``BusRoute`` from a record (a CSV row or a scenario table), or ``None``.

    Problems go to ``c``, each naming ``rid`` and the field as ``prefix + field``.
    """
    n0 = len(c.problems)

    def add(field: str, message: str) -> None:
        c.add(rid, prefix + field, message)

    for f in ("id", "name_zh", "name_en", "kind", "stops", "headway_peak_min",
              "headway_offpeak_min", "speed_share", "dwell_min", "source", "confidence"):
        if blank(rec.get(f)):
            add(f, "missing value")
    for f, allowed in (("kind", BUS_KINDS), ("boards", BUS_BOARDING), ("confidence", CONFIDENCES),
                       ("headway_basis", HEADWAY_BASES)):
        v = rec.get(f)
        if not blank(v) and v not in allowed:
            add(f, f"{v!r} is not one of {', '.join(allowed)}")
    numbers = {}
    for f, lo, hi, strict in (("headway_peak_min", 0, MAX_HEADWAY_MIN, True),
                              ("headway_offpeak_min", 0, MAX_HEADWAY_MIN, True),
                              ("speed_share", 0, 1.0, True), ("dwell_min", 0, 30.0, False)):
        if blank(rec.get(f)):
            continue
        v = as_number(rec.get(f))
        bad = v is None or not math.isfinite(v) or (v <= lo if strict else v < lo) or v > hi
        if bad:
            what = "> 0" if strict else "≥ 0"
            add(f, f"{rec.get(f)!r} must be a number {what} and at most {hi:g}"
                + (" (a headway ≤ 0 means no bus ever comes)" if f.startswith("headway") else ""))
        else:
            numbers[f] = float(v)
    years = {}
    for f in ("first_year", "last_year"):
        v = as_number(rec.get(f))
        if blank(rec.get(f)):
            years[f] = None
        elif v is None or v != int(v) or not 1950 <= v <= 2060:
            add(f, f"{rec.get(f)!r} is not a year between 1950 and 2060")
        else:
            years[f] = int(v)
    if years.get("first_year") and years.get("last_year") and years["first_year"] > years["last_year"]:
        add("last_year", f"{years['last_year']} is before first_year {years['first_year']}")
    stops = _split(rec.get("stops", "")) if not blank(rec.get("stops")) else []
    if stops and len(stops) < 2:
        add("stops", "needs at least two stops")
    for a, b in itertools.pairwise(stops):
        if a == b:
            add("stops", f"stop {a!r} is listed twice in a row")
    for s in stops:
        problem = checker.problem(s)
        if problem:
            add("stops", problem)
    roads = _split(rec.get("roads", "")) if not blank(rec.get("roads")) else []
    for r in roads:
        if r not in checker.lines:
            hint = close_matches(r, checker.lines, n=3)
            add("roads", f"unknown road (line id) {r!r}"
                + (f"; close matches: {', '.join(hint)}" if hint else ""))
        elif checker.lines[r]["network"] not in ROAD_NETWORKS:
            add("roads", f"{r!r} is a {checker.lines[r]['network']} line, not a road")
    if len(c.problems) > n0:
        return None
    kind = str(rec["kind"])
    return BusRoute(
        id=str(rec["id"]), name_zh=str(rec["name_zh"]), name_en=str(rec["name_en"]), kind=kind,
        stops=tuple(stops), headway_peak_min=numbers["headway_peak_min"],
        headway_offpeak_min=numbers["headway_offpeak_min"],
        headway_basis=str(rec.get("headway_basis") or "assumption"),
        speed_share=numbers["speed_share"], dwell_min=numbers["dwell_min"],
        boards=str(rec.get("boards") or DEFAULT_BOARDING[kind]), roads=tuple(roads),
        first_year=years.get("first_year"), last_year=years.get("last_year"),
        source=str(rec.get("source") or ""), confidence=str(rec.get("confidence") or "L"),
        note=str(rec.get("note") or ""))


class StopChecker:
    """Whether an id can be a bus stop: a known node or located hub near the road network."""

    def __init__(self, nodes: pd.DataFrame, hubs: pd.DataFrame, lines: dict[str, dict],
                 metric_crs: str = "EPSG:32648"):
        self.nodes, self.hubs, self.lines, self.crs = nodes, hubs, lines, metric_crs
        roads = [ln for ln in lines.values() if ln["network"] in ROAD_NETWORKS]
        geoms = [shapely.LineString(lonlat_to_xy(ln["coords"][:, 0], ln["coords"][:, 1], metric_crs))
                 for ln in roads]
        self._roads = shapely.STRtree(geoms) if geoms else None
        self._geoms = geoms
        self._cache: dict[str, str | None] = {}

    def position(self, sid: str) -> tuple[float, float] | None:
        if sid in self.nodes.index:
            return float(self.nodes.at[sid, "lon"]), float(self.nodes.at[sid, "lat"])
        if sid in self.hubs.index and pd.notna(self.hubs.at[sid, "lon"]):
            return float(self.hubs.at[sid, "lon"]), float(self.hubs.at[sid, "lat"])
        return None

    def road_km(self, lon: float, lat: float) -> float:
        """Straight-line distance to the nearest road alignment of the plan, km."""
        if self._roads is None:
            return math.inf
        p = shapely.Point(lonlat_to_xy(np.array([lon]), np.array([lat]), self.crs)[0])
        i = self._roads.nearest(p)
        return float(self._geoms[int(i)].distance(p)) / 1000.0

    def problem(self, sid: str) -> str | None:
        """Why ``sid`` cannot be a stop, or ``None``."""
        if sid not in self._cache:
            self._cache[sid] = self._problem(sid)
        return self._cache[sid]

    def _problem(self, sid: str) -> str | None:
        if sid not in self.nodes.index and sid not in self.hubs.index:
            known = [*self.nodes.index, *self.hubs.index]
            hint = close_matches(sid, known, n=3)
            return f"unknown stop id {sid!r} (not a node or hub)" + (
                f"; close matches: {', '.join(hint)}" if hint else "")
        pos = self.position(sid)
        if pos is None:
            return f"stop {sid!r} has no position (hubs.csv gives no lon/lat)"
        d = self.road_km(*pos)
        if d <= STOP_OFF_ROAD_MAX_KM:
            return None
        serves = self._serves(sid)
        if serves:
            place = self.position(serves)
            dp = self._km(pos, place)
            if dp <= SERVED_PLACE_MAX_KM and self.road_km(*place) <= STOP_OFF_ROAD_MAX_KM:
                return None
        return (f"stop {sid!r} is {d:.1f} km from the nearest road of the plan (more than "
                f"{STOP_OFF_ROAD_MAX_KM:g} km) and not linked to a place it serves within "
                f"{SERVED_PLACE_MAX_KM:g} km: a bus cannot reach it")

    def _serves(self, sid: str) -> str:
        table = self.nodes if sid in self.nodes.index else self.hubs
        if sid in self.nodes.index and self.nodes.at[sid, "kind"] in PLACE_KINDS:
            return ""
        v = table.at[sid, "serves"] if "serves" in table.columns else ""
        return "" if blank(v) or v not in self.nodes.index else str(v)

    @staticmethod
    def _km(a, b) -> float:
        from .projection import haversine_km

        return float(haversine_km(a[0], a[1], b[0], b[1]))


def routes_table(routes: list[BusRoute], year: int | None = None) -> pd.DataFrame:
    """The routes as a plain table (stops and roads joined by ``;``); with ``year``, a
    ``runs`` column (dated and within its years)."""
    rows = [{"id": r.id, "name_zh": r.name_zh, "name_en": r.name_en, "kind": r.kind,
             "stops": ";".join(r.stops), "headway_peak_min": r.headway_peak_min,
             "headway_offpeak_min": r.headway_offpeak_min, "headway_basis": r.headway_basis,
             "speed_share": r.speed_share, "dwell_min": r.dwell_min, "boards": r.boards,
             "roads": ";".join(r.roads), "first_year": r.first_year, "last_year": r.last_year,
             "source": r.source, "confidence": r.confidence} for r in routes]
    df = pd.DataFrame(rows)
    if year is not None and len(df):
        df["runs"] = [r.runs_in(year) for r in routes]
    return df


def with_bus_changes(routes: tuple, scenario, checker: StopChecker, c: Collector) -> tuple:
    """The routes with the scenario's ``[[buses.modify]]`` and ``[[buses.add]]`` applied."""
    section = getattr(scenario, "buses", None)
    if section is None or not (section.modify or section.add):
        return routes
    out = list(routes)
    for i, mod in enumerate(section.modify):
        key = f"buses.modify[{i}]"
        idx = [k for k, r in enumerate(out) if r.id == mod.id]
        if not idx:
            hint = close_matches(mod.id, [r.id for r in out])
            c.add(scenario.name, f"{key}.id", f"unknown bus route id {mod.id!r}"
                  + (f"; close matches: {', '.join(hint)}" if hint else ""))
            continue
        if mod.remove:
            out = [r for r in out if r.id != mod.id]
            continue
        r = out[idx[0]]
        rec = {**routes_table([r]).iloc[0].to_dict(), "note": r.note}
        stops = list(mod.stops) if mod.stops is not None else list(r.stops)
        stops += list(mod.extend)
        rec["stops"] = ";".join(stops)
        for f in ("headway_peak_min", "headway_offpeak_min", "speed_share", "dwell_min",
                  "boards", "first_year", "last_year"):
            value = getattr(mod, f)
            if value is not None:
                rec[f] = value
        if mod.roads is not None:
            rec["roads"] = ";".join(mod.roads)
        if mod.headway_peak_min is not None or mod.headway_offpeak_min is not None:
            rec["headway_basis"] = "assumption"
        for f in ("first_year", "last_year"):
            rec[f] = None if rec[f] is None or pd.isna(rec[f]) else int(rec[f])
        new = check_route(rec, scenario.name, checker, c, prefix=f"{key}.")
        if new is not None:
            out[idx[0]] = new
    for i, add in enumerate(section.add):
        key = f"buses.add[{i}]"
        if any(r.id == add.id for r in out):
            c.add(scenario.name, f"{key}.id", f"bus route id {add.id!r} already exists")
            continue
        rec = add.model_dump()
        rec["stops"] = ";".join(add.stops)
        rec["roads"] = ";".join(add.roads)
        if rec["headway_offpeak_min"] is None:
            rec["headway_offpeak_min"] = add.headway_peak_min
        if rec["first_year"] is None:
            rec["first_year"] = scenario.year
        rec["headway_basis"] = "assumption"
        new = check_route(rec, scenario.name, checker, c, prefix=f"{key}.")
        if new is not None:
            out.append(new)
    return tuple(out)


__all__ = ["BUS_COLUMNS", "DEFAULT_BOARDING", "HEADWAY_BASES", "MAX_HEADWAY_MIN",
           "SERVED_PLACE_MAX_KM", "STOP_OFF_ROAD_MAX_KM", "BusRoute", "StopChecker",
           "check_route", "read_bus_routes", "routes_table", "with_bus_changes"]
