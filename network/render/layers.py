"""The layers of a run for QGIS: one GeoPackage with lines, stations, goals and bands.

``run`` writes ``isochrones.gpkg`` with these layers (EPSG:4326, every one):

============== ======== ==========================================================
layer          geometry one feature per
============== ======== ==========================================================
isochrones     polygon  band of each origin (first, so readers that take the first
                        layer still get the bands)
lines          line     line record of the plan, any year, with its state in the year
stations       point    station node, with the lines that call there in the year
interchanges   point    expressway interchange node, likewise
places         point    centre, county seat or town
goal_points    point    goal, at its destination, with the verdict of the year
============== ======== ==========================================================

Field names and types are stable (``FIELDS``): the tests hold them. Each layer has
a QGIS style (QML) stored in the GeoPackage's ``layer_styles`` table, the convention by
which QGIS loads a default style with the layer (lines coloured by network, dashed when
not open in the year; goals green when met, red when not).
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from ..vocab import NETWORKS, PLACE_KINDS, WGS84
from .styles import FAIL_COLOUR, NETWORK_COLOURS, PASS_COLOUR

#: Field name → pandas dtype of each layer (the geometry column is ``geometry``).
FIELDS: dict[str, dict[str, str]] = {
    "lines": {"line_id": "str", "name_zh": "str", "name_en": "str", "network": "str",
              "line_class": "str", "status": "str", "state": "str", "year": "int32",
              "open_year": "Int32", "operating_speed_kph": "float64",
              "speed_limit_kph": "float64", "design_speed_kph": "float64",
              "length_km": "float64", "stops": "str",
              "plan_group": "str", "confidence": "str", "source": "str"},
    "stations": {"node_id": "str", "name_zh": "str", "name_en": "str", "serves": "str",
                 "served": "bool", "lines_in_service": "str", "lines_any_year": "str",
                 "first_year_served": "Int32", "year": "int32", "confidence": "str",
                 "source": "str"},
    "places": {"node_id": "str", "kind": "str", "name_zh": "str", "name_en": "str",
               "confidence": "str", "source": "str"},
    "goal_points": {"goal_id": "str", "label": "str", "measure": "str", "origin": "str",
                    "destination": "str", "year": "int32", "limit_min": "float64",
                    "minutes": "float64", "margin_min": "float64", "value": "float64",
                    "target": "float64", "passed": "bool", "verdict": "str"},
}
FIELDS["interchanges"] = {**FIELDS["stations"], "access": "str"}

#: Every layer's CRS.
LAYER_CRS = WGS84


def line_state(rec: Mapping, year: int) -> str:
    """A line's state in ``year`` (``network.vocab.LINE_STATES``).

    ``open`` when its ``open_year`` is ``year`` or earlier (``hypothetical`` if a scenario
    added it), else its status: why it is not open yet (``under_construction`` for a line
    that exists today but opened after ``year``).
    """
    oy = rec.get("open_year")
    if oy is not None and not pd.isna(oy) and int(oy) <= year:
        return "hypothetical" if rec.get("plan_group") == "scenario" else "open"
    # a line in service today that opened after ``year`` was being built then
    return "under_construction" if rec.get("status") == "existing" else str(rec.get("status"))


def _typed(df: pd.DataFrame, layer: str, geometry) -> gpd.GeoDataFrame:
    cols = FIELDS[layer]
    out = pd.DataFrame({c: df[c] for c in cols}).astype(cols)
    return gpd.GeoDataFrame(out, geometry=list(geometry), crs=LAYER_CRS)


def lines_layer(phase) -> gpd.GeoDataFrame:
    """Every line record of the phase's plan, with its state in the phase's year.

    Lines open in the year carry their in-year values (dated upgrades applied); the
    others their record's. ``length_km`` is measured in the phase's metric CRS.
    """
    plan, year = phase.plan, phase.year
    now = {r["id"]: r for r in plan.lines_as_of(year)}
    recs = [now.get(lid, rec) for lid, rec in sorted(plan.lines.items())]
    geoms = [LineString(r["coords"]) for r in recs]
    lengths = gpd.GeoSeries(geoms, crs=WGS84).to_crs(phase.settings.metric_crs).length / 1000
    df = pd.DataFrame({
        "line_id": [r["id"] for r in recs], "name_zh": [r["name_zh"] for r in recs],
        "name_en": [r["name_en"] for r in recs], "network": [r["network"] for r in recs],
        "line_class": [r["line_class"] for r in recs], "status": [r["status"] for r in recs],
        "state": [line_state(r, year) for r in recs], "year": year,
        "open_year": pd.array([r.get("open_year") for r in recs], dtype="Int32"),
        "operating_speed_kph": [r.get("operating_speed_kph") for r in recs],
        "speed_limit_kph": [r.get("speed_limit_kph") for r in recs],
        "design_speed_kph": [r.get("design_speed_kph") for r in recs],
        "length_km": lengths.round(3).to_numpy(),
        "stops": [", ".join(r.get("stops") or []) for r in recs],
        "plan_group": [r.get("plan_group") or "" for r in recs],
        "confidence": [r.get("confidence") or "" for r in recs],
        "source": [r.get("source") or "" for r in recs]})
    speeds = ["operating_speed_kph", "speed_limit_kph", "design_speed_kph"]
    df[speeds] = df[speeds].astype("float64")
    return _typed(df, "lines", geoms)


def node_layer(phase, kind: str) -> gpd.GeoDataFrame:
    """Station (``kind="station"``) or interchange nodes, with the lines calling there."""
    plan, year = phase.plan, phase.year
    open_ids = {r["id"] for r in plan.lines_as_of(year)}
    calls: dict[str, list[dict]] = {}
    for rec in plan.lines.values():
        for s in rec.get("stops") or []:
            calls.setdefault(s, []).append(rec)
    nodes = plan.nodes[plan.nodes["kind"] == kind].sort_index()
    rows = []
    for nid, n in nodes.iterrows():
        lines = sorted(calls.get(nid, []), key=lambda r: r["id"])
        now = [r["id"] for r in lines if r["id"] in open_ids]
        dated = [int(r["open_year"]) for r in lines if r.get("open_year") is not None]
        rows.append({"node_id": nid, "name_zh": n["name_zh"], "name_en": n["name_en"],
                     "serves": n.get("serves") or "", "served": bool(now),
                     "lines_in_service": ", ".join(now),
                     "lines_any_year": ", ".join(r["id"] for r in lines),
                     "first_year_served": min(dated) if dated else None, "year": year,
                     "confidence": n.get("confidence") or "", "source": n.get("source") or "",
                     "access": n.get("access") or ""})
    df = pd.DataFrame(rows, columns=[*FIELDS["interchanges"]])
    layer = "stations" if kind == "station" else "interchanges"
    return _typed(df, layer, [Point(xy) for xy in nodes[["lon", "lat"]].to_numpy()])


def places_layer(phase) -> gpd.GeoDataFrame:
    """Centres, county seats and towns of the plan."""
    pl = phase.plan.nodes[phase.plan.nodes["kind"].isin(PLACE_KINDS)].sort_index()
    df = pd.DataFrame({"node_id": pl.index, "kind": pl["kind"], "name_zh": pl["name_zh"],
                       "name_en": pl["name_en"], "confidence": pl["confidence"],
                       "source": pl["source"]})
    return _typed(df, "places", [Point(xy) for xy in pl[["lon", "lat"]].to_numpy()])


def goal_layer(phase, goals: pd.DataFrame) -> gpd.GeoDataFrame:
    """A goal table of the phase as points at the goals' destinations, with verdicts."""
    from .scene import locate_goals

    table = locate_goals(goals, phase)
    table = table[table["x"].notna() & table["y"].notna()].reset_index(drop=True)
    table["verdict"] = table["passed"].map({True: "met", False: "not met"})
    table["year"] = phase.year
    return _typed(table, "goal_points", [Point(x, y) for x, y in zip(table["x"], table["y"],
                                                                       strict=True)])


def run_layers(phase, bands: gpd.GeoDataFrame, goals: pd.DataFrame | None) -> dict:
    """The layers of a run's GeoPackage, in order (see the module docstring)."""
    layers = {"isochrones": bands.to_crs(LAYER_CRS), "lines": lines_layer(phase),
              "stations": node_layer(phase, "station"),
              "interchanges": node_layer(phase, "interchange"), "places": places_layer(phase)}
    if goals is not None and len(goals):
        layers["goal_points"] = goal_layer(phase, goals)
    return layers


# --------------------------------------------------------------------------- QGIS styles


def _rgb(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _options(**props: str) -> str:
    return "".join(f'<Option name="{k}" value={quoteattr(str(v))} type="QString"/>'
                   for k, v in props.items())


def _symbol(sid: str, kind: str, cls: str, **props: str) -> str:
    return (f'<symbol type="{kind}" name="{sid}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">'
            f"{_options(**props)}</Option></layer></symbol>")


def _rule_qml(rules: list[tuple[str, str, str]]) -> str:
    """A rule-based renderer: (filter expression, legend label, symbol XML) per rule."""
    rule_xml = "".join(f'<rule key="r{i}" filter={quoteattr(f)} label={quoteattr(lab)} '
                       f'symbol="{i}"/>' for i, (f, lab, _) in enumerate(rules))
    symbols = "".join(sym.replace('name="0"', f'name="{i}"', 1)
                      for i, (_, _, sym) in enumerate(rules))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" '
            f'forceraster="0"><rules key="root">{rule_xml}</rules><symbols>{symbols}'
            "</symbols></renderer-v2></qgis>\n")


def layer_qml(layer: str, gdf: gpd.GeoDataFrame) -> str | None:
    """The QGIS style (QML) of a run layer, or ``None`` (QGIS's default then applies)."""
    if layer == "lines":
        rules = []
        width = {"rail": "1.0", "expressway": "0.9", "trunk": "0.6"}
        for net in NETWORKS:
            colour = NETWORK_COLOURS[net]
            rules.append((f"\"network\" = '{net}' AND \"state\" IN ('open', 'hypothetical')",
                          f"{net}: open in the year", _symbol(
                              "0", "line", "SimpleLine", line_color=_rgb(colour),
                              line_width=width[net], line_width_unit="MM",
                              line_style="solid", capstyle="round")))
            rules.append((f"\"network\" = '{net}' AND \"state\" NOT IN ('open', "
                          "'hypothetical')", f"{net}: not open yet", _symbol(
                              "0", "line", "SimpleLine", line_color=_rgb(colour, 140),
                              line_width=width[net], line_width_unit="MM",
                              line_style="dash", capstyle="round")))
        return _rule_qml(rules)
    if layer in ("stations", "interchanges"):
        colour = NETWORK_COLOURS["rail" if layer == "stations" else "expressway"]
        shape = "circle" if layer == "stations" else "square"
        return _rule_qml([
            ('"served"', "served in the year", _symbol(
                "0", "marker", "SimpleMarker", name=shape, color="255,255,255,255",
                outline_color=_rgb(colour), outline_width="0.5", size="2.4")),
            ('NOT "served"', "not served yet", _symbol(
                "0", "marker", "SimpleMarker", name=shape, color="255,255,255,120",
                outline_color=_rgb(colour, 120), outline_width="0.3", size="1.8"))])
    if layer == "goal_points":
        return _rule_qml([
            ('"passed"', "goal met", _symbol("0", "marker", "SimpleMarker", name="star",
                                             color=_rgb(PASS_COLOUR), size="4")),
            ('NOT "passed"', "goal not met", _symbol("0", "marker", "SimpleMarker",
                                                     name="star", color=_rgb(FAIL_COLOUR),
                                                     size="4"))])
    if layer == "isochrones" and len(gdf):
        from .styles import BAND_PALETTE

        limits = sorted({float(v) for v in gdf["band_min"]})
        pos = np.linspace(0.85, 0.2, len(limits)) if len(limits) > 1 else np.array([0.7])
        colours = [BAND_PALETTE.rgb_hex_str(float(t)) for t in pos]  # as on the HTML map
        return _rule_qml([(f'"band_min" = {b:g}', f"≤ {b:g} min", _symbol(
            "0", "fill", "SimpleFill", color=_rgb(c, 150), outline_color="80,80,80,160",
            outline_width="0.2")) for b, c in zip(limits, colours, strict=True)])
    return None


def style_table(layers: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """QGIS's ``layer_styles`` table: one default style per styled layer."""
    from ..io import GPKG_TIMESTAMP

    rows = []
    for name, gdf in layers.items():
        qml = layer_qml(name, gdf)
        if qml is None:
            continue
        rows.append({"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                     "f_geometry_column": "geom", "styleName": name, "styleQML": qml,
                     "styleSLD": "", "useAsDefault": True,
                     "description": "suining-network run style", "owner": "", "ui": "",
                     "update_time": pd.Timestamp(GPKG_TIMESTAMP)})
    return pd.DataFrame(rows)


__all__ = ["FIELDS", "LAYER_CRS", "goal_layer", "layer_qml", "line_state", "lines_layer", "node_layer",
           "places_layer", "run_layers", "style_table"]
