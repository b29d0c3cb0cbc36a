"""Without a car: who reaches the main urban area and an HSR station, car and transit side by side.

Many of Suining's residents have no car, and for them "within 30 minutes" means something
else. ``transit_equity`` gives, for each county-level unit, the share of its residents
(2020 census, spread as for the isochrones) within 30 and 60 minutes of

* the **main urban area** (the 遂宁 centre node), and
* **an HSR station** (any station where a service running at 200 km/h or more calls in the
  year, ``hsr_stations``; the nearest one counts),

with a car (``mode="any"``: driving, and trains where faster) and without one
(``mode="transit"``: walking, buses, trains, metro). Times run from the main urban area or
the stations outward; the model's waits and rides are the same both ways.

The transit figures are a **lower bound**: only the routes of ``bus_routes.csv`` run (the
main urban area's own city bus network is not in the data), so inside a town the transit
reach is mostly the walk from the few modelled stops.

``bus_routes_in`` lists the routes of a phase with what each costs a rider, and
``transit_comparison`` sets two phases side by side for ``compare``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: An HSR station is one where a service running at this speed or more calls, km/h: the
#: initial operating speed of the Chinese definition of 高速铁路 (初期运营速度不小于
#: 200 km/h); 遂成's 200 km/h D trains count. The project's reading (the plan gives none).
HSR_MIN_SPEED_KPH = 200.0
#: Modes compared: with a car (and trains where faster) and without one.
MODE_LABELS = {"any": "car", "transit": "transit"}
#: Columns of ``bus_routes_in``.
BUS_ROUTE_COLUMNS = ["id", "name_zh", "kind", "boards", "headway_min", "headway_basis", "runs",
                     "why_not", "calls", "wait_min", "ride_min", "km"]
#: The main urban area's node.
MAIN_URBAN_AREA = "suining"


def hsr_stations(phase, min_speed_kph: float = HSR_MIN_SPEED_KPH) -> list[str]:
    """Stations where a train running at ``min_speed_kph`` or more calls in the phase year.

    A call counts when the line a service runs in on, or out on, has an operating speed of
    at least ``min_speed_kph`` and the service's own ``max_speed_kph`` (if any) does not
    hold it below: 遂宁 and 大英东 on 遂成 (200 km/h D trains) count, 潼南 on 遂渝
    (160 km/h) does not.
    """
    from ..model.services import services_in

    plan, year = phase.plan, phase.year
    open_lines = plan.lines_as_of(year)
    speed = {ln["id"]: float(ln["operating_speed_kph"] or 0) for ln in open_lines
             if ln["network"] == "rail"}
    G = phase.graph
    out: set[str] = set()
    for svc in services_in(list(plan.services), plan.lines, open_lines, year):
        cap = svc.max_speed_kph or np.inf
        n = len(svc.path)
        for (_, _, i), call in zip(svc.placed, svc.calls, strict=True):
            around = [svc.path[j][2] for j in (i, i + 1) if 0 < j < n]  # lines in and out
            top = max((speed.get(lid, 0.0) for lid in around), default=0.0)
            if min(top, cap) >= min_speed_kph and call in G:
                out.add(call)
    return sorted(out)


def reach_shares(phase, origins: Sequence[str], limits_min: Sequence[float], mode: str,
                 cell_m: float = 500) -> pd.DataFrame:
    """Share of each unit's residents within each limit of the nearest of ``origins``.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit id, one column per limit (float shares, 0–1).
    """
    from ..engine.isochrones import surface_bands
    from ..engine.population import population_matrix
    from ..engine.routing import times_from
    from ..engine.surface import node_surface, surface_margin_min
    from ..engine.walk import transit_surface, walk_margin_min

    cg, s, units = phase.compiled, phase.settings, phase.units
    limits = sorted(float(x) for x in limits_min)
    idx = [cg.index[o] for o in origins if o in cg.index]
    if not idx:
        return pd.DataFrame(0.0, index=units.index, columns=limits)
    if mode == "transit":
        surface = transit_surface(cg, idx, limits[-1] + walk_margin_min(s, cell_m), cell_m)
    else:
        top = limits[-1] + surface_margin_min(s, cell_m)
        t = times_from(cg, idx, top * 60.0, mode).min(axis=0) / 60.0
        surface = node_surface(cg, t, top, cell_m, s)
    bands = surface_bands(surface, limits)
    mat = population_matrix(bands.geometry, units, settings=s).cumsum(axis=1)
    out = mat.div(units["population"], axis=0)
    out.columns = limits
    return out


def transit_equity(phase, limits_min: Sequence[float] = (30, 60), cell_m: float = 500
                   ) -> pd.DataFrame:
    """Shares of residents within reach of the main urban area and of an HSR station, by
    county, with and without a car (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per unit × target × mode × limit: ``unit_id, name_zh, name_en,
        population_2020census, target`` (``main_urban_area`` or ``hsr_station``), ``mode``
        (``car`` or ``transit``), ``limit_min``, ``share`` (0–1), ``residents_2020census``.
        Computed once per phase.
    """
    key = ("transit_equity", tuple(float(x) for x in limits_min), float(cell_m))
    return phase.memo(key, lambda: _equity(phase, limits_min, cell_m))


def _equity(phase, limits_min, cell_m) -> pd.DataFrame:
    units = phase.units
    targets = {"main_urban_area": [MAIN_URBAN_AREA], "hsr_station": hsr_stations(phase)}
    rows = []
    for target, origins in targets.items():
        for mode, label in MODE_LABELS.items():
            shares = reach_shares(phase, origins, limits_min, mode, cell_m)
            for uid in units.index:
                pop = float(units.at[uid, "population"])
                for limit in shares.columns:
                    share = float(shares.at[uid, limit])
                    rows.append({"unit_id": uid, "name_zh": units.at[uid, "name_zh"],
                                 "name_en": units.at[uid, "name_en"],
                                 "population_2020census": round(pop), "target": target,
                                 "mode": label, "limit_min": float(limit), "share": share,
                                 "residents_2020census": round(share * pop)})
    return pd.DataFrame(rows)


def equity_table(equity: pd.DataFrame) -> pd.DataFrame:
    """``transit_equity`` as one row per unit, car and transit side by side
    (columns ``<target> ≤<limit> min <mode>``, shares 0–1), plus a total row."""
    if equity.empty:
        return pd.DataFrame()
    df = equity.copy()
    df["column"] = [f"{'urban area' if t == 'main_urban_area' else 'HSR station'} "
                    f"≤{lim:g} min {m}" for t, lim, m in
                    zip(df["target"], df["limit_min"], df["mode"], strict=True)]
    order = list(dict.fromkeys(df.sort_values(["target", "limit_min", "mode"],
                                              ascending=[False, True, True])["column"]))
    wide = df.pivot_table(index=["unit_id", "name_zh", "population_2020census"],
                          columns="column", values="share", sort=False).reset_index()
    total = df.groupby("column")["residents_2020census"].sum() / \
        df.drop_duplicates("unit_id")["population_2020census"].sum()
    total_row = {"unit_id": "all", "name_zh": "合计 / all",
                 "population_2020census": int(df.drop_duplicates("unit_id")
                                              ["population_2020census"].sum()),
                 **total.to_dict()}
    wide = pd.concat([wide, pd.DataFrame([total_row])], ignore_index=True)
    return wide[["unit_id", "name_zh", "population_2020census", *order]]


def bus_routes_in(phase) -> pd.DataFrame:
    """The bus routes of the plan and what each does in the phase year.

    Returns
    -------
    pandas.DataFrame
        ``id, name_zh, kind, boards, headway_min`` (in ``Settings.bus_period``),
        ``headway_basis, runs`` (bool), ``why_not`` (why a route does not run), ``calls``
        (calls of the outward direction), ``wait_min`` (at the first stop), ``ride_min``
        (in the bus and dwells, first to last stop), ``km``.
    """
    G = phase.graph
    period = phase.settings.bus_period
    pats = G.graph.get("bus_routes", {})
    skipped = G.graph.get("bus_routes_skipped", {})
    rows = []
    for r in phase.plan.bus_routes:
        runs = r.id in pats
        why = "" if runs else skipped.get(r.id) or (
            "undated" if r.first_year is None else f"from {r.first_year}"
            if r.first_year > phase.year else f"until {r.last_year}")
        wait = ride = km = np.nan
        if runs:
            wait, ride, km = _pattern_minutes(G, r.id, len(pats[r.id]))
        rows.append({"id": r.id, "name_zh": r.name_zh, "kind": r.kind, "boards": r.boards,
                     "headway_min": r.headway(period), "headway_basis": r.headway_basis,
                     "runs": runs, "why_not": why, "calls": len(pats.get(r.id, ())),
                     "wait_min": wait, "ride_min": ride, "km": km})
    return pd.DataFrame(rows, columns=BUS_ROUTE_COLUMNS)


def _pattern_minutes(G, pid: str, n: int) -> tuple[float, float, float]:
    """(wait at the first call, ride + dwell from first to last call, km) of a pattern."""
    def minutes(u, v) -> tuple[float, float]:
        d = min(G[u][v].values(), key=lambda e: e["travel_time_s"])
        return d["travel_time_s"] / 60.0, d["length_m"] / 1000.0

    wait = min(d["travel_time_s"] for u, _, d in G.in_edges(f"{pid}|0|dep", data=True)) / 60.0
    ride = km = 0.0
    for k in range(n - 1):
        m, x = minutes(f"{pid}|{k}|dep", f"{pid}|{k + 1}|arr")
        ride, km = ride + m, km + x
        if 0 < k + 1 < n - 1:
            ride += minutes(f"{pid}|{k + 1}|arr", f"{pid}|{k + 1}|dep")[0]
    return wait, ride, km


def transit_comparison(pa, pb, origin: str) -> dict:
    """What differs for riders between two phases (for ``compare``).

    Returns
    -------
    dict
        ``places``: minutes by transit from ``origin`` to each centre and county seat in A
        and B and the saving; ``routes``: bus routes whose headway, wait, ride or running
        differs (``id, runs_a, runs_b, headway_a, headway_b, wait_a, wait_b, ride_a,
        ride_b``).
    """
    from ..engine.routing import travel_times

    pl = pb.plan.places()
    ids = [p for p in pl.index[pl["kind"].isin(["centre", "county_seat"])]
           if p in pa.compiled.index and p in pb.compiled.index and p != origin]
    ta = travel_times(pa, [origin], mode="transit")[origin]
    tb = travel_times(pb, [origin], mode="transit")[origin]
    places = pd.DataFrame({"place": ids, "name_zh": pl.loc[ids, "name_zh"].to_numpy(),
                           "transit_min_a": ta.reindex(ids).to_numpy(),
                           "transit_min_b": tb.reindex(ids).to_numpy()})
    places["minutes_saved"] = places["transit_min_a"] - places["transit_min_b"]
    ra = bus_routes_in(pa).set_index("id")
    rb = bus_routes_in(pb).set_index("id")
    rows = []
    for rid in sorted(set(ra.index) | set(rb.index)):
        a = ra.loc[rid] if rid in ra.index else None
        b = rb.loc[rid] if rid in rb.index else None
        vals = {}
        for col, name in (("runs", "runs"), ("headway_min", "headway"), ("wait_min", "wait"),
                          ("ride_min", "ride")):
            vals[f"{name}_a"] = a[col] if a is not None else np.nan
            vals[f"{name}_b"] = b[col] if b is not None else np.nan
        if any(not _same(vals[f"{k}_a"], vals[f"{k}_b"]) for k in ("runs", "headway", "wait",
                                                                      "ride")):
            rows.append({"id": rid, **vals})
    cols = ["id", "runs_a", "runs_b", "headway_a", "headway_b", "wait_a", "wait_b", "ride_a",
            "ride_b"]
    return {"places": places, "routes": pd.DataFrame(rows, columns=cols)}


def _same(a, b) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    if np.isnan(fa) or np.isnan(fb):
        return np.isnan(fa) and np.isnan(fb)
    return abs(fa - fb) < 1e-9


__all__ = ["BUS_ROUTE_COLUMNS", "HSR_MIN_SPEED_KPH", "MAIN_URBAN_AREA", "MODE_LABELS", "bus_routes_in",
           "equity_table", "hsr_stations", "reach_shares", "transit_comparison",
           "transit_equity"]
