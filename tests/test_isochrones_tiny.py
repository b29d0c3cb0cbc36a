"""Isochrone surfaces and bands on the tiny plan: access rule, nesting, no overlap."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from network import Settings, load_plan
from network.engine.isochrones import isochrones, surface_bands, travel_time_surface
from network.model.graph import build_graph
from network.model.projection import haversine_km

from .conftest import TINY_LINES, TINY_NODES, write_plan

S = Settings(local_speed_kph=30, detour_factor=1.0, rail_running_factor=1.0,
             road_running_factor=1.0, interchange_entry_min=2, interchange_exit_min=2,
             surface_pad_max_km=40)
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)


def _cell_minutes(surface, lon, lat):
    x, y = TO_UTM.transform(lon, lat)
    i = int(np.argmin(abs(surface.y - y)))
    j = int(np.argmin(abs(surface.x - x)))
    return surface.minutes[i, j], (surface.x[j], surface.y[i])


def _only(tmp_path, line_id):
    lines = [ln for ln in TINY_LINES if ln["properties"]["id"] == line_id]
    return load_plan(write_plan(tmp_path / line_id, lines=lines))


def test_expressway_is_entered_only_at_interchanges(tmp_path):
    G = build_graph(_only(tmp_path, "e_ab"), 2020, S)
    surf = travel_time_surface(G, "a", max_minutes=120, cell_m=500)
    t_mid, (x, y) = _cell_minutes(surf, 105.25, 30.485)  # beside the road, half way
    # the only street nodes are a, ic_a, ic_b and b: by hand, the best of the four
    lon, lat = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True).transform(x, y)
    acc = haversine_km(105.0, 30.5, 105.0, 30.49) / 30 * 60
    road_ab = (haversine_km(105.0, 30.49, 105.25, 30.49) + haversine_km(105.25, 30.49, 105.5, 30.49))
    at_ic_b = acc + 2 + road_ab / 100 * 60 + 2
    candidates = [
        haversine_km(105.0, 30.5, lon, lat) / 30 * 60,                # from a
        acc + haversine_km(105.0, 30.49, lon, lat) / 30 * 60,         # from ic_a
        at_ic_b + haversine_km(105.5, 30.49, lon, lat) / 30 * 60,     # from ic_b
        at_ic_b + acc + haversine_km(105.5, 30.5, lon, lat) / 30 * 60,  # from b
    ]
    # the surface measures access on a 16-connected grid: ≤ 2.7 % longer than straight
    assert min(candidates) - 0.1 <= t_mid <= min(candidates) * 1.03
    # driving past it on the expressway takes ~15 min: the cell must not get that
    assert t_mid > 40


def test_hsr_is_boarded_only_at_stations(tmp_path):
    lines = [dict(TINY_LINES[0], properties={**TINY_LINES[0]["properties"],
                                             "stops": ["stn_a", "stn_b"]})]
    nodes = [n for n in TINY_NODES if n["id"] != "stn_m"]
    G = build_graph(load_plan(write_plan(tmp_path / "r", nodes=nodes, lines=lines)), 2020, S)
    surf = travel_time_surface(G, "a", max_minutes=150, cell_m=500)
    t_mid, (x, y) = _cell_minutes(surf, 105.25, 30.515)
    # the train passes the midpoint after ~15 min, but nobody gets off there: the cell is
    # reached by local roads from a (every station route is longer)
    lon, lat = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True).transform(x, y)
    by_road = haversine_km(105.0, 30.5, lon, lat) / 30 * 60
    assert by_road - 0.1 <= t_mid <= by_road * 1.03  # grid metric: ≤ 2.7 % longer
    assert t_mid > 45
    t_b, _ = _cell_minutes(surf, 105.5, 30.51)
    assert t_b < 70  # but the far end is reached by train (entry+wait+30 min ride+exit)


def test_bands_nest_and_do_not_overlap(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    bands = isochrones(G, "a", bands_min=(15, 30, 45, 60), cell_m=500, population=False)
    assert list(bands["band_min"]) == [15, 30, 45, 60]
    assert bands.crs.to_epsg() == 4326
    assert bands.geometry.is_valid.all()
    reach = bands["reach_area_km2"].to_numpy()
    assert np.all(np.diff(reach) > 0)
    m = bands.to_crs("EPSG:32648")
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            overlap = m.geometry.iloc[i].intersection(m.geometry.iloc[j]).area
            assert overlap < 1e-6 * m.geometry.iloc[i].area + 1.0  # m², edges only
    # the first band is a disc-like patch round A: 15 min at 30 km/h ≈ 7.5 km radius
    # (plus what the trunk road and the expressway add), so between π·7.5² and 3× that
    assert 0.6 * np.pi * 7.5**2 < bands["area_km2"].iloc[0] < 3 * np.pi * 7.5**2


def test_surface_matches_contour_levels(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    surf = travel_time_surface(G, "a", max_minutes=60, cell_m=500)
    bands = surface_bands(surf, (30, 60))
    # area of the 30-min reach ≈ number of cells ≤ 30 min × cell area (contours interpolate)
    cells = np.isfinite(surf.minutes) & (surf.minutes <= 30)
    assert bands["reach_area_km2"].iloc[0] == pytest.approx(cells.sum() * 0.25, rel=0.05)
