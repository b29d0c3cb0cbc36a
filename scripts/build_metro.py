"""Build the urban-rail tables ``metro_lines.csv`` and ``metro_stations.csv``.

Reads the Chengdu and Chongqing data modules of the MetroMan mini-program
(GitHub ``metromancn/MetroMapOpenMiniProgram``, files ``src/data/cd.js`` and
``src/data/cq.js``, MIT licence), converts the station coordinates from GCJ-02
to WGS84 with ``prcoords`` and writes two CSV files in the project's format.
Line opening years are not in the source: they come from the ``LINE_META``
table below, each with its own source key (see ``data/geo/SOURCES.md``).

This is a build script: it does not run in CI and nothing in the package
calls it. To re-run it, bring the repository to this machine with the search
tool's ``fetch`` and export the two files from the snapshot (no work tree)::

    git --git-dir /work/.mirror/metromancn+MetroMapOpenMiniProgram/repo \\
        show 087310aa159d44583cc5fef240466439570dbd62:src/data/cd.js > /tmp/metro/cd.js
    git --git-dir /work/.mirror/metromancn+MetroMapOpenMiniProgram/repo \\
        show 087310aa159d44583cc5fef240466439570dbd62:src/data/cq.js > /tmp/metro/cq.js
    python scripts/build_metro.py /tmp/metro --out data/geo

(``/tmp/metro`` must hold ``cd.js`` and ``cq.js``.) The output is
deterministic: the same input files give byte-identical CSVs.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import prcoords

SOURCE_KEY = "metroman-2025"

# --------------------------------------------------------------------------- parsing

_LINE_RE = re.compile(
    r"\{\s*name:\s*'(?P<name>[^']*)',\s*color:\s*'[^']*',\s*stations:\s*\[(?P<ids>[^\]]*)\]\s*\}"
)
_STATION_RE = re.compile(
    r"\{\s*id:\s*(?P<id>\d+),\s*name:\s*'(?P<name>[^']*)',\s*pinyin:\s*'(?P<pinyin>[^']*)',"
    r"\s*py:\s*'[^']*',\s*lat:\s*'(?P<lat>[-0-9.]+)',\s*lng:\s*'(?P<lng>[-0-9.]+)'\s*\}"
)
_SUFFIX_RE = re.compile(r"^(?P<base>.*?)\((?P<tag>[^)]*)\)$")


def parse_module(text: str) -> tuple[list[tuple[str, list[int]]], dict[int, dict]]:
    """Return ``(lines, stations)`` from one MetroMan data module.

    ``lines`` is a list of ``(name, [station ids])`` in file order; ``stations``
    maps the numeric id to ``{name, pinyin, lat, lng}`` (strings as in the file).
    """
    head, sep, tail = text.partition("stationList")
    if not sep:
        raise ValueError("no stationList in the module")
    lines = [
        (m["name"], [int(x) for x in m["ids"].replace(" ", "").split(",") if x])
        for m in _LINE_RE.finditer(head)
    ]
    stations = {int(m["id"]): m.groupdict() for m in _STATION_RE.finditer(tail)}
    n_entries = tail.count("id:")
    if len(stations) != n_entries:
        raise ValueError(f"parsed {len(stations)} of {n_entries} station entries")
    if head.count("stations:") != len(lines):
        raise ValueError("some line entries were not parsed")
    return lines, stations


# --------------------------------------------------------------------------- line metadata
# (city, name in the source) -> line_id, name_en, open_year, source keys, confidence, note.
# open_year is the opening of the line or of its first section; empty when no source was found.

LINE_META: dict[tuple[str, str], tuple[str, str, str, str, str, str]] = {}


def _meta(city, name_zh, line_id, name_en, year="", source="", conf="", note=""):
    LINE_META[(city, name_zh)] = (line_id, name_en, year, source, conf, note)


def load_meta() -> None:
    """Line ids, English names and opening years (see SOURCES.md for the keys)."""
    # Chengdu Metro
    _meta("cd", "1号线", "cd_l1", "Line 1", "2010", "miaozhibang-cd1", "M",
          "phase 1 opened 2010-09-27; phase 2 2015-07-25; phase 3 2018-03-18 (same source)")
    _meta("cd", "2号线", "cd_l2", "Line 2", "2012", "brunchezvous-cd", "M",
          "opened 2012-09-16 per source")
    _meta("cd", "3号线", "cd_l3", "Line 3", "2016", "mdshj-cd3", "M",
          "phase 1 军区总医院–太平园 opened 2016-07-31; phases 2 and 3 2018-12-26 (same source)")
    _meta("cd", "4号线", "cd_l4", "Line 4")
    _meta("cd", "5号线", "cd_l5", "Line 5")
    _meta("cd", "6号线", "cd_l6", "Line 6", "2020", "scol-2020-cd", "H",
          "phases 1-3 opened together 2020-12-18")
    _meta("cd", "7号线", "cd_l7", "Line 7 (loop)", "2017", "bkwk-cd7", "M",
          "opened 2017-12-06 (trial operation)")
    _meta("cd", "8号线", "cd_l8", "Line 8", "2020", "scol-2020-cd", "H",
          "phase 1 opened 2020-12-18")
    _meta("cd", "9号线", "cd_l9", "Line 9", "2020", "scol-2020-cd", "H",
          "phase 1 opened 2020-12-18")
    _meta("cd", "10号线", "cd_l10", "Line 10")
    _meta("cd", "17号线", "cd_l17", "Line 17", "2020", "scol-2020-cd", "H",
          "phase 1 opened 2020-12-18; the source lists only 3 stations of the line")
    _meta("cd", "18号线", "cd_l18", "Line 18", "", "", "",
          "section 三岔 (excl.)–天府机场北 opened 2020-12-18 (scol-2020-cd); the first section "
          "opened earlier (2020-09, not confirmed by a stored source)")
    _meta("cd", "19号线", "cd_l19", "Line 19")
    _meta("cd", "27号线", "cd_l27", "Line 27")
    _meta("cd", "S3资阳线", "cd_s3", "Line S3 (Ziyang Line)")
    _meta("cd", "有轨电车蓉2号线", "cd_t2", "Tram Line 2 (Rong T2)")
    _meta("cd", "有轨电车蓉2号线(支线)", "cd_t2b", "Tram Line 2 (Rong T2), branch")
    # Chongqing Rail Transit
    _meta("cq", "1号线", "cq_l1", "Line 1", "2011", "chinanews-2011-cq1", "H",
          "first section opened 2011-07-28 (trial operation)")
    _meta("cq", "2号线", "cq_l2", "Line 2 (monorail)", "2005", "jmediawiki-cq", "M",
          "system (line 2) opened 2005-06-18, trial from 2004-11-06")
    _meta("cq", "3号线", "cq_l3", "Line 3 (monorail)")
    _meta("cq", "4号线", "cq_l4", "Line 4", "2018", "daobowh-cq4", "M",
          "phase 1 民安大道–唐家沱 opened 2018-12-28; phase 2 to 黄岭/石船 2022-06-18 (xiaoso-cq4); "
          "west extension 嘉州路–民安大道 opened 2026-02 (163-2026-cq4), after the source snapshot")
    _meta("cq", "5号线", "cq_l5", "Line 5", "2017", "newton-cq5", "M",
          "园博中心–大龙山 2017-12-28; to 大石坝 2018-12-24; 石桥铺–跳磴 2021-01-20; 悦港北路 "
          "extension 2023-02-27; 大石坝–石桥铺 2023-11-30 (cppjump-2023; pedia-3rdin-cq5)")
    _meta("cq", "6号线", "cq_l6", "Line 6")
    _meta("cq", "9号线", "cq_l9", "Line 9")
    _meta("cq", "10号线", "cq_l10", "Line 10", "", "", "",
          "后堡–兰花路 section opened 2023-11-30 (cppjump-2023); first-section year not found")
    _meta("cq", "18号线", "cq_l18", "Line 18")
    _meta("cq", "空港线", "cq_konggang", "Konggang Line")
    _meta("cq", "国博线", "cq_guobo", "Guobo Line")
    _meta("cq", "环线", "cq_loop", "Loop Line", "2018", "lnrtzmd-cqloop", "M",
          "north-east half 重庆图书馆–海峡路 opened 2018-12-28; south-west half 2019-12-30; "
          "二郎–重庆西站–重庆图书馆 2021-01-20 (same source)")
    _meta("cq", "4-环-5号线直达快车", "cq_x4_loop_5", "Line 4–Loop Line–Line 5 through express",
          "", "", "", "a through service over lines 4, loop and 5, not separate track")
    _meta("cq", "江跳线", "cq_jiangtiao", "Jiangtiao Line")
    _meta("cq", "璧铜线", "cq_bitong", "Bitong Line")
    _meta("cq", "重庆云巴", "cq_yunba", "Chongqing Yunba (Bishan)")


# --------------------------------------------------------------------------- building


def _station_key(city: str, st: dict) -> tuple[str, str]:
    """Project station id and clean Chinese name for one source station."""
    name = st["name"]
    pinyin = st["pinyin"]
    m = _SUFFIX_RE.match(name)
    if m:  # e.g. 歇台子(1): separate platforms of one place, not an in-station interchange
        tag = m["tag"]
        base = pinyin[: -len(tag)] if pinyin.endswith(tag) else pinyin
        return f"{city}_{base}_{tag}", m["base"]
    return f"{city}_{pinyin}", name


def build_city(city: str, text: str) -> tuple[list[dict], list[dict]]:
    lines, stations = parse_module(text)
    ids: dict[int, tuple[str, str]] = {}
    seen: dict[str, int] = {}
    for sid in sorted(stations):
        key, name = _station_key(city, stations[sid])
        if key in seen:  # same pinyin for two different source stations
            key = f"{key}_{sid}"
        seen[key] = sid
        ids[sid] = (key, name)

    line_rows, station_rows = [], []
    for name, seq in lines:
        if (city, name) not in LINE_META:
            raise KeyError(f"no metadata for line {city}/{name}: add it to LINE_META")
        line_id, name_en, year, source, conf, note = LINE_META[(city, name)]
        loop = len(seq) > 2 and seq[0] == seq[-1]
        notes = []
        if loop:
            notes.append("loop: the last station repeats the first")
        if note:
            notes.append(note)
        if not year:
            notes.append("open_year not found in the stored sources")
        line_rows.append({
            "city": city, "line_id": line_id, "name_zh": name, "name_en": name_en,
            "open_year": year,
            "source": f"{SOURCE_KEY}; {source}" if source else SOURCE_KEY,
            # confidence of open_year where one is given, else of the line record itself
            "confidence": conf or "M",
            "note": "; ".join(notes),
        })
        for i, sid in enumerate(seq, start=1):
            st = stations[sid]
            wgs = prcoords.gcj_wgs_bored((float(st["lat"]), float(st["lng"])))
            key, name_zh = ids[sid]
            station_rows.append({
                "city": city, "line_id": line_id, "seq": i, "station_id": key,
                "name_zh": name_zh, "name_en": _title_pinyin(key, city),
                "lon": f"{wgs.lon:.6f}", "lat": f"{wgs.lat:.6f}",
                "source": SOURCE_KEY, "confidence": "M",
            })
    return line_rows, station_rows


def _title_pinyin(key: str, city: str) -> str:
    body = key[len(city) + 1:]
    parts = body.split("_")
    out = parts[0].capitalize()
    if len(parts) > 1:
        out += f" ({' '.join(parts[1:])})"
    return out


LINE_COLS = ["city", "line_id", "name_zh", "name_en", "open_year", "source", "confidence", "note"]
STATION_COLS = ["city", "line_id", "seq", "station_id", "name_zh", "name_en", "lon", "lat",
                "source", "confidence"]


def _write(path: Path, cols: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", type=Path, help="folder holding cd.js and cq.js")
    ap.add_argument("--out", type=Path, default=Path("data/geo"), help="output folder")
    args = ap.parse_args(argv)
    load_meta()
    all_lines, all_stations = [], []
    for city in ("cd", "cq"):
        text = (args.src / f"{city}.js").read_text(encoding="utf-8")
        lines, stations = build_city(city, text)
        all_lines += lines
        all_stations += stations
        print(f"{city}: {len(lines)} lines, {len({s['station_id'] for s in stations})} stations",
              file=sys.stderr)
    _write(args.out / "metro_lines.csv", LINE_COLS, all_lines)
    _write(args.out / "metro_stations.csv", STATION_COLS, all_stations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
