"""Hubs and freight: who lives within reach of each hub, and what the freight links connect.

``hub_catchments`` counts the residents (2020 census, the six county-level units of the
population table) within 30, 60 and 90 minutes of each hub open in a phase, with a car
(``mode="any"``) and without one (``mode="transit"``); times run from the hub outward.

``freight_links`` reports each link of ``freight.csv`` in a phase: whether it is open,
its length, and — honestly scoped — what it connects by road (the port to the rail freight
terminal: km and minutes by car over the phase's roads). No freight service is modelled:
no boat, train or lorry timetables, tonnage, costs or transshipment times.
``waterway_status`` says whether the 涪江 is navigable end to end from 遂宁 in a year,
and which links block it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Hub kinds that get a catchment (bus terminals, stops and locks do not).
CATCHMENT_KINDS = ("airport", "passenger_hub", "air_terminal", "port", "rail_freight")
#: The two ends of the 涪江 route (遂宁 port to the 重庆 centre node at 朝天门).
WATERWAY_ENDS = ("port_laochi", "chongqing")


def hub_catchments(phase, bands_min: Sequence[float] = (30, 60, 90),
                   modes: Sequence[str] = ("any", "transit"), cell_m: float = 500,
                   kinds: Sequence[str] = CATCHMENT_KINDS) -> pd.DataFrame:
    """Residents within each band limit of each hub, with and without a car.

    Returns
    -------
    pandas.DataFrame
        One row per hub of ``kinds`` (located, in the plan) × mode × band limit:
        ``hub_id, name_zh, name_en, kind, state`` (``open`` or why not), ``mode`` (``car``
        or ``transit``), ``band_min``, ``residents_2020census`` (NaN when the hub is not
        open), ``share`` of the units' population. Computed once per phase.
    """
    key = ("hub_catchments", tuple(map(float, bands_min)), tuple(modes), float(cell_m),
           tuple(kinds))
    return phase.memo(key, lambda: _catchments(phase, bands_min, modes, cell_m, kinds))


def _catchments(phase, bands_min, modes, cell_m, kinds) -> pd.DataFrame:
    from ..engine.isochrones import isochrones
    from ..model.hubs import hub_state
    from .equity import MODE_LABELS

    hubs = phase.plan.hubs
    if not len(hubs):
        return pd.DataFrame(columns=["hub_id", "name_zh", "name_en", "kind", "state", "mode",
                                     "band_min", "residents_2020census", "share"])
    hubs = hubs[hubs["kind"].isin(kinds) & hubs["lon"].notna()]
    total = float(phase.units["population"].sum())
    in_graph = set(phase.graph.graph.get("hubs", []))
    rows = []
    for hid, h in hubs.iterrows():
        state = hub_state(h, phase.year)
        for mode in modes:
            reach = [np.nan] * len(bands_min)
            if hid in in_graph:
                b = isochrones(phase, hid, bands_min=tuple(bands_min), cell_m=cell_m, mode=mode)
                reach = list(b["reach_residents_2020census"].astype(float))
            for limit, r in zip(sorted(bands_min), reach, strict=True):
                rows.append({"hub_id": hid, "name_zh": h["name_zh"], "name_en": h["name_en"],
                             "kind": h["kind"], "state": state,
                             "mode": MODE_LABELS.get(mode, mode), "band_min": float(limit),
                             "residents_2020census": r, "share": r / total})
    return pd.DataFrame(rows)


def catchment_table(catchments: pd.DataFrame) -> pd.DataFrame:
    """``hub_catchments`` as one row per hub: residents within each limit, car and
    transit side by side (columns ``car ≤30 min`` …)."""
    if catchments.empty:
        return pd.DataFrame()
    df = catchments.copy()
    df["column"] = [f"{m} ≤{b:g} min" for m, b in zip(df["mode"], df["band_min"], strict=True)]
    order = list(dict.fromkeys(df.sort_values(["mode", "band_min"])["column"]))
    wide = df.pivot_table(index="hub_id", columns="column", values="residents_2020census",
                          sort=False, dropna=False)
    attrs = df.drop_duplicates("hub_id").set_index("hub_id")[["name_zh", "kind", "state"]]
    return attrs.join(wide[order]).reset_index()


def freight_links(phase) -> pd.DataFrame:
    """Each freight link in the phase year: state, length, and what it connects by road.

    Returns
    -------
    pandas.DataFrame
        ``id, name_zh, kind, from, to, status, state`` (``open`` in the year or the status),
        ``length_km`` (the source's, else the straight line between located ends),
        ``length_basis`` (``source``, ``straight line`` or ``unknown``), ``class``,
        ``road_km``, ``road_min`` (by car between the two ends over the phase's roads),
        ``road_basis`` (how the ends were reached), ``note``.
    """
    from ..model.projection import haversine_km

    plan, year = phase.plan, phase.year
    rows = []
    for fid, f in plan.freight.iterrows():
        a, b = _position(plan, f["from"]), _position(plan, f["to"])
        oy = f["open_year"]
        state = "open" if oy == oy and oy <= year else str(f["status"])
        length, basis = f["length_km"], "source"
        if length != length:
            length, basis = (float(haversine_km(*a, *b)), "straight line") if a and b else (
                np.nan, "unknown")
        road_km = road_min = np.nan
        road_basis = ""
        if a and b:
            road_km, road_min, road_basis = _road_between(phase, f["from"], f["to"], a, b)
        rows.append({"id": fid, "name_zh": f["name_zh"], "kind": f["kind"], "from": f["from"],
                     "to": f["to"] or "", "status": f["status"], "state": state,
                     "length_km": length, "length_basis": basis, "class": f.get("class", ""),
                     "road_km": road_km, "road_min": road_min, "road_basis": road_basis,
                     "note": f.get("note", "")})
    return pd.DataFrame(rows)


def _position(plan, nid) -> tuple[float, float] | None:
    if not isinstance(nid, str) or not nid:
        return None
    if nid in plan.nodes.index:
        return float(plan.nodes.at[nid, "lon"]), float(plan.nodes.at[nid, "lat"])
    if nid in plan.hubs.index and plan.hubs.at[nid, "lon"] == plan.hubs.at[nid, "lon"]:
        return float(plan.hubs.at[nid, "lon"]), float(plan.hubs.at[nid, "lat"])
    return None


def _road_between(phase, u: str, v: str, a, b) -> tuple[float, float, str]:
    """Car km and minutes from ``u`` to ``v``: the graph's own access where both are in the
    phase graph, else from the nearest road node of each end (straight line × detour at the
    local speed to it), for a site not open in the year."""
    from ..engine.routing import od_times
    from ..model.projection import lonlat_to_xy

    cg, s = phase.compiled, phase.settings
    if u in cg.index and v in cg.index:
        od = od_times(cg, [(u, v)], mode="road").iloc[0]
        return float(od["km"]), float(od["minutes"]), "by road between the two sites"
    lay = cg.layer("road")
    has_road = np.zeros(cg.n, bool)
    has_road[np.flatnonzero(np.diff(lay.csr.indptr) > 0)] = True
    street = cg.street[has_road[cg.street]]
    ends, stub_km, off = [], 0.0, []
    for nid, (lon, lat) in ((u, a), (v, b)):
        if nid in cg.index and has_road[cg.index[nid]]:
            ends.append(nid)
            continue
        off.append(nid)
        p = lonlat_to_xy(np.array([lon]), np.array([lat]), s.metric_crs)[0]
        d = np.hypot(*(cg.xy[street] - p).T)
        i = int(np.argmin(d))
        ends.append(cg.node_ids[street[i]])
        stub_km += float(d[i]) / 1000.0 * s.detour_factor
    od = od_times(cg, [tuple(ends)], mode="road").iloc[0]
    stub_min = stub_km / s.local_speed_kph * 60.0
    return (float(od["km"]) + stub_km, float(od["minutes"]) + stub_min,
            f"{' and '.join(off)} not in the {phase.year} network: reached from the nearest "
            f"road node ({stub_km:.1f} km, straight line × detour at the local speed)")


def waterway_status(phase, ends: tuple[str, str] = WATERWAY_ENDS) -> dict:
    """Whether the waterway links join ``ends`` with every link open in the phase year.

    Returns
    -------
    dict
        ``navigable`` (bool), ``chain`` (link ids from one end to the other, in order;
        empty when the links do not join them) and ``blocking`` (the links of the chain not
        open in the year, with their status).
    """
    import networkx as nx

    links = freight_links(phase)
    ww = links[links["kind"] == "waterway"]
    W = nx.Graph()
    for r in ww.itertuples():
        if r.to:
            W.add_edge(r[ww.columns.get_loc("from") + 1], r.to, id=r.id, state=r.state,
                       status=r.status)
    try:
        path = nx.shortest_path(W, *ends)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return {"navigable": False, "chain": [], "blocking": []}
    chain = [W[x][y] for x, y in itertools.pairwise(path)]
    blocking = [f"{e['id']} ({e['status']})" for e in chain if e["state"] != "open"]
    return {"navigable": not blocking, "chain": [e["id"] for e in chain], "blocking": blocking}


__all__ = ["CATCHMENT_KINDS", "WATERWAY_ENDS", "catchment_table", "freight_links",
           "hub_catchments", "waterway_status"]
