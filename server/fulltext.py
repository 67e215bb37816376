"""The stored PDFs' text: read it off the request path, keep it by page, search it.

index_file() reads a PDF outside any transaction (seconds for a book) and writes its
pages in one short one, only if the file still waits (another indexer, the CLI beside
`papershelf serve`, may have done it meanwhile). search_text() finds pages with FTS5 and
returns the best page of each paper with a snippet.
"""

import logging
from collections import Counter
from dataclasses import dataclass

from papershelf.server import pdftext, store

# Around the matched words of a snippet; the text itself holds no control characters
# (pdftext.clean_text), so these cannot be confused with it.
MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WORDS = 16
log = logging.getLogger("papershelf")


@dataclass
class TextMatch:
    paper_id: int
    page: int
    snippet: str  # matched words between MARK_START and MARK_END


def pending_files(db):
    """Return the ids of the files whose text waits to be read, oldest first."""
    return [row[0] for row in db.execute("select id from files where text = 'pending' order by id")]


def index_file(db, file_id, again=False):
    """Read a stored file's text into the page index; return its text state (None if gone).

    Only a pending file is read, unless again (re-read whatever its state).
    """
    row = db.execute("select path, text from files where id = ?", [file_id]).fetchone()
    if row is None or (row[1] != "pending" and not again):
        return row[1] if row else None
    try:
        result = pdftext.extract(store.files_dir(db) / row[0])
    except Exception:  # a PDF that trips the reader must not stop the indexer: mark it
        log.exception("cannot read the text of %s", row[0])
        result = pdftext.PdfText("unreadable", None)
    with store.write_transaction(db):
        current = db.execute("select paper_id, text from files where id = ?", [file_id]).fetchone()
        if current is None or (current[1] != "pending" and not again):
            return current[1] if current else None  # done by someone else meanwhile
        db.execute("delete from file_pages where file_id = ?", [file_id])
        db.conn.executemany(
            "insert into file_pages (file_id, paper_id, page, text) values (?, ?, ?, ?)",
            [(file_id, current[0], number, text) for number, text in result.texts])
        db.execute("update files set text = ?, pages = coalesce(?, pages) where id = ?",
                   [result.state, result.pages, file_id])
    return result.state


def index_files(db, file_ids, again=False, progress=None, stop=None):
    """Index these files one by one; return a Counter of the text states they reached.

    stop, if given, is called between files and ends the run early when it returns True.
    """
    states = Counter()
    for file_id in file_ids:
        if stop is not None and stop():
            break
        state = index_file(db, file_id, again=again)
        if state is not None:
            states[state] += 1
        if progress:
            progress(1)
    return states


SEARCH_SQL = (
    "select file_pages.paper_id, file_pages.page,"
    f" snippet(file_pages_fts, 0, char(2), char(3), '…', {SNIPPET_WORDS})"
    " from file_pages_fts join file_pages on file_pages.id = file_pages_fts.rowid"
    " where file_pages_fts match ? order by file_pages_fts.rank limit ?")


def search_text(db, query, limit=20):
    """Return the best-matching page of each paper whose stored text matches, best first.

    Pages holding the words as a phrase come first, then pages holding them all anywhere:
    a sentence remembered from page 7 finds page 7, not a page that merely uses its words.
    """
    words = query.split()
    if not words:
        return []
    phrase = '"' + " ".join(words).replace('"', '""') + '"'
    best = {}
    for fts_query in dict.fromkeys([phrase, store.fts_query(query)]):
        # A paper matching on many pages must not crowd out the others: read a few more.
        for paper_id, page, snippet in db.execute(SEARCH_SQL, [fts_query, limit * 4]):
            if paper_id not in best:
                best[paper_id] = TextMatch(paper_id, page, snippet)
                if len(best) == limit:
                    return list(best.values())
    return list(best.values())
