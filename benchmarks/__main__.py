"""``python -m benchmarks``: see ``benchmarks/run.py`` for the method and the options."""

from .run import main

raise SystemExit(main())
