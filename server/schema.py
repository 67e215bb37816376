"""The database's shape: tables, full-text search, indexes and migrations.

Every connection goes through connect(); ensure_db_shape() is idempotent and runs
the migrations, each in its own transaction (sqlite-utils' Migrations).
"""

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

from papershelf.server.author_names import author_keys
from papershelf.server.identity import MAX_ARXIV_VERSION
from papershelf.server.links import LINK_FIELDS, is_kept_link

SCHEMA_VERSION = 8
FTS_COLUMNS = ["title", "abstract", "authors", "note"]
# JSON arrays stored as text so that Datasette can facet on them.
JSON_COLUMNS = ("authors", "tags", "extra", "aliases")
# How many works cite a paper, which service counted them, and the day it was read.
CITATION_COLUMNS = ("citation_count", "citation_count_source", "citation_count_date")
BUSY_TIMEOUT_MS = 10_000

migrations = Migrations("papershelf")


@migrations()
def m001_initial(db):
    db["papers"].create(
        {
            "id": int, "citekey": str, "title": str, "authors": str, "abstract": str,
            "year": int, "published": str, "arxiv_id": str, "arxiv_version": int,
            "arxiv_category": str, "doi": str, "url": str, "pdf_url": str, "code_url": str,
            "venue": str, "entry_type": str, "source": str, "tags": str, "note": str,
            "status": str, "added_at": str, "updated_at": str, "extra": str,
            "identity_key": str,
        },
        pk="id",
        not_null={"citekey", "title", "status", "added_at", "updated_at"},
        defaults={"authors": "[]", "tags": "[]", "extra": "{}", "note": "", "status": "unread"},
    )
    # Case-insensitive uniqueness: "Chen2024" and "chen2024" would clash in LaTeX tooling.
    db.execute("CREATE UNIQUE INDEX idx_papers_citekey ON papers(citekey COLLATE NOCASE)")
    for column in ("arxiv_id", "doi", "identity_key", "url", "added_at"):
        db["papers"].create_index([column], find_unique_name=True)
    db["paper_authors"].create(
        {"paper_id": int, "position": int, "name": str},
        pk=("paper_id", "position"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db["paper_authors"].create_index(["name"])
    db["paper_tags"].create(
        {"paper_id": int, "tag": str},
        pk=("paper_id", "tag"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db["paper_tags"].create_index(["tag"])
    db["clips"].create(
        {"id": int, "paper_id": int, "url": str, "clipped_at": str, "extractor": str,
         "status": str, "fields": str},
        pk="id",
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db["clips"].create_index(["paper_id"])
    db["papers"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="porter")


@migrations()
def m002_clip_html(db):
    # The page a clip came from (zlib-compressed UTF-8), so that `papershelf reextract`
    # can run improved extractors over it later.
    db["clips"].add_column("html", bytes)


@migrations()
def m003_facet_indexes(db):
    # Datasette's default facets group papers by these columns on every table page;
    # without an index each facet reads the whole table (about 1 s at 100,000 papers).
    for column in ("year", "venue", "source"):
        db["papers"].create_index([column], find_unique_name=True, if_not_exists=True)


@migrations()
def m004_aliases_and_bib_definitions(db):
    # A key merged into another paper stays that paper's alias, so every \cite that worked
    # keeps working. paper_aliases makes aliases unique (as citekeys, case-insensitively) and
    # findable; papers.aliases repeats them as a JSON list for the paper object and Datasette.
    db["papers"].add_column("aliases", str, not_null_default="[]")
    db["paper_aliases"].create(
        {"alias": str, "paper_id": int},
        pk="alias",
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.execute("CREATE UNIQUE INDEX idx_paper_aliases_alias ON paper_aliases(alias COLLATE NOCASE)")
    db["paper_aliases"].create_index(["paper_id"])
    # The @string and @preamble definitions of imported .bib files, written back on export.
    db["bib_strings"].create({"name": str, "value": str}, pk="name")
    db.execute("CREATE UNIQUE INDEX idx_bib_strings_name ON bib_strings(name COLLATE NOCASE)")
    db["bib_preambles"].create({"id": int, "value": str}, pk="id")
    db["bib_preambles"].create_index(["value"], unique=True)


@migrations()
def m005_files(db):
    # The papers' own files (PDFs) kept under files/ beside the database, and their text by
    # page for full-text search. The same bytes are stored once: sha256 is unique. text is
    # pending (for the indexer), indexed, unreadable (no text layer: a scan) or encrypted.
    db["files"].create(
        {"id": int, "paper_id": int, "kind": str, "path": str, "size": int, "sha256": str,
         "pages": int, "added_at": str, "text": str, "url": str},
        pk="id",
        not_null={"paper_id", "kind", "path", "size", "sha256", "added_at", "text"},
        defaults={"kind": "pdf", "text": "pending"},
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db.execute("CREATE UNIQUE INDEX idx_files_sha256 ON files(sha256)")
    db.execute("CREATE UNIQUE INDEX idx_files_path ON files(path)")
    db["files"].create_index(["paper_id"])
    db["files"].create_index(["text"])
    db["file_pages"].create(
        {"id": int, "file_id": int, "paper_id": int, "page": int, "text": str},
        pk="id",
        not_null={"file_id", "paper_id", "page", "text"},
        foreign_keys=[("file_id", "files", "id"), ("paper_id", "papers", "id")],
    )
    db["file_pages"].create_index(["file_id", "page"], unique=True)
    db["file_pages"].create_index(["paper_id"])
    db["file_pages"].enable_fts(["text"], create_triggers=True, tokenize="porter")


@migrations()
def m006_citation_counts(db):
    # Written by `papershelf refresh`; indexed for Datasette's sort and citation facet.
    for column, kind in zip(CITATION_COLUMNS, (int, str, str)):
        db["papers"].add_column(column, kind)
    db["papers"].create_index(["citation_count"], find_unique_name=True, if_not_exists=True)
    # One row per refresh run, so that `serve` knows when the next one is due.
    db["refresh_runs"].create(
        {"id": int, "started_at": str, "finished_at": str, "scope": str, "papers": int,
         "checked": int, "changed": int, "counted": int, "problems": str},
        pk="id",
    )


@migrations()
def m007_author_keys_and_status_index(db):
    # ?_author=Vaswani must find "Ashish Vaswani" through an index: each author row keeps
    # its folded full name and family name (the store writes both, author_names.py).
    db["paper_authors"].add_column("name_key", str)
    db["paper_authors"].add_column("family_key", str)
    rows = db.execute("select rowid, name from paper_authors").fetchall()
    db.conn.executemany("update paper_authors set name_key = ?, family_key = ? where rowid = ?",
                        [(*author_keys(name or ""), rowid) for rowid, name in rows])
    db["paper_authors"].create_index(["name_key"], if_not_exists=True)
    db["paper_authors"].create_index(["family_key"], if_not_exists=True)
    # The library home counts papers by reading status on every visit.
    db["papers"].create_index(["status"], find_unique_name=True, if_not_exists=True)


@migrations()
def m008_safe_links_and_versions(db):
    # Before #13 any string was stored as a link, and "1234x" as an arXiv version (which
    # broke every later clip of the paper): drop what the store now refuses.
    # (The column's integer affinity already turned every "12" into 12: text left is junk.)
    db.execute("update papers set arxiv_version = null where typeof(arxiv_version) != 'integer'"
               " or arxiv_version not between 1 and ?", [MAX_ARXIV_VERSION])
    for column in LINK_FIELDS:
        rows = db.execute(f"select id, {column} from papers where {column} is not null").fetchall()
        refused = [(paper_id,) for paper_id, link in rows if not is_kept_link(link, allow_file=True)]
        db.conn.executemany(f"update papers set {column} = null where id = ?", refused)


# The library is private: a new database (and so its -wal and -shm files, which SQLite
# creates with the database's mode) is readable by its owner only, in a folder likewise.
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def connect(path):
    """Open the database at path (created if missing, owner-only) ready for concurrent use."""
    if str(path) != ":memory:":
        create_private(path)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def create_private(path):
    """Create an empty database file at path, owner-only (0600), unless it exists."""
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass  # another process created it first: it made it the same way


def ensure_db_shape(db):
    """Apply pending migrations; safe to call on every start."""
    if migrations.pending(db):
        migrations.apply(db)
    return db


class ForeignDatabase(ValueError):
    """The file is another program's SQLite database: papershelf adds no table to it."""


def refuse_foreign(path):
    """Raise ForeignDatabase when path holds tables, none of them papershelf's `papers`.

    Checked on a read-only connection before connect(), whose WAL switch already writes.
    """
    path = Path(path)
    if str(path) == ":memory:" or not path.is_file() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute(
                "select name from sqlite_master where type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return  # not a database at all: connecting says so
    if tables and "papers" not in tables:
        raise ForeignDatabase(f"{path} is not a papershelf library (it holds another program's"
                              " tables)")


def open_db(path):
    """Connect to path and bring the schema up to date (never in another program's database)."""
    refuse_foreign(path)
    return ensure_db_shape(connect(path))
