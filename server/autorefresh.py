"""`serve`'s own refresh: with `refresh: daily` (or `weekly`) in config.yml, refresh when due.

    refresher = AutoRefresher(db_path, configured_interval()).start()  # a daemon thread
    ...
    refresher.stop()   # ends the run between two papers, then the thread

The thread has its own database connection and writes each paper in its own short
transaction after that paper's network calls, so a clip never waits for the network
of a refresh. A run is due when the last whole-library refresh that checked anything
(refresh_runs) is older than the interval; a run that could check nothing is tried
again an hour later.
"""

import logging
import threading
from datetime import datetime, timezone

import click

from papershelf.server import config, refresh, schema, store

INTERVALS = {"daily": 24 * 3600, "weekly": 7 * 24 * 3600}
RETRY_AFTER_FAILURE = 3600  # seconds before trying again after a run that checked nothing
log = logging.getLogger(__name__)


def configured_interval(path=None):
    """Return the seconds between refreshes that config.yml asks for, or None (the default: off)."""
    value = config.read_config(path).get("refresh")
    if value in (None, False, "off", "never"):
        return None
    if not isinstance(value, str) or value not in INTERVALS:
        raise config.ConfigError(f"{path or config.config_path()}: refresh must be one of "
                                 f"{', '.join(INTERVALS)} or off (not {value!r})")
    return INTERVALS[value]


def seconds_until_due(db, interval, now=None):
    """Return how long until the next refresh is due (0 or less: now)."""
    last = refresh.last_full_run(db)
    if last is None:
        return 0
    finished = datetime.strptime(last, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return interval - (now - finished).total_seconds()


class AutoRefresher:
    """A background thread that refreshes the library every `interval` seconds."""

    def __init__(self, db_path, interval, echo=None):
        self.db_path = db_path
        self.interval = interval
        self.echo = echo or (lambda line: click.echo(f"refresh: {line}", err=True))
        self.runs = 0  # finished runs
        self.finished = threading.Event()  # set after each run (tests wait on it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="papershelf-refresh",
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=30):
        """Ask the thread to end (between two papers) and wait for it."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self):
        db = schema.open_db(self.db_path)  # its own connection: never the API's
        try:
            while not self._stop.is_set():
                wait = seconds_until_due(db, self.interval)
                if wait <= 0:
                    checked = self._run_once(db)
                    wait = self.interval if checked else RETRY_AFTER_FAILURE
                self._stop.wait(max(1.0, min(wait, RETRY_AFTER_FAILURE)))
        finally:
            db.close()

    def _run_once(self, db):
        """Refresh the whole library once; return True when anything could be checked."""
        started = store.now()
        try:
            papers, _ = refresh.select_papers(db)
            cache = refresh.answer_cache()
            try:
                report = refresh.refresh(db, papers, cache=cache, stop=self._stop.is_set)
            finally:
                cache.close()
            if not report.stopped:
                refresh.record_run(db, report, "all", started)
        except Exception:  # a bug must not take the API down with it: log and go on
            log.exception("the background refresh failed")
            return False
        finally:
            self.runs += 1
            self.finished.set()
        for change in report.changes:
            self.echo(f"{change.citekey}: {change.summary}")
        for problem in report.problems.values():
            self.echo(f"warning: {refresh.printable(problem)}")
        return report.checked > 0 or not papers
