"""The GTFS export of the rail services: times summed by hand on a tiny plan, and the real
feed read back with gtfs-kit (an independent reader) against the model's own answers."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

import network as sn
from network.model.projection import haversine_km
from network.render.gtfs import rail_feed, write_gtfs

from .test_cli import cli
from .test_maps import needs_data
from .test_services import EXPRESS, STOPPING, _phase

gk = pytest.importorskip("gtfs_kit")


def _s(hms: str) -> int:
    h, m, s = map(int, hms.split(":"))
    return h * 3600 + m * 60 + s


def test_tiny_feed_times_and_headways_by_hand(tmp_path):
    rare = dict(EXPRESS, id="svc_rare", trains_per_day=2)
    feed = rail_feed(_phase(tmp_path, [STOPPING, rare]))
    st = feed["stop_times"].set_index(["trip_id", "stop_id"])
    # 50 km at 200 km/h = 15 min to the middle stop, a 2 min dwell, 15 min on
    assert st.loc[("svc_stop", "stn_a"), "departure_time"] == "06:00:00"
    assert st.loc[("svc_stop", "stn_m"), "arrival_time"] == "06:15:00"
    assert st.loc[("svc_stop", "stn_m"), "departure_time"] == "06:17:00"
    assert st.loc[("svc_stop", "stn_b"), "arrival_time"] == "06:32:00"
    assert st.loc[("svc_stop~return", "stn_a"), "arrival_time"] == "06:32:00"
    # 32 trains a day over 16 h: one every 30 min, each way
    freq = feed["frequencies"].set_index("trip_id")
    assert freq.loc["svc_stop", "headway_secs"] == 1800
    assert (freq.loc["svc_stop", "start_time"], freq.loc["svc_stop", "end_time"]) == \
        ("06:00:00", "22:00:00")
    # two trains a day are two listed trips, at 10:00 and 18:00 (evenly spread), not a
    # frequency; the return working too
    assert "svc_rare" not in freq.index
    rare_trips = feed["trips"][feed["trips"]["route_id"] == "svc_rare"]
    assert sorted(rare_trips["trip_id"]) == ["svc_rare#1", "svc_rare#2", "svc_rare~return#1",
                                             "svc_rare~return#2"]
    assert st.loc[("svc_rare#1", "stn_a"), "departure_time"] == "10:00:00"
    assert st.loc[("svc_rare#2", "stn_b"), "arrival_time"] == "18:30:00"
    # km along the shape: the call at stn_b is the whole line, measured independently
    line = feed["shapes"][feed["shapes"]["shape_id"] == "svc_stop"]
    lon, lat = line["shape_pt_lon"].to_numpy(), line["shape_pt_lat"].to_numpy()
    whole = haversine_km(lon[:-1], lat[:-1], lon[1:], lat[1:]).sum()
    assert st.loc[("svc_stop", "stn_b"), "shape_dist_traveled"] == pytest.approx(whole, abs=1e-3)
    assert st.loc[("svc_stop", "stn_a"), "shape_dist_traveled"] == 0.0


@needs_data
def test_real_feed_reads_back_and_matches_the_model(tmp_path):
    phase = sn.Phase.of(2030)
    path = write_gtfs(phase, tmp_path / "rail.zip")
    feed = gk.read_feed(path, dist_units="km")
    quality = feed.assess_quality().set_index("indicator")["value"]
    assert quality["assessment"] == "good feed", quality
    # the fastest trip in the feed between two stations is the model's in-train time
    st = feed.stop_times.assign(arr=lambda d: d["arrival_time"].map(_s),
                                dep=lambda d: d["departure_time"].map(_s))
    for a, b in [("stn_suining", "stn_chengdudong"), ("stn_suining", "stn_chongqingbei")]:
        m = st[st["stop_id"] == a].merge(st[st["stop_id"] == b], on="trip_id")
        m = m[m["stop_sequence_y"] > m["stop_sequence_x"]]
        fastest = ((m["arr_y"] - m["dep_x"]) / 60).min()
        model = sn.od_times(phase, [(a, b)], mode="rail").iloc[0]["minutes"]
        assert fastest == pytest.approx(model, abs=1 / 60), (a, b)
    # trains per day survive the round trip: 7 each way via Suining (services.csv)
    trips = feed.expand_frequencies().trips
    assert (trips["route_id"] == "svc_cy_via_suining").sum() == 14
    # every stop is a station with its coordinates
    assert feed.stops["stop_id"].str.startswith("stn_").all()
    assert np.isfinite(feed.stops[["stop_lat", "stop_lon"]].to_numpy()).all()


@needs_data
def test_scenario_frequency_reaches_the_feed():
    scn = sn.parse_scenario("""
name = "more_trains"
year = 2030
[[services.modify]]
id = "svc_cy_via_suining"
trains_per_day = 16
""")
    freq = rail_feed(sn.Phase.of(scn))["frequencies"].set_index("trip_id")
    assert freq.loc["svc_cy_via_suining", "headway_secs"] == 3600  # 16 h / 16 trains


@needs_data
def test_cli_writes_exact_reruns_and_refuses_a_bad_name(tmp_path):
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (a, b):
        r = cli("gtfs", "--year", "2030", "--out", str(out))
        assert r.returncode == 0, r.stderr
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert {"stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "frequencies.txt",
                "shapes.txt", "calendar.txt", "agency.txt"} == set(zf.namelist())
        routes = pd.read_csv(zf.open("routes.txt"))
    assert routes["route_desc"].str.contains("observed|target|assumption|implicit").all()
    r = cli("gtfs", "--year", "2030", "--out", str(tmp_path / "rail.txt"))
    assert r.returncode == 2 and "rail.txt" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "rail.txt").exists()
