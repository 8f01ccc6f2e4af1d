"""``python -m nn``: the ``chainrule`` command."""

from nn.cli import main

raise SystemExit(main())
