"""Tests of ``nn.install`` and ``nn.app.entry``: chainrule checks which ``autograd`` it gets.

Another package's ``autograd`` is simulated in a subprocess: a directory put first on
``sys.path`` (through PYTHONPATH) holding an ``autograd`` package without ``Value``, as HIPS
autograd is, or an ``autograd`` directory left without its ``__init__.py``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from nn import install
from nn.app import entry

REPO = Path(__file__).resolve().parent.parent

#: A stand-in for HIPS autograd's __init__.py: differential operators, no Value.
FOREIGN_INIT = '''"""Not chainrule's engine: functions that differentiate NumPy code."""
def grad(fun, argnum=0):
    return fun
'''
#: HIPS autograd imports NumPy: a stand-in whose import fails the same way when it is missing.
FOREIGN_INIT_FAILING = "import numpy_that_is_not_installed  # noqa\n"


def run_python(
    code: str, path: Path, *flags: str, checkout: bool = True
) -> subprocess.CompletedProcess[str]:
    """``python FLAGS -c code`` run in ``path``, with ``path`` first on sys.path.

    (``-c`` puts the working directory first: run from the checkout, its own autograd would
    come before the one simulated.) Then, with ``checkout``, this checkout, so that nn and viz
    are the code under test even where the environment's install points at another copy;
    its autograd comes after the simulated one, as an installed chainrule's would.
    """
    where = [str(path), str(REPO)] if checkout else [str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(where)}
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


#: The check run as a lone module (copied out of nn), where no other autograd can be found.
CHECK_ALONE = "import install_check; print(install_check.autograd_problem())"


def foreign_package(tmp_path: Path, init: str) -> Path:
    package = tmp_path / "autograd"
    package.mkdir()
    (package / "__init__.py").write_text(init, encoding="utf-8")
    return package / "__init__.py"


def test_chainrules_own_autograd_passes() -> None:
    assert install.autograd_problem() is None


def test_main_runs_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert entry.main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: chainrule")


@pytest.mark.parametrize("init", [FOREIGN_INIT, FOREIGN_INIT_FAILING])
def test_foreign_autograd_gives_one_line_with_the_fix(tmp_path: Path, init: str) -> None:
    origin = foreign_package(tmp_path, init)
    code = "import sys; from nn.app import entry; sys.exit(entry.main(['train', '--help']))"
    done = run_python(code, tmp_path)
    assert done.returncode == install.EXIT_INSTALL
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert "Traceback" not in line
    assert f"loads another package's autograd ({origin})" in line
    assert "fix: pip uninstall -y autograd, then pip install --force-reinstall --no-deps" in line


def test_the_fix_reinstalls_from_where_chainrule_came_from() -> None:
    try:
        direct = importlib.metadata.distribution("chainrule").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("chainrule is not installed")
    command = install._reinstall_command()
    info = json.loads(direct or "{}")
    if info.get("dir_info", {}).get("editable"):
        # make test installs the work tree in editable mode: the fix must say so, and where.
        where = unquote(urlparse(info["url"]).path)
        assert command == f"pip install --force-reinstall --no-deps -e {where}"
    else:
        assert command.startswith("pip install --force-reinstall --no-deps ")


def test_installed_command_says_it_too(tmp_path: Path) -> None:
    script = shutil.which("chainrule", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the chainrule console script is not installed beside this Python")
    scripts = importlib.metadata.entry_points(group="console_scripts", name="chainrule")
    assert [e.value for e in scripts] == ["nn.app.entry:main"]
    foreign_package(tmp_path, FOREIGN_INIT)
    done = subprocess.run(
        [script, "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert done.returncode == install.EXIT_INSTALL
    assert len(done.stderr.splitlines()) == 1
    assert "another package's autograd" in done.stderr


def test_python_m_viz_says_it_too_and_import_viz_survives(tmp_path: Path) -> None:
    # python -m viz is chainrule graph under another name: the same one line, the same status.
    origin = foreign_package(tmp_path, FOREIGN_INIT)
    done = run_python("import runpy; runpy.run_module('viz', run_name='__main__')", tmp_path)
    assert done.returncode == install.EXIT_INSTALL
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert f"loads another package's autograd ({origin})" in lines[0]
    assert (
        "fix: pip uninstall -y autograd, then pip install --force-reinstall --no-deps" in lines[0]
    )
    # import viz loads none of its modules that need the engine; its names say why they fail.
    code = (
        "import sys, viz; print(sorted(m for m in sys.modules if m.startswith('viz.')))\n"
        "try:\n    viz.draw\nexcept ImportError as e:\n    print('ImportError', e)"
    )
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[]"
    assert lines[1].startswith("ImportError chainrule: `import autograd` loads another package's")


def test_autograd_without_init_is_named(tmp_path: Path) -> None:
    # What `pip uninstall autograd` leaves when HIPS autograd had replaced chainrule's
    # __init__.py: the engine's other files in a directory that is now a namespace package.
    # -S keeps site-packages (and this checkout, added by the editable install) off sys.path,
    # so that this directory is the only autograd there is.
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "engine.py").write_text("", encoding="utf-8")
    shutil.copy(REPO / "nn" / "install.py", tmp_path / "install_check.py")
    done = run_python(CHECK_ALONE, tmp_path, "-S", checkout=False)
    assert done.returncode == 0, done.stderr
    assert f"autograd package in {tmp_path / 'autograd'} has no __init__.py" in done.stdout
    assert "fix: pip install --force-reinstall --no-deps chainrule" in done.stdout


def test_no_autograd_at_all_is_named(tmp_path: Path) -> None:
    shutil.copy(REPO / "nn" / "install.py", tmp_path / "install_check.py")
    done = run_python(CHECK_ALONE, tmp_path, "-S", checkout=False)
    assert done.returncode == 0, done.stderr
    assert "no package named autograd" in done.stdout


def test_import_nn_survives_another_autograd_and_says_why(tmp_path: Path) -> None:
    # The point of the check: it runs when the engine cannot be imported, and nothing of nn
    # that needs the engine is imported; nn's names then raise ImportError with the one line.
    foreign_package(tmp_path, FOREIGN_INIT)
    code = (
        "import sys, nn; print(nn.INSTALL_PROBLEM is not None); "
        "print(sorted(m for m in ('viz', 'autograd.engine', 'nn.module') if m in sys.modules))\n"
        "try:\n    from nn import MLP\nexcept ImportError as e:\n    print('ImportError', e)"
    )
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["True", "[]"]
    assert lines[2].startswith("ImportError chainrule: `import autograd` loads")
