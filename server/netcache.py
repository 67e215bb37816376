"""Answers of web APIs kept on disk for a while, so that a repeated run does not ask again.

    cache = AnswerCache(path, max_age=12 * 3600)
    net.fetch(url, cache=cache)   # answered from the cache while the answer is young enough

Only final answers are kept: 2xx, and the 404/410 that say "no such record". A rate
limit, a server error or a network failure is never remembered. Bodies are stored
zlib-compressed (API answers are text); entries older than max_age are dropped on open.
"""

import sqlite3
import threading
import time
import zlib
from pathlib import Path

from papershelf.server import net

KEPT_STATUSES = frozenset({200, 203, 404, 410})
KEPT_HEADERS = ("content-type",)


class AnswerCache:
    """GET answers by URL in a SQLite file, each usable for max_age seconds."""

    def __init__(self, path, max_age):
        self.max_age = max_age
        self._lock = threading.Lock()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 5000")
        self._conn.execute(
            "create table if not exists answers (url text primary key, fetched_at real,"
            " status integer, content_type text, body blob)")
        self._conn.execute("delete from answers where fetched_at < ?", [time.time() - max_age])

    def get(self, url):
        """Return the kept Response for url when it is young enough, else None."""
        with self._lock:
            row = self._conn.execute(
                "select status, content_type, body from answers where url = ? and fetched_at >= ?",
                [url, time.time() - self.max_age]).fetchone()
        if row is None:
            return None
        status, content_type, body = row
        try:
            body = zlib.decompress(body)
        except zlib.error:
            return None
        headers = {"content-type": content_type} if content_type else {}
        return net.Response(status, body, url, headers)

    def put(self, url, response):
        """Keep response as the answer to url if it is a final answer."""
        if response.status not in KEPT_STATUSES:
            return
        with self._lock:
            self._conn.execute(
                "insert or replace into answers (url, fetched_at, status, content_type, body)"
                " values (?, ?, ?, ?, ?)",
                [url, time.time(), response.status,
                 response.headers.get("content-type"), zlib.compress(response.body, 6)])

    def close(self):
        with self._lock:
            self._conn.close()
