"""The stored PDFs' text: read it off the request path, keep it by page, search it.

index_file() reads a PDF outside any transaction (seconds for a book) and writes its
pages one short transaction each, only if the file still waits (another indexer, the CLI
beside `papershelf serve`, may have done it meanwhile). search_text() finds pages with FTS5 and
returns the best page of each paper with a snippet.
"""

import json
import logging
import sqlite3
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


def index_file(db, file_id, again=False, extract=pdftext.extract):
    """Read a stored file's text into the page index; return its text state (None if gone).

    Only a pending file is read, unless again (re-read whatever its state). extract reads
    the PDF: in process by default, extract_process.TextExtractor().extract in a child.
    Each page is written in a transaction of its own, so that a clip never waits for a
    whole book to be indexed; the state changes last, once every page is in.
    """
    row = db.execute("select path, text from files where id = ?", [file_id]).fetchone()
    if row is None or (row[1] != "pending" and not again):
        return row[1] if row else None
    try:
        result = extract(store.files_dir(db) / row[0])
    except Exception:  # a PDF that trips the reader must not stop the indexer: mark it
        log.exception("cannot read the text of %s", row[0])
        result = pdftext.PdfText("unreadable", None)
    with store.write_transaction(db):
        current = _claim(db, file_id, again)
        if current is None or current[1] is not None:
            return current and current[1]  # gone, or done by someone else meanwhile
        db.execute("delete from file_pages where file_id = ?", [file_id])
    try:
        for number, text in result.texts:
            with store.write_transaction(db):
                db.execute("insert into file_pages (file_id, paper_id, page, text)"
                           " values (?, ?, ?, ?)", [file_id, current[0], number, text])
    except sqlite3.IntegrityError:  # deleted meanwhile, or another indexer wrote these pages
        row = db.execute("select text from files where id = ?", [file_id]).fetchone()
        return row and row[0]
    with store.write_transaction(db):
        db.execute("update files set text = ?, pages = coalesce(?, pages) where id = ?",
                   [result.state, result.pages, file_id])
    return result.state


def _claim(db, file_id, again):
    """Return (paper id, None) when the file is still to be indexed, (paper id, its state)
    when it is not, None when it is gone."""
    row = db.execute("select paper_id, text from files where id = ?", [file_id]).fetchone()
    if row is None:
        return None
    return (row[0], None) if row[1] == "pending" or again else (row[0], row[1])


def index_files(db, file_ids, again=False, progress=None, stop=None, extract=pdftext.extract):
    """Index these files one by one (see index_file); return a Counter of their text states.

    stop, if given, is called between files and ends the run early when it returns True.
    """
    states = Counter()
    for file_id in file_ids:
        if stop is not None and stop():
            break
        state = index_file(db, file_id, again=again, extract=extract)
        if state is not None:
            states[state] += 1
        if progress:
            progress(1)
    return states


# Ranking (bm25) is computed for at most this many matching pages per query: a word on
# every page of a 10,000-paper library would otherwise be ranked 200,000 times per search.
RANKED_PAGES = 1000
RANKED_SQL = ("select rowid from (select rowid, rank from file_pages_fts where file_pages_fts"
              f" match ? limit {RANKED_PAGES}) order by rank limit ?")
SNIPPET_SQL = (f"select rowid, snippet(file_pages_fts, 0, char(2), char(3), '…', {SNIPPET_WORDS})"
               " from file_pages_fts where file_pages_fts match ? and rowid in ({})")
# Words on nearly every page of English text: matching them means reading the whole index
# for each, and they tell no page from another. A query drops them (unless it has nothing else).
STOPWORDS = frozenset(
    "a an and are as at be been but by can for from has have in into is it its not of on or"
    " our such than that the their these this those to was we were which with".split())


def text_queries(query):
    """Return the FTS5 queries for a search, the stricter first: the words close together
    (within a window as long as the query: a phrase remembered from page 7), then all of them
    anywhere on the page. Words are quoted, so nothing the reader types is FTS5 syntax."""
    words = query.split()
    content = [w for w in words if w.casefold() not in STOPWORDS] or words
    quoted = ['"' + w.replace('"', '""') + '"' for w in content]
    if len(quoted) <= 1:  # no words: no query, which finds nothing
        return quoted
    return [f"NEAR({' '.join(quoted)}, {len(words)})", " ".join(quoted)]


def search_text(db, query, limit=20):
    """Return the best-matching page of each paper whose stored text matches, best first.

    Pages holding the words close together come first, then pages holding them all. A
    sentence of three words or more that was found as such is not looked for word by word:
    that is a search for the page it came from.
    """
    best = {}  # paper id -> (page row id, page number, the query that found it)
    queries = text_queries(query)
    for fts_query in queries:
        if best and fts_query is queries[-1] and len(queries) > 1 and _words(query) >= 3:
            break
        # A paper matching on many pages must not crowd out the others: rank a few more.
        rowids = [row[0] for row in db.execute(RANKED_SQL, [fts_query, limit * 4])]
        places = _places(db, rowids)
        for rowid in rowids:
            paper_id, page = places[rowid]
            best.setdefault(paper_id, (rowid, page, fts_query))
            if len(best) == limit:
                return _with_snippets(db, best)
    return _with_snippets(db, best)


def _words(query):
    return len([w for w in query.split() if w.casefold() not in STOPWORDS])


def _places(db, rowids):
    """Return {page row id: (paper id, page number)}."""
    rows = db.execute("select id, paper_id, page from file_pages where id in"
                      " (select value from json_each(?))", [json.dumps(rowids)])
    return {row[0]: (row[1], row[2]) for row in rows}


def _with_snippets(db, best):
    """Return TextMatches for best, their snippets made only now, for the pages shown."""
    snippets = {}
    for fts_query in {query for _, _, query in best.values()}:
        rowids = [rowid for rowid, _, query in best.values() if query == fts_query]
        # A list of values, not a subquery: FTS5 then looks each page up instead of scanning.
        sql = SNIPPET_SQL.format(", ".join("?" for _ in rowids))
        snippets.update(db.execute(sql, [fts_query, *rowids]).fetchall())
    return [TextMatch(paper_id, page, snippets.get(rowid, ""))
            for paper_id, (rowid, page, _) in best.items()]
