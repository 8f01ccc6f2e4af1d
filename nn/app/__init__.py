"""The application: the ``chainrule`` command and the training job's I/O, above the library.

No module of the library (``autograd``, ``nn`` outside this package, ``viz``) imports this
package; the only ways in are ``chainrule`` (``nn.app.entry:main``), ``python -m nn`` and
``python -m viz`` (``docs/layers.md``).
"""
