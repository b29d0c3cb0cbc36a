"""Batch runs: serial and on a 2-process Dask LocalCluster give identical results.

Tasks carry phases, which travel to the workers as their recipes: each worker rebuilds the
phase from the data folder (and the OSM extract) and must get the same answers. The tiny
plan of ``conftest.py`` keeps this fast: it has no population units, so the isochrones run
with ``population=False`` and the ranking gets explicit trips.
"""

from __future__ import annotations

import pickle
import sys

import pandas as pd
import pytest

from network import InputError, NetworkError, Phase, isochrones, parse_scenario
from network.analysis.goals import Goal
from network.analysis.rank import rank_lines
from network.errors import BatchError
from network.scale.dask import client_for, run_many
from network.scale.tasks import (
    GoalsTask,
    IsochroneTask,
    LeaveOneOutTask,
    batch_goals,
    batch_isochrones,
    batch_rank,
)

from .conftest import write_plan

NO_EXPRESSWAY = parse_scenario('name = "no_expressway"\nyear = 2020\n'
                               '[[lines.modify]]\nid = "e_ab"\nremove = true\n')
ORIGINS = ["a", "m", "b"]
BANDS = (15.0, 30.0, 60.0)
TRIPS = pd.DataFrame({"origin": ["a", "a", "m", "b", "far"],
                      "destination": ["b", "m", "b", "a", "a"],
                      "weight": [1000.0, 300.0, 500.0, 800.0, 50.0]})
GOALS = (Goal(id="ab_rail", origin="stn_a", destination=["stn_b"], measure="rail_station",
              limit_min=40),
         Goal(id="ab_road", origin="a", destination=["b"], measure="road", limit_min=60),
         Goal(id="am_door", origin="a", destination=["m"], measure="door_to_door", limit_min=30))
OPTS = dict(bands_min=BANDS, cell_m=1000, population=False)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return write_plan(tmp_path_factory.mktemp("batch") / "geo")


@pytest.fixture(scope="module")
def phases(tiny_dir):
    """Four phases read from a data folder: what a worker rebuilds from the recipe."""
    out = []
    for scn in (None, NO_EXPRESSWAY):
        base = Phase.of(scn, year=2020, data_dir=tiny_dir)
        out += [base, base.at(2030)]
    return out


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    with client_for(workers=2) as c:  # LocalCluster: 2 processes, 127.0.0.1, no dashboard
        yield c


def _assert_same_gdf(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")), check_exact=True)
    assert a.crs == b.crs
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()


# --------------------------------------------------------------------------- the recipe


def test_a_phase_pickles_as_its_small_recipe(phases):
    p = phases[3]
    p.graph  # noqa: B018 - built, but the graph must not travel
    blob = pickle.dumps(p)
    assert len(blob) < 5_000
    q = pickle.loads(blob)
    assert q.recipe == p.recipe and q.label == "2030 · no_expressway"
    assert q.graph.number_of_nodes() == p.graph.number_of_nodes()
    assert Phase.from_recipe(p.recipe) is q  # rebuilt once per process, then reused


# --------------------------------------------------------------------------- serial


def test_serial_batch_matches_isochrones(phases):
    got = batch_isochrones(phases, ORIGINS, **OPTS)
    assert list(got.columns[:4]) == ["scenario", "year", "origin", "band_min"]
    expect = [(p.name, p.year, o, m) for p in phases for o in ORIGINS for m in BANDS]
    assert list(got[["scenario", "year", "origin", "band_min"]].itertuples(index=False,
                                                                        name=None)) == expect
    for p in phases:
        for origin in ORIGINS:
            ref = isochrones(p, origin, **OPTS)
            rows = got[(got["scenario"] == p.name) & (got["year"] == p.year)
                       & (got["origin"] == origin)]
            _assert_same_gdf(rows.drop(columns=["scenario", "year"]).reset_index(drop=True), ref)


def test_serial_batch_rank_matches_rank_lines(phases):
    ref = rank_lines(phases[0], trips=TRIPS, goals=GOALS)
    got = batch_rank(phases[0], trips=TRIPS, goals=GOALS)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert ref["person_minutes_saved"].gt(0).all()
    assert "ab_rail" in ref.set_index("line_id").at["r_ab", "goals_flipped"]


# --------------------------------------------------------------------------- distributed


def test_isochrones_on_workers_equal_serial(phases, client):
    _assert_same_gdf(batch_isochrones(phases, ORIGINS, client, **OPTS),
                     batch_isochrones(phases, ORIGINS, **OPTS))


def test_rank_on_workers_equals_serial(phases, client):
    serial = batch_rank(phases[0], trips=TRIPS, goals=GOALS)
    pd.testing.assert_frame_equal(batch_rank(phases[0], client, trips=TRIPS, goals=GOALS),
                                  serial, check_exact=True)


def test_goals_on_workers_equal_serial(phases, client):
    serial = batch_goals(phases[::2], goals=GOALS)
    assert serial["scenario"].tolist() == ["plan"] * 3 + ["no_expressway"] * 3
    pd.testing.assert_frame_equal(batch_goals(phases[::2], client, goals=GOALS), serial,
                                  check_exact=True)


@pytest.mark.parametrize("on_workers", [False, True], ids=["serial", "workers"])
def test_a_failing_task_is_reported_and_the_others_complete(phases, client, on_workers):
    from network.analysis.rank import RankSpec

    p = phases[0]
    spec = RankSpec(trips=TRIPS, goals=GOALS)
    tasks = [IsochroneTask("iso/a", p, "a", **OPTS),
             IsochroneTask("iso/nowhere", p, "nowhere", **OPTS),
             LeaveOneOutTask("rank/-t_am", p, spec, "t_am"),
             LeaveOneOutTask("rank/-zz", p, spec, "zz"),
             GoalsTask("goals", p, GOALS),
             IsochroneTask("iso/b", p, "b", **OPTS)]
    seen = []
    results = run_many(tasks, client if on_workers else None,
                       progress=lambda done, total: seen.append((done, total)))
    assert [r.id for r in results] == [t.id for t in tasks]
    ok = {r.id: r.ok for r in results}
    assert ok == {"iso/a": True, "iso/nowhere": False, "rank/-t_am": True, "rank/-zz": False,
                  "goals": True, "iso/b": True}
    err = {r.id: r.error for r in results}
    assert err["iso/nowhere"].startswith("UnknownPlaceError: unknown place or node 'nowhere'")
    assert err["rank/-zz"].startswith("InputError: unknown line id 'zz'")
    assert results[1].traceback and "UnknownPlaceError" in results[1].traceback
    assert results[0].value["origin"].eq("a").all() and results[-1].value["origin"].eq("b").all()
    assert seen == [(i, len(tasks)) for i in range(1, len(tasks) + 1)]


def test_batch_wrapper_raises_with_every_result(phases):
    with pytest.raises(BatchError, match=r"1 of 2 tasks failed:\nplan/2020/nowhere: "
                                         r"UnknownPlaceError") as info:
        batch_isochrones(phases[:1], ["a", "nowhere"], **OPTS)
    assert [r.ok for r in info.value.results] == [True, False]
    kept = batch_isochrones(phases[:1], ["a", "nowhere"], on_error="skip", **OPTS)
    assert kept["origin"].eq("a").all() and len(kept) == len(BANDS)


# --------------------------------------------------------------------------- arguments


def test_without_dask_the_install_hint_is_raised(monkeypatch, phases):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    hint = r"pip install 'suining-network\[scale\]'.*\.\[scale\]"
    with pytest.raises(NetworkError, match=hint), client_for(workers=2):
        pass
    with client_for() as c:  # serial still works
        assert c is None
        [r] = run_many([IsochroneTask("a", phases[0], "a", bands_min=(30.0,), cell_m=2000,
                                      population=False)], c)
    assert r.ok


def test_bad_arguments(phases):
    with pytest.raises(InputError, match="not both"), client_for(2, "tcp://127.0.0.1:1"):
        pass
    with pytest.raises(InputError, match="between 1 and 256"), client_for(workers=0):
        pass
    with pytest.raises(NetworkError, match="cannot reach the Dask scheduler"), \
            client_for(scheduler="tcp://127.0.0.1:9", timeout=1):
        pass
    with pytest.raises(InputError, match="unique"):
        run_many([GoalsTask("x", phases[0]), GoalsTask("x", phases[1])])
    assert run_many([]) == []
