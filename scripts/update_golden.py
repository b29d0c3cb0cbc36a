"""Regenerate the golden isochrones in ``tests/golden/`` (one command, deliberately).

``tests/test_isochrones_golden.py`` compares the isochrones of two shipped phases with
the files written here: band areas, residents, simplified reach shapes and the band of
a few hundred sample points. The test guards against *unintended* changes (a refactoring
that moves a contour, a changed default, a data file edited by mistake).

When to run it: only after a change that is *meant* to move isochrones — new or changed
data in ``data/geo/`` (lines, opening years, alignments, stations, population), a
modelling change (rail services, metro, road geometry, access rules), or a changed
``Settings`` default. Run it, read the diff of ``tests/golden/*.json`` (areas, residents
and the sample points' bands say what moved, and by how much), and commit the new files
together with the change that moved them, saying why in the commit message::

    python scripts/update_golden.py            # rewrite tests/golden/*.json
    python scripts/update_golden.py --check    # only report what differs (exit 1 if any)

Never run it to make a failing test pass without knowing why the isochrones moved. The
output is deterministic: the same code and data give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"

#: The golden cases: (scenario, origin, band limits in minutes, cell size in m).
CASES = (
    ("plan_2025", "suining", (15, 30, 45, 60, 90), 500.0),
    ("baseline_2020", "tongnan", (15, 30, 45, 60, 90), 500.0),
)

METRIC_CRS = "EPSG:32648"
#: Douglas–Peucker tolerance for the stored reach shapes, m (a fifth of a cell).
SIMPLIFY_M = 100.0
#: Sample points lie on a grid of this step over the last band's extent, m.
POINT_STEP_M = 6000.0
#: A sample point is kept only this far from every band boundary, m (two cells): its band
#: then does not change with floating-point noise, only with a real change of the surface.
POINT_MARGIN_M = 1000.0


def case_name(scenario: str, origin: str) -> str:
    return f"isochrones_{scenario}_{origin}"


def compute_bands(scenario: str, origin: str, bands_min, cell_m: float):
    """The isochrone bands of a case, as the package computes them (EPSG:4326)."""
    import network as sn

    return sn.isochrones(sn.Phase.of(scenario), origin, bands_min=bands_min, cell_m=cell_m)


def reach_shapes(bands) -> dict[float, Any]:
    """Everything within each band limit (the union of the bands up to it), metric CRS."""
    metric = bands.to_crs(METRIC_CRS)
    out, acc = {}, shapely.MultiPolygon()
    for limit, geom in zip(metric["band_min"], metric.geometry, strict=True):
        acc = shapely.union(acc, geom)
        out[float(limit)] = acc
    return out


def band_of(reach: dict[float, Any], x: np.ndarray, y: np.ndarray) -> list[float | None]:
    """The smallest band limit whose reach contains each point (``None``: none does)."""
    verdict: list[float | None] = [None] * len(x)
    for limit in sorted(reach, reverse=True):
        for i in np.flatnonzero(shapely.contains_xy(reach[limit], x, y)):
            verdict[i] = limit
    return verdict


def golden_record(scenario: str, origin: str, bands_min, cell_m: float) -> dict:
    """The golden record of one case (what ``tests/golden/<case>.json`` holds)."""
    bands = compute_bands(scenario, origin, bands_min, cell_m)
    reach = reach_shapes(bands)
    last = reach[max(reach)]
    xmin, ymin, xmax, ymax = last.bounds
    xs = np.arange(np.floor(xmin / POINT_STEP_M), np.ceil(xmax / POINT_STEP_M) + 1) * POINT_STEP_M
    ys = np.arange(np.floor(ymin / POINT_STEP_M), np.ceil(ymax / POINT_STEP_M) + 1) * POINT_STEP_M
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boundaries = shapely.union_all([shapely.boundary(g) for g in reach.values()])
    far = shapely.distance(shapely.points(gx, gy), boundaries) >= POINT_MARGIN_M
    gx, gy = gx[far], gy[far]
    verdict = band_of(reach, gx, gy)
    to_ll = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(gx, gy)
    return {
        "about": ("Golden isochrones for tests/test_isochrones_golden.py. Regenerate only "
                  "deliberately: python scripts/update_golden.py (see its docstring)."),
        "case": {"scenario": scenario, "origin": origin, "bands_min": list(bands_min),
                 "cell_m": cell_m},
        "bands": [{"band_min": float(r.band_min), "lower_min": float(r.lower_min),
                   "area_km2": round(float(r.area_km2), 3),
                   "reach_area_km2": round(float(r.reach_area_km2), 3),
                   "reach_residents_2020census": int(r.reach_residents_2020census)}
                  for r in bands.itertuples()],
        "reach_crs": METRIC_CRS,
        "reach_simplified_m": SIMPLIFY_M,
        "reach_wkt": {f"{k:g}": shapely.to_wkt(shapely.simplify(g, SIMPLIFY_M), rounding_precision=0,
                                                trim=True)
                      for k, g in reach.items()},
        "points_margin_m": POINT_MARGIN_M,
        "points": [[round(float(a), 5), round(float(b), 5), v]
                   for a, b, v in zip(lon, lat, verdict, strict=True)],
    }


def dump(record: dict) -> str:
    """JSON a human can diff: one line per band, per reach shape and per sample point."""
    head = {k: v for k, v in record.items() if k not in ("bands", "reach_wkt", "points")}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ","]
    for key in ("bands", "reach_wkt", "points"):
        value = record[key]
        items = ([f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
                 if isinstance(value, dict) else [f"  {json.dumps(v, ensure_ascii=False)}"
                                                  for v in value])
        open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
        lines += [f" {json.dumps(key)}: {open_}", ",\n".join(items), f" {close},"]
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = ap.parse_args(argv)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    differ = 0
    for scenario, origin, bands_min, cell_m in CASES:
        path = GOLDEN / f"{case_name(scenario, origin)}.json"
        text = dump(golden_record(scenario, origin, bands_min, cell_m))
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            print(f"{path.relative_to(REPO)}: unchanged")
            continue
        differ += 1
        if old is not None:
            before = {b["band_min"]: b for b in json.loads(old)["bands"]}
            for b in json.loads(text)["bands"]:
                o = before.get(b["band_min"], {})
                print(f"  {b['band_min']:g} min: reach {o.get('reach_area_km2')} → "
                      f"{b['reach_area_km2']} km², residents "
                      f"{o.get('reach_residents_2020census')} → {b['reach_residents_2020census']}")
        if args.check:
            print(f"{path.relative_to(REPO)}: differs")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{path.relative_to(REPO)}: written ({len(text.encode()) / 1000:.0f} kB)")
    return 1 if args.check and differ else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))  # this checkout's package, whatever is installed
    sys.exit(main())
