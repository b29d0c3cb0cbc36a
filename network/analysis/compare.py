"""Compare two phases: which lines differ, which goals flip, what area and who gains reach.

A comparison is always between two ``Phase`` objects. ``phases_to_compare``
makes them from what a user names: by default both in the same year (B's year, or the one
asked for), so that the difference is the scenario's own change, not fifteen years of the
plan. ``network.render.compare_map.map_comparison`` draws a ``Comparison``;
``python -m network compare`` tabulates it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Line attributes whose change between two phases counts as a difference.
LINE_FIELDS = ("open_year", "operating_speed_kph", "speed_limit_kph", "design_speed_kph",
               "lanes", "status", "line_class")


def phases_to_compare(a: Any, b: Any, *, year: int | None = None, own_years: bool = False,
                      streets: Any = None):
    """The two phases a comparison of ``a`` and ``b`` is about.

    Parameters
    ----------
    a, b : Phase, int, Scenario, scenario name or path
        A year stands for the plan as published.
    year : int, optional
        Compare both in this year. Default: ``b``'s year (its scenario's year).
    own_years : bool
        Compare each in its own year instead (a year given as ``a`` or ``b`` is its own).
    streets : path, optional
        Local streets for both.

    Returns
    -------
    (Phase, Phase)
    """
    from ..model.phase import Phase

    kw = {} if streets is None else {"streets": streets}
    pa = a if isinstance(a, Phase) and not kw else _phase(a, kw)
    pb = b if isinstance(b, Phase) and not kw else _phase(b, kw)
    if own_years:
        return pa, pb
    target = year if year is not None else pb.year
    return (pa if pa.year == target else pa.at(target)), (pb if pb.year == target else pb.at(target))


def _phase(spec: Any, kw: dict):
    from ..model.phase import Phase

    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        return Phase.of(int(spec), **kw)
    return Phase.of(spec, **kw)


def _same(a: Any, b: Any) -> bool:
    def missing(v: Any) -> bool:
        return v is None or (isinstance(v, float) and np.isnan(v))

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def diff_lines(la: gpd.GeoDataFrame, lb: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines that differ between two line tables (``lines_gdf``).

    Returns
    -------
    GeoDataFrame
        Rows of ``lb`` (added, changed) and of ``la`` (removed), indexed by line id, with
        ``change`` in {'added', 'removed', 'changed'} and ``what``: ``[(field, a, b), ...]``
        for each field of ``LINE_FIELDS`` that changed.
    """
    la, lb = la.set_index("id", drop=False), lb.set_index("id", drop=False)
    rows = []
    for lid in sorted(set(la.index) | set(lb.index)):
        if lid not in la.index:
            rows.append((lb.loc[lid], "added", []))
        elif lid not in lb.index:
            rows.append((la.loc[lid], "removed", []))
        else:
            ra, rb = la.loc[lid], lb.loc[lid]
            what = [(f, ra[f], rb[f]) for f in LINE_FIELDS if not _same(ra[f], rb[f])]
            if not _same_geometry(ra.geometry, rb.geometry):
                what.append(("route", "", "changed"))
            if what:
                rows.append((rb, "changed", what))
    if not rows:
        out = lb.iloc[0:0].copy()
        out["change"], out["what"] = [], []
        return out
    out = gpd.GeoDataFrame([r[0] for r in rows], crs=lb.crs if len(lb) else la.crs)
    out["change"] = [r[1] for r in rows]
    out["what"] = [r[2] for r in rows]
    return out


def _same_geometry(a, b) -> bool:
    return a is not None and b is not None and a.equals_exact(b, 1e-9)


def line_differences(pa, pb) -> pd.DataFrame:
    """The lines that differ between two phases, as a plain table.

    Returns
    -------
    pandas.DataFrame
        ``id, name_zh, name_en, network, change`` (added / removed / changed),
        ``hypothetical`` (added by a scenario) and a readable ``detail``.
    """
    d = diff_lines(pa.lines_gdf(), pb.lines_gdf())

    def detail(change: str, what: list) -> str:
        if change == "added":
            return f"in service in {pb.label}, not in {pa.label}"
        if change == "removed":
            return f"in service in {pa.label}, not in {pb.label}"
        return "; ".join(f"{f}: {plain(x)} → {plain(y)}" for f, x, y in what)

    out = pd.DataFrame(d[["id", "name_zh", "name_en", "network", "change"]])
    out["hypothetical"] = (d["plan_group"] == "scenario").to_numpy() if len(d) else []
    out["detail"] = [detail(c, w) for c, w in zip(d["change"], d["what"], strict=True)]
    return out.reset_index(drop=True)


def plain(v: Any) -> str:
    """A value as plain text ('–' for missing, no '.0' on whole numbers)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, float) and v.is_integer():
        return f"{v:.0f}"
    return str(v)


def goal_flips(goals_a: pd.DataFrame, goals_b: pd.DataFrame) -> pd.DataFrame:
    """Goals whose verdict differs between two goal tables (one year each).

    Returns
    -------
    pandas.DataFrame
        One row per flipped goal: ``goal_id``; ``label``, ``origin``, ``destination`` and
        ``passed`` as in ``goals_b``; and every goal column of both tables with the
        suffixes ``_a`` and ``_b`` (``minutes_a``, ``passed_b``, ``value_a`` …).
    """
    both = goal_pairs(goals_a, goals_b)
    flips = both[both["passed_a"].astype(bool) != both["passed_b"].astype(bool)]
    return flips.reset_index(drop=True)


def goal_pairs(goals_a: pd.DataFrame, goals_b: pd.DataFrame) -> pd.DataFrame:
    """Every goal with its verdict on both sides (columns as in ``goal_flips``)."""
    both = goals_a.merge(goals_b, on="goal_id", suffixes=("_a", "_b"))
    for col in ("label", "origin", "destination", "passed"):
        both[col] = both[f"{col}_b"]
    lead = ["goal_id", "label", "minutes_a", "minutes_b", "passed_a", "passed_b"]
    return both[lead + [c for c in both.columns if c not in lead]].reset_index(drop=True)


def reach_polygon(bands: gpd.GeoDataFrame, limit: float, crs: str = "EPSG:32648"):
    """Everything within ``limit`` minutes in a band table, as one polygon in ``crs``."""
    sel = bands[bands["band_min"] <= limit + 1e-9].to_crs(crs)
    return shapely.make_valid(shapely.union_all(list(sel.geometry))) if len(sel) \
        else shapely.Polygon()


def reach_changes(bands_a: gpd.GeoDataFrame, bands_b: gpd.GeoDataFrame, bands_min=(30, 60),
                  crs: str = "EPSG:32648") -> gpd.GeoDataFrame:
    """Area gained and lost within each band limit, one row per (limit, change).

    Returns
    -------
    GeoDataFrame
        In ``crs``: ``band_min``, ``change`` ('gained' or 'lost'), ``area_km2``, geometry.
    """
    rows, geoms = [], []
    for m in bands_min:
        ra, rb = reach_polygon(bands_a, m, crs), reach_polygon(bands_b, m, crs)
        for change, geom in (("gained", rb.difference(ra)), ("lost", ra.difference(rb))):
            geom = shapely.make_valid(geom)
            rows.append({"band_min": m, "change": change, "area_km2": geom.area / 1e6})
            geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def place_minutes(pa, pb, origin: str, places=None) -> pd.DataFrame:
    """Door-to-door minutes from ``origin`` to each place on both sides, and the saving.

    Returns
    -------
    pandas.DataFrame
        ``place, name_zh, name_en, minutes_a, minutes_b, minutes_saved`` (positive: B is
        faster), one row per centre and county seat of the plan.
    """
    from ..engine.routing import travel_times

    pl = pb.plan.places()
    pl = pl[pl["kind"].isin(["centre", "county_seat"])]
    ids = [p for p in (places or pl.index) if p in pb.compiled.index and p in pa.compiled.index]
    ta = travel_times(pa, [origin])[origin]
    tb = travel_times(pb, [origin])[origin]
    out = pd.DataFrame({"place": ids, "name_zh": pl.loc[ids, "name_zh"].to_numpy(),
                        "name_en": pl.loc[ids, "name_en"].to_numpy(),
                        "minutes_a": ta.reindex(ids).to_numpy(),
                        "minutes_b": tb.reindex(ids).to_numpy()})
    with np.errstate(invalid="ignore"):  # inf - inf: unreachable on both sides
        out["minutes_saved"] = out["minutes_a"] - out["minutes_b"]
    out["lon"] = pl.loc[ids, "lon"].to_numpy(float)
    out["lat"] = pl.loc[ids, "lat"].to_numpy(float)
    return out


def unit_minutes(units: gpd.GeoDataFrame, places: pd.DataFrame) -> gpd.GeoDataFrame:
    """Minutes saved per population unit (county or district): those of its seat.

    Parameters
    ----------
    units : GeoDataFrame
        Population units with ``seat_node`` (``network.Phase.units``).
    places : DataFrame
        ``place_minutes``.

    Returns
    -------
    GeoDataFrame
        ``unit_id, name_zh, name_en, seat_node, minutes_a, minutes_b, minutes_saved``,
        geometry; units without a seat among ``places`` have NaN minutes.
    """
    by_place = places.set_index("place")
    out = units[["unit_id", "name_zh", "name_en", "seat_node", "geometry"]].copy()
    for col in ("minutes_a", "minutes_b", "minutes_saved"):
        out[col] = out["seat_node"].map(by_place[col]).astype(float)
    return out.reset_index(drop=True)


def scenario_changes(phase) -> pd.DataFrame:
    """What a phase's scenario itself changes in the plan: its own lines and settings.

    Every ``[[lines.modify]]`` and ``[[lines.add]]`` entry as applied, and every
    ``[settings]`` override, against the plan as published (the lines the plan itself opens
    over the years are not the scenario's doing and are not listed).

    Returns
    -------
    pandas.DataFrame
        ``kind`` ('added', 'modified', 'removed', 'setting'), ``id`` (line id or setting
        name), ``name_zh``, ``name_en``, ``network``, ``hypothetical`` (a line the scenario
        adds: no source but the scenario file), ``in_service`` (in the phase's year),
        ``detail`` ('field: before → after; …'). Empty for the plan as published.
    """
    cols = ["kind", "id", "name_zh", "name_en", "network", "hypothetical", "in_service",
            "detail"]
    scn = phase.scenario
    if scn is None:
        return pd.DataFrame(columns=cols)
    before, after = phase.base_plan.lines, phase.plan.lines
    year = phase.year

    def serving(rec: dict | None) -> bool:
        return rec is not None and rec.get("open_year") is not None and rec["open_year"] <= year

    rows = []
    for mod in scn.lines.modify:
        old, new = before.get(mod.id), after.get(mod.id)
        rec = new or old or {}
        if mod.remove:
            kind, detail = "removed", "removed from the plan"
        else:
            kind = "modified"
            detail = "; ".join(f"{f}: {plain(old.get(f))} → {plain(new.get(f))}"
                               for f in LINE_FIELDS if old is not None and new is not None
                               and not _same(old.get(f), new.get(f))) or "no field differs"
        rows.append({"kind": kind, "id": mod.id, "name_zh": rec.get("name_zh", ""),
                     "name_en": rec.get("name_en", ""), "network": rec.get("network", ""),
                     "hypothetical": False, "in_service": serving(new), "detail": detail})
    for add in scn.lines.add:
        new = after.get(add.id, {})
        speed = add.operating_speed_kph or add.speed_limit_kph
        detail = (f"{add.network} {add.line_class}, {plain(float(speed))} km/h"
                  + (" limit" if add.operating_speed_kph is None else "")
                  + f", opens {add.open_year}")
        rows.append({"kind": "added", "id": add.id, "name_zh": add.name_zh,
                     "name_en": add.name_en, "network": add.network, "hypothetical": True,
                     "in_service": serving(new), "detail": detail})
    from ..model.settings import Settings

    default = Settings().model_dump()
    for key, value in sorted(scn.settings.items()):
        if isinstance(value, dict) and isinstance(default.get(key), dict):
            detail = "; ".join(f"{key}.{k}: {plain(default[key].get(k))} → {plain(v)}"
                               for k, v in sorted(value.items()))
        else:
            detail = f"{key}: {plain(default.get(key))} → {plain(value)}"
        rows.append({"kind": "setting", "id": key, "name_zh": "", "name_en": "", "network": "",
                     "hypothetical": False, "in_service": True, "detail": detail})
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class Comparison:
    """Everything ``compare`` found (the map and the tables are drawn from it)."""

    a: Any                       # Phase
    b: Any                       # Phase
    origin: str
    bands_a: gpd.GeoDataFrame
    bands_b: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame      # diff_lines
    reach: gpd.GeoDataFrame      # reach_changes
    goals_a: pd.DataFrame | None
    goals_b: pd.DataFrame | None
    flips: pd.DataFrame | None   # goal_flips
    places: pd.DataFrame | None = None  # place_minutes
    transit: dict | None = None  # network.analysis.equity.transit_comparison

    @property
    def same_year(self) -> bool:
        return self.a.year == self.b.year

    def years_text(self) -> str:
        """How the two sides are dated, in words (for titles and reports)."""
        if self.same_year:
            return f"both in {self.b.year}"
        return f"each in its own year: A in {self.a.year}, B in {self.b.year}"

    def pairs(self) -> pd.DataFrame | None:
        """Every goal before (A) and after (B): ``goal_pairs`` (``None`` without goals)."""
        if self.goals_a is None or self.goals_b is None:
            return None
        return goal_pairs(self.goals_a, self.goals_b)

    def units(self) -> gpd.GeoDataFrame | None:
        """Minutes saved per population unit (``unit_minutes``), or ``None``."""
        if self.places is None or not len(self.b.plan.population):
            return None
        return unit_minutes(self.b.units, self.places)

    def population(self) -> pd.DataFrame:
        """Residents within each band limit on both sides, and the gain (persons, 2020 census)."""
        if "reach_residents_2020census" not in self.bands_a:
            return pd.DataFrame()
        a = self.bands_a["reach_residents_2020census"].round().astype(int).to_numpy()
        b = self.bands_b["reach_residents_2020census"].round().astype(int).to_numpy()
        return pd.DataFrame({"band_min": self.bands_a["band_min"].to_numpy(),
                             "residents_within_a_2020census": a,
                             "residents_within_b_2020census": b,
                             "residents_gained": b - a})


def compare(a, b, *, year: int | None = None, own_years: bool = False, origin: str = "suining",
            bands_min=(30, 60), cell_m: float = 500, goals=None,
            population: bool = True, streets: Any = None) -> Comparison:
    """Compare phase ``a`` with phase ``b``.

    Parameters
    ----------
    a, b : Phase, year, Scenario, scenario name or path
    year, own_years, streets
        See ``phases_to_compare`` (default: both in ``b``'s year).
    origin : str
        Origin (node id or place name) of the reach comparison.
    bands_min : sequence of float
        Band limits compared, min.
    cell_m : float
        Travel-time grid cell, m.
    goals : list of Goal, path or False, optional
        Default: ``b``'s scenario goals file, else ``scenarios/goals.toml``; ``False``
        skips the goals.
    population : bool
        Count the residents within reach on both sides.

    Returns
    -------
    Comparison
    """
    from ..engine.isochrones import isochrones
    from ..engine.names import resolve_node
    from .equity import transit_comparison
    from .goals import goal_table, read_goals

    pa, pb = phases_to_compare(a, b, year=year, own_years=own_years, streets=streets)
    limits = sorted(float(x) for x in bands_min)
    glist = None
    if goals is not False:
        glist = goals
        if glist is None or isinstance(glist, str | os.PathLike):
            scn = pb.scenario or pa.scenario
            glist = read_goals(glist or (scn.run.goals if scn else None))
    node = resolve_node(pb.graph, origin)
    ba = isochrones(pa, node, bands_min=limits, cell_m=cell_m, population=population)
    bb = isochrones(pb, node, bands_min=limits, cell_m=cell_m, population=population)
    ga = goal_table(pa, glist) if glist else None
    gb = goal_table(pb, glist) if glist else None
    return Comparison(
        a=pa, b=pb, origin=node, bands_a=ba, bands_b=bb,
        lines=diff_lines(pa.lines_gdf(), pb.lines_gdf()),
        reach=reach_changes(ba, bb, limits, pb.settings.metric_crs), goals_a=ga, goals_b=gb,
        flips=goal_flips(ga, gb) if glist else None,
        places=place_minutes(pa, pb, node), transit=transit_comparison(pa, pb, node))


__all__ = ["LINE_FIELDS", "Comparison", "compare", "diff_lines", "goal_flips", "goal_pairs",
           "line_differences", "phases_to_compare", "place_minutes", "plain", "reach_changes",
           "reach_polygon", "scenario_changes", "unit_minutes"]
