"""The installed ``chainrule`` command under hostile input: one line on stderr, a non-zero
status, nothing left behind, memory bounded before reading (issue 13's cases).

Each case runs the command as a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nn.limits import MAX_PARAMETERS, max_file_bytes
from nn.module import MLP

CHAINRULE = shutil.which("chainrule", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(CHAINRULE is None, reason="the chainrule command is not installed")
TINY = ["--dataset", "moons", "--samples", "40", "--hidden", "2", "--epochs", "1", "--quiet"]


def chainrule(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    assert CHAINRULE is not None
    return subprocess.run(
        [CHAINRULE, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=timeout,
    )


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "error:" in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


def explain_model(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return chainrule("explain", "--model", str(path), "--weight", "1,0,0", cwd=cwd, timeout=60)


# -- model files ---------------------------------------------------------------------------------


def test_a_model_over_the_parameter_limit_is_refused(tmp_path: Path) -> None:
    # A valid file of 1000·(1001 + 1) + 1·(1000 + 1) = 1,003,001 parameters: --arch refuses
    # such a network, and so must --model. The file is written by hand: building that MLP
    # would take minutes.
    sizes = [1001, 1000, 1]
    row = [0.5] * sizes[0]
    data = {
        "format": "chainrule-mlp",
        "version": 1,
        "sizes": sizes,
        "activations": ["sigmoid", "sigmoid"],
        "weights": [[row] * sizes[1], [[0.5] * sizes[1]]],
        "biases": [[0.0] * sizes[1], [0.0]],
    }
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data))
    assert path.stat().st_size < max_file_bytes()  # refused for its sizes, not its bytes
    done = explain_model(path, tmp_path)
    assert_one_line_failure(done, "1,003,001 parameters", f"{MAX_PARAMETERS:,}")


def test_a_file_too_big_for_any_allowed_model_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "sparse.json"
    with path.open("wb") as f:
        f.truncate(2 * 1024**3)  # 2 GB, sparse: reading it would need 2 GB of memory
    start = time.monotonic()
    done = explain_model(path, tmp_path)
    assert_one_line_failure(done, "2,147,483,648 bytes", f"{max_file_bytes():,} bytes at most")
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(tmp_path: Path, device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    assert_one_line_failure(explain_model(Path(device), tmp_path), "character device")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    assert_one_line_failure(explain_model(fifo, tmp_path), "FIFO")


def test_too_many_samples_are_refused_before_any_work(tmp_path: Path) -> None:
    done = chainrule("train", *TINY, "--samples", "1000000000", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert_one_line_failure(done, "--samples", "'1000000000'", "4 to 100,000")
    assert not (tmp_path / "out").exists()


# -- saving --------------------------------------------------------------------------------------


def _tmp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_killed_saves_temporary_file_is_removed_by_the_next_save(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    target = tmp_path / "model.json"
    # A save killed after writing its temporary file: the file a SIGKILL leaves behind.
    code = (
        "import os, signal, sys\n"
        "import nn.fileio as f\n"
        "real = os.replace\n"
        "def die(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "f.os.replace = die\n"
        "f.write_atomic(sys.argv[1], b'{}')\n"
    )
    killed = subprocess.run([sys.executable, "-c", code, str(target)], check=False, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    (left,) = _tmp_files(tmp_path)
    # Another file's temporary file, and a file that only looks like ours, are not ours.
    other = tmp_path / ".other.json.0123456789ab.tmp"
    other.write_text("{}")
    lookalike = tmp_path / ".model.json.not-hex-here.tmp"
    lookalike.write_text("{}")
    old = time.time() - 3600
    for p in (other, lookalike):
        os.utime(p, (old, old))
    model.save(target)
    assert left not in _tmp_files(tmp_path)
    assert _tmp_files(tmp_path) == sorted([other.name, lookalike.name])
    assert MLP.load(target).sizes == [2, 3, 1]


def test_a_save_killed_mid_way_is_cleaned_up_by_the_next_train(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import os, signal, sys\n"
        "import nn.fileio as f\n"
        "f.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"  # mid-write
        "f.write_atomic(sys.argv[1], b'{' * 100_000)\n"
    )
    target = out / "model.json"
    killed = subprocess.run([sys.executable, "-c", code, str(target)], check=False, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert len(_tmp_files(out)) == 1
    assert not target.exists()
    done = chainrule("train", *TINY, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _tmp_files(out) == []
    assert MLP.load(target).sizes == [2, 2, 2]


def test_train_writes_through_a_symlinked_model_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = tmp_path / "kept" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    (out / "model.json").symlink_to(real)
    done = chainrule("train", *TINY, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "model.json").is_symlink()
    assert MLP.load(real).sizes == [2, 2, 2]
    assert _tmp_files(out) == []
    assert _tmp_files(real.parent) == []


def test_a_stale_temporary_file_is_removed_by_the_cli_save(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".model.json.deadbeef0123.tmp"
    stale.write_text('{"half": ')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    done = chainrule("train", *TINY, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _tmp_files(out) == []


def test_a_running_saves_temporary_file_is_kept(tmp_path: Path) -> None:
    # A save in another process holds the lock of its temporary file: it is not stale.
    import fcntl

    target = tmp_path / "model.json"
    busy = tmp_path / ".model.json.0123456789ab.tmp"
    fd = os.open(busy, os.O_WRONLY | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        old = time.time() - 3600
        os.utime(busy, (old, old))
        code = "import sys; from nn.fileio import write_atomic; write_atomic(sys.argv[1], b'x')"
        subprocess.run([sys.executable, "-c", code, str(target)], check=True, timeout=60)
        assert busy.exists()
    finally:
        os.close(fd)


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    MLP(2, [1], seed=0).save(link)
    assert link.is_symlink()
    assert MLP.load(real).sizes == [2, 1]


def test_saving_over_a_read_only_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    model = out / "model.json"
    model.write_text("keep me")
    model.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    done = chainrule("train", *TINY, "--out", str(out), cwd=tmp_path)
    assert_one_line_failure(done, "read-only", "model.json")
    assert model.read_text() == "keep me"
    assert _tmp_files(out) == []


# -- output that is not UTF-8 ---------------------------------------------------------------------

ASCII_ENVIRONMENTS = [
    {"PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},
]


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS)
def test_explain_falls_back_to_ascii_notation(tmp_path: Path, env: dict[str, str]) -> None:
    done = chainrule("explain", "--arch", "2,3,2", "--weight", "2,1,0", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "dC/dw_{1,0}^(2)" in done.stdout
    assert "sigma'" in done.stdout
    done.stdout.encode("ascii")


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS)
@pytest.mark.parametrize("argv", [["explain", "--help"], ["train", "--help"], ["--help"]])
def test_help_falls_back_to_ascii(tmp_path: Path, env: dict[str, str], argv: list[str]) -> None:
    done = chainrule(*argv, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "usage: chainrule" in done.stdout
    done.stdout.encode("ascii")


@pytest.mark.parametrize("env", ASCII_ENVIRONMENTS)
def test_train_ends_in_ascii(tmp_path: Path, env: dict[str, str]) -> None:
    done = chainrule("train", *TINY, "--out", "out", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "|dC/dw|" in done.stdout
    done.stdout.encode("ascii")


def test_a_million_one_neuron_layers_are_refused_quickly(tmp_path: Path) -> None:
    # 2,000,000 parameters in 30 MB: small enough for the size limit, but refused by counting
    # its lists before the JSON is parsed (parsing would make millions of Python objects).
    layers = 10**6
    path = tmp_path / "deep.json"
    with path.open("w") as f:
        f.write('{"format": "chainrule-mlp", "version": 1, "sizes": [')
        f.write(", ".join(["1"] * (layers + 1)))
        f.write('], "activations": [' + ", ".join(['"sigmoid"'] * layers))
        f.write('], "weights": [' + ", ".join(["[[0.5]]"] * layers))
        f.write('], "biases": [' + ", ".join(["[0.0]"] * layers) + "]}")
    start = time.monotonic()
    assert_one_line_failure(explain_model(path, tmp_path), "too big a network to load")
    assert time.monotonic() - start < 30
