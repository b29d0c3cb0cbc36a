"""Command-line interface: ``python -m network COMMAND ...`` (or ``suining-network``).

Thin by design: parse (``.parser``), call the API, print. Each command lives in a
module of its group (``.query``, ``.jobs``, ``.layers``), which registers it.

Exit codes: 0 success, 2 bad input (one line per problem, naming the file, the record and
the key), 1 internal error (one line; the traceback with ``SUINING_DEBUG=1``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    from ..errors import NetworkError
    from .parser import parse

    args = parse(argv)
    try:
        return int(args.func(args) or 0)
    except NetworkError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `python -m network info | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # an internal error: one line, a traceback only on request
        if os.environ.get("SUINING_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(f"internal error: {type(exc).__name__}: {msg} (set SUINING_DEBUG=1 for the "
              "traceback)", file=sys.stderr)
        return 1


__all__ = ["main"]
