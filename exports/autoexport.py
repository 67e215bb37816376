"""Auto-export: keep .bib, CSL-JSON and Obsidian exports up to date while the library changes.

Targets are strings `bibtex:PATH`, `biblatex:PATH` (BibLaTeX mode), `csl:PATH` (CSL-JSON)
or `obsidian:DIR`, optionally followed by `?tag=T` (e.g. `csl:~/notes/refs.json?tag=thesis`).
They come
from `auto_export:` in PAPERSHELF_HOME/config.yml and/or are given explicitly:

    exporter = AutoExporter(db_path, configured_targets(["bibtex:refs.bib"]))
    exporter.start()   # a daemon thread: polls a cheap fingerprint every `poll` seconds
    ...
    exporter.stop()    # writes any change still waiting, then ends the thread

A change is exported once the library has been quiet for `debounce` seconds (or has
kept changing for `max_delay` seconds); each file is written atomically and only when
its content changed.
"""

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from papershelf.server import config

KINDS = ("bibtex", "biblatex", "csl", "obsidian")
# Cheap to compute on every poll: any insert, update or delete changes it.
FINGERPRINT_SQL = "select count(*), max(updated_at), sum(id) from papers"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    kind: str  # bibtex | biblatex | csl | obsidian
    path: Path
    tag: str | None = None

    def __str__(self):
        return f"{self.kind}:{self.path}" + (f"?tag={self.tag}" if self.tag else "")


def parse_target(text):
    """Return the Target of a `kind:PATH[?tag=T]` string; ValueError when it is not one."""
    kind, sep, rest = str(text).partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS or not rest.strip():
        raise ValueError(f"auto-export target {text!r} is not KIND:PATH with KIND one of "
                         + ", ".join(KINDS))
    path, _, query = rest.strip().partition("?")
    tag = (parse_qs(query).get("tag") or [None])[0]
    return Target(kind, Path(os.path.expanduser(path)), tag)


def load_targets(path=None):
    """Return the Targets listed under `auto_export:` in config.yml (none if absent)."""
    entries = config.read_config(path).get("auto_export")
    if entries is None:
        return []
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        raise ValueError(f"{path or config.config_path()}: auto_export must be a list of"
                         " KIND:PATH strings")
    return [parse_target(entry) for entry in entries]


def configured_targets(extra=()):
    """Return the targets of config.yml followed by extra `KIND:PATH` strings (e.g. from --auto-export)."""
    return load_targets() + [parse_target(t) for t in extra]


def run_target(db, target):
    """Export one target now; return True when a file was (re)written."""
    if target.kind in ("bibtex", "biblatex"):
        from papershelf.exports.bibtex import export_bibtex

        return export_bibtex(db, target.path, mode=target.kind, tag=target.tag).written
    if target.kind == "csl":
        from papershelf.exports.csljson import export_csl_json

        return export_csl_json(db, target.path, tag=target.tag).written
    from papershelf.exports.obsidian import export_obsidian  # imported late: an optional exporter

    result = export_obsidian(db, target.path, tag=target.tag)
    return bool(getattr(result, "written", result))


def fingerprint(db):
    """Return a value that changes whenever any paper is added, changed or removed."""
    return tuple(db.execute(FINGERPRINT_SQL).fetchone())


class AutoExporter:
    """A background thread that rewrites the targets after the library changes."""

    def __init__(self, db_path, targets, debounce=2.0, poll=1.0, max_delay=30.0):
        self.db_path = db_path
        self.targets = [t if isinstance(t, Target) else parse_target(t) for t in targets]
        self.debounce = debounce
        self.poll = poll
        self.max_delay = max_delay
        self.exports = 0  # files written, for tests and logs
        self.rounds = 0  # times every target was exported (written or found unchanged)
        # Polls since the last round that found the library as exported and nothing
        # waiting: once this is above 0, every change made before is accounted for.
        self.quiet_polls = 0
        self.errors = []  # (target, message) of failed exports; the thread keeps going
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Export every target once, then watch for changes in a daemon thread."""
        if self._thread is not None:
            return self
        from papershelf.server.schema import connect

        db = connect(self.db_path)
        seen = fingerprint(db)  # taken before exporting: a change made meanwhile is seen later
        self._export_all(db)
        self._thread = threading.Thread(target=self._run, args=(db, seen), daemon=True,
                                        name="papershelf-auto-export")
        self._thread.start()
        return self

    def stop(self, timeout=10.0):
        """Stop watching; a change still waiting for its debounce is exported first."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout)
        self._thread = None
        self._stop.clear()

    def _run(self, db, seen):
        try:
            changed_at = first_change = None
            while not self._stop.wait(self.poll):
                now = time.monotonic()
                try:
                    current = fingerprint(db)
                except Exception as exc:  # noqa: BLE001  (a busy database: try again next poll)
                    self.errors.append(("fingerprint", f"{type(exc).__name__}: {exc}"))
                    continue
                if current != seen:
                    seen, changed_at = current, now
                    first_change = first_change or now
                if changed_at is not None and (now - changed_at >= self.debounce
                                               or now - first_change >= self.max_delay):
                    self._export_all(db)
                    changed_at = first_change = None
                elif changed_at is None:
                    self.quiet_polls += 1
            if changed_at is not None or fingerprint(db) != seen:
                self._export_all(db)
        finally:
            db.close()

    def _export_all(self, db):
        self._export_targets(db)
        self.quiet_polls = 0  # reset before the round counts, so a reader never pairs them wrong
        self.rounds += 1

    def _export_targets(self, db):
        for target in self.targets:
            try:
                if run_target(db, target):
                    self.exports += 1
                    log.info("auto-export wrote %s", target)
            except Exception as exc:  # noqa: BLE001  (one broken target must not stop the rest)
                self.errors.append((str(target), f"{type(exc).__name__}: {exc}"))
                log.warning("auto-export of %s failed: %s", target, exc)
