"""Atomic file writes: a reader never sees a half-written export.

A rewritten file keeps its mode (a shared 0644 refs.bib stays 0644); a new one gets
the mode the user's umask gives, as any editor's file would.
"""

import os
import secrets
import stat
from pathlib import Path


def write_if_changed(path, text, encoding="utf-8"):
    """Write text to path atomically unless the file already holds exactly that; return True if written."""
    path, data = Path(path), text.encode(encoding)
    if _is_special(path):
        _write_through(path, data)
        return True
    path = _final_path(path)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    _replace(path, data)
    return True


def write_atomic(path, data):
    """Write bytes to a temporary file beside path, then rename it into place."""
    if _is_special(path):
        _write_through(path, data)
        return
    _replace(_final_path(path), data)


def _replace(path, data):
    """Write data beside path (a regular file's path, links resolved) and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _final_path(path):
    """Return the file path names: a symbolic link's target, so the link stays a link."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _is_special(path):
    """Return True for a device, a FIFO or a socket, links followed (-o /dev/stdout, a pipe)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _write_through(path, data):
    # A rename would put a regular file where the device or pipe was (as root, even /dev/null).
    with open(path, "wb") as handle:
        handle.write(data)


def temporary_beside(path):
    """Create a new temporary file beside path with the mode path should have; return (fd, name).

    mkstemp would make it 0600 whatever the umask; opening with 0666 lets the kernel
    apply the umask, and an existing file's own mode is copied onto it.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    for _ in range(100):
        name = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            os.fchmod(fd, mode)
        return fd, str(name)
    raise FileExistsError(f"no free temporary name beside {path}")


# The first files of a batch are synced one by one: for a handful of files that is
# cheaper than a system-wide sync; a large batch pays for one sync instead.
SYNC_EACH_BELOW = 32


class AtomicBatch:
    """Write many files atomically with one disk sync per batch instead of one per file.

    Each file goes to a temporary file beside it; flush() syncs once, then moves
    every file into place. `expected` guards the reader's work in the meantime:
    None means the file must still not exist (it is linked into place, never
    clobbering), bytes mean the file must still hold exactly those bytes. A file
    whose guard fails is left alone and passed to on_conflict(path).
    """

    def __init__(self, on_conflict, size=512):
        self.on_conflict = on_conflict
        self.size = size
        self.pending = []  # (temporary path, final path, expected bytes or None)

    def add(self, path, data, expected=None):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temporary_beside(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if len(self.pending) < SYNC_EACH_BELOW:
                handle.flush()
                os.fsync(handle.fileno())
        self.pending.append((tmp, path, expected))
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        if len(self.pending) > SYNC_EACH_BELOW:
            os.sync()  # every temporary file's data is on disk before any rename
        pending, self.pending = self.pending, []
        for tmp, path, expected in pending:
            if not self._move(tmp, path, expected):
                self.on_conflict(path)

    def discard(self):
        for tmp, _, _ in self.pending:
            _unlink_quietly(tmp)
        self.pending = []

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.flush()
        else:
            self.discard()

    @staticmethod
    def _move(tmp, path, expected):
        try:
            if expected is None:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber it
                _unlink_quietly(tmp)
                return True
            if path.read_bytes() != expected:
                _unlink_quietly(tmp)
                return False
            os.replace(tmp, path)
            return True
        except (FileExistsError, FileNotFoundError):
            _unlink_quietly(tmp)
            return False


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
