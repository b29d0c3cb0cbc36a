"""Urban rail at the far ends: the Chengdu Metro and Chongqing Rail Transit networks.

Read from ``data/geo/metro_lines.csv``, ``metro_stations.csv`` (stations in order per
line, WGS84, derived from the MIT-licensed ``metromancn/MetroMapOpenMiniProgram`` data and
converted from GCJ-02) and ``metro_links.csv`` (walking links from main rail stations and
city centres to metro stations).

A line is in a phase from its ``open_year``. Where no source gives one, the line is taken
to be open from the year of the data snapshot (``SNAPSHOT_YEAR``, January 2025) and
not before: an assumption that can only make early phases slower, never faster.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from ..vocab import CONFIDENCES
from .projection import haversine_km
from .records import Collector, as_number, blank, in_region, missing_columns, read_csv

#: Year of the metro data snapshot: lines without a sourced opening year count from it.
SNAPSHOT_YEAR = 2025
CITIES = {"cd": ("成都", "Chengdu"), "cq": ("重庆", "Chongqing")}
LINK_KINDS = ("station", "centre")


@dataclass(frozen=True)
class MetroNetwork:
    """Metro lines, their stations in order, and the walking links to rail and centres.

    Attributes
    ----------
    lines : DataFrame
        ``metro_lines.csv`` indexed by ``line_id`` (``open_year`` filled by the snapshot
        rule in ``open_from``).
    stations : DataFrame
        ``metro_stations.csv`` rows (one per line and sequence number).
    links : DataFrame
        ``metro_links.csv``: ``rail_station`` (a node id: a station or a centre),
        ``metro_station``, ``walk_min``, ``kind``.
    """

    lines: pd.DataFrame
    stations: pd.DataFrame
    links: pd.DataFrame

    def lines_in(self, year: int) -> list[str]:
        """Line ids open in ``year``."""
        return sorted(self.lines.index[self.lines["open_from"] <= year])

    def sequence(self, line_id: str) -> pd.DataFrame:
        """Stations of a line in order (``station_id, name_zh, name_en, lon, lat``).

        Read-only: the frames are split once per network (every phase graph asks for
        every line)."""
        seq = self._sequences.get(line_id)
        return seq if seq is not None else self.stations.iloc[0:0]

    @cached_property
    def _sequences(self) -> dict[str, pd.DataFrame]:
        return {lid: g.sort_values("seq")
                for lid, g in self.stations.groupby("line_id", sort=False)}

    def km(self, year: int) -> pd.Series:
        """Route km of the lines open in ``year``, per city (straight lines between stations)."""
        out: dict[str, float] = {}
        for lid in self.lines_in(year):
            seq = self.sequence(lid)
            d = haversine_km(seq["lon"].to_numpy()[:-1], seq["lat"].to_numpy()[:-1],
                             seq["lon"].to_numpy()[1:], seq["lat"].to_numpy()[1:])
            city = self.lines.at[lid, "city"]
            out[city] = out.get(city, 0.0) + float(np.sum(d))
        return pd.Series(out, name="km", dtype=float)


def empty_metro() -> MetroNetwork:
    """A metro network with no lines (data folders without metro files)."""
    return MetroNetwork(
        lines=pd.DataFrame(columns=["city", "name_zh", "name_en", "open_year", "open_from"]),
        stations=pd.DataFrame(columns=["city", "line_id", "seq", "station_id", "name_zh",
                                       "name_en", "lon", "lat"]),
        links=pd.DataFrame(columns=["rail_station", "metro_station", "walk_min", "kind"]))


def read_metro(root: Path, nodes: pd.DataFrame) -> tuple[MetroNetwork, list[Problem]]:
    """Read and check the three metro files (all optional together)."""
    files = [root / n for n in ("metro_lines.csv", "metro_stations.csv", "metro_links.csv")]
    if not any(f.exists() for f in files):
        return empty_metro(), []
    lines, stations, links = (read_csv(f) if f.exists() else None for f in files)
    problems: list[Problem] = []
    for f, df in zip(files, (lines, stations, links), strict=True):
        if df is None:
            problems.append(Problem(f.name, "-", "-", "file not found (the three metro files "
                                    "go together)"))
    if problems:
        return empty_metro(), problems
    cl, cs, ck = Collector(files[0].name), Collector(files[1].name), Collector(files[2].name)
    if (missing_columns(lines, ("city", "line_id", "name_zh", "open_year", "source",
                                "confidence"), cl)
            | missing_columns(stations, ("city", "line_id", "seq", "station_id", "name_zh",
                                         "lon", "lat"), cs)
            | missing_columns(links, ("rail_station", "metro_station", "walk_min", "kind",
                                      "source", "confidence"), ck)):
        return empty_metro(), cl.problems + cs.problems + ck.problems
    cl.unique(lines, "line_id")
    for rec in lines.to_dict("records"):
        rid = rec["line_id"] or "<blank id>"
        cl.require(rec, rid, ("line_id", "city", "name_zh", "source", "confidence"))
        cl.choice(rec, rid, "city", tuple(CITIES))
        cl.choice(rec, rid, "confidence", CONFIDENCES)
        cl.year(rec, rid, "open_year")
    known = set(lines["line_id"])
    for i, rec in enumerate(stations.to_dict("records")):
        rid = f"{rec.get('line_id')}#{rec.get('seq')}" if rec.get("line_id") else f"<row {i + 2}>"
        if rec.get("line_id") not in known:
            cs.add(rid, "line_id", f"unknown metro line {rec.get('line_id')!r}")
        seq = as_number(rec.get("seq"))
        if seq is None or seq != int(seq) or seq < 1:
            cs.add(rid, "seq", f"{rec.get('seq')!r} is not a sequence number (1, 2, …)")
        lon, lat = as_number(rec.get("lon")), as_number(rec.get("lat"))
        if lon is None or lat is None or not in_region(lon, lat):
            cs.add(rid, "lon/lat", f"({rec.get('lon')}, {rec.get('lat')}) is not a position "
                   "inside the region")
        if blank(rec.get("station_id")):
            cs.add(rid, "station_id", "missing value")
    station_ids = set(stations["station_id"])
    for rec in links.to_dict("records"):
        rid = f"{rec.get('rail_station')}→{rec.get('metro_station')}"
        if rec.get("rail_station") not in nodes.index:
            ck.add(rid, "rail_station", f"unknown node id {rec.get('rail_station')!r}")
        if rec.get("metro_station") not in station_ids:
            ck.add(rid, "metro_station", f"unknown metro station {rec.get('metro_station')!r}")
        ck.choice(rec, rid, "kind", LINK_KINDS)
        ck.positive(rec, rid, "walk_min", required=True, maximum=60)
    problems = cl.problems + cs.problems + ck.problems
    if problems:
        return empty_metro(), problems
    lines = lines.set_index("line_id", drop=False)
    years = pd.to_numeric(lines["open_year"], errors="coerce")
    lines["open_from"] = years.fillna(SNAPSHOT_YEAR).astype(int)
    stations = stations.assign(seq=stations["seq"].astype(int),
                               lon=stations["lon"].astype(float),
                               lat=stations["lat"].astype(float))
    links = links.assign(walk_min=links["walk_min"].astype(float))
    return MetroNetwork(lines=lines, stations=stations, links=links), []


__all__ = ["CITIES", "SNAPSHOT_YEAR", "MetroNetwork", "empty_metro", "read_metro"]
