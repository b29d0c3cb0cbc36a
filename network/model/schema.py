"""The scenario file's JSON Schema and key reference, generated from the validating models.

Scenario files are validated by the pydantic models of ``network.model.scenario`` and
``network.Settings``. This module turns the same models into

* a JSON Schema (``scenario_schema``), shipped as ``network/scenario.schema.json``,
  which editors read to complete and check TOML (VS Code with Even Better TOML, taplo:
  put ``#:schema`` and the file's path on the first line of a scenario file);
* the Markdown key reference of the documentation (``scenario_reference``): every
  key with its type, unit, default, allowed values and an example.

Both are generated, never written by hand, so they cannot drift from what the validator
accepts; ``tests/test_workbench.py`` checks that the shipped files equal the generated
ones. Regenerate them with ``python -m network.model.schema`` (``make docs`` does).

The models say what a key *is*; ``KEY_DOCS`` says what it *means*, with an example.
A key of the models without an entry there (or an entry without a key) fails the tests.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ..vocab import BAND_MAX_MIN, CELL_M_RANGE
from .scenario import Scenario
from .settings import Settings

#: The JSON Schema shipped with the package (package data).
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "scenario.schema.json"
#: The generated key reference of the documentation site.
REFERENCE_PATH = Path(__file__).resolve().parents[2] / "docs" / "reference" / "scenario.md"
#: JSON Schema dialect of the generated schema.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Meaning and an example of every scenario key outside ``[settings]`` (whose meanings are
#: the descriptions of ``network.Settings``), by table and key.
KEY_DOCS: dict[str, dict[str, tuple[str, Any]]] = {
    "Scenario": {
        "name": ("Short id of the scenario: names the output folder and labels maps and "
                 "reports. Letters, digits, `_` and `-`.", "chengdawan_delayed"),
        "year": ("The year the scenario describes: its phase holds the lines open in that "
                 "year (`open_year <= year`), with dated upgrades applied.", 2027),
        "description": ("The question the scenario asks; shown on the map and in the report.",
                        "What if 成达万 slips from 2027 to 2030?"),
        "lines": ("Changes to the plan's lines: `[[lines.modify]]` and `[[lines.add]]` tables.",
                  None),
        "settings": ("Overrides of the travel-time model's parameters (see the `[settings]` "
                     "table below); tables such as `headway_min` are merged key by key.",
                     {"detour_factor": 1.4}),
        "run": ("What `python -m network run` computes and writes (see `[run]`).", None),
        "services": ("Changes to the rail services (`services.csv`): `[[services.modify]]` "
                     "and `[[services.add]]` tables.", None),
        "hubs": ("Changes to the hubs of `hubs.csv` (airport, port, HSR hubs): "
                 "`[[hubs.modify]]` tables.", None),
        "buses": ("Changes to the bus routes of `bus_routes.csv`: `[[buses.modify]]` and "
                  "`[[buses.add]]` tables.", None),
        "upgrades": ("Dated changes to a line's speed, like rows of `upgrades.csv`: one "
                     "`[[upgrades]]` table each; in the same year a scenario's upgrade "
                     "overrides the file's.", None),
        "osm": ("Local streets from an OpenStreetMap extract (`.osm`, `.osm.xml` or "
                "`.graphml`), relative to the scenario file.", "suining.osm"),
        "osm_snap_max_m": ("Plan nodes snap to the nearest street node within this distance; "
                           "beyond it the straight-line access applies.", 300.0),
    },
    "Lines": {
        "modify": ("Changes to existing plan lines, one `[[lines.modify]]` table each.", None),
        "add": ("Lines the scenario adds, one `[[lines.add]]` table each.", None),
    },
    "LineModification": {
        "id": ("Id of the plan line to change (`python -m network list lines --all-years`).",
               "r_chengdawan_w"),
        "open_year": ("New opening year. Dates an undated proposal, or delays or advances a "
                      "dated line.", 2030),
        "operating_speed_kph": ("New operating speed of a rail line (at most 400 km/h).",
                                250.0),
        "speed_limit_kph": ("New signed speed limit of a road (at most 150 km/h); cars run "
                            "at the limit × the class's `road_running_factor`.", 100.0),
        "design_speed_kph": ("New design speed (information; rail runs at the operating "
                             "speed, roads at the limit).", 350.0),
        "status": ("New status, as the latest source would say it.", "under_construction"),
        "remove": ("Take the line out of the plan altogether.", True),
    },
    "LineAddition": {
        "id": ("Id of the new line; must not exist yet. By convention `r_` rail, `e_` "
               "expressway, `t_` trunk road.", "e_shehong_daying"),
        "name_zh": ("Chinese name (text; shown on maps and in reports).", "射洪—大英高速(假设)"),
        "name_en": ("English name.", "Shehong–Daying expressway (hypothetical)"),
        "network": ("Which network the line belongs to.", "expressway"),
        "line_class": ("Line class of the network: rail `hsr350`, `hsr250`, `intercity200`, "
                       "`conventional200`, `conventional160`, `conventional120`, "
                       "`suburban`; expressway `expressway`; trunk `national_road`, "
                       "`provincial_road`, `urban_arterial`, `fast_link`. Rail classes set "
                       "the wait and dwell terms.", "expressway"),
        "operating_speed_kph": ("Speed a rail line is run at (at most 400 km/h); rail only.",
                                160.0),
        "speed_limit_kph": ("Signed speed limit of a road (at most 150 km/h); roads only. "
                            "Cars run at the limit × the class's `road_running_factor`.",
                            100.0),
        "design_speed_kph": ("Design speed (information).", 100.0),
        "open_year": ("Year the line opens: it is in every phase from that year on.", 2030),
        "route": ("The line's path: node ids (`stn_*` stations for rail, `ic_*` "
                  "interchanges for expressways, places or junctions for trunk roads) and "
                  "`[lon, lat]` points (WGS84 degrees) that only shape the geometry. Every "
                  "node id is a stop unless `stops` says otherwise.",
                  ["ic_shehong", [105.45, 30.62], "ic_daying"]),
        "stops": ("The stops, when not every node id of `route` is one (a non-stop train "
                  "passing a station).", ["stn_suining", "stn_tongnan"]),
        "status": ("Status of the line as a source would give it.", "proposed"),
        "plan_group": ("Plan group the line belongs to (free text, e.g. `1环9射2纵`).",
                       "scenario"),
        "source": ("Where the idea comes from.", "planner's sketch, 2025-06"),
        "confidence": ("Confidence in the record: H official, M one decent source, L weak.",
                       "L"),
    },
    "Services": {
        "modify": ("Changes to rail services of `services.csv`, one `[[services.modify]]` "
                   "table each.", None),
        "add": ("Rail services the scenario adds, one `[[services.add]]` table each.", None),
    },
    "ServiceModification": {
        "id": ("Id of the service to change (`python -m network list services`).",
               "svc_cy_via_suining"),
        "trains_per_day": ("New number of trains a day in each direction it runs; the wait "
                           "is half the combined headway over `rail_service_hours`.", 14.0),
        "calls": ("New calls, station ids in order along the service's lines.",
                  ["stn_chengdudong", "stn_suining", "stn_chongqingbei"]),
        "skip": ("Stations the service no longer calls at (it runs through them).",
                 ["stn_tongnan"]),
        "first_year": ("First year the service runs.", 2027),
        "last_year": ("Last year the service runs.", 2030),
        "remove": ("Take the service out altogether.", True),
    },
    "ServiceAddition": {
        "id": ("Id of the new service; must not exist yet.", "svc_suining_tianfu_express"),
        "name_zh": ("Chinese name.", "遂宁–天府 直达(假设)"),
        "name_en": ("English name.", "Suining–Tianfu non-stop (hypothetical)"),
        "lines": ("Rail lines the service runs over, in order; consecutive lines share a "
                  "station where the train runs through.", ["r_chengdawan_w"]),
        "calls": ("Stations it calls at, in order along its lines.",
                  ["stn_suining", "stn_tianfu"]),
        "trains_per_day": ("Trains a day in each direction.", 16.0),
        "run_min": ("Running time between consecutive calls, min (else from the lines' "
                    "operating speeds).", [32.0]),
        "first_year": ("First year it runs (default: when its lines are open).", 2030),
        "last_year": ("Last year it runs.", None),
        "kind": ("`observed` (a timetable fact), `target` (a promise) or `assumption`.",
                 "assumption"),
        "source": ("Where the service comes from.", "planner's sketch"),
        "confidence": ("Confidence: H, M or L.", "L"),
    },
    "Upgrade": {
        "line_id": ("Line the upgrade applies to.", "e_chengnan_cd"),
        "year": ("First year the new value applies.", 2026),
        "field": ("What changes: `speed_limit_kph` (roads), `operating_speed_kph` (rail) or "
                  "`design_speed_kph`.", "speed_limit_kph"),
        "value": ("The new value, km/h.", 120.0),
    },
    "Hubs": {
        "modify": ("Changes to hubs, one `[[hubs.modify]]` table each.", None),
    },
    "HubModification": {
        "id": ("Id of the hub (`python -m network hubs`).", "ap_suining_anju_civil"),
        "open_year": ("New opening year: the hub is a place of every phase from then on.",
                      2030),
        "status": ("New status, as a source would give it.", "under_construction"),
        "remove": ("Leave the hub out altogether.", True),
    },
    "Buses": {
        "modify": ("Changes to bus routes, one `[[buses.modify]]` table each.", None),
        "add": ("Bus routes the scenario adds, one `[[buses.add]]` table each.", None),
    },
    "BusModification": {
        "id": ("Id of the route (`python -m network buses`).", "bus_601"),
        "headway_peak_min": ("New minutes between buses at the peak; the wait is half of "
                             "it (capped), from every route going the same way.", 7.5),
        "headway_offpeak_min": ("New minutes between buses off the peak (used with "
                                "`bus_period = \"offpeak\"`).", 20.0),
        "stops": ("New stops in order (node or hub ids); replaces the route's stops.",
                  ["suining", "anju"]),
        "extend": ("Stops added at the end of the route, in order.", ["ap_suining_anju"]),
        "speed_share": ("Bus speed as a share of the car speed on the same roads.", 0.6),
        "dwell_min": ("Minutes standing at each stop.", 0.5),
        "boards": ("`along`: passengers board anywhere along the route (a stopping bus); "
                   "`stops`: only at the listed stops (coaches).", "along"),
        "roads": ("Line ids of the roads the route runs on, when a source names them.",
                  ["t_fast_anju"]),
        "first_year": ("First year the route runs.", 2027),
        "last_year": ("Last year the route runs.", 2035),
        "remove": ("Take the route out altogether.", True),
    },
    "BusAddition": {
        "id": ("Id of the new route; must not exist yet.", "bus_airport_express"),
        "name_zh": ("Chinese name.", "机场快线(假设)"),
        "name_en": ("English name.", "Airport express (hypothetical)"),
        "kind": ("`urban_rural`, `feeder`, `intercity` or `customised`.", "feeder"),
        "stops": ("Stops in order (node or hub ids), at least two.",
                  ["stn_suining", "ap_suining_anju"]),
        "headway_peak_min": ("Minutes between buses at the peak.", 20.0),
        "headway_offpeak_min": ("Minutes between buses off the peak (default: the peak "
                                "headway).", 30.0),
        "speed_share": ("Bus speed as a share of the car speed on the same roads.", 0.7),
        "dwell_min": ("Minutes standing at each stop.", 0.5),
        "boards": ("`along` or `stops` (see `[[buses.modify]]`).", "stops"),
        "roads": ("Line ids of the roads the route runs on (else the fastest road path).",
                  ["t_fast_anju"]),
        "first_year": ("First year it runs (default: the scenario's year).", 2030),
        "last_year": ("Last year it runs.", None),
        "source": ("Where the route comes from.", "planner's sketch"),
        "confidence": ("Confidence: H, M or L.", "L"),
    },
    "RunOptions": {
        "origins": ("Isochrone origins: node ids or place names; the first one is drawn on "
                    "the map and compared in the report.", ["suining", "tongnan"]),
        "bands_min": ("Band limits: the upper bound of each isochrone band, distinct, in "
                      f"(0, {BAND_MAX_MIN:g}].", [15, 30, 45, 60, 90]),
        "cell_m": (f"Side of a travel-time grid cell ({CELL_M_RANGE[0]:g}–"
                   f"{CELL_M_RANGE[1]:g} m).", 250),
        "goals": ("Goals file, relative to the scenario file or in `scenarios/`.",
                  "goals.toml"),
        "compare_year": ("The year the run's report compares against; before `year` "
                         "(default 2020).", 2020),
        "outputs": ("What `run` writes: `map` (map.html), `png` (map.png), `goals` "
                    "(goals.csv), `isochrones` (isochrones.gpkg, every layer), `report` "
                    "(report.md).", ["map", "goals", "report"]),
        "report_transit": ("Add the hub catchment, car-versus-transit, bus and freight "
                           "tables to the run's report (a few seconds more).", True),
        "tiles": ("Web tiles under the map (a folium tile name or an `https://…/{z}/{x}/{y}` "
                  "template). Viewing them needs internet; the default map has none.",
                  "OpenStreetMap"),
    },
}

#: Examples of ``[settings]`` keys where the default alone would not teach (partial tables).
SETTINGS_EXAMPLES = {"headway_min": {"intercity200": 20.0}, "dwell_min": {"hsr350": 3.0},
                     "detour_factor": 1.4, "local_speed_kph": 25.0}

#: Constraints the validators check in code, restated for editors (table → key → schema).
_EXTRA = {
    "RunOptions": {
        "bands_min": {"items": {"type": "number", "exclusiveMinimum": 0,
                                "maximum": BAND_MAX_MIN}, "minItems": 1, "uniqueItems": True},
        "cell_m": {"minimum": CELL_M_RANGE[0], "maximum": CELL_M_RANGE[1]},
        "origins": {"uniqueItems": True},
        "outputs": {"uniqueItems": True},
    },
}

#: Unit of a key, by the suffix of its name (units are in the names).
UNIT_SUFFIXES = (("_kph", "km/h"), ("_min", "min"), ("_km", "km"), ("_m", "m"),
                 ("_year", "year"), ("year", "year"))


def unit_of(key: str) -> str:
    """The unit a key's name says (``cell_m`` → ``m``), or ``""``."""
    for suffix, unit in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return unit
    return ""


def _clean(node: Any) -> Any:
    """Drop pydantic's generated ``title`` of every property (keys speak for themselves)."""
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items()
                if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def _document(props: dict, docs: dict[str, tuple[str, Any]], extra: dict) -> None:
    for key, prop in props.items():
        if key in docs:
            text, example = docs[key]
            prop["description"] = text
            if example is not None:
                prop["examples"] = [example]
        unit = unit_of(key)
        if unit and unit != "year" and "description" in prop:
            prop["description"] += f" Unit: {unit}."
        prop.update(copy.deepcopy(extra.get(key, {})))


def scenario_schema() -> dict:
    """The JSON Schema (2020-12) of a scenario file, from the validating models.

    Unknown keys are refused at every level (``additionalProperties: false``), as the
    validator refuses them; ``[settings]`` lists every ``network.Settings`` field.
    A few checks need the whole file (``compare_year`` before ``year``, ids that exist in
    the plan): ``python -m network validate`` makes them.
    """
    schema = Scenario.model_json_schema(mode="validation")
    schema["properties"].pop("path", None)
    settings = Settings.model_json_schema(mode="validation")
    settings.pop("required", None)
    schema["$defs"]["Settings"] = settings
    schema["properties"]["settings"] = {"$ref": "#/$defs/Settings"}
    schema = _clean(schema)
    _document(schema["properties"], KEY_DOCS["Scenario"], {})
    for name, table in schema["$defs"].items():
        if name in KEY_DOCS:
            _document(table["properties"], KEY_DOCS[name], _EXTRA.get(name, {}))
    for key, prop in schema["$defs"]["Settings"]["properties"].items():
        default = Settings.model_fields[key].get_default(call_default_factory=True)
        prop.setdefault("default", default)
        prop.setdefault("examples", [SETTINGS_EXAMPLES.get(key, default)])
    ordered = {"$schema": DIALECT, "title": "Suining network scenario",
               "description": "A scenario file of suining-network (python -m network): "
                              "what-if changes to the plan, settings and run options. "
                              "Only name and year are required."}
    ordered.update({k: v for k, v in schema.items() if k not in ("title", "description")})
    return ordered


def scenario_schema_text() -> str:
    """``scenario_schema`` as the text of ``scenario.schema.json``."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- reference


def _type(prop: dict, defs: dict) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return "table" if defs.get(name, {}).get("type") == "object" else name
    if "anyOf" in prop:
        kinds = [_type(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds))
    if "enum" in prop:
        return "string"
    kind = prop.get("type", "")
    if kind == "array":
        items = prop.get("items", {})
        if "$ref" in items:
            return "array of tables"
        inner = _type(items, defs)
        return f"array of ({inner})" if " or " in inner else f"array of {inner}"
    if kind == "object":
        inner = prop.get("additionalProperties")
        return f"table of {_type(inner, defs)}" if isinstance(inner, dict) else "table"
    return {"number": "float", "integer": "integer", "string": "string",
            "boolean": "boolean"}.get(kind, kind or "any")


def _allowed(prop: dict) -> str:
    for p in [prop, *prop.get("anyOf", [])]:
        if "enum" in p:
            return ", ".join(f"`{v}`" for v in p["enum"])
        items = p.get("items", {})
        if isinstance(items, dict) and "enum" in items:
            return "each of " + ", ".join(f"`{v}`" for v in items["enum"])
    bits = []
    for p in [prop, *prop.get("anyOf", []), prop.get("items", {}),
              prop.get("additionalProperties", {})]:
        if not isinstance(p, dict):
            continue
        lo = p.get("minimum", p.get("exclusiveMinimum"))
        hi = p.get("maximum", p.get("exclusiveMaximum"))
        if lo is not None or hi is not None:
            left = "(" if "exclusiveMinimum" in p else "["
            right = ")" if "exclusiveMaximum" in p else "]"
            bits.append(f"{left}{_num(lo) if lo is not None else '−∞'}, "
                        f"{_num(hi) if hi is not None else '∞'}{right}")
        if "pattern" in p:
            bits.append(f"pattern `{p['pattern']}`")
    if prop.get("uniqueItems"):
        bits.append("distinct")
    return "; ".join(dict.fromkeys(bits))


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _toml(value) -> str:
    """A value written as TOML (for the default and example columns)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(title: str, intro: str, props: dict, required: list[str], defs: dict,
           prefix: str) -> list[str]:
    out = [f"## {title}", "", intro, "",
           "| key | type | unit | default | allowed | meaning | example |",
           "|---|---|---|---|---|---|---|"]
    for key, prop in props.items():
        if key in required:
            default = "*required*"
        elif "$ref" in prop:
            default = "see below"
        elif prop.get("default") is not None:
            default = f"`{_toml(prop['default'])}`"
        else:
            default = "—"
        meaning = prop.get("description", "")
        unit = unit_of(key)
        meaning = meaning.removesuffix(f" Unit: {unit}.")
        example = prop.get("examples", [None])[0]
        example = f"`{key} = {_toml(example)}`" if example is not None else ""
        out.append("| " + " | ".join(_cell(c) for c in (
            f"`{prefix}{key}`", _type(prop, defs), unit, default, _allowed(prop), meaning,
            example)) + " |")
    return [*out, ""]


def scenario_reference(schema: dict | None = None) -> str:
    """The Markdown reference of every scenario key (``docs/reference/scenario.md``)."""
    schema = schema or scenario_schema()
    defs = schema["$defs"]
    parts = [
        "# Scenario file reference",
        "",
        "<!-- Generated by `python -m network.model.schema` from the validating models "
        "(network/model/scenario.py, network/model/settings.py, network/model/schema.py). "
        "Do not edit: tests/test_workbench.py checks that this page equals the generated "
        "one. -->",
        "",
        "A scenario is a TOML file. Only `name` and `year` are required; every other key "
        "has the default shown. An unknown key is an error (with a *did you mean*), so a "
        "misspelt key never passes silently. Units are in the key names (`_kph` km/h, "
        "`_min` minutes, `_m` metres, `_km` kilometres).",
        "",
        "Check a file without running it: `python -m network validate my.toml`. "
        "Editors complete and check keys with the JSON Schema shipped as "
        "`network/scenario.schema.json` (`python -m network schema` prints it): see "
        "[Editors](../guide/editors.md).",
        "",
    ]
    parts += _table("Top level", "Keys at the top of the file, before any table.", schema["properties"],
                    schema.get("required", []), defs, "")
    for name, title, intro, prefix in (
            ("LineModification", "`[[lines.modify]]`",
             "One table per plan line to change. Only `id` is required; every other key "
             "left out keeps the plan's value.", ""),
            ("LineAddition", "`[[lines.add]]`",
             "One table per line the scenario adds. Lines of the plan pass through "
             "existing nodes: rail stops at `stn_*` stations, expressways are entered "
             "only at `ic_*` interchanges, trunk roads stop at places and junctions. "
             "`[lon, lat]` points only shape the line: nothing can board there. See "
             "[How to add a line](../guide/howto.md).", ""),
            ("RunOptions", "`[run]`", "What `python -m network run` computes and writes.", ""),
            ("Settings", "`[settings]`",
             "Parameters of the travel-time model (`network.Settings`). Each default "
             "names its source or says it is an assumption, with a confidence (H/M/L); "
             "see [The model](../model.md). Tables (`headway_min`, `dwell_min`) are "
             "merged key by key: `headway_min = { intercity200 = 20.0 }` changes one "
             "class only.", "")):
        table = defs[name]
        parts += _table(title, intro, table["properties"], table.get("required", []), defs,
                        prefix)
    return "\n".join(parts).rstrip() + "\n"


def main() -> None:
    """Write ``network/scenario.schema.json`` and ``docs/reference/scenario.md``."""
    SCHEMA_PATH.write_text(scenario_schema_text(), encoding="utf-8")
    REFERENCE_PATH.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE_PATH.write_text(scenario_reference(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}\nwrote {REFERENCE_PATH}")


if __name__ == "__main__":
    main()


__all__ = ["KEY_DOCS", "REFERENCE_PATH", "SCHEMA_PATH", "scenario_reference", "scenario_schema",
           "scenario_schema_text", "unit_of"]
