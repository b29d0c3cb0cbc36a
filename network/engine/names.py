"""Place names: resolve a node id or a Chinese/English name to a node of a phase graph.

``"遂宁"``, ``"Suining"``, ``"suining"`` and ``"遂宁市"`` all resolve to the main urban
area's centre node for road and door-to-door trips, and ``"遂宁站"`` to the station; for
``mode="rail"`` a name resolves to a station. An unknown name raises
``UnknownPlaceError`` listing the closest names.
"""

from __future__ import annotations

import re
import unicodedata

import networkx as nx

from ..errors import UnknownPlaceError
from ..model.plan import close_matches
from ..vocab import HUB_KINDS, PLACE_KINDS

_SUFFIXES = ("站", "市", "区", "县", "主城区", "城区", " station", " city", " district", " county")


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", str(s)).strip().lower()


def _strip(s: str) -> str:
    s = re.sub(r"[（(].*?[)）]", "", _norm(s)).strip()
    for suf in sorted(_SUFFIXES, key=len, reverse=True):
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)].strip()
    return s


def loose_match(name: str, query: str) -> bool:
    """'潼南区(梓潼街道)' matches '潼南'; 'Tongnan District seat' matches 'tongnan'."""
    n, q = _strip(name), _strip(query)
    return bool(q) and (n == q or n.startswith(q + " "))


def resolve_node(G: nx.MultiDiGraph, query, mode: str = "any"):
    """Resolve a node id or a Chinese/English place name to a node of ``G``.

    A name resolves to the node that fits the mode: a station for ``rail``, a centre or
    county seat for ``road``, ``any`` and ``transit``; then any station, interchange or
    hub; last, a hub whose name contains the query ("安居机场").

    Raises
    ------
    UnknownPlaceError
        Listing close matches.
    """
    if not isinstance(query, str | int):
        raise UnknownPlaceError(repr(query), [])
    if query in G:
        return query
    q = _norm(query)
    wanted = ("station",) if mode == "rail" else PLACE_KINDS
    fallbacks = ("station", "interchange", *PLACE_KINDS, *HUB_KINDS)
    priority = {k: i for i, k in enumerate((*PLACE_KINDS, "station", *HUB_KINDS,
                                            "interchange"))}
    for kinds in (wanted, fallbacks):
        for exact in (True, False):
            hits = [n for n, d in G.nodes(data=True) if d.get("kind") in kinds and any(
                (_norm(d.get(k, "")) == q) if exact else loose_match(d.get(k, ""), q)
                for k in ("name_zh", "name_en"))]
            if hits:
                best = min(hits, key=lambda n: (priority.get(G.nodes[n]["kind"], 9), str(n)))
                if mode == "rail" and G.nodes[best].get("kind") != "station":
                    _not_a_station(G, query, best)
                return best
    # a hub named by part of its long name: "安居机场" for "遂宁安居机场(训练机场, …)"
    hubs = sorted(n for n, d in G.nodes(data=True) if d.get("hub") and len(_strip(q)) >= 2
                  and any(_strip(q) in _strip(d.get(k, "")) for k in ("name_zh", "name_en")))
    if len(hubs) == 1:
        return hubs[0]
    if hubs:
        raise UnknownPlaceError(str(query), [G.nodes[n]["name_zh"] for n in hubs][:5],
                                f"{query!r} names several hubs: "
                                + "; ".join(f"{G.nodes[n]['name_zh']} ({n})" for n in hubs[:5])
                                + "; give the hub id")
    names = {n for n, d in G.nodes(data=True) if d.get("layer") == "street"
             and d.get("kind") not in ("roadpoint", "street")}
    labels = names | {G.nodes[n]["name_zh"] for n in names} | {G.nodes[n]["name_en"] for n in names}
    seen: set[str] = set()
    hints = [h for h in close_matches(str(query), sorted(map(str, labels)), n=8)
             if not (h.lower() in seen or seen.add(h.lower()))]
    raise UnknownPlaceError(str(query), hints[:5])


def _not_a_station(G: nx.MultiDiGraph, query, place: str) -> None:
    """Station-to-station needs a station: name the ones serving ``place``."""
    stations = sorted(n for n, d in G.nodes(data=True)
                      if d.get("kind") == "station" and d.get("serves") == place)
    names = [G.nodes[n]["name_zh"] for n in stations]
    listed = ", ".join(f"{name} ({n})" for name, n in zip(names, stations, strict=True))
    raise UnknownPlaceError(
        str(query), names[:5],
        f"{query!r} is a place, not a station; station to station (--mode rail) needs a "
        + (f"station: {listed}" if stations else "station (none serves it in this year)")
        + "; door to door (--mode any) starts from the place itself")


__all__ = ["loose_match", "resolve_node"]
