"""Markdown sections on hubs, public transport and freight, for the run and compare reports.

Every function takes tables already computed (``network.analysis.hubs``,
``network.analysis.equity``) and returns Markdown; every string from a data file goes
through ``network.render.report.md_text`` (via ``md_table``). Nothing here routes.
"""

from __future__ import annotations

import math

import pandas as pd

from .report import md_table, md_text

TRANSIT_CAVEAT = ("Transit means walking, the buses of `bus_routes.csv`, trains and metro, "
                  "no car and no taxi. Only the bus routes in the data run: the main urban "
                  "area's own city bus network is not in it, so transit figures are a lower "
                  "bound. Car means door to door with a car (and trains where faster). "
                  "Residents: 2020 census, spread over each unit as for the isochrones.")


def _pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def _persons(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.0f}"


def transit_run_sections(label: str, catchments: pd.DataFrame, equity: pd.DataFrame,
                         buses: pd.DataFrame | None = None, freight: pd.DataFrame | None = None,
                         waterway: dict | None = None) -> str:
    """The run report's sections: hub catchments, car versus transit by county, the bus
    routes, freight.

    Parameters
    ----------
    label : str
        The phase label (``"2035 · plan_2035"``).
    catchments : DataFrame
        ``network.analysis.hubs.catchment_table``.
    equity : DataFrame
        ``network.analysis.equity.equity_table``.
    buses, freight : DataFrame, optional
        ``network.analysis.equity.bus_routes_in``, ``network.analysis.hubs.freight_links``.
    waterway : dict, optional
        ``network.analysis.hubs.waterway_status``.
    """
    parts = [f"## Hub catchments: residents within reach of each hub, {md_text(label)}", "",
             "Residents (2020 census) within 30, 60 and 90 minutes of each hub, from the hub "
             "outward; a hub not open in the year shows its status and no figures.", ""]
    cat = catchments.copy()
    for col in cat.columns:
        if "≤" in str(col):
            cat[col] = [_persons(v) for v in cat[col]]
    parts += [md_table(cat), ""]
    parts += [f"## Car versus transit by county, {md_text(label)}", "",
              "Share of each unit's residents within 30 and 60 minutes of the main urban area "
              "(the 遂宁 centre) and of the nearest HSR station (a station on a line of "
              "200 km/h or more where a train calls), with a car and without one.", ""]
    eq = equity.copy()
    for col in eq.columns:
        if "≤" in str(col):
            eq[col] = [_pct(v) for v in eq[col]]
    parts += [md_table(eq), "", TRANSIT_CAVEAT, ""]
    if buses is not None and len(buses):
        b = buses[["id", "name_zh", "kind", "boards", "headway_min", "headway_basis", "runs",
                   "why_not", "wait_min", "ride_min", "km"]].copy()
        b["runs"] = ["yes" if x else "no" for x in b["runs"]]
        parts += ["## Bus routes in service", "",
                  "Headway of the modelled period; wait at the first stop (half the combined "
                  "headway, capped); ride = in the bus and dwells, first to last stop.", "",
                  md_table(b.round(1)), ""]
    if freight is not None and len(freight):
        f = freight[["id", "name_zh", "kind", "from", "to", "state", "length_km",
                     "length_basis", "road_km", "road_min"]].round(1)
        parts += ["## Freight links (channels and sidings, not services)", "", md_table(f), ""]
        if waterway is not None:
            if waterway["navigable"]:
                verdict = "navigable end to end"
            elif waterway["chain"]:
                verdict = "not navigable end to end: " + md_text(", ".join(waterway["blocking"]))
            else:
                verdict = "no waterway chain joins the two ends"
            parts += [f"涪江 遂宁 (老池港) – 重庆: {verdict}.", ""]
        parts += ["No freight service is modelled: the table says what the links connect and "
                  "how far apart their ends are by road, not what they carry or cost.", ""]
    return "\n".join(parts)


def transit_compare_section(transit: dict) -> str:
    """The comparison report's public-transport section
    (``network.analysis.equity.transit_comparison``)."""
    places = transit["places"].round(1)
    routes = transit["routes"].round(1)
    for col in ("runs_a", "runs_b"):
        routes[col] = ["yes" if v is True or v == 1 else "no" if v is False or v == 0 else "–"
                       for v in routes[col]]
    return "\n".join([
        "## Without a car: minutes by transit per place (from the origin)", "",
        md_table(places), "",
        "## Bus routes that differ", "",
        md_table(routes) if len(routes) else "_(none)_", ""])


__all__ = ["TRANSIT_CAVEAT", "transit_compare_section", "transit_run_sections"]
