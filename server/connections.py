"""One SQLite connection per server thread for the HTTP API, reused across requests."""

import threading

from flask import current_app, g

from papershelf.server.schema import connect


def get_db():
    """Return this thread's connection to the app's database."""
    if "db" not in g:
        g.db = current_app.extensions["papershelf_connections"].get()
    return g.db


class Connections:
    """One SQLite connection per server thread, reused across requests (opening costs ~1 ms)."""

    def __init__(self, path):
        self.path = path
        self.local = threading.local()

    def get(self):
        db = getattr(self.local, "db", None)
        if db is None:
            db = self.local.db = connect(self.path)
        return db
