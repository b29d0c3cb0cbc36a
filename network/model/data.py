"""Load and validate the curated data in ``data/geo/``.

This module owns the file formats: it reads ``nodes.csv``, ``lines.geojson``,
``upgrades.csv`` and ``population.csv``, checks every record, and returns a
``Plan``. A bad record raises one ``DataError``
that names the file, the record id and the field of *every* problem found.
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path

import pandas as pd

from ..errors import DataError, Problem
from ..vocab import (
    CONFIDENCES,
    NODE_KINDS,
    PLACE_KINDS,
    ROAD_NETWORKS,
)
from .metro import read_metro
from .records import (
    REGION_BOUNDS,
    Collector,
    as_number,
    blank,
    check_line,
    in_region,
    missing_columns,
    read_csv,
)

#: Default location of the curated data (``<repo>/data/geo``); override with
#: the ``SUINING_DATA_DIR`` environment variable or the ``data_dir`` argument.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"

#: Fields a dated upgrade can change: rail runs at its operating speed, roads at their
#: signed limit. A lane count is not accepted: it has no effect on a travel time here.
UPGRADE_FIELDS = ("operating_speed_kph", "design_speed_kph", "speed_limit_kph")


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Return the data directory: the argument, ``$SUINING_DATA_DIR``, or the default."""
    if data_dir is not None:
        return Path(data_dir)
    return Path(os.environ.get("SUINING_DATA_DIR", DEFAULT_DATA_DIR))


# --------------------------------------------------------------------------- nodes


def read_nodes(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``nodes.csv``; return the table (indexed by id) and its problems."""
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, ("id", "name_zh", "name_en", "kind", "lon", "lat", "source",
                             "confidence"), c):
        return df, c.problems
    c.unique(df, "id")
    for rec in df.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        c.require(rec, rid, ("id", "name_zh", "name_en", "kind", "source", "confidence"))
        c.choice(rec, rid, "kind", NODE_KINDS)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        lon, lat = as_number(rec["lon"]), as_number(rec["lat"])
        if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
            c.add(rid, "lon/lat", f"not numeric: {rec['lon']!r}, {rec['lat']!r}")
        elif not in_region(lon, lat):
            hint = " (lon and lat look swapped)" if in_region(lat, lon) else ""
            c.add(rid, "lon/lat", f"({lon:g}, {lat:g}) lies outside the region "
                  f"{REGION_BOUNDS}{hint}")
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
            if blank(serves):
                c.add(rid, "serves", "a station or interchange must name the place it serves")
            elif kinds.get(serves) not in PLACE_KINDS:
                c.add(rid, "serves", f"{serves!r} is not the id of a place node")
    return nodes, c.problems


# --------------------------------------------------------------------------- lines


def read_lines(path: Path, nodes: pd.DataFrame) -> tuple[list[dict], list[Problem], set[str]]:
    """Read and check ``lines.geojson``; return valid line records, problems and all ids."""
    c = Collector(path.name, typed=True)
    if not path.is_file():
        what = "not a file" if path.exists() else "file not found"
        return [], [Problem(path.name, "-", "-", f"{what}: {path}")], set()
    try:
        fc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [], [Problem(path.name, "-", "-", f"not valid UTF-8 JSON: {exc}")], set()
    except RecursionError:
        return [], [Problem(path.name, "-", "-", "JSON nested too deeply")], set()
    except OSError as exc:
        return [], [Problem(path.name, "-", "-", f"cannot be read: {exc.strerror}")], set()
    features = fc.get("features") if isinstance(fc, dict) else None
    if not isinstance(features, list):
        return [], [Problem(path.name, "-", "features", "not a GeoJSON FeatureCollection")], set()
    seen: set[str] = set()
    lines = []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict):
            c.add(f"<feature {i}>", "-", f"a feature must be a JSON object, not "
                  f"{type(feat).__name__}")
            continue
        props = feat.get("properties")
        if not isinstance(props, dict):
            c.add(f"<feature {i}>", "properties", "must be a JSON object")
            continue
        rid = props.get("id") if isinstance(props.get("id"), str) and props.get("id") \
            else f"<feature {i}>"
        if rid in seen:
            c.add(rid, "id", "duplicate id")
        seen.add(rid)
        rec = check_line(props, feat.get("geometry"), nodes, c)
        if rec is not None:
            lines.append(rec)
    _check_through(lines, c, seen)
    return lines, c.problems, seen


def _check_through(lines: list[dict], c: Collector, all_ids: set[str]) -> None:
    """``through_with`` must name rail lines that share a stop with the line."""
    by_id = {ln["id"]: ln for ln in lines}
    for ln in lines:
        for other in ln["through_with"]:
            o = by_id.get(other)
            if o is None:
                if other not in all_ids:  # an invalid record is reported on its own
                    c.add(ln["id"], "through_with", f"unknown line id {other!r}")
            elif ln["network"] != "rail" or o["network"] != "rail":
                c.add(ln["id"], "through_with", "through running is for rail lines only")
            elif not set(ln["stops"]) & set(o["stops"]):
                c.add(ln["id"], "through_with", f"shares no stop with {other!r}")


# --------------------------------------------------------------------------- upgrades, population


UPGRADE_COLUMNS = ("id", "line_id", "year", "field", "value", "source", "confidence")


def read_upgrades(path: Path, lines: dict[str, dict]) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``upgrades.csv`` (optional file) against the line records."""
    if not path.exists():
        return pd.DataFrame(columns=list(UPGRADE_COLUMNS)), []
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, UPGRADE_COLUMNS, c):
        return df, c.problems
    c.unique(df, "id")
    for rec in df.to_dict("records"):
        rid = rec.get("id") or "<blank id>"
        c.require(rec, rid, ("id", "line_id", "field", "value", "source", "confidence"))
        line = lines.get(rec.get("line_id"))
        if not blank(rec.get("line_id")) and line is None:
            c.add(rid, "line_id", f"unknown line id {rec['line_id']!r}")
        if rec.get("field") == "lanes":
            c.add(rid, "field", "a lane count has no effect on travel times in this model; "
                  "record what the widening changes (speed_limit_kph, design_speed_kph) "
                  "and keep the lanes in the line's note")
        else:
            c.choice(rec, rid, "field", UPGRADE_FIELDS)
        if line is not None and rec.get("field") in UPGRADE_FIELDS:
            road = line["network"] in ROAD_NETWORKS
            if road and rec["field"] == "operating_speed_kph":
                c.add(rid, "field", "roads change speed through speed_limit_kph (the signed "
                      "limit), not operating_speed_kph")
            elif not road and rec["field"] == "speed_limit_kph":
                c.add(rid, "field", "rail lines change speed through operating_speed_kph")
        c.choice(rec, rid, "confidence", CONFIDENCES)
        c.year(rec, rid, "year")
        c.positive(rec, rid, "value", maximum=400)
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df, c.problems


def read_population(path: Path, nodes: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``population.csv``."""
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, ("unit_id", "name_zh", "name_en", "parent_zh", "seat_node",
                             "census_2020", "census_2020_status", "fallback_value",
                             "fallback_basis", "combined_in", "source", "confidence"), c):
        return df, c.problems
    c.unique(df, "unit_id")
    for rec in df.to_dict("records"):
        rid = rec.get("unit_id") or "<blank id>"
        c.require(rec, rid, ("unit_id", "name_zh", "census_2020_status", "source", "confidence"))
        c.choice(rec, rid, "census_2020_status", ("census", "derived", "unknown"))
        c.choice(rec, rid, "confidence", CONFIDENCES)
        status = rec.get("census_2020_status")
        if status in ("census", "derived"):
            c.positive(rec, rid, "census_2020", required=True, maximum=1e9)
        elif status == "unknown" and not blank(rec.get("census_2020")):
            c.add(rid, "census_2020", "a value is given but the status says unknown")
        c.positive(rec, rid, "fallback_value", maximum=1e9)
        seat = rec.get("seat_node")
        if not blank(seat) and seat not in nodes.index:
            c.add(rid, "seat_node", f"unknown node id {seat!r}")
    for col in ("census_2020", "fallback_value"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.set_index("unit_id", drop=False), c.problems


def load_plan(data_dir: str | os.PathLike | None = None):
    """Load and validate the curated data; return the ``Plan``.

    Parameters
    ----------
    data_dir : path, optional
        Folder with ``nodes.csv``, ``lines.geojson``, ``upgrades.csv``, ``population.csv``
        and, optionally, ``services.csv``, the metro files, ``hubs.csv``,
        ``bus_routes.csv`` and ``freight.csv``. Defaults to
        ``$SUINING_DATA_DIR`` or the repository's ``data/geo``.

    Returns
    -------
    Plan

    Raises
    ------
    DataError
        Listing every problem found, each naming the file, the record id and the field.
    """
    from .buses import read_bus_routes
    from .freight import read_freight
    from .hubs import read_hubs
    from .plan import Plan
    from .services import read_services

    root = resolve_data_dir(data_dir)
    if not root.is_dir():
        raise DataError([Problem(str(root), "-", "-", "data folder not found (expected "
                                 "nodes.csv, lines.geojson, upgrades.csv, population.csv)")])
    nodes, problems = read_nodes(root / "nodes.csv")
    if problems:
        raise DataError(problems)
    lines, p_lines, _ = read_lines(root / "lines.geojson", nodes)
    by_id = {ln["id"]: ln for ln in lines}
    upgrades, p_up = read_upgrades(root / "upgrades.csv", by_id)
    population, p_pop = read_population(root / "population.csv", nodes)
    services, p_svc = read_services(root / "services.csv", by_id) if not p_lines else ([], [])
    metro, p_metro = read_metro(root, nodes)
    hubs, p_hubs = read_hubs(root / "hubs.csv", nodes)
    buses, p_bus = read_bus_routes(root / "bus_routes.csv", nodes, hubs, by_id) \
        if not (p_lines or p_hubs) else ([], [])
    freight, p_freight = read_freight(root / "freight.csv", nodes, hubs) if not p_hubs \
        else (None, [])
    problems = p_lines + p_up + p_pop + p_svc + p_metro + p_hubs + p_bus + p_freight
    if problems:
        raise DataError(problems)
    return Plan(nodes=nodes, lines=by_id, upgrades=upgrades, population=population,
                data_dir=root, services=tuple(services), metro=metro, hubs=hubs,
                bus_routes=tuple(buses), freight=freight)


@functools.cache
def _cached_plan(data_dir: str, stamp: tuple):
    return load_plan(data_dir)


def default_plan(data_dir: str | os.PathLike | None = None):
    """The curated plan, loaded once per process (reloaded when a data file changes)."""
    root = resolve_data_dir(data_dir)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in Path(root).glob("*.*")))
    return _cached_plan(str(root.resolve()), stamp)
