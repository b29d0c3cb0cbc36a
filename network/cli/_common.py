"""What the command handlers share: printing and the phase the arguments name."""

from __future__ import annotations


def _say(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg)

def _phase(args, year: int | None = None):
    """The phase the arguments name: ``--scenario``, ``--year``, ``--osm``."""
    from ..model.phase import Phase

    streets = getattr(args, "osm", None)
    return Phase.of(getattr(args, "scenario", None), year=year or getattr(args, "year", None),
                    streets=streets, online=getattr(args, "online", False))

def _streets(args):
    return getattr(args, "osm", None) or None
