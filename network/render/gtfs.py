"""The rail services of a phase as a small GTFS feed, so that other tools can read them.

The feed is *frequency-based*, as the model is: each service direction is one template
trip (``trips.txt``, ``stop_times.txt``) repeated at the service's headway over the
service day (``frequencies.txt`` with ``exact_times=0``), every day of the phase year
(``calendar.txt``). A service with fewer than four trains a day is listed trip by trip
instead (``<service>#1``, ``#2`` …), departing at times spread evenly over the service day,
which is an assumption: the model knows how many trains run, not when. The feed holds
exactly what the model routes over:

* the calls of each service (express and stopping patterns are separate routes), with the
  running minutes and dwells of the phase graph, so a trip's span in the feed equals the
  model's in-train time between the same stations;
* the headway from trains per day over ``Settings.rail_service_hours`` (from 06:00), or
  the line class's headway for an implicit all-stops service;
* where each row comes from: ``routes.txt`` ``route_desc`` says whether the service is
  observed, a target, an assumption or implicit, with its source keys
  (``data/geo/SOURCES.md``) and confidence.

What it is not: a timetable. Departure times inside the service day, days of operation
and fares are not modelled, and the metro and buses are left out (the metro runs at one
stated speed and headway; the buses are in ``bus_routes.csv``).

``rail_feed(phase)`` returns the tables (pure); ``write_gtfs(phase, path)`` writes the zip,
byte-identical for identical inputs.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import atomic_path
from ..model.projection import haversine_km
from ..model.services import RETURN, services_in
from ..model.transit import trains_per_hour

#: GTFS ``route_type`` of rail (intercity or long-distance travel).
ROUTE_TYPE_RAIL = 2
#: Start of the service day, s after midnight (06:00, as ``Settings.rail_service_hours``).
DAY_START_S = 6 * 3600
#: Fixed modification time of the zip members (the earliest a zip can hold), for exact reruns.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
AGENCY_ID = "cr"
#: A service with fewer trains a day is listed trip by trip (departures spread evenly over
#: the service day, an assumption), not as a frequency: a headway over 9.1 h does not fit
#: the 16-bit ``headway_secs`` of common readers (gtfs-kit 13), and two trains a day read
#: better as two trips.
LISTED_BELOW_PER_DAY = 4.0
FEED_FILES = ("agency", "stops", "routes", "trips", "stop_times", "frequencies", "shapes",
              "calendar")


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _edge_s(G, u: str, v: str, term: str) -> float:
    """Seconds of the fastest ``term`` edge from ``u`` to ``v`` (0 if there is none)."""
    data = G.get_edge_data(u, v) or {}
    times = [d["travel_time_s"] for d in data.values() if d.get("term") == term]
    return min(times) if times else 0.0


def _stop_times(G, svc, trip_id: str, start_s: float, km_at: dict[str, float]) -> list[dict]:
    """Arrival and departure of each call of a trip leaving at ``start_s``, s after midnight,
    and its km along the trip's shape."""
    rows, t = [], float(start_s)
    n = len(svc.calls)
    for k, station in enumerate(svc.calls):
        arrive = t
        if 0 < k < n - 1:
            t += _edge_s(G, f"{svc.id}|{k}|arr", f"{svc.id}|{k}|dep", "dwell")
        rows.append({"trip_id": trip_id, "stop_id": station, "stop_sequence": k + 1,
                     "arrival_time": _hms(arrive), "departure_time": _hms(t),
                     "shape_dist_traveled": round(km_at[station], 3)})
        if k < n - 1:
            t += _edge_s(G, f"{svc.id}|{k}|dep", f"{svc.id}|{k + 1}|arr", "in_vehicle")
    return rows


def _departures(per_day: float, hours: float) -> list[float] | None:
    """Departure times (s after midnight) of a rare service, spread evenly over the service
    day; ``None`` for a frequent one (a frequency row instead)."""
    if per_day >= LISTED_BELOW_PER_DAY:
        return None
    n = max(1, round(per_day))
    return [DAY_START_S + (i + 0.5) * hours * 3600.0 / n for i in range(n)]


def _shape(svc, lines: dict) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """The service's course along its lines' geometry: (n, 2) lon, lat points, the km along
    it at each point (haversine, the feed's ``shape_dist_traveled`` unit), and the km at
    each station it passes."""
    parts, at, n = [], {}, 0
    for i in range(len(svc.path) - 1):
        a, b, lid = svc.path[i][0], svc.path[i + 1][0], svc.path[i + 1][2]
        ln = lines[lid]
        va = ln["stop_vertex"][ln["stops"].index(a)]
        vb = ln["stop_vertex"][ln["stops"].index(b)]
        seg = ln["coords"][va:vb + 1] if va <= vb else ln["coords"][vb:va + 1][::-1]
        if not parts:
            at[a] = 0
        parts.append(seg if not parts else seg[1:])  # the shared station once
        n += len(parts[-1])
        at[b] = n - 1
    xy = np.concatenate(parts)
    km = np.concatenate([[0.0], np.cumsum(haversine_km(xy[:-1, 0], xy[:-1, 1],
                                                       xy[1:, 0], xy[1:, 1]))])
    return xy, km, {st: float(km[v]) for st, v in at.items()}


def _shape_rows(shape_id: str, xy: np.ndarray, km: np.ndarray) -> list[dict]:
    return [{"shape_id": shape_id, "shape_pt_lat": round(float(y), 6),
             "shape_pt_lon": round(float(x), 6), "shape_pt_sequence": i + 1,
             "shape_dist_traveled": round(float(d), 3)}
            for i, ((x, y), d) in enumerate(zip(xy, km, strict=True))]


def _describe(svc) -> str:
    if svc.kind == "implicit":
        return f"implicit: {svc.note}"
    return f"{svc.kind}; sources: {svc.source}; confidence {svc.confidence}"


def rail_feed(phase) -> dict[str, pd.DataFrame]:
    """The rail services running in ``phase`` as GTFS tables.

    Parameters
    ----------
    phase : Phase
        The phase (year, scenario, settings) whose services to export.

    Returns
    -------
    dict of str to DataFrame
        One table per GTFS file (``agency``, ``stops``, ``routes``, ``trips``,
        ``stop_times``, ``frequencies``, ``shapes``, ``calendar``), in the columns of the
        GTFS reference. Times are ``HH:MM:SS`` from 06:00; ``shape_dist_traveled`` is km
        along the service's course on its lines' geometry.
    """
    plan, year, s, G = phase.plan, phase.year, phase.settings, phase.graph
    services = services_in(list(plan.services), plan.lines, plan.lines_as_of(year), year)
    routes, trips, stop_times, freqs, shapes = [], [], [], [], []
    for svc in services:
        back = svc.id.endswith(RETURN)
        route_id = svc.id.removesuffix(RETURN)
        if not back:
            routes.append({"route_id": route_id, "agency_id": AGENCY_ID,
                           "route_short_name": route_id, "route_long_name":
                           f"{svc.name_zh} / {svc.name_en}", "route_desc": _describe(svc),
                           "route_type": ROUTE_TYPE_RAIL})
        xy, km, km_at = _shape(svc, plan.lines)
        shapes += _shape_rows(svc.id, xy, km)
        trip = {"route_id": route_id, "service_id": f"y{year}",
                "trip_headsign": G.nodes[svc.calls[-1]]["name_zh"], "direction_id": int(back),
                "shape_id": svc.id}
        per_hour = trains_per_hour(svc, s)
        listed = _departures(per_hour * s.rail_service_hours, s.rail_service_hours)
        if listed is None:
            trips.append({**trip, "trip_id": svc.id})
            stop_times += _stop_times(G, svc, svc.id, DAY_START_S, km_at)
            freqs.append({"trip_id": svc.id, "start_time": _hms(DAY_START_S),
                          "end_time": _hms(DAY_START_S + s.rail_service_hours * 3600),
                          "headway_secs": round(3600.0 / per_hour), "exact_times": 0})
            continue
        for i, start in enumerate(listed, 1):
            trips.append({**trip, "trip_id": f"{svc.id}#{i}"})
            stop_times += _stop_times(G, svc, f"{svc.id}#{i}", start, km_at)
    called = sorted({r["stop_id"] for r in stop_times})
    stops = pd.DataFrame([{"stop_id": n, "stop_name": G.nodes[n]["name_zh"],
                           "stop_desc": G.nodes[n]["name_en"],
                           "stop_lat": round(float(G.nodes[n]["y"]), 6),
                           "stop_lon": round(float(G.nodes[n]["x"]), 6)} for n in called])
    return {
        "agency": pd.DataFrame([{
            "agency_id": AGENCY_ID, "agency_name": "中国国家铁路集团 China Railway",
            "agency_url": "https://www.12306.cn", "agency_timezone": "Asia/Shanghai",
            "agency_lang": "zh"}]),
        "stops": stops,
        "routes": pd.DataFrame(routes),
        "trips": pd.DataFrame(trips),
        "stop_times": pd.DataFrame(stop_times),
        "frequencies": pd.DataFrame(freqs),
        "shapes": pd.DataFrame(shapes),
        "calendar": pd.DataFrame([{
            "service_id": f"y{year}", "monday": 1, "tuesday": 1, "wednesday": 1,
            "thursday": 1, "friday": 1, "saturday": 1, "sunday": 1,
            "start_date": f"{year}0101", "end_date": f"{year}1231"}]),
    }


def write_gtfs(phase, path: str | os.PathLike,
               tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write ``rail_feed(phase)`` as a GTFS zip at ``path`` (atomically, exact reruns).

    ``tables`` are the feed's tables if already made with ``rail_feed(phase)``. The zip's
    comment names the phase (``phase.label``).
    """
    tables = rail_feed(phase) if tables is None else tables
    with atomic_path(path, ".zip") as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.comment = f"suining-network rail services, {phase.label}".encode()
        for name in FEED_FILES:
            buf = io.StringIO()
            tables[name].to_csv(buf, index=False, lineterminator="\n")
            info = zipfile.ZipInfo(f"{name}.txt", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue().encode("utf-8"))
    return Path(path)


__all__ = ["rail_feed", "write_gtfs"]
