"""Is ``autograd`` chainrule's engine? The check ``import nn`` and the ``chainrule`` command make.

chainrule's engine is the import package ``autograd``, the same name as HIPS autograd
(``pip install autograd``). Installed into the same environment, one shadows the other: a
regular install of HIPS autograd after chainrule writes its ``autograd/__init__.py`` over
chainrule's, and an editable chainrule loses to any ``autograd`` in site-packages. Everything
of chainrule then dies with ``ImportError: cannot import name 'Value' from 'autograd'``.

This module imports nothing but the standard library, so that ``nn/__init__.py`` can run it
before importing anything that needs the engine: if another package's ``autograd`` is in the
way, ``import nn`` still succeeds with ``nn.INSTALL_PROBLEM`` set (and every name of nn raises
ImportError with that one line), and the ``chainrule`` command (``nn.app.entry``) prints the
line with the fix instead of a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from urllib.parse import unquote, urlparse

#: Exit status when chainrule cannot run because of the installation.
EXIT_INSTALL = 3


def _reinstall_command() -> str:
    """The pip command that puts chainrule's ``autograd`` back, from where it was installed."""
    import importlib.metadata  # here: it costs more than the rest of `import nn` together

    try:
        dist = importlib.metadata.distribution("chainrule")
    except importlib.metadata.PackageNotFoundError:
        return "pip install --force-reinstall --no-deps chainrule"
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    # pip records where a package came from when it was not an index: a directory (editable
    # or not) or a file.
    url = urlparse(str(direct.get("url", ""))) if isinstance(direct, dict) else None
    if url is not None and url.scheme == "file":
        editable = "-e " if direct.get("dir_info", {}).get("editable") else ""
        return f"pip install --force-reinstall --no-deps {editable}{unquote(url.path)}"
    return f"pip install --force-reinstall --no-deps chainrule=={dist.version}"


def _foreign_name() -> str:
    """What the other ``autograd`` is: "HIPS autograd 1.7.0" if pip knows its distribution."""
    import importlib.metadata

    try:
        return f"HIPS autograd {importlib.metadata.version('autograd')}"
    except importlib.metadata.PackageNotFoundError:
        return "another package's autograd"


def autograd_problem() -> str | None:
    """One line saying why ``import autograd`` is not chainrule's engine and what to do; or None.

    None when ``autograd`` is chainrule's, and also when chainrule's own ``autograd`` fails
    to import for a reason of its own (that error is then shown as it is).
    """
    spec = importlib.util.find_spec("autograd")
    if spec is None:
        reinstall = _reinstall_command()
        return (
            "chainrule: no package named autograd (chainrule's engine) is installed; "
            f"fix: {reinstall}"
        )
    if spec.origin is None:
        # A directory without __init__.py: what `pip uninstall autograd` leaves after HIPS
        # autograd had replaced chainrule's __init__.py.
        where = ", ".join(dict.fromkeys(spec.submodule_search_locations or []))
        reinstall = _reinstall_command()
        return (
            f"chainrule: the autograd package in {where} has no __init__.py (another package "
            f"replaced chainrule's, then was uninstalled); fix: {reinstall}"
        )
    origin = Path(spec.origin)
    try:
        module = importlib.import_module("autograd")
    except Exception:
        # HIPS autograd imports NumPy, which may be missing, so any failure may be the other
        # package's; chainrule's own autograd, broken for a reason of its own, is told apart
        # by its source and left to fail as it will.
        try:
            ours = "Value" in origin.read_text(encoding="utf-8")
        except OSError:
            ours = False
        if ours:
            return None
        module = None
    if module is not None and hasattr(module, "Value"):
        return None
    reinstall = _reinstall_command()
    return (
        f"chainrule: `import autograd` loads {_foreign_name()} ({origin}), not chainrule's "
        f"engine (both are named autograd); fix: pip uninstall -y autograd, then {reinstall} "
        "(or give each its own virtual environment)"
    )
