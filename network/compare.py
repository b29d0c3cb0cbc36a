"""Compare two phases (a scenario or the plan, each in a year).

This module owns what a comparison *is*: which lines differ, which goals flip, and which
area is newly (or no longer) within reach. :func:`network.maps.map_comparison` draws it;
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
LINE_FIELDS = ("open_year", "operating_speed_kph", "design_speed_kph", "lanes", "status",
               "line_class")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the plan with a scenario (or none) in a year.

    Attributes
    ----------
    year : int
    scenario : Scenario or None
    plan : Plan
        With the scenario applied.
    """

    year: int
    scenario: Any
    plan: Any

    @property
    def label(self) -> str:
        """Short bilingual label, e.g. ``"2030 · chengdawan_delayed"``."""
        return f"{self.year} · {self.scenario.name if self.scenario else '规划 plan'}"


def resolve_scenario(scenario):
    """A :class:`~network.scenario.Scenario` from an object, a path or a name in ``scenarios/``."""
    from .scenario import Scenario, read_scenario

    if scenario is None or isinstance(scenario, Scenario):
        return scenario
    return read_scenario(scenario)


def side(spec, plan=None) -> Side:
    """A :class:`Side` from ``(year, scenario)``, a Scenario, a scenario name/path or a year.

    Parameters
    ----------
    spec : tuple, Scenario, str, path or int
        A bare scenario stands for itself in its own year; a bare year for the plan.
    plan : Plan, optional
        The plan as published (default :func:`network.default_plan`).
    """
    from .graph import default_plan

    if isinstance(spec, Side):
        return spec
    if isinstance(spec, tuple | list):
        year, scn = int(spec[0]), resolve_scenario(spec[1])
    elif isinstance(spec, int | np.integer):
        year, scn = int(spec), None
    else:
        scn = resolve_scenario(spec)
        year = scn.year
    base = plan or default_plan()
    if base.scenario is not None and scn is not None and base.scenario.name == scn.name:
        return Side(year, scn, base)
    return Side(year, scn, base.with_scenario(scn))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None or (isinstance(a, float) and np.isnan(a)) or (
            isinstance(b, float) and np.isnan(b)):
        return (a is None or (isinstance(a, float) and np.isnan(a))) and (
            b is None or (isinstance(b, float) and np.isnan(b)))
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def diff_lines(la: gpd.GeoDataFrame, lb: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines that differ between two line tables (:meth:`~network.Plan.lines_gdf`).

    Returns
    -------
    GeoDataFrame
        Rows of ``lb`` (added, changed) and of ``la`` (removed), with ``change`` in
        {'added', 'removed', 'changed'} and ``what``: ``[(field, a, b), ...]`` for each
        field of :data:`LINE_FIELDS` that changed.
    """
    rows = []
    for lid in sorted(set(la.index) | set(lb.index)):
        if lid not in la.index:
            rows.append((lb.loc[lid], "added", []))
        elif lid not in lb.index:
            rows.append((la.loc[lid], "removed", []))
        else:
            a, b = la.loc[lid], lb.loc[lid]
            what = [(f, a[f], b[f]) for f in LINE_FIELDS if not _same(a[f], b[f])]
            if what:
                rows.append((b, "changed", what))
    if not rows:
        out = lb.iloc[0:0].copy()
        out["change"], out["what"] = [], []
        return out
    out = gpd.GeoDataFrame([r[0] for r in rows], crs=lb.crs if len(lb) else la.crs)
    out["change"] = [r[1] for r in rows]
    out["what"] = [r[2] for r in rows]
    return out


def line_differences(a: Side, b: Side) -> pd.DataFrame:
    """The lines that differ between two sides, as a plain table.

    Returns
    -------
    pandas.DataFrame
        ``id, name_zh, name_en, network, change`` (added / removed / changed) and a
        readable ``detail``.
    """
    d = diff_lines(a.plan.lines_gdf(a.year), b.plan.lines_gdf(b.year))

    def detail(change: str, what: list) -> str:
        if change == "added":
            return f"in service in {b.label}"
        if change == "removed":
            return f"not in service in {b.label}"
        return "; ".join(f"{f}: {_plain(x)} → {_plain(y)}" for f, x, y in what)

    out = pd.DataFrame(d[["id", "name_zh", "name_en", "network", "change"]])
    out["detail"] = [detail(c, w) for c, w in zip(d["change"], d["what"], strict=True)]
    return out.reset_index(drop=True)


def _plain(v: Any) -> str:
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
    both = goals_a.merge(goals_b, on="goal_id", suffixes=("_a", "_b"))
    flips = both[both["passed_a"].astype(bool) != both["passed_b"].astype(bool)].copy()
    for col in ("label", "origin", "destination", "passed"):
        flips[col] = flips[f"{col}_b"]
    lead = ["goal_id", "label", "minutes_a", "minutes_b", "passed_a", "passed_b"]
    return flips[lead + [c for c in flips.columns if c not in lead]].reset_index(drop=True)


def reach_polygon(bands: gpd.GeoDataFrame, limit: float, crs: str = "EPSG:32648"):
    """Everything within ``limit`` minutes in a band table, as one polygon in ``crs``."""
    sel = bands[bands["band_min"] <= limit + 1e-9].to_crs(crs)
    return shapely.make_valid(shapely.union_all(list(sel.geometry))) if len(sel) \
        else shapely.Polygon()


def newly_reached(bands_a: gpd.GeoDataFrame, bands_b: gpd.GeoDataFrame,
                  minutes=(30, 60), crs: str = "EPSG:32648") -> gpd.GeoDataFrame:
    """Area within ``minutes`` in ``b`` but not in ``a`` (and the reverse).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per threshold: ``band_min``, ``gained_km2``, ``lost_km2``, and
        the gained area as geometry (both areas as geometries: :func:`reach_changes`).
    """
    rows, geoms = [], []
    for m in minutes:
        ra, rb = reach_polygon(bands_a, m, crs), reach_polygon(bands_b, m, crs)
        gain, loss = rb.difference(ra), ra.difference(rb)
        rows.append({"band_min": m, "gained_km2": gain.area / 1e6, "lost_km2": loss.area / 1e6})
        geoms.append(gain)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_crs("EPSG:4326")


def reach_changes(bands_a: gpd.GeoDataFrame, bands_b: gpd.GeoDataFrame, minutes=(30, 60),
                  crs: str = "EPSG:32648") -> gpd.GeoDataFrame:
    """Area gained and lost within each threshold, one row per (threshold, change).

    Returns
    -------
    GeoDataFrame
        In ``crs``: ``band_min``, ``change`` ('gained' or 'lost'), ``area_km2``, geometry.
    """
    rows, geoms = [], []
    for m in minutes:
        ra, rb = reach_polygon(bands_a, m, crs), reach_polygon(bands_b, m, crs)
        for change, geom in (("gained", rb.difference(ra)), ("lost", ra.difference(rb))):
            geom = shapely.make_valid(geom)
            rows.append({"band_min": m, "change": change, "area_km2": geom.area / 1e6})
            geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@dataclass(frozen=True)
class Comparison:
    """Everything :func:`compare` found (the map and the tables are drawn from it)."""

    a: Side
    b: Side
    G_a: Any
    G_b: Any
    origin: str
    bands_a: gpd.GeoDataFrame
    bands_b: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame      # diff_lines
    reach: gpd.GeoDataFrame      # reach_changes
    goals_a: pd.DataFrame | None
    goals_b: pd.DataFrame | None
    flips: pd.DataFrame | None   # goal_flips

    def population(self) -> pd.DataFrame:
        """Population within each threshold on both sides (when computed)."""
        if "reach_population" not in self.bands_a:
            return pd.DataFrame()
        return pd.DataFrame({
            "band_min": self.bands_a["band_min"].to_numpy(),
            f"reach_population A ({self.a.label})":
                self.bands_a["reach_population"].round().astype(int).to_numpy(),
            f"reach_population B ({self.b.label})":
                self.bands_b["reach_population"].round().astype(int).to_numpy()})


def compare(a, b, *, plan=None, origin: str = "suining", minutes=(30, 60), cell_m: float = 500,
            goals=None, population: bool = True) -> Comparison:
    """Compare phase ``a`` with phase ``b``.

    Parameters
    ----------
    a, b : (year, scenario) pair, Scenario, scenario name or path, or year
    plan : Plan, optional
        The plan as published (default :func:`network.default_plan`).
    origin : str
        Origin (node id or place name) of the reach comparison.
    minutes : sequence of float
        Reach thresholds compared, min.
    cell_m : float
        Travel-time grid cell, m.
    goals : list of Goal, path or False, optional
        Default: ``b``'s scenario goals file, else ``scenarios/goals.toml``; ``False``
        skips the goals.
    population : bool
        Count the population within reach on both sides.

    Returns
    -------
    Comparison
    """
    from .goals import evaluate_goals, read_goals
    from .graph import phase_graph, settings_for
    from .isochrones import isochrones
    from .routing import resolve_node

    sa, sb = side(a, plan), side(b, plan)
    Ga = phase_graph(sa.plan, sa.year, settings_for(sa.scenario))
    Gb = phase_graph(sb.plan, sb.year, settings_for(sb.scenario))
    limits = sorted(float(x) for x in minutes)
    units = None
    glist = []
    if goals is not False:
        glist = goals
        if glist is None or isinstance(glist, str | os.PathLike):
            scn = sb.scenario or sa.scenario
            glist = read_goals(glist or (scn.run.goals if scn else None))
    if population or any(g.measure == "population_share" for g in glist):
        from .population import population_units

        units = population_units(plan)
    node = resolve_node(Gb, origin)
    ba = isochrones(Ga, node, minutes=limits, cell_m=cell_m, population=population, units=units)
    bb = isochrones(Gb, node, minutes=limits, cell_m=cell_m, population=population, units=units)
    ga = evaluate_goals(Ga, glist, units) if glist else None
    gb = evaluate_goals(Gb, glist, units) if glist else None
    return Comparison(
        a=sa, b=sb, G_a=Ga, G_b=Gb, origin=node, bands_a=ba, bands_b=bb,
        lines=diff_lines(sa.plan.lines_gdf(sa.year), sb.plan.lines_gdf(sb.year)),
        reach=reach_changes(ba, bb, limits), goals_a=ga, goals_b=gb,
        flips=goal_flips(ga, gb) if glist else None)


__all__ = ["LINE_FIELDS", "Comparison", "Side", "compare", "diff_lines", "goal_flips",
           "line_differences", "newly_reached", "reach_changes", "reach_polygon", "side"]
