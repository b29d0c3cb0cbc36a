"""Batch runs: serial and on a 2-process Dask LocalCluster give identical results.

The tiny plan of ``conftest.py`` keeps this fast: it has no population units, so the
isochrones run with ``population=False`` and the ranking gets explicit trips. The plan
object itself travels to the workers (scattered), not a data folder path.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from network import NetworkError, Settings, load_plan, parse_scenario
from network.batch import (
    BatchError,
    GoalsTask,
    IsochroneTask,
    LeaveOneOutTask,
    batch_goals,
    batch_isochrones,
    batch_rank,
    client_for,
    mapper_for,
    run_many,
)
from network.goals import Goal
from network.graph import build_graph
from network.isochrones import isochrones
from network.rank import rank_lines

from .conftest import write_plan

NO_EXPRESSWAY = parse_scenario('name = "no_expressway"\nyear = 2020\n'
                               '[[lines.modify]]\nid = "e_ab"\nremove = true\n')
ORIGINS = ["a", "m", "b"]
BANDS = (15, 30, 60)
TRIPS = pd.DataFrame({"origin": ["a", "a", "m", "b", "far"],
                      "destination": ["b", "m", "b", "a", "a"],
                      "weight": [1000.0, 300.0, 500.0, 800.0, 50.0]})
GOALS = [Goal(id="ab_rail", origin="stn_a", destination=["stn_b"], measure="rail_station",
              limit_min=40),
         Goal(id="ab_road", origin="a", destination=["b"], measure="road", limit_min=60),
         Goal(id="am_door", origin="a", destination=["m"], measure="door_to_door", limit_min=30)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_plan(write_plan(tmp_path_factory.mktemp("batch") / "geo"))


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    with client_for(workers=2) as c:  # LocalCluster: 2 processes, 127.0.0.1, no dashboard
        yield c


def _iso(tiny, client=None, **kw):
    return batch_isochrones([None, NO_EXPRESSWAY], ORIGINS, years=[2020, 2030], client=client,
                            minutes=BANDS, cell_m=1000, population=False, plan=tiny, **kw)


def _assert_same_gdf(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")), check_exact=True)
    assert a.crs == b.crs
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()


# --------------------------------------------------------------------------- serial


def test_serial_batch_matches_isochrones(tiny):
    got = _iso(tiny)
    assert list(got.columns[:4]) == ["scenario", "year", "origin", "band_min"]
    # deterministic order: scenario, year, origin, band
    expect = [(s, y, o, float(m)) for s in ("", "no_expressway") for y in (2020, 2030)
              for o in ORIGINS for m in BANDS]
    assert list(got[["scenario", "year", "origin", "band_min"]].itertuples(index=False,
                                                                        name=None)) == expect
    for scn, plan in (("", tiny), ("no_expressway", tiny.with_scenario(NO_EXPRESSWAY))):
        G = build_graph(plan, 2020, Settings())
        for origin in ORIGINS:
            ref = isochrones(G, origin, minutes=BANDS, cell_m=1000, population=False)
            rows = got[(got["scenario"] == scn) & (got["year"] == 2020) & (got["origin"] == origin)]
            _assert_same_gdf(rows.drop(columns=["scenario", "year"]).reset_index(drop=True), ref)


def test_serial_batch_rank_matches_rank_lines(tiny):
    ref = rank_lines(tiny, 2020, trips=TRIPS, goals=GOALS)
    got = batch_rank(tiny, 2020, trips=TRIPS, goals=GOALS)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert ref["person_minutes_saved"].gt(0).all()
    assert "ab_rail" in ref.set_index("line_id").at["r_ab", "goals_flipped"]


# --------------------------------------------------------------------------- distributed


def test_isochrones_on_workers_equal_serial(tiny, client):
    _assert_same_gdf(_iso(tiny, client), _iso(tiny))


def test_rank_on_workers_equals_serial(tiny, client):
    serial = batch_rank(tiny, 2020, trips=TRIPS, goals=GOALS)
    pd.testing.assert_frame_equal(batch_rank(tiny, 2020, client, trips=TRIPS, goals=GOALS),
                                  serial, check_exact=True)


def test_goals_on_workers_equal_serial(tiny, client):
    serial = batch_goals([None, NO_EXPRESSWAY], years=[2020], goals=GOALS, plan=tiny)
    assert serial["scenario"].tolist() == [""] * 3 + ["no_expressway"] * 3
    pd.testing.assert_frame_equal(
        batch_goals([None, NO_EXPRESSWAY], years=[2020], client=client, goals=GOALS, plan=tiny),
        serial, check_exact=True)


def test_shared_inputs_are_scattered_once(tiny, client, monkeypatch):
    calls = []
    scatter = client.scatter

    def spy(data, *args, **kwargs):
        calls.append(kwargs)
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", spy)
    tasks = [IsochroneTask(f"t{i}", o, 2020, minutes=BANDS, cell_m=1000, population=False)
             for i, o in enumerate(ORIGINS * 2)]
    results = run_many(tasks, client, plan=tiny)
    assert all(r.ok for r in results)
    assert len(calls) == 1 and calls[0]["broadcast"] is True


@pytest.mark.parametrize("on_workers", [False, True], ids=["serial", "workers"])
def test_a_failing_task_is_reported_and_the_others_complete(tiny, client, on_workers):
    opts = dict(minutes=BANDS, cell_m=1000, population=False)
    tasks = [IsochroneTask("iso/a", "a", 2020, **opts),
             IsochroneTask("iso/nowhere", "nowhere", 2020, **opts),
             IsochroneTask("iso/unknown-scenario", "a", 2020, "no_such_scenario", **opts),
             LeaveOneOutTask("rank/-t_am", "t_am", 2020),
             LeaveOneOutTask("rank/-zz", "zz", 2020),
             GoalsTask("goals", 2020),
             IsochroneTask("iso/b", "b", 2020, **opts)]
    seen = []
    results = run_many(tasks, client if on_workers else None, plan=tiny, trips=TRIPS, goals=GOALS,
                       progress=lambda done, total: seen.append((done, total)))
    assert [r.id for r in results] == [t.id for t in tasks]
    ok = {r.id: r.ok for r in results}
    assert ok == {"iso/a": True, "iso/nowhere": False, "iso/unknown-scenario": False,
                  "rank/-t_am": True, "rank/-zz": False, "goals": True, "iso/b": True}
    err = {r.id: r.error for r in results}
    assert err["iso/nowhere"].startswith("UnknownPlaceError: unknown place or node 'nowhere'")
    assert err["iso/unknown-scenario"].startswith("NetworkError: could not prepare scenario "
                                                  "'no_such_scenario'")
    assert err["rank/-zz"].startswith("NetworkError: unknown line id 'zz'")
    assert results[1].traceback and "UnknownPlaceError" in results[1].traceback
    assert results[0].value["origin"].eq("a").all() and results[-1].value["origin"].eq("b").all()
    assert seen == [(i, len(tasks)) for i in range(1, len(tasks) + 1)]


def test_batch_wrapper_raises_with_every_result(tiny):
    with pytest.raises(BatchError, match=r"1 of 2 tasks failed:\n  - plan/2020/nowhere: "
                                         r"UnknownPlaceError") as info:
        batch_isochrones([None], ["a", "nowhere"], years=[2020], minutes=BANDS, cell_m=1000,
                         population=False, plan=tiny)
    assert [r.ok for r in info.value.results] == [True, False]
    kept = batch_isochrones([None], ["a", "nowhere"], years=[2020], minutes=BANDS, cell_m=1000,
                            population=False, plan=tiny, on_error="skip")
    assert kept["origin"].eq("a").all() and len(kept) == len(BANDS)


def test_mapper_for_an_existing_scheduler(client):
    with mapper_for(client.scheduler.address) as mapper:
        assert list(mapper(abs, [-3, 2, -1])) == [3, 2, 1]
    with mapper_for(None) as mapper:
        assert list(mapper(abs, [-3])) == [3]


# --------------------------------------------------------------------------- arguments


def test_without_dask_the_install_hint_is_raised(monkeypatch, tiny):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    hint = r"pip install 'suining-network\[scale\]'.*\.\[scale\]"
    with pytest.raises(NetworkError, match=hint), client_for(workers=2):
        pass
    with pytest.raises(NetworkError, match=hint), mapper_for("local"):
        pass
    with client_for() as c:  # serial still works
        assert c is None
        [r] = run_many([IsochroneTask("a", "a", 2020, minutes=(30,), cell_m=2000,
                                      population=False)], c, plan=tiny)
    assert r.ok


def test_bad_arguments():
    with pytest.raises(NetworkError, match="not both"), client_for(2, "tcp://127.0.0.1:1"):
        pass
    with pytest.raises(NetworkError, match="at least 1"), client_for(workers=0):
        pass
    with pytest.raises(NetworkError, match="cannot reach the Dask scheduler"), \
            client_for(scheduler="tcp://127.0.0.1:9", timeout=1):
        pass
    with pytest.raises(ValueError, match="unique"):
        run_many([GoalsTask("x", 2020), GoalsTask("x", 2025)])
    with pytest.raises(ValueError, match="give years"):
        batch_isochrones([None], ["a"])
    assert run_many([]) == []
    assert np.isclose(TRIPS["weight"].sum(), 2650.0)
