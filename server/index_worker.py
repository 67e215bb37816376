"""The background indexer of `papershelf serve`: reads stored PDFs' text off the request path.

An upload wakes it; it also looks for waiting files on start and every POLL_SECONDS
(a `papershelf attach` run beside the server leaves them too). It has its own
database connection and stops between two files when the server stops. The PDFs are
read in a child process at a lower priority (extract_process): the thread only waits
for it and writes the pages, so the API's threads keep the interpreter to themselves.
"""

import logging
import threading

from papershelf.server import fulltext
from papershelf.server.extract_process import TextExtractor
from papershelf.server.schema import connect

POLL_SECONDS = 30.0
log = logging.getLogger("papershelf")


class IndexWorker:
    """A thread that indexes the text of every pending file of one database."""

    def __init__(self, db_path, poll_seconds=POLL_SECONDS):
        self.db_path = db_path
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="papershelf-indexer", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def wake(self):
        """Look for pending files now (a PDF was just stored)."""
        self._wake.set()

    def stop(self, timeout=5.0):
        """Stop after the file being read; wait up to timeout seconds."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self):
        db = connect(self.db_path)
        extractor = TextExtractor()
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    fulltext.index_files(db, fulltext.pending_files(db), stop=self._stopping.is_set,
                                         extract=extractor.extract)
                except Exception:  # the database went away, a bug: log it and try again later
                    log.exception("the indexer failed; retrying in %s s", self.poll_seconds)
                # The child stays for the next upload: starting it costs more than a PDF.
                self._wake.wait(self.poll_seconds)
        finally:
            extractor.close()
            db.close()
