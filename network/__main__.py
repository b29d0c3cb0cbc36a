"""``python -m network``: see ``network.cli``."""

from .cli import main

raise SystemExit(main())
