"""Reading and writing files so that nothing half-done or unbounded ever happens: one place.

The model (``nn.serialize``), the training outputs (``nn.app.trainjob``) and the pictures
(``viz``) are written through ``write_atomic``; model files are read through ``read_bounded``.

Decisions (README, "Files"): saving through a symbolic link replaces the file the link points
to and keeps the link; a file without write permission is refused, not replaced; the temporary
files of a save that was killed are removed by the next save of the same file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import time


def read_bounded(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, refused (ValueError) if it may hold more than
    ``limit`` bytes, before any is read.

    FIFOs, devices and directories are refused by ``stat`` before they are opened, and the file
    is opened non-blocking, so a FIFO swapped in between cannot block; the read itself stops at
    ``limit`` + 1 bytes, so a file that grows meanwhile cannot exhaust memory either.
    """
    name = os.fspath(path)
    _check_regular(name, os.stat(name), limit, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    with os.fdopen(os.open(name, flags), "rb") as f:
        _check_regular(name, os.fstat(f.fileno()), limit, what)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name}: {what} is at most {limit:,} bytes; this one grew past that")
    return data


def _check_regular(name: str, st: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{name}: not {what}: it is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise ValueError(
            f"{name}: {st.st_size:,} bytes is more than {what} can be ({limit:,} bytes at most)"
        )


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((text for test, text in kinds if test(mode)), "a special file")


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never half.

    The bytes go to a new temporary file in the same directory (so the rename stays on one
    file system), are flushed and fsync'ed, and ``os.replace`` puts the file in place. On any
    error the temporary file is removed and the target is untouched. A new file gets the mode
    a plain ``open`` would give it; a replaced file keeps its mode. Through a symbolic link,
    the link's target is replaced; a file without write permission is refused
    (PermissionError). Temporary files of an earlier save of the same name that was killed are
    removed first.
    """
    given = os.fspath(path)
    target = os.path.realpath(given)  # the link stays a link; what it points to is replaced
    _refuse_read_only(given, target)
    directory = os.path.dirname(target)
    name = os.path.basename(target)
    started = time.time()
    fd, tmp = _create_temporary(directory, name)
    try:
        _remove_stale(directory, name, started, keep=tmp)
        with os.fdopen(fd, "wb") as f:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, target)  # while the lock is held: no cleaner can take it for stale
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _refuse_read_only(given: str, target: str) -> None:
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    # The mode bits, not only os.access: root may write anything, but a file whose owner made
    # it read-only is meant to stay as it is.
    if stat.S_ISREG(st.st_mode) and (
        not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        or not os.access(target, os.W_OK)
    ):
        raise PermissionError(
            errno.EACCES, "the file is read-only: make it writable to replace it", given
        )


def _temporary_pattern(name: str) -> re.Pattern[str]:
    """The names ``_create_temporary`` gives, and only those: ``.<name>.<12 hex>.tmp``."""
    return re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")


def _create_temporary(directory: str, name: str) -> tuple[int, str]:
    """A new, empty, uniquely named file beside ``name``, locked: (descriptor, path).

    Opened like a plain ``open(path, "w")`` would create it (mode 0666 less the umask, unlike
    ``tempfile.mkstemp``'s private 0600), with O_EXCL so that it is never someone else's file.
    The exclusive lock (flock) says "a save is running": the system drops it when the process
    ends, however it ends, which is how a later save tells a killed save's file from a live one.
    """
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink > 0:
            return fd, tmp
        os.close(fd)  # a cleaner removed it between the create and the lock: take another name
    raise FileExistsError(f"could not create a temporary file beside {name} in {directory}")


def _remove_stale(directory: str, name: str, started: float, keep: str) -> None:
    """Remove the temporary files of earlier saves of ``name`` that no running save holds.

    Only files named as ours, regular, older than this save's start and not locked: a save
    that is still running (another process) holds its lock and keeps its file.
    """
    pattern = _temporary_pattern(name)
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        path = os.path.join(directory, entry)
        if not pattern.fullmatch(entry) or path == keep:
            continue
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= started:
                continue
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: in use
                os.unlink(path)
            finally:
                os.close(fd)


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
