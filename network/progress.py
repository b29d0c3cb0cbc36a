"""Progress bars (rich) for anything that takes more than a second; silent with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress(total: int, label: str, quiet: bool = False) -> Iterator[Callable[[], None]]:
    """Yield a ``tick()`` function advancing a bar of ``total`` steps (on stderr)."""
    if quiet or total <= 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(file=sys.stderr)
    if not console.is_terminal:  # logs and pipes get no bar (and no stray newlines)
        yield lambda: None
        return
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
