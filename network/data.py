"""Load and validate the curated data in ``data/geo/``.

This module owns the file formats: it reads ``nodes.csv``, ``lines.geojson``,
``upgrades.csv`` and ``population.csv``, checks every record, and returns a
:class:`~network.plan.Plan`. A bad record raises one :class:`~network.errors.DataError`
that names the file, the record id and the field of *every* problem found.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, Problem

#: Default location of the curated data (``<repo>/data/geo``); override with
#: the ``SUINING_DATA_DIR`` environment variable or the ``data_dir`` argument.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"

#: Region the data must lie in: (min lon, min lat, max lon, max lat), WGS84 degrees.
REGION_BOUNDS = (103.5, 28.5, 109.0, 32.5)

NETWORKS = ("rail", "expressway", "trunk")
STATUSES = ("existing", "under_construction", "planned", "proposed")
CONFIDENCES = ("H", "M", "L")
PLACE_KINDS = ("centre", "county_seat", "town")
NODE_KINDS = (*PLACE_KINDS, "station", "interchange", "junction", "waypoint")
LINE_CLASSES = {
    "rail": (
        "hsr350",
        "hsr250",
        "intercity200",
        "conventional200",
        "conventional160",
        "conventional120",
        "suburban",
    ),
    "expressway": ("expressway",),
    "trunk": ("national_road", "provincial_road", "urban_arterial", "fast_link"),
}
#: Node kinds a line of each network may stop at.
STOP_KINDS = {
    "rail": ("station",),
    "expressway": ("interchange",),
    "trunk": (*PLACE_KINDS, "junction", "waypoint", "interchange"),
}
UPGRADE_FIELDS = ("operating_speed_kph", "design_speed_kph", "lanes")
YEAR_RANGE = (1950, 2060)
#: A stop must lie within this distance of a vertex of its line's geometry, km.
STOP_TOLERANCE_KM = 0.3


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data directory: the argument, ``$SUINING_DATA_DIR``, or the default."""
    if data_dir is not None:
        return Path(data_dir)
    return Path(os.environ.get("SUINING_DATA_DIR", DEFAULT_DATA_DIR))


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance, km (vectorised over numpy arrays)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * np.arcsin(np.sqrt(a))


# --------------------------------------------------------------------------- helpers


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_number(value: Any) -> float | None:
    if _blank(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _in_region(lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = REGION_BOUNDS
    return x0 <= lon <= x1 and y0 <= lat <= y1


class _Collector:
    """Collect problems for one file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, record: Any, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, str(record), field, message))

    def require(self, rec: dict, rid: str, fields: Iterable[str]) -> None:
        for f in fields:
            if _blank(rec.get(f)):
                self.add(rid, f, "missing value")

    def choice(self, rec: dict, rid: str, field: str, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        value = rec.get(field)
        if not _blank(value) and value not in allowed:
            self.add(rid, field, f"{value!r} is not one of {', '.join(allowed)}")

    def year(self, rec: dict, rid: str, field: str, required: bool = False) -> None:
        value = rec.get(field)
        if _blank(value):
            if required:
                self.add(rid, field, "missing value")
            return
        number = _as_number(value)
        lo, hi = YEAR_RANGE
        if number is None or number != int(number) or not lo <= number <= hi:
            self.add(rid, field, f"{value!r} is not a year between {lo} and {hi}")

    def positive(self, rec: dict, rid: str, field: str, required: bool = False) -> None:
        value = rec.get(field)
        if _blank(value):
            if required:
                self.add(rid, field, "missing value")
            return
        number = _as_number(value)
        if number is None or not math.isfinite(number) or number <= 0:
            self.add(rid, field, f"{value!r} must be a number > 0")


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError([Problem(path.name, "-", "-", f"file not found: {path}")])
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(path.name, "-", "-", f"not UTF-8 text (byte {exc.start})")]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError([Problem(path.name, "-", "-", f"not a valid CSV file: {exc}")]) from None


def _check_unique(df: pd.DataFrame, col: str, c: _Collector) -> None:
    dup = df[col][df[col].duplicated()]
    for rid in dup:
        c.add(rid, col, "duplicate id")


# --------------------------------------------------------------------------- nodes


def read_nodes(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``nodes.csv``; return the table (indexed by id) and its problems."""
    df = _read_csv(path)
    c = _Collector(path.name)
    for col in ("id", "name_zh", "name_en", "kind", "lon", "lat", "source", "confidence"):
        if col not in df.columns:
            c.add("-", col, "column missing")
    if c.problems:
        return df, c.problems
    _check_unique(df, "id", c)
    for rec in df.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        c.require(rec, rid, ("id", "name_zh", "name_en", "kind", "source", "confidence"))
        c.choice(rec, rid, "kind", NODE_KINDS)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        lon, lat = _as_number(rec["lon"]), _as_number(rec["lat"])
        if lon is None or lat is None:
            c.add(rid, "lon/lat", f"not numeric: {rec['lon']!r}, {rec['lat']!r}")
        elif not _in_region(lon, lat):
            c.add(rid, "lon/lat", f"({lon}, {lat}) lies outside the region {REGION_BOUNDS}")
        c.positive(rec, rid, "pos_uncertainty_km")
        if rec.get("kind") == "interchange":
            c.choice(rec, rid, "access", ("yes", "no"))
    if c.problems:
        return df, c.problems
    nodes = df.set_index("id", drop=False)
    nodes["lon"] = nodes["lon"].astype(float)
    nodes["lat"] = nodes["lat"].astype(float)
    unc = pd.to_numeric(nodes.get("pos_uncertainty_km", pd.Series(index=nodes.index)), errors="coerce")
    nodes["pos_uncertainty_km"] = unc
    for col in ("serves", "access", "admin_zh", "note"):
        if col not in nodes.columns:
            nodes[col] = ""
    kinds = nodes["kind"].to_dict()
    for rid, rec in nodes.iterrows():
        serves = rec["serves"]
        if rec["kind"] in ("station", "interchange"):
            if _blank(serves):
                c.add(rid, "serves", "a station or interchange must name the place it serves")
            elif kinds.get(serves) not in PLACE_KINDS:
                c.add(rid, "serves", f"{serves!r} is not the id of a place node")
    return nodes, c.problems


# --------------------------------------------------------------------------- lines


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


def _check_line(props: dict, geom: dict | None, nodes: pd.DataFrame, c: _Collector) -> dict | None:
    rid = props.get("id") or "<blank id>"
    c.require(props, rid, ("id", "name_zh", "name_en", "network", "line_class", "status", "source"))
    c.choice(props, rid, "network", NETWORKS)
    c.choice(props, rid, "status", STATUSES)
    c.choice(props, rid, "confidence", CONFIDENCES)
    if _blank(props.get("confidence")):
        c.add(rid, "confidence", "missing value")
    network = props.get("network")
    if network in LINE_CLASSES:
        c.choice(props, rid, "line_class", LINE_CLASSES[network])
    c.year(props, rid, "open_year")
    c.positive(props, rid, "operating_speed_kph", required=True)
    c.positive(props, rid, "design_speed_kph")
    c.positive(props, rid, "length_km_official")
    c.positive(props, rid, "lanes")
    if props.get("status") == "existing" and _blank(props.get("open_year")):
        c.add(rid, "open_year", "an existing line needs an opening year")

    stops = props.get("stops")
    ok_stops = True
    if not isinstance(stops, list) or len(stops) < 2:
        c.add(rid, "stops", "needs an ordered list of at least two node ids")
        ok_stops = False
    else:
        for s in stops:
            if s not in nodes.index:
                c.add(rid, "stops", f"unknown stop id {s!r}")
                ok_stops = False
            elif network in STOP_KINDS and nodes.at[s, "kind"] not in STOP_KINDS[network]:
                c.add(rid, "stops", f"{s!r} is a {nodes.at[s, 'kind']}; a {network} line stops "
                      f"only at {'/'.join(STOP_KINDS[network])} nodes")
                ok_stops = False

    if not geom or geom.get("type") != "LineString":
        c.add(rid, "geometry", "needs a LineString geometry")
        return None
    try:
        coords = np.asarray(geom["coordinates"], dtype=float)[:, :2]
    except (TypeError, ValueError, IndexError):
        c.add(rid, "geometry", "coordinates are not a list of [lon, lat] pairs")
        return None
    if len(coords) < 2:
        c.add(rid, "geometry", "a LineString needs at least two vertices")
        return None
    outside = [tuple(p) for p in coords if not _in_region(*p)]
    if outside:
        c.add(rid, "geometry", f"vertex {outside[0]} lies outside the region {REGION_BOUNDS}")
        return None
    if not ok_stops:
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
        "open_year": None if _blank(props.get("open_year")) else int(props["open_year"]),
        "design_speed_kph": _as_number(props.get("design_speed_kph")),
        "operating_speed_kph": float(props["operating_speed_kph"]),
        "lanes": _as_number(props.get("lanes")),
        "stops": list(stops),
        "through_with": list(props.get("through_with") or []),
        "stop_vertex": [int(v) for v in vertex],
        "length_km_official": _as_number(props.get("length_km_official")),
        "source": props["source"],
        "confidence": props["confidence"],
        "note": props.get("note") or "",
        "coords": coords,
    }


def read_lines(path: Path, nodes: pd.DataFrame) -> tuple[list[dict], list[Problem], set[str]]:
    """Read and check ``lines.geojson``; return valid line records, problems and all ids."""
    c = _Collector(path.name)
    if not path.exists():
        return [], [Problem(path.name, "-", "-", f"file not found: {path}")], set()
    try:
        fc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [], [Problem(path.name, "-", "-", f"not valid UTF-8 JSON: {exc}")], set()
    features = fc.get("features") if isinstance(fc, dict) else None
    if not isinstance(features, list):
        return [], [Problem(path.name, "-", "features", "not a GeoJSON FeatureCollection")], set()
    seen: set[str] = set()
    lines = []
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        rid = props.get("id") or f"<feature {i}>"
        if rid in seen:
            c.add(rid, "id", "duplicate id")
        seen.add(rid)
        rec = _check_line(props, feat.get("geometry"), nodes, c)
        if rec is not None:
            lines.append(rec)
    _check_through(lines, c)
    return lines, c.problems, seen


def _check_through(lines: list[dict], c: _Collector) -> None:
    """``through_with`` must name rail lines that share a stop with the line."""
    by_id = {ln["id"]: ln for ln in lines}
    for ln in lines:
        for other in ln["through_with"]:
            o = by_id.get(other)
            if o is None:
                c.add(ln["id"], "through_with", f"unknown line id {other!r}")
            elif ln["network"] != "rail" or o["network"] != "rail":
                c.add(ln["id"], "through_with", "through running is for rail lines only")
            elif not set(ln["stops"]) & set(o["stops"]):
                c.add(ln["id"], "through_with", f"shares no stop with {other!r}")


# --------------------------------------------------------------------------- upgrades, population


def read_upgrades(path: Path, line_ids: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``upgrades.csv`` (optional file)."""
    if not path.exists():
        return pd.DataFrame(columns=["id", "line_id", "year", "field", "value"]), []
    df = _read_csv(path)
    c = _Collector(path.name)
    _check_unique(df, "id", c)
    for rec in df.to_dict("records"):
        rid = rec.get("id") or "<blank id>"
        c.require(rec, rid, ("id", "line_id", "field", "value", "source", "confidence"))
        if not _blank(rec.get("line_id")) and rec["line_id"] not in line_ids:
            c.add(rid, "line_id", f"unknown line id {rec['line_id']!r}")
        c.choice(rec, rid, "field", UPGRADE_FIELDS)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        c.year(rec, rid, "year")
        c.positive(rec, rid, "value")
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df, c.problems


def read_population(path: Path, nodes: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``population.csv``."""
    df = _read_csv(path)
    c = _Collector(path.name)
    _check_unique(df, "unit_id", c)
    for rec in df.to_dict("records"):
        rid = rec.get("unit_id") or "<blank id>"
        c.require(rec, rid, ("unit_id", "name_zh", "census_2020_status", "source", "confidence"))
        c.choice(rec, rid, "census_2020_status", ("census", "derived", "unknown"))
        c.choice(rec, rid, "confidence", CONFIDENCES)
        status = rec.get("census_2020_status")
        if status in ("census", "derived"):
            c.positive(rec, rid, "census_2020", required=True)
        elif status == "unknown" and not _blank(rec.get("census_2020")):
            c.add(rid, "census_2020", "a value is given but the status says unknown")
        c.positive(rec, rid, "fallback_value")
        seat = rec.get("seat_node")
        if not _blank(seat) and seat not in nodes.index:
            c.add(rid, "seat_node", f"unknown node id {seat!r}")
    for col in ("census_2020", "fallback_value"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.set_index("unit_id", drop=False), c.problems


def load_plan(data_dir: str | os.PathLike | None = None):
    """Load and validate the curated data; return the :class:`~network.plan.Plan`.

    Parameters
    ----------
    data_dir : path, optional
        Folder with ``nodes.csv``, ``lines.geojson``, ``upgrades.csv`` and
        ``population.csv``. Defaults to ``$SUINING_DATA_DIR`` or the repository's
        ``data/geo``.

    Returns
    -------
    Plan

    Raises
    ------
    DataError
        Listing every problem found, each naming the file, the record id and the field.
    """
    from .plan import Plan

    root = resolve_data_dir(data_dir)
    nodes, problems = read_nodes(root / "nodes.csv")
    if problems:
        raise DataError(problems)
    lines, p_lines, line_ids = read_lines(root / "lines.geojson", nodes)
    upgrades, p_up = read_upgrades(root / "upgrades.csv", line_ids)
    population, p_pop = read_population(root / "population.csv", nodes)
    problems = p_lines + p_up + p_pop
    if problems:
        raise DataError(problems)
    return Plan(nodes=nodes, lines={ln["id"]: ln for ln in lines}, upgrades=upgrades,
                population=population, data_dir=root)
