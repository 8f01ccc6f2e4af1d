"""``python -m viz``: ``chainrule graph`` under its own name (``nn.app.commands.graph``)."""

from nn.app.commands import graph
from nn.app.main import run_alone

if __name__ == "__main__":
    raise SystemExit(run_alone(graph, None, prog="python -m viz", name="viz"))
