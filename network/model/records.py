"""Record checks shared by the data files and the scenario files.

A ``Collector`` gathers every problem of one input, each naming the file, the record
and the field; ``check_line`` validates one line record (names, network, class,
status, years, speeds within plausible bounds, stops of the right kind, a geometry that
passes through its stops in order) and returns it in the plan's form.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, Problem
from ..vocab import (
    CONFIDENCES,
    LINE_CLASSES,
    MAX_SPEED_KPH,
    NETWORKS,
    ROAD_NETWORKS,
    STATUSES,
    STOP_KINDS,
    YEAR_RANGE,
)
from .projection import haversine_km

#: Region the data must lie in: (min lon, min lat, max lon, max lat), WGS84 degrees.
REGION_BOUNDS = (103.5, 28.5, 109.0, 32.5)

#: A stop must lie within this distance of a vertex of its line's geometry, km.
STOP_TOLERANCE_KM = 0.3


def blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_number(value: Any) -> float | None:
    """The number in ``value`` (a number or numeric text), or ``None``."""
    if blank(value) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def in_region(lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = REGION_BOUNDS
    return x0 <= lon <= x1 and y0 <= lat <= y1


def close_matches(query: str, candidates, n: int = 5) -> list[str]:
    """Up to ``n`` candidates that look like ``query`` (for 'did you mean' messages)."""
    cands = [str(c) for c in candidates]
    out = difflib.get_close_matches(query, cands, n=n, cutoff=0.5)
    if len(out) < n:
        q = query.lower()
        out += [c for c in cands if q and q in c.lower() and c not in out][: n - len(out)]
    return out


class Collector:
    """Collect problems for one file.

    ``typed`` files (JSON) must hold numbers as numbers: ``"160"`` is a problem there, not
    a number to convert. CSV files hold text, which is parsed.
    """

    def __init__(self, file: str, typed: bool = False):
        self.file = file
        self.typed = typed
        self.problems: list[Problem] = []

    def add(self, record: Any, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, str(record), field, message))

    def unique(self, df: pd.DataFrame, col: str) -> None:
        """Report each repeat of an id in ``df[col]``."""
        for rid in df[col][df[col].duplicated()]:
            self.add(rid, col, "duplicate id")

    def require(self, rec: dict, rid: str, fields: Iterable[str]) -> None:
        for f in fields:
            if blank(rec.get(f)):
                self.add(rid, f, "missing value")

    def text(self, rec: dict, rid: str, fields: Iterable[str]) -> bool:
        """Fields that must be text when present; True if all are."""
        ok = True
        for f in fields:
            value = rec.get(f)
            if value is not None and not isinstance(value, str):
                self.add(rid, f, f"must be text, not {type(value).__name__} {value!r}")
                ok = False
        return ok

    def choice(self, rec: dict, rid: str, field: str, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        value = rec.get(field)
        if not blank(value) and value not in allowed:
            self.add(rid, field, f"{value!r} is not one of {', '.join(allowed)}")

    def number(self, rec: dict, rid: str, field: str) -> float | None:
        """The number in ``field``, or None (blank, or a problem was recorded)."""
        value = rec.get(field)
        if blank(value):
            return None
        if self.typed and (isinstance(value, str | bool) or not isinstance(value, int | float)):
            self.add(rid, field, f"{value!r} must be a number (not text)")
            return None
        number = as_number(value)
        if number is None or not math.isfinite(number):
            self.add(rid, field, f"{value!r} is not a finite number")
            return None
        return number

    def year(self, rec: dict, rid: str, field: str, required: bool = False) -> None:
        if blank(rec.get(field)):
            if required:
                self.add(rid, field, "missing value")
            return
        n = len(self.problems)
        number = self.number(rec, rid, field)
        lo, hi = YEAR_RANGE
        if len(self.problems) == n and (number is None or number != int(number)
                                        or not lo <= number <= hi):
            self.add(rid, field, f"{rec.get(field)!r} is not a year between {lo} and {hi}")

    def positive(self, rec: dict, rid: str, field: str, required: bool = False,
                 maximum: float | None = None) -> None:
        if blank(rec.get(field)):
            if required:
                self.add(rid, field, "missing value")
            return
        n = len(self.problems)
        number = self.number(rec, rid, field)
        if len(self.problems) > n:
            return
        if number is None or number <= 0:
            self.add(rid, field, f"{rec.get(field)!r} must be a number > 0")
        elif maximum is not None and number > maximum:
            self.add(rid, field, f"{number:g} is above the plausible maximum {maximum:g}")


def _stop_vertices(coords: np.ndarray, stop_xy: np.ndarray) -> list[int | None]:
    """Vertex index of each stop along ``coords``, searched in order (None if not found)."""
    out: list[int | None] = []
    start = 0
    for lon, lat in stop_xy:
        d = haversine_km(coords[start:, 0], coords[start:, 1], lon, lat)
        hits = np.flatnonzero(d <= STOP_TOLERANCE_KM)
        if hits.size == 0:
            out.append(None)
            continue
        idx = start + int(hits[0])
        out.append(idx)
        start = idx + 1 if idx + 1 < len(coords) else idx
    return out


def _nearest_hint(nodes: pd.DataFrame, nid: str, kinds) -> str:
    """'; nearest interchange: ic_x (1.2 km)' for a node used where another kind is needed."""
    cands = nodes[nodes["kind"].isin(kinds)]
    if not len(cands):
        return ""
    d = haversine_km(cands["lon"].to_numpy(), cands["lat"].to_numpy(), nodes.at[nid, "lon"],
                     nodes.at[nid, "lat"])
    i = int(np.argmin(d))
    return f"; nearest {cands['kind'].iloc[i]}: {cands.index[i]} ({d[i]:.1f} km)"


def check_line(props: dict, geom: Any, nodes: pd.DataFrame, c: Collector) -> dict | None:
    rid = props.get("id") if isinstance(props.get("id"), str) and props.get("id") else "<blank id>"
    n_start = len(c.problems)
    if not c.text(props, rid, ("id", "name_zh", "name_en", "network", "line_class", "status",
                               "source", "confidence", "corridor", "plan_group", "note")):
        return None
    c.require(props, rid, ("id", "name_zh", "name_en", "network", "line_class", "status", "source"))
    c.choice(props, rid, "network", NETWORKS)
    c.choice(props, rid, "status", STATUSES)
    c.choice(props, rid, "confidence", CONFIDENCES)
    if blank(props.get("confidence")):
        c.add(rid, "confidence", "missing value")
    network = props.get("network")
    if network in LINE_CLASSES:
        c.choice(props, rid, "line_class", LINE_CLASSES[network])
    n_before = len(c.problems)
    c.year(props, rid, "open_year")
    top = MAX_SPEED_KPH.get(network)
    road = network in ROAD_NETWORKS
    # rail runs at its operating speed; roads at the signed passenger-car limit, which
    # must name its source (a class default says so in the source key)
    if road and not blank(props.get("operating_speed_kph")):
        c.add(rid, "operating_speed_kph", "roads give speed_limit_kph (the signed limit); the "
              "running speed follows from Settings.road_running_factor")
    else:
        c.positive(props, rid, "operating_speed_kph", required=not road, maximum=top)
    c.positive(props, rid, "speed_limit_kph", required=road, maximum=top)
    if road and not blank(props.get("speed_limit_kph")) and blank(props.get("speed_limit_source")):
        c.add(rid, "speed_limit_source", "a speed limit needs its source (a key of SOURCES.md)")
    c.text(props, rid, ("speed_limit_source", "speed_limit_confidence", "geometry_source",
                        "length_source"))
    c.choice(props, rid, "speed_limit_confidence", CONFIDENCES)
    c.positive(props, rid, "design_speed_kph", maximum=top)
    c.positive(props, rid, "length_km_official", maximum=5000)
    c.positive(props, rid, "length_km_traced", maximum=5000)
    c.positive(props, rid, "lanes", maximum=16)
    if "passenger_service" in props and not isinstance(props["passenger_service"], bool):
        c.add(rid, "passenger_service", "must be true or false")
    numbers_ok = len(c.problems) == n_before
    if props.get("status") == "existing" and blank(props.get("open_year")):
        c.add(rid, "open_year", "an existing line needs an opening year")

    stops = props.get("stops")
    ok_stops = True
    if not isinstance(stops, list) or len(stops) < 2:
        c.add(rid, "stops", "needs an ordered list of at least two node ids")
        ok_stops = False
    elif not all(isinstance(s, str) for s in stops):
        bad = next(s for s in stops if not isinstance(s, str))
        c.add(rid, "stops", f"node ids must be text, not {type(bad).__name__} {bad!r}")
        ok_stops = False
    else:
        for s in stops:
            if s not in nodes.index:
                c.add(rid, "stops", f"unknown stop id {s!r}")
                ok_stops = False
            elif network in STOP_KINDS and nodes.at[s, "kind"] not in STOP_KINDS[network]:
                c.add(rid, "stops", f"{s!r} is a {nodes.at[s, 'kind']}; a {network} line stops "
                      f"only at {'/'.join(STOP_KINDS[network])} nodes"
                      + _nearest_hint(nodes, s, STOP_KINDS[network]))
                ok_stops = False
    through = props.get("through_with") or []
    if not isinstance(through, list) or not all(isinstance(t, str) for t in through):
        c.add(rid, "through_with", "must be a list of line ids")
        through = []

    if not isinstance(geom, dict) or geom.get("type") != "LineString":
        c.add(rid, "geometry", "needs a LineString geometry")
        return None
    try:
        coords = np.asarray(geom.get("coordinates"), dtype=float)
        if coords.ndim != 2 or coords.shape[1] < 2:
            raise ValueError
        coords = coords[:, :2]
    except (TypeError, ValueError, IndexError):
        c.add(rid, "geometry", "coordinates are not a list of [lon, lat] pairs")
        return None
    if len(coords) < 2:
        c.add(rid, "geometry", "a LineString needs at least two vertices")
        return None
    if not np.isfinite(coords).all():
        c.add(rid, "geometry", "coordinates must be finite numbers")
        return None
    outside = [tuple(p) for p in coords if not in_region(*p)]
    if outside:
        lon, lat = outside[0]
        hint = " (lon and lat look swapped)" if in_region(lat, lon) else ""
        c.add(rid, "geometry", f"vertex ({lon:g}, {lat:g}) lies outside the region "
              f"{REGION_BOUNDS}{hint}")
        return None
    if not (ok_stops and numbers_ok) or len(c.problems) > n_start:
        return None
    stop_xy = nodes.loc[stops, ["lon", "lat"]].to_numpy()
    vertex = _stop_vertices(coords, stop_xy)
    for s, v in zip(stops, vertex, strict=True):
        if v is None:
            c.add(rid, "geometry", f"does not pass through stop {s!r} after the previous stop "
                  f"(within {STOP_TOLERANCE_KM} km of a vertex, in order)")
            return None
    return {
        "id": props["id"],
        "name_zh": props["name_zh"],
        "name_en": props["name_en"],
        "network": network,
        "line_class": props["line_class"],
        "corridor": props.get("corridor") or "",
        "plan_group": props.get("plan_group") or "",
        "status": props["status"],
        "open_year": None if blank(props.get("open_year")) else int(props["open_year"]),
        "design_speed_kph": as_number(props.get("design_speed_kph")),
        "operating_speed_kph": as_number(props.get("operating_speed_kph")),
        "speed_limit_kph": as_number(props.get("speed_limit_kph")),
        "speed_limit_source": props.get("speed_limit_source") or "",
        "lanes": as_number(props.get("lanes")),
        "passenger_service": props.get("passenger_service", True),
        "geometry_source": props.get("geometry_source") or "schematic",
        "length_source": props.get("length_source") or (
            "official" if not blank(props.get("length_km_official")) else "schematic"),
        "stops": list(stops),
        "through_with": list(through),
        "stop_vertex": [int(v) for v in vertex],
        "length_km_official": as_number(props.get("length_km_official")),
        "source": props["source"],
        "confidence": props["confidence"],
        "note": props.get("note") or "",
        "coords": coords,
    }


def read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError([Problem(path.name, "-", "-", f"file not found: {path}")])
    if not path.is_file():
        raise DataError([Problem(path.name, "-", "-", f"not a file: {path}")])
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(path.name, "-", "-", f"not UTF-8 text (byte {exc.start})")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = " ".join(str(exc).split())
        raise DataError([Problem(path.name, "-", "-", f"not a valid CSV file: {msg}")]) from None
    except OSError as exc:
        raise DataError([Problem(path.name, "-", "-", f"cannot be read: {exc.strerror}")]) from None


def missing_columns(df: pd.DataFrame, columns: Iterable[str], c: Collector) -> bool:
    missing = [col for col in columns if col not in df.columns]
    for col in missing:
        c.add("-", col, "column missing")
    return bool(missing)


__all__ = ["REGION_BOUNDS", "STOP_TOLERANCE_KM", "Collector", "as_number", "blank", "check_line",
           "in_region", "missing_columns", "read_csv"]
