"""Rail services and the metro as pieces of the phase graph.

**Rail services** (``network.model.services``). Each station has a street-level node
and a concourse behind it (``station → concourse``: entry term). Each service has a
departure and an arrival platform node at each of its calls (``svc|k|dep``,
``svc|k|arr``), so that:

* ``concourse → svc|k|dep`` is the **wait** term: half the combined headway of the
  services that call here and at this service's next call (the common lines a passenger
  can take), capped at ``max_wait_min``;
* ``svc|k|dep → svc|k+1|arr`` is the **in-vehicle** term between calls: the published
  running time where the table gives one, else the distance over each line at that line's
  operating speed × ``rail_running_factor``. The edge carries every line it runs over
  (``lines``), so masking a line removes exactly the rides that use it;
* ``svc|k|arr → svc|k|dep`` is the **dwell** term, only at calls (a train that passes a
  station costs nothing there); through-running across lines is just more calls of the
  same service, with no transfer;
* ``svc|k|arr → station`` is the **exit** term, ``svc|k|arr → concourse`` the
  **transfer** term.

**Metro** (``network.model.metro``). Metro stations are street-level nodes
``m:<station>`` with a concourse (entry and exit terms); each line has platform nodes per
station; rides run at the metro schedule speed (dwells included), waits are half the
metro headway, changes between metro lines cost ``metro_transfer_min``. Walking links
join rail platforms to metro concourses (transfer term, the link's ``walk_min``) and city
centres to metro concourses (access and egress terms).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import networkx as nx

from .projection import haversine_km
from .services import Service, services_in
from .settings import Settings

#: Metro lines whose trains run as regional expresses (top speed 120–160 km/h).
EXPRESS_METRO = frozenset({"cd_l17", "cd_l18", "cd_l19", "cd_s3", "cq_jiangtiao", "cq_bitong"})


def _edge(G, u, v, *, mode, term, minutes, line_id="", lines=(), length_m=0.0, speed_kph=0.0,
          service="") -> None:
    attrs = dict(mode=mode, term=term, line_id=line_id, length_m=float(length_m),
                 speed_kph=float(speed_kph), travel_time_s=float(minutes) * 60.0)
    if lines:
        attrs["lines"] = tuple(lines)
    if service:
        attrs["service"] = service
    G.add_edge(u, v, **attrs)


def _station(G, add_node, nodes, sid: str, s: Settings) -> str:
    """The station's street node and concourse (added once); return the concourse id."""
    add_node(G, sid, nodes.loc[sid])
    conc = f"{sid}|concourse"
    if conc not in G:
        d = G.nodes[sid]
        G.add_node(conc, x=d["x"], y=d["y"], name_zh=d["name_zh"], name_en=d["name_en"],
                   kind="concourse", layer="rail")
        _edge(G, sid, conc, mode="rail", term="entry", minutes=s.station_entry_min)
    return conc


def trains_per_hour(svc: Service, s: Settings) -> float:
    """Trains per hour of a service over the service day (implicit: from the class headway)."""
    if math.isnan(svc.trains_per_day):
        return 60.0 / s.headway_min.get(svc.line_class, max(s.headway_min.values()))
    return svc.trains_per_day / s.rail_service_hours


def _waits(services: list, s: Settings, per_hour=None) -> dict[tuple[str, int], float]:
    """Wait term at each (service, call index): half the combined headway of the services
    calling at this station and, later, at this service's next stop; capped.

    ``per_hour(service)`` gives a service's departures per hour (default: trains per day
    over the service day, ``trains_per_hour``); bus routes pass their own
    (``network.model.bus_graph``), so trains and buses follow the same rule.
    """
    if per_hour is None:
        def per_hour(u):
            return trains_per_hour(u, s)
    calls_at: dict[str, list[tuple[Service, int]]] = defaultdict(list)
    for svc in services:
        for k, st in enumerate(svc.calls[:-1]):
            calls_at[st].append((svc, k))
    out = {}
    for svc in services:
        for k, st in enumerate(svc.calls[:-1]):
            nxt = svc.calls[_next_stop(svc, k)]
            f = sum(per_hour(u) for u, i in calls_at[st] if nxt in u.calls[i + 1:])
            out[(svc.id, k)] = min(s.max_wait_min, 30.0 / f) if f > 0 else s.max_wait_min
    return out


def _next_stop(svc, k: int) -> int:
    """Index of the call the wait rule looks ahead to: the next call, or for a bus that can
    be boarded along its road (``listed`` marks its real stops) the next listed stop, so a
    bus that shares only the first few hundred metres does not count as an alternative."""
    listed = getattr(svc, "listed", None)
    if not listed:
        return k + 1
    return next((j for j in range(k + 1, len(svc.calls)) if listed[j]), len(svc.calls) - 1)


def _ride_minutes(svc: Service, k: int, speeds: dict[str, float], s: Settings) -> tuple[float, float, tuple]:
    """(minutes, km, lines) of the ride from call k to call k+1."""
    a, b = svc.placed[k][2], svc.placed[k + 1][2]
    km, minutes, lines = 0.0, 0.0, []
    for i in range(a, b):
        d = abs(svc.path[i + 1][1] - svc.path[i][1])
        lid = svc.path[i + 1][2]
        km += d
        speed = min(speeds[lid], svc.max_speed_kph or speeds[lid])
        minutes += d / (speed * s.rail_running_factor) * 60.0
        if lid not in lines:
            lines.append(lid)
    if svc.run_min is not None:
        minutes = svc.run_min[k]
    return minutes, km, tuple(lines)


def add_services(G: nx.MultiDiGraph, plan, year: int, open_lines: list[dict], s: Settings,
                 add_node) -> list[Service]:
    """Add the rail services running in ``year`` (see the module docstring); return them."""
    services = services_in(list(plan.services), plan.lines, open_lines, year)
    by_line = {ln["id"]: ln for ln in open_lines}
    speeds = {lid: float(ln["operating_speed_kph"]) for lid, ln in by_line.items()
              if ln["network"] == "rail"}
    waits = _waits(services, s)
    nodes = plan.nodes
    for svc in services:
        n = len(svc.calls)
        for k, st in enumerate(svc.calls):
            conc = _station(G, add_node, nodes, st, s)
            d = G.nodes[st]
            cls = by_line[svc.placed[k][1]]["line_class"]
            base = dict(x=d["x"], y=d["y"], name_zh=d["name_zh"], name_en=d["name_en"],
                        kind="platform", layer="rail", line_id=svc.placed[k][1],
                        service=svc.id, station=st)
            if k < n - 1:
                G.add_node(f"{svc.id}|{k}|dep", **base)
                _edge(G, conc, f"{svc.id}|{k}|dep", mode="rail", term="wait",
                      minutes=waits[(svc.id, k)], line_id=svc.placed[k + 1][1], service=svc.id)
            if k > 0:
                arr = f"{svc.id}|{k}|arr"
                G.add_node(arr, **base)
                _edge(G, arr, st, mode="rail", term="exit", minutes=s.station_exit_min,
                      service=svc.id)
                _edge(G, arr, conc, mode="rail", term="transfer", minutes=s.transfer_min,
                      service=svc.id)
                if k < n - 1:
                    _edge(G, arr, f"{svc.id}|{k}|dep", mode="rail", term="dwell",
                          minutes=s.dwell_for(cls), line_id=svc.placed[k][1], service=svc.id)
        for k in range(n - 1):
            minutes, km, lines = _ride_minutes(svc, k, speeds, s)
            _edge(G, f"{svc.id}|{k}|dep", f"{svc.id}|{k + 1}|arr", mode="rail",
                  term="in_vehicle", minutes=minutes, line_id=lines[0], lines=lines,
                  length_m=km * 1000.0, speed_kph=km / minutes * 60.0 if minutes else 0.0,
                  service=svc.id)
    _through_implicit(G, services, by_line, s)
    return services


def _through_implicit(G, services: list[Service], by_line: dict, s: Settings) -> None:
    """Implicit all-stops services of lines marked ``through_with`` run on into each other
    at their shared stations: a dwell, not a transfer."""
    implicit = {svc.lines[0]: svc for svc in services if svc.kind == "implicit"}
    for lid, svc in implicit.items():
        for other in by_line[lid].get("through_with", []):
            o = implicit.get(other)
            if o is None:
                continue
            for st in set(svc.calls) & set(o.calls):
                k, j = svc.calls.index(st), o.calls.index(st)
                if k > 0 and j < len(o.calls) - 1:
                    _edge(G, f"{svc.id}|{k}|arr", f"{o.id}|{j}|dep", mode="rail",
                          term="dwell", minutes=s.dwell_for(svc.line_class), line_id=other)


# --------------------------------------------------------------------------- metro


def add_metro(G: nx.MultiDiGraph, metro, year: int, s: Settings, centres: set[str]) -> list[str]:
    """Add the metro lines open in ``year`` and their walking links; return the line ids."""
    if metro is None or not len(metro.lines):
        return []
    open_ids = metro.lines_in(year)
    served: set[str] = set()
    for lid in open_ids:
        seq = metro.sequence(lid)
        speed = s.metro_express_speed_kph if lid in EXPRESS_METRO else s.metro_speed_kph
        rows = list(seq.itertuples())
        for r in rows:
            _metro_station(G, r, s)
            served.add(r.station_id)
            plat = f"{lid}|{r.station_id}"
            for side in ("dep", "arr"):
                if f"{plat}|{side}" not in G:
                    G.add_node(f"{plat}|{side}", x=r.lon, y=r.lat, name_zh=r.name_zh,
                               name_en=r.name_en, kind="platform", layer="metro", line_id=lid,
                               station=r.station_id)
            conc = f"m:{r.station_id}|concourse"
            _edge(G, conc, f"{plat}|dep", mode="metro", term="wait",
                  minutes=s.metro_headway_min / 2.0, line_id=lid)
            _edge(G, f"{plat}|arr", f"m:{r.station_id}", mode="metro", term="exit",
                  minutes=s.metro_exit_min, line_id=lid)
            _edge(G, f"{plat}|arr", conc, mode="metro", term="transfer",
                  minutes=s.metro_transfer_min, line_id=lid)
            _edge(G, f"{plat}|arr", f"{plat}|dep", mode="metro", term="dwell", minutes=0.0,
                  line_id=lid)
        for a, b in itertools.pairwise(rows):
            if a.station_id == b.station_id:
                continue
            km = float(haversine_km(a.lon, a.lat, b.lon, b.lat)) * s.metro_detour_factor
            minutes = km / speed * 60.0
            for u, v in ((a, b), (b, a)):
                _edge(G, f"{lid}|{u.station_id}|dep", f"{lid}|{v.station_id}|arr",
                      mode="metro", term="in_vehicle", minutes=minutes, line_id=lid,
                      length_m=km * 1000.0, speed_kph=speed)
    _metro_links(G, metro, open_ids, served, s, centres)
    return open_ids


def _metro_station(G, r, s: Settings) -> None:
    node, conc = f"m:{r.station_id}", f"m:{r.station_id}|concourse"
    if node in G:
        return
    attrs = dict(x=float(r.lon), y=float(r.lat), name_zh=str(r.name_zh),
                 name_en=str(r.name_en or r.name_zh))
    G.add_node(node, **attrs, kind="metro_station", layer="street")
    G.add_node(conc, **attrs, kind="concourse", layer="metro")
    _edge(G, node, conc, mode="metro", term="entry", minutes=s.metro_entry_min)


def _metro_links(G, metro, open_ids, served: set[str], s: Settings, centres: set[str]) -> None:
    """Walking links: rail arrivals → metro concourse and metro arrivals → rail concourse
    (transfer), station door ↔ metro (access / egress), and centre ↔ metro concourse
    (access / egress)."""
    lines_at: dict[str, list[str]] = defaultdict(list)
    for lid in open_ids:
        for sid in metro.sequence(lid)["station_id"]:
            if lid not in lines_at[sid]:
                lines_at[sid].append(lid)
    arrivals: dict[str, list[str]] = defaultdict(list)
    for n, d in G.nodes(data=True):
        if d.get("kind") == "platform" and d.get("layer") == "rail" and n.endswith("|arr"):
            arrivals[_station_of(G, n)].append(n)
    for r in metro.links.itertuples():
        if r.metro_station not in served or r.rail_station not in G:
            continue
        conc = f"m:{r.metro_station}|concourse"
        if r.kind == "centre" and r.rail_station in centres:
            _edge(G, r.rail_station, conc, mode="metro", term="access", minutes=r.walk_min)
            for lid in lines_at[r.metro_station]:
                _edge(G, f"{lid}|{r.metro_station}|arr", r.rail_station, mode="metro",
                      term="egress", minutes=r.walk_min)
        elif r.kind == "station":
            # from the station's door to the metro and back, e.g. a trip that starts at 成都东
            _edge(G, r.rail_station, conc, mode="metro", term="access", minutes=r.walk_min)
            for lid in lines_at[r.metro_station]:
                _edge(G, f"{lid}|{r.metro_station}|arr", r.rail_station, mode="metro",
                      term="egress", minutes=r.walk_min)
            for arr in arrivals.get(r.rail_station, []):
                _edge(G, arr, conc, mode="metro", term="transfer", minutes=r.walk_min)
            rail_conc = f"{r.rail_station}|concourse"
            if rail_conc in G:
                for lid in lines_at[r.metro_station]:
                    _edge(G, f"{lid}|{r.metro_station}|arr", rail_conc, mode="metro",
                          term="transfer", minutes=r.walk_min)


def _station_of(G, platform: str) -> str:
    """The station a rail platform node belongs to (its exit edge leads there)."""
    for _, v, d in G.out_edges(platform, data=True):
        if d.get("term") == "exit":
            return v
    return ""


__all__ = ["EXPRESS_METRO", "add_metro", "add_services", "trains_per_hour"]
