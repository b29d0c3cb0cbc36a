"""The curated data: sourced, geometrically consistent, phase-consistent and validated."""

from __future__ import annotations

import itertools
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from network import DataError, Settings, graph_as_of, load_plan, od_times, validate_graph
from network.model.data import REGION_BOUNDS
from network.model.projection import haversine_km

from .conftest import DATA


def test_every_record_is_sourced(plan):
    keys = set(re.findall(r"^\| `([^`]+)` \|", (DATA / "SOURCES.md").read_text(), re.M))
    assert len(keys) > 20

    def cited(field: str) -> set[str]:
        return {k.strip() for k in field.split(";") if k.strip()}

    for nid, rec in plan.nodes.iterrows():
        assert rec["confidence"] in "HML" and rec["source"], nid
        assert cited(rec["source"]) <= keys, (nid, cited(rec["source"]) - keys)
    for lid, rec in plan.lines.items():
        assert rec["confidence"] in "HML" and rec["source"], lid
        assert cited(rec["source"]) <= keys, (lid, cited(rec["source"]) - keys)
    for uid, rec in plan.population.iterrows():
        assert cited(rec["source"]) <= keys, uid
    # OSM-derived records carry the ODbL attribution
    assert "ODbL" in (DATA / "SOURCES.md").read_text()


def test_low_confidence_reconstructions_say_why(plan):
    for lid, rec in plan.lines.items():
        if rec["confidence"] == "L":
            assert len(rec["note"]) > 15, lid


def test_geometry_passes_through_stops_in_order(plan):
    # independent of the loader's vertex matching: project each stop onto the line
    for lid, line in plan.lines.items():
        geom = LineString(line["coords"])
        stops = line["stops"]
        ring = stops[0] == stops[-1]
        pos = []
        for s in stops[: -1 if ring else None]:
            pt = Point(plan.nodes.at[s, "lon"], plan.nodes.at[s, "lat"])
            assert geom.distance(pt) < 1e-6, (lid, s)  # degrees: on the line
            pos.append(geom.project(pt))
        assert all(np.diff(pos) > 0), (lid, pos)


def test_coordinates_inside_region(plan):
    x0, y0, x1, y1 = REGION_BOUNDS
    assert plan.nodes["lon"].between(x0, x1).all() and plan.nodes["lat"].between(y0, y1).all()


def test_required_lines_present(plan):
    names = " ".join(ln["name_zh"] for ln in plan.lines.values())
    for needle in ("遂成", "达成铁路(成都", "达成铁路(遂宁", "遂渝铁路", "渭沱–重庆北", "成达万",
                   "绵遂段", "遂内段", "兰(遂)渝", "璧山–铜梁–潼南–遂宁", "遂宁绕城", "南遂潼",
                   "盐遂乐", "G318", "G246", "G247", "G350", "中环线", "遂潼一体化大环线"):
        assert needle in names, needle
    radials = [ln for ln in plan.lines.values() if ln["plan_group"] == "1环9射2纵:radial"]
    assert len(radials) == 9
    verticals = [ln for ln in plan.lines.values() if ln["plan_group"] == "1环9射2纵:vertical"]
    assert len(verticals) == 2
    fast = [ln for ln in plan.lines.values() if ln["line_class"] == "fast_link"]
    assert {ln["stops"][-1] for ln in fast} >= {"anju", "shehong", "pengxi", "daying", "tongnan"}


@pytest.mark.parametrize(("a", "b", "km_12306"), [
    ("stn_chengdudong", "stn_suining", 146),
    ("stn_suining", "stn_tongnan", 52),
    ("stn_suining", "stn_chongqingbei", 158),
])
def test_rail_path_lengths_match_timetable_km(graphs, a, b, km_12306):
    row = od_times(graphs[2020], [(a, b)], mode="rail").iloc[0]
    assert row["km"] == pytest.approx(km_12306, rel=0.08)


def _line_ids(G) -> set[str]:
    return {d["line_id"] for *_, d in G.edges(data=True) if d["line_id"]}


def test_phases_nest(graphs):
    for early, late in ((2020, 2025), (2025, 2035)):
        assert _line_ids(graphs[early]) <= _line_ids(graphs[late])
        # what is built stays built; train services (their platform nodes) may change
        built = [{n for n, k in g.nodes(data="kind") if k != "platform"}
                 for g in (graphs[early], graphs[late])]
        assert built[0] <= built[1]
    assert _line_ids(graphs[2020]) < _line_ids(graphs[2035])


def test_chengdawan_opens_2027(graphs):
    cdw = {"r_chengdawan_w", "r_chengdawan_ne"}
    assert not cdw & _line_ids(graphs[2025])
    assert cdw <= _line_ids(graphs[2027])


def test_graph_schema(graphs):
    for G in graphs.values():
        validate_graph(G)
        assert G.graph["crs"] == "EPSG:4326"


def test_no_edge_leaves_a_line_between_stops(graphs, plan):
    """Rail platforms and expressway carriageways touch the street only at their own stop."""
    G = graphs[2035]
    adjacent = {}
    for lid, line in plan.lines.items():
        st = line["stops"]
        adjacent[lid] = {frozenset(p) for p in itertools.pairwise(st)}
    services = {sid: list(calls) for sid, calls in G.graph["services"].items()}
    walk_kph, walk_km = Settings().walk_speed_kph, Settings().walk_max_km
    buses = {pid: list(calls) for pid, calls in G.graph["bus_routes"].items()}
    for u, v, d in G.edges(data=True):
        lu, lv = G.nodes[u]["layer"], G.nodes[v]["layer"]
        if d["mode"] == "walk":
            # a walk joins a street node and a stop or station gate within walk_max_km (or a
            # hub and its node, 0 m), never faster than walking
            km = haversine_km(G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"])
            assert km <= walk_km * 1.01, (u, v, km)
            assert d["travel_time_s"] >= d["length_m"] / (walk_kph / 3.6) * 0.999, (u, v)
            assert lu != lv or d["length_m"] == 0, (u, v)
            continue
        if lu == lv == "street":
            assert d["mode"] in ("trunk", "access"), (u, v)
            continue
        if "walk" in (lu, lv):  # a station's walking gates: entry from one, exit to the other
            assert (G.nodes[u]["x"], G.nodes[u]["y"]) == (G.nodes[v]["x"], G.nodes[v]["y"]), (u, v)
            assert d["term"] in ("entry", "exit"), (u, v, d["term"])
            continue
        if d["mode"] == "bus" and d["term"] == "in_vehicle":
            # a bus rides from one call of its route to the next
            su, sv = G.nodes[u]["station"], G.nodes[v]["station"]
            calls = buses[d["service"]]
            assert any(calls[i:i + 2] == [su, sv] for i in range(len(calls) - 1)), (u, v)
            continue
        if d["mode"] == "metro" and d["term"] in ("access", "egress", "transfer") and lu != lv:
            # a walk between a rail station or city centre and its metro station (metro_links)
            km = haversine_km(G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"])
            assert km <= 1.0, (u, v, km)
            assert d["travel_time_s"] / 60 >= km / 5 * 60, (u, v)  # no faster than 5 km/h
            continue
        if lu != lv:  # crossing between layers happens only at the stop's own place
            assert (G.nodes[u]["x"], G.nodes[u]["y"]) == (G.nodes[v]["x"], G.nodes[v]["y"]), (u, v)
            street = u if lu == "street" else v
            assert G.nodes[street]["kind"] in ("station", "interchange", "metro_station"), (u, v)
            assert d["term"] in ("entry", "exit"), (u, v, d["term"])
            continue
        if d["term"] == "in_vehicle" and d["mode"] == "rail":
            # a train rides from one call of its service to the next, over its own lines
            su, sv = G.nodes[u]["station"], G.nodes[v]["station"]
            calls = services[d["service"]]
            assert any(calls[i:i + 2] == [su, sv] for i in range(len(calls) - 1)), (u, v)
            first, last = d["lines"][0], d["lines"][-1]
            assert su in plan.lines[first]["stops"] and sv in plan.lines[last]["stops"], (
                u, v, d["lines"])
        elif d["term"] == "in_vehicle" and d["mode"] == "metro":
            su, sv = G.nodes[u]["station"], G.nodes[v]["station"]
            seq = list(plan.metro.sequence(d["line_id"])["station_id"])
            assert any({*seq[i:i + 2]} == {su, sv} for i in range(len(seq) - 1)), (u, v)
        elif d["term"] == "in_vehicle":  # roads: only between consecutive stops of the line
            su, sv = u.split("|")[1], v.split("|")[1]
            assert frozenset((su, sv)) in adjacent[d["line_id"]], (u, v)
        else:  # dwell, wait, transfer: at one place
            assert (G.nodes[u]["x"], G.nodes[u]["y"]) == (G.nodes[v]["x"], G.nodes[v]["y"]), (u, v)


# ----------------------------------------------------------------- malformed records


@pytest.fixture
def data_copy(tmp_path):
    dst = tmp_path / "geo"
    shutil.copytree(DATA, dst)
    return dst


def _edit_line(path, line_id, **changes):
    fc = json.loads(path.read_text(encoding="utf-8"))
    for f in fc["features"]:
        if f["properties"]["id"] == line_id:
            f["properties"].update(changes)
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")


def test_malformed_records_are_all_named(data_copy):
    lines = data_copy / "lines.geojson"
    _edit_line(lines, "r_suicheng", source="")
    _edit_line(lines, "r_suiyu", open_year=20250)
    _edit_line(lines, "e_suide", speed_limit_kph=0)
    _edit_line(lines, "t_g246", stops=["suining", "stn_nowhere", "tongnan"])
    with pytest.raises(DataError) as err:
        load_plan(data_copy)
    msg = str(err.value)
    assert len(msg.splitlines()) == 4  # one line per problem
    assert "lines.geojson: record 'r_suicheng', field 'source': missing value" in msg
    assert "record 'r_suiyu', field 'open_year'" in msg and "20250" in msg
    assert "record 'e_suide', field 'speed_limit_kph'" in msg and "> 0" in msg
    assert "record 't_g246', field 'stops': unknown stop id 'stn_nowhere'" in msg


def test_node_outside_region_is_named(data_copy):
    nodes = pd.read_csv(data_copy / "nodes.csv", dtype=str, keep_default_na=False)
    nodes.loc[nodes["id"] == "anju", "lon"] = "116.4"
    nodes.to_csv(data_copy / "nodes.csv", index=False)
    with pytest.raises(DataError, match=r"nodes.csv: record 'anju', field 'lon/lat'.*outside"):
        load_plan(data_copy)


def test_bad_population_record_is_named(data_copy):
    pop = pd.read_csv(data_copy / "population.csv", dtype=str, keep_default_na=False)
    pop.loc[pop["unit_id"] == "anju", "census_2020"] = "lots"
    pop.to_csv(data_copy / "population.csv", index=False)
    with pytest.raises(DataError, match=r"population.csv: record 'anju', field 'census_2020'"):
        load_plan(data_copy)


def test_unknown_population_is_not_invented(plan):
    pop = plan.population
    for uid in ("pengxi", "daying", "tongnan"):
        assert pop.at[uid, "census_2020_status"] == "unknown"
        assert np.isnan(pop.at[uid, "census_2020"])


def test_graph_as_of_accepts_scenario_name():
    G = graph_as_of(2030, "chengdawan_delayed")
    assert G.graph["scenario"] == "chengdawan_delayed"
