"""Freight, honestly scoped: waterway channels, road links and rail sidings (``freight.csv``).

Each record is a link between two places of ``nodes.csv`` or ``hubs.csv`` (the port, the
locks, the rail freight terminal) with a ``status`` and an ``open_year``: a channel is
*open* in a year when it is navigable between its two ends. No freight service is modelled
(no boat, train or lorry timetable, no tonnage): ``network.analysis.hubs.freight_links``
reports what the links connect and, by road, how far and how long.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import Problem
from ..vocab import CONFIDENCES, STATUSES
from .records import Collector, blank, missing_columns, read_csv

FREIGHT_COLUMNS = ("id", "name_zh", "name_en", "kind", "from", "to", "status", "open_year",
                   "source", "confidence")
FREIGHT_KINDS = ("waterway", "road_link", "rail_spur")


def read_freight(path: Path, nodes: pd.DataFrame, hubs: pd.DataFrame
                 ) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``freight.csv`` (optional file); ends are node or hub ids.

    Returns
    -------
    (DataFrame, list of Problem)
        Links indexed by id (``open_year``, ``length_km`` floats or NaN).
    """
    empty = pd.DataFrame(columns=[*FREIGHT_COLUMNS, "length_km", "class", "note"])
    if not path.exists():
        return empty, []
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, FREIGHT_COLUMNS, c):
        return empty, c.problems
    for col in ("length_km", "class", "note"):
        if col not in df.columns:
            df[col] = ""
    known = set(nodes.index) | set(hubs.index)
    c.unique(df, "id")
    for rec in df.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        c.require(rec, rid, ("id", "name_zh", "name_en", "kind", "from", "status", "source",
                             "confidence"))
        c.choice(rec, rid, "kind", FREIGHT_KINDS)
        c.choice(rec, rid, "status", STATUSES)
        c.choice(rec, rid, "confidence", CONFIDENCES)
        c.year(rec, rid, "open_year")
        if rec.get("status") == "existing" and blank(rec.get("open_year")):
            c.add(rid, "open_year", "an existing link needs an opening year")
        c.positive(rec, rid, "length_km", maximum=5000)
        for end in ("from", "to"):
            v = rec.get(end)
            if not blank(v) and v not in known:
                c.add(rid, end, f"unknown node or hub id {v!r}")
    if c.problems:
        return empty, c.problems
    out = df.set_index("id", drop=False)
    for col in ("open_year", "length_km"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out, []


__all__ = ["FREIGHT_COLUMNS", "FREIGHT_KINDS", "read_freight"]
