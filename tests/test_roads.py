"""Roads at their signed limits: one running factor per class, dated limit changes, and
road records that must say where their limit comes from."""

from __future__ import annotations

import json

import pytest

from network import Phase, Settings, load_plan, od_times
from network.cli import main
from network.model.projection import haversine_km

from .conftest import TINY_LINES, write_plan

S = Settings(detour_factor=1.0, interchange_entry_min=2, interchange_exit_min=2)
UPGRADE = dict(id="u1", line_id="t_am", name_zh="限速提高", name_en="limit raised", year=2022,
               field="speed_limit_kph", value=100, status="existing", source="test fixture",
               confidence="H", note="")


def test_trunk_runs_at_limit_times_its_class_factor(tiny_dir):
    p = Phase.of(2020, plan=load_plan(tiny_dir), settings=S)
    row = od_times(p, [("a", "m")], mode="road").iloc[0]
    km = haversine_km(105.0, 30.5, 105.25, 30.5)
    factor = S.road_running_factor["national_road"]
    assert row["minutes"] == pytest.approx(km / (60 * factor) * 60, rel=0.005)


def test_a_limit_upgrade_changes_the_time_in_its_year(tmp_path):
    plan = load_plan(write_plan(tmp_path / "geo", upgrades=[UPGRADE]))
    before, after = (od_times(Phase.of(y, plan=plan, settings=S), [("a", "m")],
                              mode="road").iloc[0]["minutes"] for y in (2021, 2022))
    assert after == pytest.approx(before * 60 / 100, rel=1e-6)  # 60 → 100 km/h
    assert plan.lines_gdf(2022).set_index("id").at["t_am", "speed_limit_kph"] == 100


def test_a_scenario_upgrade_changes_the_time_in_its_year(tiny_dir):
    from network import parse_scenario

    plan = load_plan(tiny_dir)
    scn = parse_scenario('name = "u"\nyear = 2025\n[[upgrades]]\nline_id = "t_am"\nyear = 2025\n'
                         'field = "speed_limit_kph"\nvalue = 80\n', "u.toml")
    base = od_times(Phase.of(2025, plan=plan, settings=S), [("a", "m")], mode="road").iloc[0]
    up = od_times(Phase.of(scn, plan=plan, settings=S), [("a", "m")], mode="road").iloc[0]
    assert up["minutes"] == pytest.approx(base["minutes"] * 60 / 80, rel=1e-6)


def _lines_with(tmp_path, **props):
    lines = json.loads(json.dumps(TINY_LINES))
    lines[2]["properties"].update(props)
    return write_plan(tmp_path / "geo", lines=lines)


@pytest.mark.parametrize(("edit", "fragment"), [
    (dict(speed_limit_source=""), "record 't_am', field 'speed_limit_source'"),
    (dict(operating_speed_kph=60), "record 't_am', field 'operating_speed_kph'"),
    (dict(speed_limit_kph=None), "record 't_am', field 'speed_limit_kph': missing value"),
])
def test_validate_rejects_a_road_speed_without_a_source(tmp_path, capsys, edit, fragment):
    root = _lines_with(tmp_path, **edit)
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.startswith("error: lines.geojson: ")
    assert "Traceback" not in err


@pytest.mark.parametrize(("field", "fragment"), [
    ("lanes", "field 'field'"), ("top_speed", "field 'field'"),
    ("operating_speed_kph", "roads change speed through speed_limit_kph"),
])
def test_validate_rejects_an_upgrade_on_an_unknown_field(tmp_path, capsys, field, fragment):
    root = write_plan(tmp_path / "geo", upgrades=[{**UPGRADE, "field": field}])
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: upgrades.csv: record 'u1'") and fragment in err


def test_shortest_km_by_hand(tiny_dir):
    from network.engine.routing import shortest_km

    from .test_engine_tiny import geod_km

    p = Phase.of(2020, plan=load_plan(tiny_dir), settings=S)
    # a→m: the trunk road itself; a→b: access to ic_a, the expressway, egress from ic_b
    # (straight × detour factor 1.0), not the faster-or-slower question of od_times
    am = geod_km(105.0, 30.5, 105.25, 30.5)
    ab = (2 * geod_km(105.0, 30.5, 105.0, 30.49) + geod_km(105.0, 30.49, 105.25, 30.49)
          + geod_km(105.25, 30.49, 105.5, 30.49))
    got = shortest_km(p, [("a", "m"), ("a", "b"), ("a", "far")])
    assert got[0] == pytest.approx(am, rel=1e-3) and got[1] == pytest.approx(ab, rel=1e-3)
    assert got[2] == float("inf")


def test_county_seat_road_distances_match_the_osm_graph():
    """Issue 15: 遂宁 → the five county seats within ±10 % of the OSM-derived shortest path;
    every pair outside it names its cause."""
    from network.analysis.calibrate import road_check

    r = road_check(2025).set_index("to")
    seats = ["shehong", "pengxi", "daying", "anju", "tongnan"]
    assert r.loc[seats, "within_10_pct"].all(), r.loc[seats, ["model_km", "reference_km"]]
    assert (r.loc[~r["within_10_pct"], "note"].str.len() > 20).all()
    assert r["within_10_pct"].sum() >= 19


def test_suining_reaches_a_ring_interchange_within_12_minutes():
    """Issue 15. The figure rests on G246's class-default limit through the city (80 km/h,
    L): the closing note of the issue says so."""
    from network.vocab import TERMS

    p = Phase.of(2025)
    ring = [n for n in p.plan.nodes.index if n.startswith("ic_ring")]
    od = od_times(p, [("suining", i) for i in ring], mode="road").sort_values("minutes")
    best = od.iloc[0]
    assert best["minutes"] <= 12
    assert sum(best[f"{t}_min"] for t in TERMS) == pytest.approx(best["minutes"])
    assert best["access_min"] > 0 and best["in_vehicle_min"] > 0
