"""Shared fixtures: a tiny hand-made plan whose times can be computed by hand."""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# matplotlib keeps its font cache in MPLCONFIGDIR: the tests get their own, so that nothing a
# test does (a stripped environment, a monkeypatched font list) can leave the user's cache
# without the CJK font. Set before anything imports matplotlib; subprocesses inherit it.
_MPL_DIR = tempfile.mkdtemp(prefix="suining-mpl-")
os.environ["MPLCONFIGDIR"] = _MPL_DIR
atexit.register(shutil.rmtree, _MPL_DIR, ignore_errors=True)

NODE_FIELDS = ["id", "name_zh", "name_en", "kind", "lon", "lat", "pos_uncertainty_km", "admin_zh",
               "serves", "access", "source", "confidence", "note"]

# A west–east corridor along 30.5°N: places A (105.0), M (105.25), B (105.5).
TINY_NODES = [
    dict(id="a", name_zh="甲城", name_en="Acity", kind="centre", lon=105.0, lat=30.5),
    dict(id="m", name_zh="中镇", name_en="Midtown", kind="county_seat", lon=105.25, lat=30.5),
    dict(id="b", name_zh="乙城", name_en="Bcity", kind="centre", lon=105.5, lat=30.5),
    dict(id="far", name_zh="远村", name_en="Farvillage", kind="town", lon=105.25, lat=31.2),
    dict(id="stn_a", name_zh="甲城", name_en="Acity", kind="station", lon=105.0, lat=30.51,
         serves="a"),
    dict(id="stn_m", name_zh="中镇", name_en="Midtown", kind="station", lon=105.25, lat=30.51,
         serves="m"),
    dict(id="stn_b", name_zh="乙城", name_en="Bcity", kind="station", lon=105.5, lat=30.51,
         serves="b"),
    dict(id="ic_a", name_zh="甲城互通", name_en="Acity IC", kind="interchange", lon=105.0,
         lat=30.49, serves="a", access="yes"),
    dict(id="ic_b", name_zh="乙城互通", name_en="Bcity IC", kind="interchange", lon=105.5,
         lat=30.49, serves="b", access="yes"),
]


def _line(id, network, line_class, stops, coords, speed, open_year=2010, **extra):
    props = dict(id=id, name_zh=id, name_en=id, network=network, line_class=line_class,
                 plan_group="test", status="existing", open_year=open_year,
                 design_speed_kph=speed, stops=stops,
                 length_km_official=None, source="test fixture", confidence="H", note="")
    if network == "rail":
        props["operating_speed_kph"] = speed
    else:  # roads give the signed limit; the running speed is limit × road_running_factor
        props.update(speed_limit_kph=speed, speed_limit_source="test fixture")
    props.update(extra)
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "LineString", "coordinates": coords}}


TINY_LINES = [
    _line("r_ab", "rail", "hsr350", ["stn_a", "stn_m", "stn_b"],
          [[105.0, 30.51], [105.25, 30.51], [105.5, 30.51]], 200, length_km_official=100.0),
    _line("e_ab", "expressway", "expressway", ["ic_a", "ic_b"],
          [[105.0, 30.49], [105.25, 30.49], [105.5, 30.49]], 100),
    _line("t_am", "trunk", "national_road", ["a", "m"], [[105.0, 30.5], [105.25, 30.5]], 60),
]

POP_FIELDS = ["unit_id", "name_zh", "name_en", "parent_zh", "seat_node", "census_2020",
              "census_2020_status", "fallback_value", "fallback_basis", "combined_in", "source",
              "confidence", "note"]


SERVICE_FIELDS = ["id", "name_zh", "name_en", "lines", "calls", "trains_per_day",
                  "peak_trains_per_hour", "max_speed_kph", "run_min", "direction", "first_year",
                  "last_year", "kind", "source", "confidence", "note"]
METRO_FIELDS = {
    "metro_lines.csv": ["city", "line_id", "name_zh", "name_en", "open_year", "source",
                        "confidence", "note"],
    "metro_stations.csv": ["city", "line_id", "seq", "station_id", "name_zh", "name_en", "lon",
                           "lat", "source", "confidence"],
    "metro_links.csv": ["rail_station", "metro_station", "walk_min", "kind", "source",
                        "confidence", "note"],
}


def _write_csv(path: Path, fields: list[str], rows: list[dict], defaults: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: v for k, v in {**defaults, **r}.items() if k in fields})


def write_plan(root: Path, nodes=None, lines=None, upgrades=None, population=None,
               services=None, metro=None) -> Path:
    """Write a data folder in the format of data/geo/.

    ``services`` (rows of services.csv) and ``metro`` (a dict of file name → rows for the
    three metro files) are written only when given: the files are optional.
    """
    root.mkdir(parents=True, exist_ok=True)
    nodes = TINY_NODES if nodes is None else nodes
    with open(root / "nodes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, NODE_FIELDS)
        w.writeheader()
        for n in nodes:
            w.writerow({"source": "test fixture", "confidence": "H", "pos_uncertainty_km": 0.1,
                        **n})
    fc = {"type": "FeatureCollection", "features": TINY_LINES if lines is None else lines}
    (root / "lines.geojson").write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    with open(root / "upgrades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["id", "line_id", "name_zh", "name_en", "year", "field", "value",
                               "status", "source", "confidence", "note"])
        w.writeheader()
        for u in upgrades or []:
            w.writerow(u)
    with open(root / "population.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, POP_FIELDS)
        w.writeheader()
        for p in population or []:
            w.writerow(p)
    fixture = {"source": "test fixture", "confidence": "H"}
    if services is not None:
        _write_csv(root / "services.csv", SERVICE_FIELDS, services,
                   {"kind": "assumption", "direction": "both", **fixture})
    for name, rows in (metro or {}).items():
        _write_csv(root / name, METRO_FIELDS[name], rows, fixture)
    return root


@pytest.fixture
def tiny_dir(tmp_path) -> Path:
    return write_plan(tmp_path / "geo")


@pytest.fixture
def tiny_plan(tiny_dir):
    from network import load_plan

    return load_plan(tiny_dir)


REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "geo"


@pytest.fixture(scope="session")
def plan():
    from network import load_plan

    return load_plan(DATA)


@pytest.fixture(scope="session")
def graphs(plan):
    from network import graph_as_of

    return {y: graph_as_of(y, plan=plan) for y in (2020, 2025, 2027, 2030, 2035)}


def pytest_collection_modifyitems(config, items):
    os.environ.setdefault("SUINING_DATA_DIR", str(DATA))
