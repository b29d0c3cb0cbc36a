"""What the command handlers share: printing and the phase the arguments name."""

from __future__ import annotations


def _say(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg)

#: The phase year of a command given neither ``--year`` nor ``--scenario``.
DEFAULT_YEAR = 2025


def _phase(args, year: int | None = None, default_year: int = DEFAULT_YEAR):
    """The phase the arguments name: ``--scenario``, ``--year``, ``--osm``.

    Without ``--year`` the phase is the scenario's own year, or ``default_year`` without a
    scenario.
    """
    from ..model.phase import Phase

    streets = getattr(args, "osm", None)
    scenario = getattr(args, "scenario", None)
    year = year or getattr(args, "year", None)
    if year is None and scenario is None:
        year = default_year
    return Phase.of(scenario, year=year, streets=streets, online=getattr(args, "online", False))

def _streets(args):
    return getattr(args, "osm", None) or None
