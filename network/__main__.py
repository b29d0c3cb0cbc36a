"""``python -m network``: see :mod:`network.cli`."""

from .cli import main

raise SystemExit(main())
