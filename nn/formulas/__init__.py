"""The notes' formulas by hand, one module per seam: costs, activations, layers, the algorithm
N002.DP and explain. ``nn.byhand`` gathers their public names in one namespace.

This package's ``__init__`` imports nothing, so that the tables (``nn.activations``,
``nn.losses``) can import the hand functions of ``costs`` and ``activations`` without loading
the rest.
"""
