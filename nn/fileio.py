"""Writing a file so that a failure never leaves half of it: one implementation for the project.

The model (``nn.serialize``), the training outputs (``nn.train``) and the pictures (``viz``) are
all written through ``write_atomic``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never half.

    The bytes go to a new temporary file in the same directory (so the rename stays on one
    file system), are flushed and fsync'ed, and ``os.replace`` puts the file in place. On any
    error the temporary file is removed and the target is untouched. A new file gets the mode
    a plain ``open`` would give it; a replaced file keeps its mode.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = _create_temporary(directory, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as f:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """A new, empty, uniquely named file beside ``name``: (descriptor, path).

    Opened like a plain ``open(path, "w")`` would create it (mode 0666 less the umask, unlike
    ``tempfile.mkstemp``'s private 0600), with O_EXCL so that it is never someone else's file.
    """
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {name} in {directory}")


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the rename has happened anyway
    finally:
        os.close(fd)
