"""``python -m nn``: the ``chainrule`` command."""

from nn.app.entry import main

if __name__ == "__main__":
    raise SystemExit(main())
