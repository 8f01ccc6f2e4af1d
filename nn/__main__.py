"""``python -m nn``: the ``chainrule`` command."""

from nn.app.main import main

if __name__ == "__main__":
    raise SystemExit(main())
