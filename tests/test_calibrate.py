"""Calibration: the model against published observations, and the error arithmetic checked
by hand on the tiny plan."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from network.analysis.calibrate import calibrate, summary
from network.cli import main

from .conftest import DATA, write_plan

OBS_FIELDS = ["id", "kind", "from", "to", "value", "value_high", "bound", "unit", "year", "mode",
              "source", "date", "confidence", "note", "explanation"]


def _obs(root, rows):
    with open(root / "observations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, OBS_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({"unit": "min", "year": 2020, "source": "test", "date": "2020-01-01",
                        "confidence": "H", "bound": "exact", **r})


def test_error_by_hand_on_the_tiny_plan(tmp_path):
    from network import Settings

    root = write_plan(tmp_path / "geo")
    # r_ab: 100 km (official), 200 km/h; the implicit all-stops train calls at stn_m:
    # station to station = 100 / (200 × 0.85) h + one dwell of 2 min
    ride = 100 / (200 * Settings().rail_running_factor) * 60 + 2
    _obs(root, [
        dict(id="km", kind="rail_km", **{"from": "stn_a", "to": "stn_b"}, value=110, unit="km"),
        dict(id="t", kind="rail_time", **{"from": "stn_a", "to": "stn_b"}, value=40),
        dict(id="least", kind="rail_time", **{"from": "stn_a", "to": "stn_b"}, value=50,
             bound="at_least"),
        dict(id="most", kind="rail_time", **{"from": "stn_a", "to": "stn_b"}, value=50,
             bound="at_most"),
        dict(id="range", kind="rail_time", **{"from": "stn_a", "to": "stn_b"}, value=30,
             value_high=45, bound="range"),
        dict(id="nowhere", kind="rail_time", **{"from": "stn_a", "to": "zz"}, value=30),
    ])
    t = calibrate(data_dir=root).set_index("id")
    assert t.at["km", "model"] == pytest.approx(100.0, abs=0.01)
    assert t.at["km", "error_pct"] == pytest.approx((100 - 110) / 110 * 100, abs=0.01)
    assert t.at["t", "model"] == pytest.approx(ride, abs=0.01)
    assert t.at["t", "error_pct"] == pytest.approx((ride - 40) / 40 * 100, abs=0.05)
    assert t.at["least", "error_pct"] == pytest.approx((ride - 50) / 50 * 100, abs=0.05)
    assert t.at["most", "error_pct"] == 0  # under an upper bound: no error
    assert 30 <= ride <= 45 and t.at["range", "error_pct"] == 0  # inside the range
    # a row the model cannot compute stays, unscored, with the reason
    assert not t.at["nowhere", "scored"] and "zz" in t.at["nowhere", "explanation"]
    assert t.at["t", "terms"].startswith("in_vehicle")  # a timetable time: no entry or exit
    s = summary(t.reset_index())
    assert s["scored"] == 5 and s["times"] == 4 and s["distances"] == 1


def test_bad_observation_is_a_located_error(tmp_path, capsys):
    root = write_plan(tmp_path / "geo")
    _obs(root, [dict(id="o1", kind="rail_time", **{"from": "stn_a", "to": "stn_b"},
                     value=-3)])
    import os

    os.environ["SUINING_DATA_DIR"], old = str(root), os.environ.get("SUINING_DATA_DIR")
    try:
        assert main(["calibrate"]) == 2
    finally:
        os.environ["SUINING_DATA_DIR"] = old or str(DATA)
    err = capsys.readouterr().err
    assert "observations.csv: record 'o1', field 'value'" in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def table():
    return calibrate()


def test_every_observation_is_sourced_and_dated(table):
    obs = pd.read_csv(DATA / "observations.csv", dtype=str).fillna("")
    assert (obs["source"].str.strip() != "").all() and (obs["date"].str.strip() != "").all()
    keys = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for src in obs["source"]:
        for key in (k.strip() for k in src.split(";")):
            assert f"| `{key}` |" in keys, key  # a key of SOURCES.md
    # rows the model cannot score say why
    assert (table.loc[~table["scored"], "explanation"].str.len() > 0).all()


def test_median_error_over_enough_times_and_distances(table):
    s = summary(table)
    assert s["scored"] >= 25
    assert s["times"] >= s["scored"] / 2  # half of them times, not distances
    assert s["median_abs_error_pct"] <= 10


def test_calibrate_prints_the_median_as_a_percentage(tmp_path, capsys):
    out = tmp_path / "cal"
    assert main(["calibrate", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "median absolute error:" in text and " % over " in text
    written = pd.read_csv(out / "calibration.csv")
    assert len(written) == len(pd.read_csv(DATA / "observations.csv"))
    assert (out / "road_check.csv").is_file() and (out / "calibration.md").is_file()
