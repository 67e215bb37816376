"""Replication with Litestream: run it beside `serve`, restore a library, say how far a replica is.

papershelf writes no sync of its own. Litestream (https://litestream.io) ships every
committed transaction of the library's SQLite file to a replica URL (a folder, SFTP,
S3-compatible storage...) and restores it elsewhere. One machine serves and writes;
the others read a restored copy.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from papershelf.server import config
from papershelf.server.children import stop_process
from papershelf.server.terminal import printable  # one escaping rule for the terminal

INSTALL_HINT = "install it with: pip install 'papershelf[replicate]'"
RESTART_DELAYS = (2, 5, 15, 60, 300)  # seconds between restarts of a Litestream that stopped
COMMAND_TIMEOUT = 120


class ReplicationError(ValueError):
    """Replication cannot do what was asked; the message is one line for the user."""


def litestream_binary():
    """Return the path of the litestream program, or raise ReplicationError."""
    beside_python = Path(sys.executable).with_name("litestream")  # pip's scripts folder
    found = shutil.which("litestream") or (str(beside_python) if beside_python.exists() else None)
    if not found:
        raise ReplicationError(f"Litestream is not installed; {INSTALL_HINT}")
    return found


def configured_replica():
    """Return the replica URL of config.yml (`replicate: URL`), or None."""
    value = config.read_config().get("replicate")
    if value is not None and not isinstance(value, str):
        raise ReplicationError(f"{config.config_path()}: replicate: must be a URL")
    return value or None


def check_url(url):
    """Return url when it looks like a replica URL Litestream can take, else raise."""
    text = (url or "").strip()
    if "://" not in text or any(ord(c) < 32 for c in text):
        raise ReplicationError(
            f"not a replica URL: {text!r} (try file:///path/to/folder, s3://bucket/path,"
            " sftp://user@host/path)")
    return text


def socket_path(db_path):
    """Return the control socket of the Litestream beside this library.

    In the temporary folder, not the library's: a Unix socket path holds at most 107 bytes.
    """
    digest = hashlib.blake2b(str(Path(db_path).resolve()).encode(), digest_size=6).hexdigest()
    return Path(tempfile.gettempdir()) / f"papershelf-litestream-{os.getuid()}-{digest}.sock"


def write_config(db_path, url):
    """Write the Litestream configuration for this library (owner-only); return its path."""
    settings = {
        "socket": {"enabled": True, "path": str(socket_path(db_path))},
        "dbs": [{"path": str(Path(db_path).resolve()), "replicas": [{"url": url}]}],
    }
    path = socket_path(db_path).with_suffix(".yml")
    text = ("# Written by `papershelf serve --replicate`; rewritten at every start.\n"
            + yaml.safe_dump(settings, sort_keys=False))
    # The URL may carry credentials (sftp://user:password@host/...): readable by us only.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".papershelf-litestream-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


class Replicator:
    """Litestream running beside `papershelf serve`; restarted when it stops, never fatal."""

    def __init__(self, db_path, url, report):
        self.db_path = Path(db_path)
        self.url = check_url(url)
        self.report = report  # called with one line for the serve output
        self.binary = litestream_binary()
        self.config_path = write_config(db_path, self.url)
        self.process = None
        self._stopping = threading.Event()
        self._thread = None

    def start(self):
        """Start Litestream and a thread that reports its failures and restarts it."""
        self._thread = threading.Thread(target=self._run, name="papershelf-litestream",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=10):
        """Stop Litestream after its last sync (SIGTERM makes it flush), then the thread."""
        self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            stop_process(process, timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        failures = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            self.process = subprocess.Popen(
                [self.binary, "replicate", "-config", str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, errors="replace")
            for line in self.process.stdout:
                self._relay(line)
            code = self.process.wait()
            if self._stopping.is_set():
                return
            failures = 0 if time.monotonic() - started > RESTART_DELAYS[-1] else failures + 1
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS)) - 1]
            self.report(f"replication stopped (Litestream exit status {code}); clips go on,"
                        f" retrying in {delay} s")
            if self._stopping.wait(delay):
                return

    def _relay(self, line):
        """Pass on what Litestream says that a reader must know: errors and warnings."""
        fields = _log_fields(line)
        level = fields.get("level", "")
        if level in ("ERROR", "WARN") or line.startswith("Error:"):
            message = fields.get("msg") or line.strip()
            detail = fields.get("error") or fields.get("err")
            self.report(printable(f"replication {level.lower() or 'error'}: {message}"
                                  + (f": {detail}" if detail else "")))


def _log_fields(line):
    """Return the key=value fields of a Litestream log line (values may be "quoted")."""
    fields, rest = {}, line.strip()
    while rest:
        key, sep, rest = rest.partition("=")
        if not sep:
            break
        if rest.startswith('"'):
            value, _, rest = rest[1:].partition('"')
        else:
            value, _, rest = rest.partition(" ")
        fields[key.strip()] = value
        rest = rest.lstrip()
    return fields


def restore(url, db_path, force=False):
    """Restore the library at url into db_path; return the number of papers it holds."""
    url = check_url(url)
    target = Path(db_path)
    if target.exists() and target.stat().st_size and not force:
        raise ReplicationError(f"{target} already holds a library; restore elsewhere with"
                               " --db PATH, or replace it with --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Restored beside the target, checked, then renamed: a failed restore leaves nothing.
    partial = target.with_name(f".{target.name}.restoring")
    _remove_database(partial)
    try:
        _litestream("restore", "-o", str(partial), url)
        papers = _check_restored(partial)
        if force:
            _remove_database(target)
        os.replace(partial, target)
    finally:
        _remove_database(partial)
    return papers


def _check_restored(path):
    """Return how many papers the restored file holds; raise unless it is a sound library."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise ReplicationError(f"the restored database is damaged: {verdict}")
        try:
            return conn.execute("select count(*) from papers").fetchone()[0]
        except sqlite3.DatabaseError:
            raise ReplicationError("the replica holds a database that is not a papershelf library")
    finally:
        conn.close()


def _remove_database(path):
    """Remove a database with its WAL, shared memory and Litestream state (a new file
    would otherwise be taken for the old one: SQLite replays a leftover WAL)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    state = Path(path).with_name(f".{Path(path).name}-litestream")
    shutil.rmtree(state, ignore_errors=True)


@dataclass
class Status:
    url: str
    replica_txid: int | None  # newest transaction the replica holds
    replica_written: str | None  # when the replica's newest file was written (UTC)
    local_txid: int | None  # newest transaction Litestream has taken from the library
    running: bool  # a Litestream is replicating this library now
    pid: int | None

    @property
    def behind(self):
        """Transactions the library has that the replica lacks, when both are known."""
        if self.replica_txid is None or self.local_txid is None:
            return None
        return max(self.local_txid - self.replica_txid, 0)

    def as_dict(self):
        return {"url": self.url, "replica_txid": self.replica_txid,
                "replica_written": self.replica_written, "local_txid": self.local_txid,
                "behind": self.behind, "running": self.running, "pid": self.pid}


def status(db_path, url, wait=False, timeout=30):
    """Return how far the replica at url is behind the library at db_path.

    wait: first have the running Litestream sync, and return once the replica holds
    every transaction committed so far (or raise after timeout seconds).
    """
    url = check_url(url)
    socket = socket_path(db_path)
    info = _daemon_info(socket)
    if wait:
        if info is None:
            raise ReplicationError("Litestream is not running for this library"
                                   " (start it with papershelf serve --replicate URL)")
        _litestream("sync", "-wait", "-timeout", str(timeout), "-socket", str(socket),
                    str(Path(db_path).resolve()), timeout=timeout + 10)
    replica_txid, written = _replica_position(url)
    return Status(url=url, replica_txid=replica_txid, replica_written=written,
                  local_txid=_local_txid(db_path, url), running=info is not None,
                  pid=(info or {}).get("pid"))


def _daemon_info(socket):
    """Return what the running Litestream says of itself, or None when none answers."""
    if not socket.exists():
        return None
    try:
        return json.loads(_litestream("info", "-json", "-socket", str(socket), timeout=10))
    except (ReplicationError, ValueError):
        return None


def _replica_position(url):
    """Return (newest txid, when it was written) of the replica, or (None, None) if empty."""
    try:
        files = json.loads(_litestream("ltx", "-json", "-level", "all", url) or "[]")
    except ReplicationError as exc:
        if "no such file" in str(exc).lower() or "not found" in str(exc).lower():
            return None, None
        raise
    if not files:
        return None, None
    newest = max(files, key=lambda f: int(f["max_txid"], 16))
    return int(newest["max_txid"], 16), max(f["timestamp"] for f in files)


def _local_txid(db_path, url):
    """Return the newest transaction Litestream has recorded for the library, or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        yaml.safe_dump({"dbs": [{"path": str(Path(db_path).resolve()),
                                 "replicas": [{"url": url}]}]}, handle)
    try:
        rows = json.loads(_litestream("status", "-json", "-config", handle.name) or "[]")
    except (ReplicationError, ValueError):
        return None
    finally:
        os.unlink(handle.name)
    txids = [txid for txid in (_hex_txid(r.get("local_txid")) for r in rows) if txid is not None]
    return max(txids) if txids else None


def _hex_txid(value):
    """Return a txid Litestream printed in hex, or None for its "-" (nothing recorded yet)."""
    try:
        return int(value, 16)
    except (TypeError, ValueError):
        return None


def _litestream(*args, timeout=COMMAND_TIMEOUT):
    """Run litestream with args; return its output, or raise with its one-line error."""
    try:
        result = subprocess.run([litestream_binary(), *args], capture_output=True, text=True,
                                errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ReplicationError(f"Litestream did not answer within {timeout} s")
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        message = lines[-1] if lines else f"exit status {result.returncode}"
        raise ReplicationError("Litestream: " + printable(message.removeprefix("Error: ")))
    return result.stdout
