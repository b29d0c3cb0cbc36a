"""Rail services: what trains run, not only what track exists (``data/geo/services.csv``).

A *service* is a pattern of calls with a frequency, running over one or more lines in
order (through-running across lines at a shared station is a property of the service:
成都东–遂宁–重庆北 trains do not change at 遂宁). Express and stopping patterns are
separate services. Each row says which years it runs and whether it is ``observed`` (a
published timetable fact), a ``target`` (a promise) or an ``assumption``.

A rail line open in a year that no service running that year covers gets an *implicit*
all-stops service at the headway of its class (``Settings.headway_min``):
scenario-added lines and the test plans work without a services table. A line whose
record says
``passenger_service: false`` (the old single-track 达成 line west of 遂宁) has none.

``read_services`` validates the table; ``services_in`` returns the services that
run in a year, with their calls placed along their lines (cumulative km).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from ..vocab import CONFIDENCES, YEAR_RANGE
from .projection import to_metric
from .records import Collector, as_number, blank, missing_columns, read_csv

SERVICE_COLUMNS = ("id", "name_zh", "name_en", "lines", "calls", "trains_per_day",
                   "peak_trains_per_hour", "max_speed_kph", "run_min", "direction", "first_year", "last_year",
                   "kind", "source", "confidence", "note")
#: ``both``: the pattern runs in both directions (calls in reverse order on the way back,
#: same trains per day each way); ``one``: only as listed (loop services).
DIRECTIONS = ("both", "one")
#: Suffix of the id of a service's return working.
RETURN = "~return"
SERVICE_KINDS = ("observed", "target", "assumption")
#: Id prefix of the implicit all-stops service of a line without a services row.
IMPLICIT = "auto:"


@dataclass(frozen=True)
class Service:
    """One service pattern.

    Attributes
    ----------
    id : str
    lines : tuple of str
        Line ids in running order.
    calls : tuple of str
        Station node ids in calling order.
    trains_per_day : float
        Trains per day in each direction.
    direction : str
        ``both`` (the return working has the calls reversed) or ``one``.
    run_min : tuple of float or None
        Published running minutes between consecutive calls, if any.
    max_speed_kph : float or None
        The trains' own top speed where it is below the lines' (conventional trains on a
        line built for D trains); ``None``: the line's operating speed.
    first_year, last_year : int or None
        Years the pattern runs (``None``: from the opening of its lines / still running).
    kind : str
        ``observed``, ``target``, ``assumption`` or ``implicit``.
    """

    id: str
    name_zh: str
    name_en: str
    lines: tuple[str, ...]
    calls: tuple[str, ...]
    trains_per_day: float
    run_min: tuple[float, ...] | None = None
    max_speed_kph: float | None = None
    direction: str = "both"
    peak_trains_per_hour: float | None = None
    first_year: int | None = None
    last_year: int | None = None
    kind: str = "implicit"
    source: str = ""
    confidence: str = "L"
    note: str = ""
    line_class: str = ""
    #: per call: (km along the service path, line id running into the call)
    placed: tuple = field(default=(), compare=False, repr=False)
    #: the stations the service passes, in order: (station, km, line id running into it)
    path: tuple = field(default=(), compare=False, repr=False)

    def runs_in(self, year: int, open_lines: set[str], plan_lines: dict) -> bool:
        """Whether the service runs in ``year``: within its years, every line open."""
        if not all(lid in open_lines for lid in self.lines):
            return False
        start = self.first_year
        if start is None:  # undated: from the year all its lines are open
            start = max((plan_lines[lid]["open_year"] or 10_000) for lid in self.lines)
        return start <= year and (self.last_year is None or year <= self.last_year)


def _split(value) -> list[str]:
    return [v.strip() for v in str(value).split(";") if v.strip()]


def read_services(path: Path, lines: dict[str, dict]) -> tuple[list[Service], list[Problem]]:
    """Read and check ``services.csv`` (optional file) against the line records."""
    if not path.exists():
        return [], []
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, ("id", "lines", "calls", "trains_per_day", "first_year",
                             "last_year", "kind", "source", "confidence"), c):
        return [], c.problems
    out: list[Service] = []
    years: dict[str, list[tuple[int, int, str]]] = {}
    for i, rec in enumerate(df.to_dict("records")):
        rid = rec.get("id") or f"<row {i + 2}>"
        n0 = len(c.problems)
        c.require(rec, rid, ("id", "lines", "calls", "trains_per_day", "kind", "source",
                             "confidence"))
        c.choice(rec, rid, "kind", SERVICE_KINDS)
        c.choice(rec, rid, "direction", DIRECTIONS)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        c.year(rec, rid, "first_year")
        c.year(rec, rid, "last_year")
        freq = as_number(rec.get("trains_per_day"))
        if not blank(rec.get("trains_per_day")) and (freq is None or not math.isfinite(freq)
                                                      or freq <= 0 or freq > 500):
            c.add(rid, "trains_per_day", f"{rec['trains_per_day']!r} must be a number of "
                  "trains per day in (0, 500] (a service that does not run is left out)")
        c.positive(rec, rid, "peak_trains_per_hour", maximum=60)
        c.positive(rec, rid, "max_speed_kph", maximum=400)
        first, last = as_number(rec.get("first_year")), as_number(rec.get("last_year"))
        if first is not None and last is not None and first > last:
            c.add(rid, "last_year", f"{last:.0f} is before first_year {first:.0f}")
        svc = _place(rec, rid, lines, c) if len(c.problems) == n0 else None
        if svc is None or len(c.problems) > n0:
            continue
        lo = svc.first_year if svc.first_year is not None else YEAR_RANGE[0]
        hi = svc.last_year if svc.last_year is not None else YEAR_RANGE[1]
        for a, b, _row in years.get(svc.id, []):
            if lo <= b and a <= hi:
                c.add(rid, "first_year", f"years {lo}–{hi} overlap another row of the same "
                      f"service ({a}–{b}); give each period of a service its own years")
        years.setdefault(svc.id, []).append((lo, hi, rid))
        out.append(svc)
    return out, c.problems


def _place(rec: dict, rid: str, lines: dict[str, dict], c: Collector,
           key_lines: str = "lines", key_calls: str = "calls") -> Service | None:
    """A ``Service`` with its calls placed along its lines (or ``None`` + problems)."""
    line_ids, calls = _split(rec.get("lines", "")), _split(rec.get("calls", ""))
    for lid in line_ids:
        if lid not in lines:
            c.add(rid, key_lines, f"unknown line id {lid!r}")
            return None
        if lines[lid]["network"] != "rail":
            c.add(rid, key_lines, f"{lid!r} is a {lines[lid]['network']} line, not rail")
            return None
    if len(calls) < 2:
        c.add(rid, key_calls, "needs at least two calls")
        return None
    path = _path(line_ids, lines)
    if path is None:
        c.add(rid, key_lines, "consecutive lines do not share a station: a service runs "
              "through from one line onto the next at a shared station")
        return None
    placed, pos = [], -1
    for s in calls:
        hit = next((k for k in range(pos + 1, len(path)) if path[k][0] == s), None)
        if hit is None:
            where = "not a station of these lines" if all(p[0] != s for p in path) \
                else "out of order along the lines"
            c.add(rid, key_calls, f"call {s!r}: {where}")
            return None
        placed.append((path[hit][1], path[hit][2], hit))
        pos = hit
    run = None
    if not blank(rec.get("run_min")):
        run_vals = [as_number(v) for v in _split(rec["run_min"])]
        if len(run_vals) != len(calls) - 1 or any(v is None or not 0 < v < 1000
                                                  for v in run_vals):
            c.add(rid, "run_min", f"needs {len(calls) - 1} running times in minutes (> 0), "
                  "one per pair of consecutive calls")
            return None
        run = tuple(float(v) for v in run_vals)
    num = as_number

    def year(v):
        return None if blank(v) else int(float(v))

    return Service(
        id=str(rec["id"]), name_zh=str(rec.get("name_zh") or rec["id"]),
        name_en=str(rec.get("name_en") or rec["id"]), lines=tuple(line_ids),
        calls=tuple(calls), trains_per_day=float(num(rec["trains_per_day"])), run_min=run,
        direction=str(rec.get("direction") or "both"),
        max_speed_kph=num(rec.get("max_speed_kph")),
        peak_trains_per_hour=num(rec.get("peak_trains_per_hour")),
        first_year=year(rec.get("first_year")), last_year=year(rec.get("last_year")),
        kind=str(rec.get("kind") or "assumption"), source=str(rec.get("source") or ""),
        confidence=str(rec.get("confidence") or "L"), note=str(rec.get("note") or ""),
        line_class=lines[line_ids[0]]["line_class"], placed=tuple(placed), path=tuple(path))


def _line_km(line: dict) -> list[float]:
    """Cumulative km of each stop of a line along its geometry (official length scaled)."""
    xy = np.column_stack(to_metric("EPSG:32648").transform(line["coords"][:, 0],
                                                          line["coords"][:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]) / 1000.0
    sv = line["stop_vertex"]
    km = [float(cum[v] - cum[sv[0]]) for v in sv]
    if line.get("length_km_official") and km[-1] > 0:
        km = [k * line["length_km_official"] / km[-1] for k in km]
    return km


def _path(line_ids: list[str], lines: dict[str, dict]) -> list[tuple[str, float, str]] | None:
    """Stations along the lines in running order: (station, km from the start, line in).

    Each line is run in whichever direction continues from the previous line's end (the
    first line in the direction that lets it join the second).
    """
    seqs = []
    for lid in line_ids:
        ln = lines[lid]
        seqs.append((lid, list(ln["stops"]), _line_km(ln)))
    out: list[tuple[str, float, str]] = []
    for i, (lid, stops, km) in enumerate(seqs):
        if i == 0:
            if len(seqs) > 1:
                nxt = set(seqs[1][1])
                if stops[0] in nxt and stops[-1] not in nxt:
                    stops, km = stops[::-1], [km[-1] - k for k in km[::-1]]
            out = [(s, k, lid) for s, k in zip(stops, km, strict=True)]
            continue
        junction = out[-1][0]
        if junction not in stops:
            # the junction may be inside the line (a branch point): cut the path there
            shared = [s for s, _, _ in out if s in stops]
            if not shared:
                return None
            junction = shared[-1]
            out = out[:max(k for k, p in enumerate(out) if p[0] == junction) + 1]
        j = stops.index(junction)
        base = out[-1][1]
        after = [(s, base + abs(km[k] - km[j]), lid) for k, s in enumerate(stops) if k > j]
        before = [(s, base + abs(km[j] - km[k]), lid) for k, s in
                  reversed(list(enumerate(stops))) if k < j]
        if i + 1 < len(seqs) and any(s in seqs[i + 1][1] for s, _, _ in before) and not any(
                s in seqs[i + 1][1] for s, _, _ in after):
            out += before
        else:
            out += after if after else before
    return out


def implicit_service(line: dict) -> Service:
    """The all-stops service of a line that no services row mentions."""
    stops = list(line["stops"])
    km = _line_km(line)
    path = tuple((s, k, line["id"]) for s, k in zip(stops, km, strict=True))
    return Service(id=f"{IMPLICIT}{line['id']}", name_zh=line["name_zh"],
                   name_en=line["name_en"], lines=(line["id"],), calls=tuple(stops),
                   trains_per_day=float("nan"), kind="implicit",
                   note="all-stops service at the headway of the line's class (assumption)",
                   line_class=line["line_class"],
                   placed=tuple((k, line["id"], i) for i, k in enumerate(km)), path=path)


def reversed_service(svc: Service) -> Service:
    """The return working of a service: the same calls in reverse order."""
    from dataclasses import replace

    total = svc.path[-1][1] if svc.path else 0.0
    n = len(svc.path)
    # the line running into a station on the way back is the one that left it on the way out
    path = tuple((svc.path[i][0], total - svc.path[i][1],
                  svc.path[i + 1][2] if i + 1 < n else svc.path[i][2]) for i in reversed(range(n)))
    placed = tuple((total - km, path[n - 1 - idx][2], n - 1 - idx)
                   for km, _, idx in reversed(svc.placed))
    return replace(svc, id=svc.id + RETURN, calls=svc.calls[::-1], lines=svc.lines[::-1],
                   run_min=svc.run_min[::-1] if svc.run_min else None, placed=placed,
                   path=path)


def services_in(services: list[Service], plan_lines: dict, open_lines: list[dict],
                year: int) -> list[Service]:
    """The services that run in ``year`` (explicit ones, then implicit all-stops ones).

    Parameters
    ----------
    services : list of Service
        The plan's services table (with any scenario changes).
    plan_lines : dict
        Every line record of the plan (for the opening year of undated services).
    open_lines : list of dict
        The line records in service in ``year`` (with upgrades applied).
    year : int
    """
    open_ids = {ln["id"] for ln in open_lines if ln["network"] == "rail"}
    out = []
    for svc in services:
        if svc.runs_in(year, open_ids, plan_lines):
            out.append(svc)
            if svc.direction == "both":
                out.append(reversed_service(svc))
    mentioned = {lid for svc in out for lid in svc.lines}
    for ln in open_lines:
        if (ln["network"] == "rail" and ln["id"] not in mentioned
                and ln.get("passenger_service", True)):
            svc = implicit_service(ln)
            out += [svc, reversed_service(svc)]
    return out


def services_table(services: list[Service]) -> pd.DataFrame:
    """The services as a plain table (lines and calls joined by ``;``)."""
    return pd.DataFrame([{
        "id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "lines": ";".join(s.lines),
        "calls": ";".join(s.calls), "trains_per_day": s.trains_per_day,
        "first_year": s.first_year, "last_year": s.last_year, "kind": s.kind,
        "source": s.source, "confidence": s.confidence} for s in services])


__all__ = ["DIRECTIONS", "IMPLICIT", "RETURN", "SERVICE_COLUMNS", "SERVICE_KINDS", "Service",
           "implicit_service", "read_services", "reversed_service", "services_in",
           "services_table"]
