"""Output writers: atomic, deterministic files, and output folders replaced as a whole.

* Every file is written to a temporary file beside its target and renamed into place, so
  a failed run never leaves a partial or corrupted file.
* GeoPackages are byte-identical across identical runs: GDAL stamps a write time into
  ``gpkg_contents.last_change``; it is pinned with ``OGR_CURRENT_DATE``.
* ``output_dir`` stages a whole run in a hidden folder beside ``--out`` and swaps it
  in only when everything succeeded: a rerun never leaves files of an earlier run mixed in,
  a failure leaves the previous output untouched, and stale staging folders of killed runs
  are cleaned up at the next start. It refuses to replace a folder this tool did not make.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .errors import OutputError

#: Marker file in every output folder the tool writes (so it only ever replaces its own).
OUTPUT_MARKER = ".suining-network-output"
#: Write time stamped into GeoPackages (GDAL's OGR_CURRENT_DATE), for byte-identical files.
GPKG_TIMESTAMP = "2000-01-01T00:00:00.000Z"


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, **kwargs) -> Path:
    """Write a CSV atomically, with fixed float formatting for byte-identical reruns."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("float_format", "%.3f")
    kwargs.setdefault("lineterminator", "\n")
    with atomic_path(path) as tmp:
        df.to_csv(tmp, **kwargs)
    return Path(path)


def write_with(writer: Callable[[Path], None], path: str | os.PathLike) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_layers(layers: Mapping[str, object], path: str | os.PathLike) -> Path:
    """Write GeoDataFrames as the layers of one GeoPackage (or one GeoJSON), atomically.

    Parameters
    ----------
    layers : mapping of layer name → GeoDataFrame
        In order; a GeoJSON file takes exactly one layer. A plain DataFrame is written
        as a table without geometry (e.g. QGIS's ``layer_styles``).
    path : path
        ``.gpkg`` (several layers) or ``.geojson``.

    The file is byte-identical for identical inputs (``OGR_CURRENT_DATE`` pinned).
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    driver = "GeoJSON" if path.suffix.lower() in (".geojson", ".json") else "GPKG"
    if driver == "GeoJSON" and len(layers) != 1:
        raise OutputError(f"{path}: a GeoJSON file holds one layer; use .gpkg for {len(layers)}")

    def write(tmp: Path) -> None:
        old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
        try:
            for i, (name, gdf) in enumerate(layers.items()):
                kw = {"layer": name} if driver == "GPKG" else {}
                if not isinstance(gdf, gpd.GeoDataFrame):  # a table without geometry
                    pyogrio.write_dataframe(gdf, tmp, driver=driver, append=i > 0, **kw)
                    continue
                gdf.to_file(tmp, driver=driver, engine="pyogrio", index=False,
                            append=i > 0, **kw)
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})

    return write_with(write, path)


# --------------------------------------------------------------------------- output folders


def _staging_pattern(name: str) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(name)}\.(?:staging|old)-(\d+)-[0-9a-f]+$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove staging folders of runs into ``out`` whose process is gone; return them."""
    pattern = _staging_pattern(out.name)
    removed = []
    if not out.parent.is_dir():
        return removed
    for p in out.parent.iterdir():
        m = pattern.match(p.name)
        if m and p.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def check_output_dir(out: str | os.PathLike) -> Path:
    """Check, before any work, that ``out`` can be written as a whole; return it.

    Raises
    ------
    OutputError
        When ``out`` is a file, a folder this tool did not make (not empty and without the
        marker file), or its parent folder cannot be written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / OUTPUT_MARKER).exists():
        raise OutputError(f"--out {out}: the folder exists and was not written by this tool; "
                          "it would be replaced as a whole, so choose a new or empty folder")
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():  # the first existing ancestor must be writable
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write in {probe} (permission denied)")
    return out


def check_output_file(path: str | os.PathLike, suffixes: tuple[str, ...] = (".gpkg", ".geojson"),
                      flag: str = "--out") -> Path:
    """Check, before any work, that ``path`` can be written as a file; return it."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{flag} {path}: is a folder; give a file name ({', '.join(suffixes)})")
    if suffixes and path.suffix.lower() not in suffixes:
        raise OutputError(f"{flag} {path}: use a file name ending in {' or '.join(suffixes)}")
    probe = path.parent if str(path.parent) else Path(".")
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{flag} {path}: cannot write in {probe} (permission denied)")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{flag} {path}: the file is not writable")
    return path


@contextmanager
def output_dir(out: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging folder for a whole run; swap it in as ``out`` on success.

    On success the previous ``out`` (if any) is replaced as a whole; on any failure the
    staging folder is removed and ``out`` is left as it was.
    """
    out = check_output_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = out.parent / f".{out.name}.staging-{token}"
    try:
        stage.mkdir()
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create a folder beside it: {exc.strerror}") from None
    try:
        yield stage
        (stage / OUTPUT_MARKER).write_text("written by suining-network; replaced as a whole "
                                           "by the next run into this folder\n", encoding="utf-8")
        _swap(stage, out, token)
    finally:
        with contextlib.suppress(OSError):
            if stage.exists():
                shutil.rmtree(stage)


def _swap(stage: Path, out: Path, token: str) -> None:
    """Replace ``out`` by ``stage`` (the previous ``out`` goes back if the swap fails)."""
    old = None
    try:
        if out.exists():
            old = out.parent / f".{out.name}.old-{token}"
            os.replace(out, old)
        try:
            os.replace(stage, out)
        except OSError:
            if old is not None:
                os.replace(old, out)
                old = None
            raise
    except OSError as exc:
        raise OutputError(f"--out {out}: could not replace the folder: {exc}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["GPKG_TIMESTAMP", "OUTPUT_MARKER", "atomic_path", "check_output_dir",
           "check_output_file", "clean_stale",
           "output_dir", "write_csv", "write_layers", "write_text", "write_with"]
