"""Exceptions raised by the package.

Every error a user can cause by bad input says *where* the problem is (file, record id,
field) and *what* is wrong, and lists every problem found rather than the first one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in one record of one input file."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: record {self.record!r}, field {self.field!r}: {self.message}"


class NetworkError(Exception):
    """Base class of the package's errors."""


class DataError(NetworkError, ValueError):
    """Input data (``data/geo/`` or a scenario file) failed validation.

    Parameters
    ----------
    problems : list of Problem
        Every problem found; the message lists them all.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input data:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


class GraphSchemaError(NetworkError, ValueError):
    """A graph does not follow the schema that :func:`network.validate_graph` checks."""


class UnknownPlaceError(NetworkError, KeyError):
    """A place name or node id could not be resolved.

    The message lists the closest matches.
    """

    def __init__(self, query: str, suggestions: list[str]):
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown place or node {query!r}.{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]
