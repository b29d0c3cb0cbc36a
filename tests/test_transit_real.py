"""Public transport on the curated data: the must-shows of the hubs-and-buses issue.

`od 遂宁 安居机场 --mode transit` as a sum of terms, transit isochrones inside the car's,
the plan_2035 report tables, a headway change seen by `compare`, bad bus data refused with
one line each; plus hubs, equity and freight checked against independent sums.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from network import TERMS, Phase, isochrones, od_times, read_scenario
from network.analysis.compare import reach_polygon
from network.analysis.equity import hsr_stations, transit_equity
from network.analysis.hubs import freight_links, hub_catchments, waterway_status
from network.model.projection import haversine_km

from .conftest import DATA, REPO


def cli(*args, cwd=REPO, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=600)


@pytest.fixture(scope="module")
def p2030():
    return Phase.of(2030)


def test_od_to_the_airport_without_a_car_is_a_sum_of_terms(p2030):
    res = cli("od", "遂宁", "安居机场", "--year", "2030", "--mode", "transit", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    terms = out["terms_min"]
    assert out["to"] == "ap_suining_anju" and out["mode"] == "transit"
    assert sum(terms.values()) == pytest.approx(out["total_min"], abs=0.05)
    assert out["minutes"] == out["total_min"]
    assert out["services"] == ["bus_601"] and out["lines"] == ["t_fast_anju"]
    # 601 runs every 15 min at the peak (a rider's quote, sina-2024-601): wait 7.5
    assert terms["wait"] == pytest.approx(7.5)
    # the ride: along 遂宁–安居快捷通道 at 80 km/h × 0.75 (fast link) × 0.6 (stopping bus)
    path = od_times(p2030, [("suining", "ap_suining_anju")], mode="transit",
                    paths=True).iloc[0]["path"]
    G = p2030.graph
    calls = [G.nodes[n]["station"] for n in path if n.startswith("bus_601|")]
    ride_km = sum(haversine_km(G.nodes[a]["x"], G.nodes[a]["y"], G.nodes[b]["x"], G.nodes[b]["y"])
                  for a, b in zip(calls[::2], calls[1::2], strict=True))
    # the bus follows the road's course: at least the chords between its calls, and a
    # fast link is close to straight between nodes 1 km apart
    chord_min = ride_km / (80 * 0.75 * 0.6) * 60
    assert chord_min <= terms["in_vehicle"] <= chord_min * 1.05
    # then a walk from where the bus is left to the (assumed) airfield site, ×1.3 at 4.5 km/h
    end = G.nodes[calls[-1]]
    walk_km = haversine_km(end["x"], end["y"], G.nodes["ap_suining_anju"]["x"],
                           G.nodes["ap_suining_anju"]["y"]) * 1.3
    assert terms["egress"] == pytest.approx(walk_km / 4.5 * 60, rel=0.01)
    assert 0 < walk_km / 1.3 <= 2.0  # within the stated walk limit
    text = cli("od", "遂宁", "安居机场", "--year", "2030", "--mode", "transit").stdout
    assert "by public transport (no car)" in text and "egress" in text


@pytest.mark.parametrize("year", [2025, 2030])
def test_transit_bands_lie_inside_the_car_bands(year):
    p = Phase.of(year)
    limits = (15, 30, 45, 60, 90)
    car = isochrones(p, "suining", bands_min=limits, population=False)
    transit = isochrones(p, "suining", bands_min=limits, mode="transit", population=False)
    for m in limits:
        rc, rt = reach_polygon(car, m), reach_polygon(transit, m)
        assert rt.difference(rc).area / 1e6 < 0.01, m  # contouring noise only
        assert 0 < rt.area < rc.area, m


def test_plan_2035_report_has_hub_and_car_versus_transit_tables(tmp_path):
    from network.outputs import write_run

    scn = read_scenario("plan_2035")
    assert scn.run.report_transit
    only_report = scn.model_copy(update={"run": scn.run.model_copy(update={"outputs": ["report"]})})
    write_run(Phase.of(only_report), tmp_path, quiet=True)
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    hubs = text.split("## Hub catchments")[1].split("\n## ")[0]
    for hub in ("ap_suining_anju", "ph_suining_stn", "ph_suining_gaoxin", "port_laochi"):
        assert f"| {hub} |" in hubs
    assert "car ≤30 min" in hubs and "transit ≤90 min" in hubs
    equity = text.split("## Car versus transit by county")[1].split("\n## ")[0]
    for county in ("船山区", "安居区", "射洪市", "蓬溪县", "大英县", "潼南区"):
        assert county in equity
    assert "urban area ≤30 min car" in equity and "HSR station ≤60 min transit" in equity
    assert "lower bound" in equity


def test_halving_a_headway_changes_transit_times_along_the_route_and_compare_shows_it(tmp_path):
    scn = tmp_path / "bus_601_often.toml"
    scn.write_text('name = "bus_601_often"\nyear = 2025\n[[buses.modify]]\nid = "bus_601"\n'
                   'headway_peak_min = 7.5\n', encoding="utf-8")
    base, often = Phase.of(2025), Phase.of(str(scn))
    a = od_times(base, [("suining", "anju")], mode="transit").iloc[0]
    b = od_times(often, [("suining", "anju")], mode="transit").iloc[0]
    assert a["services"] == b["services"] == "bus_601"
    assert a["wait_min"] - b["wait_min"] == pytest.approx(7.5 - 3.75)
    assert od_times(often, [("suining", "anju")]).iloc[0]["minutes"] == pytest.approx(
        od_times(base, [("suining", "anju")]).iloc[0]["minutes"])  # the car does not care
    res = cli("-q", "compare", "2025", str(scn), "--out", str(tmp_path / "cmp"))
    assert res.returncode == 0, res.stderr
    section = res.stdout.split("## Without a car")[1]
    anju = next(ln for ln in section.splitlines() if ln.startswith("| anju |"))
    saved = float(anju.rstrip(" |").rsplit("|", 1)[1])  # minutes saved, rounded to 0.1
    assert saved == pytest.approx(3.75, abs=0.051)
    route = next(ln for ln in section.splitlines() if ln.startswith("| bus_601 |"))
    assert "15.0 | 7.5" in route


def _bad_data(tmp_path, route_id, field, value, csv_name="bus_routes.csv", key="id"):
    geo = tmp_path / "geo"
    shutil.copytree(DATA, geo)
    path = geo / csv_name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[df[key] == route_id, field] = value
    df.to_csv(path, index=False)
    return cli("validate", str(geo))


@pytest.mark.parametrize(("edit", "record", "field", "fragment"), [
    (("bus_601", "headway_peak_min", "0"), "bus_601", "headway_peak_min", "must be a number > 0"),
    (("bus_601", "headway_offpeak_min", "-5"), "bus_601", "headway_offpeak_min", "> 0"),
    (("bus_601", "roads", "t_nowhere"), "bus_601", "roads", "unknown road (line id) 't_nowhere'"),
    (("bus_601", "stops", "suining;stn_nowhere"), "bus_601", "stops", "unknown stop id"),
    (("stop_shuangjiang", "lon", "108.9"), "bus_tn211", "stops",
     "km from the nearest road of the plan (more than 3 km)"),
])
def test_bad_bus_data_is_one_line_naming_file_record_field(tmp_path, edit, record, field,
                                                            fragment):
    rid, col, value = edit
    csv_name = "hubs.csv" if rid.startswith("stop_") else "bus_routes.csv"
    res = _bad_data(tmp_path, rid, col, value, csv_name)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("error: bus_routes.csv: record ")
    assert f"record {record!r}, field {field!r}" in lines[0] and fragment in lines[0]


def test_hsr_stations_follow_line_speeds():
    s2025, s2030 = set(hsr_stations(Phase.of(2025))), set(hsr_stations(Phase.of(2030)))
    assert {"stn_suining", "stn_dayingdong"} <= s2025          # 遂成, 200 km/h D trains
    assert "stn_tongnan" not in s2025                          # 遂渝 runs at 160 km/h
    assert {"stn_shehong", "stn_suining_gaoxin", "stn_anju", "stn_pengxinan"} <= s2030
    assert "stn_shehong" not in s2025                          # 绵遂 opens 2027


def test_hub_catchments_match_the_isochrones_of_the_same_place():
    p = Phase.of("plan_2035")
    c = hub_catchments(p)
    # the city air terminal stands on the 遂宁 centre node: its catchments are the centre's
    at = c[c["hub_id"] == "at_suining"].set_index(["mode", "band_min"])["residents_2020census"]
    for mode, label in (("any", "car"), ("transit", "transit")):
        b = isochrones(p, "suining", bands_min=(30, 60, 90), mode=mode)
        assert list(at.loc[label]) == list(b["reach_residents_2020census"].astype(float))
    for _, g in c[c["state"] == "open"].groupby(["hub_id", "mode"]):
        assert g["residents_2020census"].is_monotonic_increasing
    wide = c.pivot_table(index=["hub_id", "band_min"], columns="mode",
                         values="residents_2020census")
    assert (wide["transit"] <= wide["car"]).all()
    closed = c[c["state"] != "open"]
    assert {"ap_suining_anju_civil", "port_laochi"} <= set(closed["hub_id"])
    assert closed["residents_2020census"].isna().all()


def test_equity_without_a_car_never_beats_the_car():
    eq = transit_equity(Phase.of(2030))
    assert eq["share"].between(0, 1 + 1e-9).all()
    wide = eq.pivot_table(index=["unit_id", "target", "limit_min"], columns="mode",
                          values="share")
    assert (wide["transit"] <= wide["car"] + 1e-9).all()
    assert len(eq["unit_id"].unique()) == 6 and set(eq["limit_min"]) == {30.0, 60.0}
    # the main urban area reaches its own centre on foot: some of 船山 is within 30 min
    mua = wide.loc[("chuanshan", "main_urban_area", 30.0)]
    assert 0 < mua["transit"] < mua["car"]


def test_freight_links_connect_by_road_and_the_fujiang_is_blocked_upstream():
    p = Phase.of(2035)
    f = freight_links(p).set_index("id")
    link = f.loc["rl_laochi_wuliugang"]
    straight = haversine_km(105.64, 30.44, 105.56, 30.47)  # port and park as placed
    assert link["length_km"] == pytest.approx(straight, rel=1e-6)
    assert straight <= link["road_km"] <= 3 * straight
    assert link["road_min"] > 0 and link["state"] == "planned"
    assert f.at["rs_wuliugang", "length_basis"] == "source" and f.at["rs_wuliugang",
                                                                     "length_km"] == 6.05
    ww = waterway_status(p)
    assert not ww["navigable"]
    assert ww["chain"][0] == "ww_fj_suining_sanxing" and ww["chain"][-1] == "ww_jl_hechuan_chongqing"
    assert ww["blocking"] == ["ww_fj_suining_sanxing (planned)",
                              "ww_fj_sanxing_shuangjiang (planned)"]


def test_no_passenger_service_is_invented_for_freight_hubs():
    G = Phase.of(2035).graph
    freight = {"port_laochi", "lock_sanxing", "lock_shuangjiang", "lock_tongnan",
               "rf_suining_wuliugang"}
    called = {c for calls in G.graph["bus_routes"].values() for c in calls}
    called |= {c for calls in G.graph["services"].values() for c in calls}
    assert not called & freight


def test_calibration_scores_the_bus_running_time():
    from network.analysis.calibrate import calibrate

    t = calibrate().set_index("id")
    row = t.loc["obs_30"]
    assert row["scored"] and math.isfinite(row["model"])
    assert "in_vehicle" in row["terms"] and abs(row["error_pct"]) < 25


def test_transit_terms_add_up_on_every_trip(p2030):
    pairs = [("suining", d) for d in ("anju", "shehong", "pengxi", "daying", "tongnan", "chengdu",
                                      "chongqing", "ap_suining_anju")]
    od = od_times(p2030, pairs, mode="transit")
    total = od[[f"{t}_min" for t in TERMS]].sum(axis=1)
    ok = np.isfinite(od["total_min"])
    assert ok.all()
    assert np.allclose(total[ok], od["total_min"][ok])
    car = od_times(p2030, pairs)
    assert (od["total_min"].to_numpy() >= car["total_min"].to_numpy() - 1e-9).all()


def test_hub_equity_and_bus_commands():
    res = cli("buses", "--year", "2020")
    assert res.returncode == 0, res.stderr
    row = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("bus_601 "))
    assert "False" in row and "from 2022" in row  # 601: earliest evidence 2022
    res = cli("hubs", "--year", "2025")
    assert res.returncode == 0, res.stderr
    assert "ap_suining_anju" in res.stdout and "not navigable end to end" in res.stdout
    res = cli("equity", "--year", "2025")
    assert res.returncode == 0, res.stderr
    assert "船山区" in res.stdout and "HSR station ≤60 min transit" in res.stdout


def test_shipped_airport_feeder_scenario_opens_a_direct_bus(tmp_path):
    p = Phase.of("airport_feeder")
    row = od_times(p, [("suining", "ap_suining_anju_civil")], mode="transit").iloc[0]
    assert row["services"] == "bus_feeder_anju_airport" and row["egress_min"] == 0
    assert "ap_suining_anju_civil" not in Phase.of(2030).graph  # the plan leaves it undated
