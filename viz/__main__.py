"""``python -m viz``: see ``viz.cli``."""

from viz.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
