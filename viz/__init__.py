"""viz: the computation graph of a Value, drawn with Graphviz.

``draw(root)`` returns a ``graphviz.Digraph`` (a notebook shows it inline), ``render(root,
path)`` writes it to a file, ``to_svg(root)`` returns the SVG text, and ``draw_network(model)``
draws an ``nn.MLP`` with one node per neuron, and ``explore(root)`` makes an HTML page that
replays the backward pass step by step (``viz.explore``). Rendering uses the system Graphviz
``dot`` if it is installed, otherwise ``graphviz-pure`` (``pip install 'chainrule[viz]'``).

>>> from autograd import Value
>>> import viz
>>> a, b = Value(2.0, "a"), Value(-3.0, "b")
>>> c = a * b
>>> c.backward()
>>> print(viz.draw(c).source.count("->"))
3
"""

import nn

# Another package's autograd (HIPS) in the engine's place: viz's modules, which import the
# engine, are left unimported, as nn's are (nn.install), so that `import viz` and `python -m
# viz` can say so in one line instead of dying in an import deep inside viz.
if nn.INSTALL_PROBLEM is None:
    from nn.notation import LABEL_PATTERN, parse_label
    from viz.backend import FORMATS, RendererNotFound, RenderError, find_renderer
    from viz.explore import MAX_NODES, ExplorerPage, explore
    from viz.graph import Digraph, draw
    from viz.network import draw_network
    from viz.render import render, to_svg
else:

    def __getattr__(name: str) -> object:
        raise ImportError(nn.INSTALL_PROBLEM)


__all__ = [
    "FORMATS",
    "LABEL_PATTERN",
    "MAX_NODES",
    "Digraph",
    "ExplorerPage",
    "RenderError",
    "RendererNotFound",
    "draw",
    "draw_network",
    "explore",
    "find_renderer",
    "parse_label",
    "render",
    "to_svg",
]
