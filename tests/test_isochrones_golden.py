"""Golden isochrones: two shipped phases must keep their bands, within stated tolerances.

Cases (``scripts/update_golden.py``, ``CASES``): ``plan_2025`` from 遂宁 (suining) and
``baseline_2020`` from 潼南 (tongnan), bands 15/30/45/60/90 min, 500 m cells, stored in
``tests/golden/*.json``. Compared, per band:

* band and reach areas: relative tolerance 0.1 %;
* residents within the band limit: relative tolerance 0.1 %;
* shape: the area of the symmetric difference between today's reach (simplified as the
  stored one, 100 m) and the stored reach is at most 0.2 % of the stored reach area;
* sample points (a 6 km grid, only points at least 1 km — two cells — from every band
  boundary): each must fall in the same band as stored, no exception.

The noise these tolerances absorb is tiny: the surface is deterministic, and the stored
shapes are rounded to 1 m (a symmetric difference of 0.01–0.02 % of the reach); GEOS or
PROJ releases move vertices by far less. Real changes are far larger: measured on
``plan_2025``, one more minute of station entry moves the reach areas by up to 0.4 %, a
detour factor of 1.31 instead of 1.3 by 0.55 %, a local speed of 31 instead of 30 km/h
by 2.4 % — each fails this test.

When this test fails after a change that is *meant* to move isochrones (new data, rail
services, metro, road alignments, a new ``Settings`` default), regenerate the files with
one command and commit them with the change, after reading their diff::

    python scripts/update_golden.py

Do not regenerate to silence a failure you cannot explain: that is what this test is for.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from .conftest import REPO

_spec = importlib.util.spec_from_file_location("update_golden", REPO / "scripts" / "update_golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

AREA_RTOL = 0.001
RESIDENTS_RTOL = 0.001
SHAPE_TOL = 0.002


@pytest.fixture(scope="module", params=golden.CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def case(request):
    scenario, origin, bands_min, cell_m = request.param
    path = golden.GOLDEN / f"{golden.case_name(scenario, origin)}.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["case"] == {"scenario": scenario, "origin": origin,
                              "bands_min": list(bands_min), "cell_m": cell_m}, (
        f"{path.name} was written for another case: run python scripts/update_golden.py")
    bands = golden.compute_bands(scenario, origin, bands_min, cell_m)
    return stored, bands, golden.reach_shapes(bands)


def test_band_areas_and_residents(case):
    stored, bands, _ = case
    assert list(bands["band_min"]) == [b["band_min"] for b in stored["bands"]]
    for b, (_, row) in zip(stored["bands"], bands.iterrows(), strict=True):
        limit = b["band_min"]
        assert row["area_km2"] == pytest.approx(b["area_km2"], rel=AREA_RTOL), limit
        assert row["reach_area_km2"] == pytest.approx(b["reach_area_km2"], rel=AREA_RTOL), limit
        assert row["reach_residents_2020census"] == pytest.approx(
            b["reach_residents_2020census"], rel=RESIDENTS_RTOL), limit


def test_reach_shapes(case):
    stored, _, reach = case
    assert stored["reach_crs"] == golden.METRIC_CRS
    for key, wkt in stored["reach_wkt"].items():
        want = shapely.from_wkt(wkt)
        got = shapely.simplify(reach[float(key)], stored["reach_simplified_m"])
        moved = shapely.symmetric_difference(got, want).area
        assert moved <= SHAPE_TOL * want.area, (
            f"{key} min: {moved / 1e6:.1f} km² moved (of {want.area / 1e6:.0f} km²)")


def test_sample_points_keep_their_band(case):
    stored, _, reach = case
    lon, lat, want = zip(*stored["points"], strict=True)
    assert len(want) > 300 and {v for v in want if v is not None} == set(reach)
    x, y = Transformer.from_crs("EPSG:4326", golden.METRIC_CRS, always_xy=True).transform(
        np.array(lon), np.array(lat))
    got = golden.band_of(reach, x, y)
    wrong = [(a, b, w, g) for a, b, w, g in zip(lon, lat, want, got, strict=True) if w != g]
    assert not wrong, f"{len(wrong)} sample point(s) changed band (lon, lat, stored, now): {wrong[:5]}"


def test_golden_files_are_what_the_script_writes_for_its_cases():
    """Every stored file belongs to a case, and every case has its file."""
    expected = {f"{golden.case_name(s, o)}.json" for s, o, _, _ in golden.CASES}
    assert {p.name for p in golden.GOLDEN.glob("*.json")} == expected
