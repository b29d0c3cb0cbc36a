"""Compare two scenarios (or two years): lines that differ, goals that flip, reach gained."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

LINE_FIELDS = ("open_year", "operating_speed_kph", "lanes", "status", "line_class")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a plan (scenario applied) in a year."""

    label: str
    plan: object
    year: int
    scenario: object = None


def side(spec, plan=None) -> Side:
    """Make a :class:`Side` from a scenario (object, path or name) or a ``(year, scenario)`` pair."""
    from .graph import default_plan
    from .scenario import Scenario, read_scenario

    base = plan or default_plan()
    if isinstance(spec, tuple):
        year, scn = spec
    else:
        year, scn = None, spec
    if scn is not None and not isinstance(scn, Scenario):
        scn = read_scenario(scn)
    year = int(year if year is not None else scn.year)
    label = f"{scn.name if scn else 'plan'} {year}"
    return Side(label=label, plan=base.with_scenario(scn), year=year, scenario=scn)


def line_differences(a: Side, b: Side) -> pd.DataFrame:
    """Lines in service in one side and not the other, or in both with changed attributes.

    Returns
    -------
    pandas.DataFrame
        ``id, name_zh, name_en, network, change`` (added / removed / changed) and
        ``detail``.
    """
    la = {ln["id"]: ln for ln in a.plan.lines_as_of(a.year)}
    lb = {ln["id"]: ln for ln in b.plan.lines_as_of(b.year)}
    rows = []
    for lid in sorted(set(la) | set(lb)):
        x, y = la.get(lid), lb.get(lid)
        ref = y or x
        if x is None:
            change, detail = "added", f"in service in {b.label}"
        elif y is None:
            change, detail = "removed", f"not in service in {b.label}"
        else:
            diffs = [f"{f}: {x.get(f)} → {y.get(f)}" for f in LINE_FIELDS if x.get(f) != y.get(f)]
            if not diffs:
                continue
            change, detail = "changed", "; ".join(diffs)
        rows.append({"id": lid, "name_zh": ref["name_zh"], "name_en": ref["name_en"],
                     "network": ref["network"], "change": change, "detail": detail})
    return pd.DataFrame(rows, columns=["id", "name_zh", "name_en", "network", "change", "detail"])


def goal_flips(goals_a: pd.DataFrame, goals_b: pd.DataFrame) -> pd.DataFrame:
    """Goals whose verdict differs between two goal tables (one year each)."""
    a = goals_a.set_index("goal_id")
    b = goals_b.set_index("goal_id")
    both = a.index.intersection(b.index)
    rows = []
    for gid in both:
        if bool(a.at[gid, "passed"]) != bool(b.at[gid, "passed"]):
            rows.append({"goal_id": gid, "label": b.at[gid, "label"],
                         "minutes_a": a.at[gid, "minutes"], "minutes_b": b.at[gid, "minutes"],
                         "passed_a": bool(a.at[gid, "passed"]),
                         "passed_b": bool(b.at[gid, "passed"])})
    return pd.DataFrame(rows, columns=["goal_id", "label", "minutes_a", "minutes_b", "passed_a",
                                       "passed_b"])


def newly_reached(bands_a: gpd.GeoDataFrame, bands_b: gpd.GeoDataFrame,
                  minutes=(30, 60)) -> gpd.GeoDataFrame:
    """Area inside ``minutes`` in ``b`` but not in ``a`` (one row per threshold, EPSG:4326)."""
    rows, geoms = [], []
    ma, mb = bands_a.to_crs("EPSG:32648"), bands_b.to_crs("EPSG:32648")
    for m in minutes:
        ra = ma[ma["band_min"] <= m].union_all()
        rb = mb[mb["band_min"] <= m].union_all()
        gain = rb.difference(ra)
        loss = ra.difference(rb)
        rows.append({"band_min": m, "gained_km2": gain.area / 1e6, "lost_km2": loss.area / 1e6})
        geoms.append(gain)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:32648").to_crs("EPSG:4326")


def reach_summary(bands: gpd.GeoDataFrame) -> pd.DataFrame:
    """``band_min, reach_area_km2, reach_population`` of a band table."""
    cols = [c for c in ("band_min", "reach_area_km2", "reach_population") if c in bands]
    return pd.DataFrame(bands[cols]).reset_index(drop=True)


