"""Calibration you can read: the model against published observations, row by row.

``data/geo/observations.csv`` holds public observations with a source and a date each:
12306 timetable distances, published fastest train times, published road distances and
driving times. For every row the model computes the same quantity in the phase of the
row's year, and the table shows the error and the terms the model's time is made of.

Nothing here feeds back into the parameters: they come from sources, and a row that
disagrees stays visible with its explanation (the ``explanation`` column of the file).

``bound`` says how to read a published value: ``exact``; ``about`` (an approximate figure);
``at_least`` (a lower bound: a model value at or above it has no error); ``at_most`` (an
upper bound); ``range`` (between ``value`` and ``value_high``: no error inside).

Rows the model cannot compute — a trip over roads or train routes older than the ones the
model holds (it has the plan's networks, not the national roads the expressways replaced)
— stay in the table with the reason, and are not scored. A ``transit_time`` row (a
published bus running time) is compared with the model's stop-to-stop time by public
transport (``timetable_min`` of ``mode="transit"``: rides, dwells and changes, without the
first wait).

A second table compares the model's road distances from 遂宁 with the shortest paths on an
independent OSM-derived highway graph (``reference_road_km.csv``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..vocab import TERMS

KINDS = {"rail_km": ("rail", "km"), "rail_time": ("rail", "minutes"),
         "road_km": ("road", "km"), "road_time": ("road", "minutes"),
         "transit_time": ("transit", "minutes")}
BOUNDS = ("exact", "about", "at_least", "at_most", "range")
COLUMNS = ["id", "kind", "from", "to", "year", "observed", "value_high", "unit", "bound", "model",
           "error_pct", "scored", "terms", "source", "date", "confidence", "explanation"]


def read_observations(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The observations table, checked (file, record and field named on a problem)."""
    from ..model.data import resolve_data_dir
    from ..model.records import Collector, missing_columns, read_csv

    path = Path(resolve_data_dir(data_dir)) / "observations.csv"
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, ("id", "kind", "from", "to", "value", "unit", "year", "source",
                            "date", "confidence"), c):
        raise DataError(c.problems)
    for rec in df.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        c.require(rec, rid, ("id", "kind", "from", "to", "value", "year", "source", "date"))
        c.choice(rec, rid, "kind", KINDS)
        c.choice(rec, rid, "bound", BOUNDS)
        c.positive(rec, rid, "value", required=True, maximum=10_000)
        c.positive(rec, rid, "value_high", required=rec.get("bound") == "range", maximum=10_000)
        c.year(rec, rid, "year", required=True)
    if c.problems:
        raise DataError(c.problems)
    df = df.copy()
    df["value"] = df["value"].astype(float)
    df["value_high"] = pd.to_numeric(df.get("value_high", np.nan), errors="coerce")
    df["year"] = df["year"].astype(int)
    if "bound" not in df:
        df["bound"] = "exact"
    df["bound"] = df["bound"].replace("", "exact")
    if "explanation" not in df:
        df["explanation"] = ""
    return df


def _error(model: float, observed: float, bound: str, high: float = float("nan")) -> float:
    """Relative error, % (0 inside a bound or a range)."""
    if not math.isfinite(model):
        return float("inf")
    if bound == "range" and math.isfinite(high):
        if observed <= model <= high:
            return 0.0
        ref = observed if model < observed else high
        return (model - ref) / ref * 100.0
    rel = (model - observed) / observed * 100.0
    if bound == "at_least" and rel >= 0:
        return 0.0
    if bound == "at_most" and rel <= 0:
        return 0.0
    return rel


def _terms(row, mode: str = "road") -> str:
    """The terms of the model's value: every term, or for a timetable (rail) time the
    ride, dwells, changes and the waits after the first boarding."""
    terms = {t: row[f"{t}_min"] for t in TERMS}
    if mode == "rail":
        kept = {t: terms[t] for t in ("in_vehicle", "dwell", "transfer")}
        kept["wait"] = row["timetable_min"] - sum(kept.values())  # waits at changes
        terms = kept
    parts = [f"{t} {v:.1f}" for t, v in terms.items() if math.isfinite(v) and v > 0.05]
    return " + ".join(parts)


def calibrate(data_dir: str | os.PathLike | None = None, settings=None) -> pd.DataFrame:
    """Every observation with the model's value, its error (%) and the model's terms.

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``. ``scored`` is False for rows the model cannot compute
        (a place or route it does not have); their ``model`` is
        NaN and the ``explanation`` says why.
    """
    from ..engine.routing import od_times
    from ..errors import UnknownPlaceError
    from ..model.phase import Phase

    obs = read_observations(data_dir)
    rows = []
    for year, group in obs.groupby("year", sort=True):
        phase = Phase.of(int(year), settings=settings, data_dir=data_dir)
        for r in group.to_dict("records"):
            mode, what = KINDS[r["kind"]]
            rec = {c: r.get(c, "") for c in ("id", "kind", "from", "to", "year", "unit",
                                             "bound", "source", "date", "confidence",
                                             "explanation")}
            rec["observed"] = r["value"]
            rec["value_high"] = r.get("value_high", np.nan)
            try:
                od = od_times(phase, [(r["from"], r["to"])], mode=mode).iloc[0]
            except UnknownPlaceError as exc:
                rows.append({**rec, "model": np.nan, "error_pct": np.nan, "scored": False,
                             "terms": "", "explanation": rec["explanation"] or
                             f"not computed: {exc}"})
                continue
            # a timetable's time is station to station: the headline of mode="rail"; a
            # published bus time is its running time, stop to stop (rides, dwells, changes)
            model = float(od["km"] if what == "km" else
                          od["timetable_min"] if mode == "transit" else od["minutes"])
            if not math.isfinite(model):
                rows.append({**rec, "model": np.nan, "error_pct": np.nan, "scored": False,
                             "terms": "", "explanation": rec["explanation"] or
                             f"not computed: no {mode} route in the model's {year} network"})
                continue
            rows.append({**rec, "model": model,
                         "error_pct": _error(model, r["value"], r["bound"],
                                             r.get("value_high", np.nan)), "scored": True,
                         "terms": _terms(od, mode) if what == "minutes" else
                         f"lines {od['lines'] or '-'}"})
    out = pd.DataFrame(rows)
    out = out.set_index("id").loc[obs["id"]].reset_index()
    return out[COLUMNS]


def summary(table: pd.DataFrame) -> dict:
    """Median absolute error (%) and counts over the scored rows."""
    scored = table[table["scored"]]
    err = scored["error_pct"].abs()
    times = scored["kind"].str.endswith("time")
    return {"rows": len(table), "scored": len(scored),
            "times": int(times.sum()), "distances": int((~times).sum()),
            "median_abs_error_pct": float(err.median()) if len(err) else float("nan"),
            "median_abs_error_pct_times": float(err[times].median()) if times.any() else
            float("nan"),
            "median_abs_error_pct_distances": float(err[~times].median()) if (~times).any()
            else float("nan"),
            "within_10_pct": int((err <= 10).sum())}


def road_check(year: int = 2025, data_dir: str | os.PathLike | None = None,
               settings=None) -> pd.DataFrame:
    """Model road km from 遂宁 against the OSM-derived shortest paths (``reference_road_km.csv``).

    The reference is a shortest path by length, so the check sets it beside the model's
    shortest road path (``model_km``): like for like, a test of the alignments and the
    topology. The km of the route the model actually drives, the fastest
    (``fastest_route_km``, what ``od`` reports), is given beside it: where a faster
    expressway is longer than the direct road, the two differ, and that is route choice,
    not geometry.

    Returns
    -------
    pandas.DataFrame
        ``from, to, reference_km, model_km, error_pct, within_10_pct, fastest_route_km,
        fastest_error_pct, lines`` (of the fastest route), ``note`` (the cause, for a
        pair outside ±10 %).
    """
    from ..engine.routing import od_times, shortest_km
    from ..model.data import resolve_data_dir
    from ..model.phase import Phase
    from ..model.records import read_csv

    ref = read_csv(Path(resolve_data_dir(data_dir)) / "reference_road_km.csv")
    phase = Phase.of(year, settings=settings, data_dir=data_dir)
    pairs = list(zip(ref["from"], ref["to"], strict=True))
    od = od_times(phase, pairs, mode="road")
    out = pd.DataFrame({"from": ref["from"], "to": ref["to"],
                        "reference_km": ref["km"].astype(float),
                        "model_km": shortest_km(phase, pairs, mode="road")})
    out["error_pct"] = (out["model_km"] / out["reference_km"] - 1.0) * 100.0
    out["within_10_pct"] = out["error_pct"].abs() <= 10.0
    out["fastest_route_km"] = od["km"].to_numpy()
    out["fastest_error_pct"] = (out["fastest_route_km"] / out["reference_km"] - 1.0) * 100.0
    out["lines"] = od["lines"].to_numpy()
    out["note"] = ref.get("model_note", pd.Series([""] * len(ref))).fillna("").to_numpy()
    return out


__all__ = ["BOUNDS", "COLUMNS", "KINDS", "calibrate", "read_observations", "road_check",
           "summary"]
