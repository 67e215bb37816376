"""Storage of papers: save with dedupe and merge, look up, update, delete, list, search.

Functions take a sqlite-utils Database opened by schema.connect(). Every write runs
in write_transaction(), which takes SQLite's write lock up front (BEGIN IMMEDIATE)
so that concurrent writers wait for each other instead of failing with
"database is locked".
"""

import contextlib
import json
import os
import re
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from papershelf.server import identity, links, paths, safejson, urlids
from papershelf.server.author_names import author_keys
from papershelf.server.citekeys import base_key, is_safe_key, unique_key
from papershelf.server.schema import JSON_COLUMNS

STATUSES = ("unread", "reading", "read")
READER_FIELDS = ("tags", "note", "status")
# The types a client may send for each field of a paper object (None is always allowed).
FIELD_TYPES = {
    **{key: str for key in ("title", "abstract", "published", "arxiv_id", "arxiv_category", "doi",
                            "url", "pdf_url", "code_url", "venue", "entry_type", "source", "note",
                            "status", "citekey")},
    "year": (int, str), "arxiv_version": (int, str), "authors": list, "tags": list, "extra": dict,
    "aliases": list,
}


@dataclass
class SaveResult:
    status: str  # created | updated | unchanged
    paper: dict


class StoreError(ValueError):
    """A request the store cannot carry out (bad value); the message is for the user."""


def now():
    """Return the current UTC time as an ISO 8601 string with milliseconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# Writers in this process queue here rather than in SQLite: SQLite's busy handler
# sleeps in growing steps (up to 100 ms) while a lock waiter wakes at once. Other
# processes (a CLI import beside the server) still wait through busy_timeout.
_WRITE_LOCK = threading.Lock()


@contextlib.contextmanager
def write_transaction(db):
    """Run the block in one write transaction; nested blocks become savepoints."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with _WRITE_LOCK:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def row_to_paper(row):
    """Return the public paper object for a papers row (JSON columns decoded)."""
    paper = dict(row)
    for column in JSON_COLUMNS:
        value = paper.get(column)
        paper[column] = json.loads(value) if value else ({} if column == "extra" else [])
    paper.pop("identity_key", None)
    return paper


# The public shape of a stored file in a paper object, in this order.
FILE_FIELDS = ("kind", "path", "size", "pages", "text")


def files_dir(db):
    """Return the folder of this database's stored files (files/ beside the database file)."""
    name = next((row[2] for row in db.execute("pragma database_list") if row[1] == "main"), "")
    return paths.files_dir(name or "papershelf.db")


def paper_files(db, paper_ids=None):
    """Return {paper id: [file objects, oldest first]} for these papers (None: every paper)."""
    folder = files_dir(db)
    sql = "select paper_id, kind, path, size, pages, text from files"
    args = []
    if paper_ids is not None:
        sql += " where paper_id in (select value from json_each(?))"
        args.append(json.dumps(list(paper_ids)))
    found = {}
    for row in db.execute(sql + " order by id", args):
        found.setdefault(row[0], []).append(file_object(folder, row[1:]))
    return found


def file_object(folder, values):
    """Return the public file object of (kind, path in folder, size, pages, text)."""
    kind, name, size, pages, text = values
    return dict(zip(FILE_FIELDS, (kind, str(folder / name), size, pages, text)))


def _with_files(db, papers):
    """Return papers, each given its files (the paper object's `files`)."""
    found = paper_files(db, [p["id"] for p in papers]) if papers else {}
    for paper in papers:
        paper["files"] = found.get(paper["id"], [])
    return papers


def _one_paper(db, sql, args):
    rows = list(db.query(sql, args))
    return _with_files(db, [row_to_paper(rows[0])])[0] if rows else None


def get_paper(db, paper_id):
    """Return the paper with this id, or None."""
    if not 0 < paper_id <= safejson.INT64_MAX:  # SQLite would overflow: no such paper
        return None
    return _one_paper(db, "select * from papers where id = ?", [paper_id])


def get_paper_by_citekey(db, citekey):
    """Return the paper with this citation key or alias (case-insensitive), or None."""
    return (_one_paper(db, "select * from papers where citekey = ? collate nocase", [citekey])
            or _one_paper(db, "select papers.* from paper_aliases join papers"
                              " on papers.id = paper_aliases.paper_id"
                              " where paper_aliases.alias = ? collate nocase", [citekey]))


def key_taken(db, key):
    """Return True when key is a paper's citation key or alias (case-insensitively)."""
    return db.execute(
        "select 1 from papers where citekey = ? collate nocase union all"
        " select 1 from paper_aliases where alias = ? collate nocase limit 1",
        [key, key]).fetchone() is not None


def add_alias(db, paper, key):
    """Keep key as an alias of paper (a key merged into it); return added, own or taken.

    own: the key already names this paper. taken: it names another paper, which keeps it.
    """
    if not is_safe_key(key):
        return "taken" if key_taken(db, key) else "unsafe"
    with write_transaction(db):
        row = db.execute(
            "select id from papers where citekey = ? collate nocase union all"
            " select paper_id from paper_aliases where alias = ? collate nocase limit 1",
            [key, key]).fetchone()
        if row is not None:
            return "own" if row[0] == paper["id"] else "taken"
        db.execute("insert into paper_aliases (alias, paper_id) values (?, ?)", [key, paper["id"]])
        aliases = [*_stored_aliases(db, paper["id"]), key]
        db.execute("update papers set aliases = ?, updated_at = ? where id = ?",
                   [json.dumps(aliases, ensure_ascii=False), now(), paper["id"]])
        paper["aliases"] = aliases
    return "added"


def _stored_aliases(db, paper_id):
    value = db.execute("select aliases from papers where id = ?", [paper_id]).fetchone()[0]
    return json.loads(value) if value else []


def find_existing(db, fields):
    """Return the stored paper that is the same paper as fields, or None."""
    probes = []
    arxiv_id, _ = identity.split_arxiv_id(fields.get("arxiv_id"))
    if arxiv_id:
        probes.append(("arxiv_id", arxiv_id))
    doi = identity.normalize_doi(fields.get("doi"))
    if doi:
        probes.append(("doi", doi))
    key = identity.identity_key(fields)
    if key:
        probes.append(("identity_key", key))
    for column, value in probes:
        paper = _one_paper(db, f"select * from papers where {column} = ? limit 1", [value])
        if paper is not None:
            return paper
    return None


def lookup(db, url=None, arxiv=None, doi=None):
    """Return the paper matching an arXiv id, a DOI or a URL (tried in that order), or None."""
    if arxiv or doi:
        paper = find_existing(db, {"arxiv_id": arxiv, "doi": doi})
        if paper is not None:
            return paper
    if not url:
        return None
    known = urlids.identify(url)  # any URL form of an arXiv id, a DOI, an OpenReview forum
    if known.get("arxiv_id") or known.get("doi"):
        paper = find_existing(db, known)
        if paper is not None:
            return paper
    forum = known.get("openreview_id")
    for candidate in [url, *(urlids.openreview_urls(forum) if forum else [])]:
        paper = _paper_by_url(db, candidate)
        if paper is not None:
            return paper
    if forum:
        return _one_paper(db, "select * from papers where json_extract(extra, '$.openreview_id') = ?"
                              " limit 1", [forum])
    return None


def _paper_by_url(db, url):
    paper = _one_paper(db, "select * from papers where url = ? or pdf_url = ? limit 1", [url, url])
    if paper is not None:
        return paper
    return _one_paper(db, "select papers.* from clips join papers on papers.id = clips.paper_id"
                          " where clips.url = ? limit 1", [url])


def save_paper(db, fields, tags=(), note=None, clip=None):
    """Store one paper, merging into the same paper when it exists; return a SaveResult.

    fields: metadata (see identity.METADATA_FIELDS) plus optionally citekey, tags,
    note, status. clip: optional provenance {"url", "extractor", "fields"} recorded
    in the clips table.
    """
    # A file: link is kept only from a clip of a local file the reader named (`add --html`).
    local = clip is not None and str(clip.get("url") or "").lower().startswith("file:")
    metadata, tags, note, status = _prepare(fields, tags, note, allow_file=local)
    if clip is not None:  # compressed before the write lock is taken, not while holding it
        clip = {**clip, "page": compress_page(clip.get("html"))}
    with write_transaction(db):
        existing = find_existing(db, metadata)
        # A clip of a PDF (URL and arXiv id only) of a paper already stored is fine;
        # only a new paper must have a title.
        if existing is None and not metadata.get("title"):
            raise StoreError("a paper needs a title")
        if existing is None:
            result = _create(db, metadata, tags, note, status or "unread", fields.get("citekey"))
        else:
            result = _merge_into(db, existing, metadata, tags, note)
        result = _keep_aliases(db, result, fields)
        if clip is not None:
            _record_clip(db, result.paper["id"], clip, result.status)
    return result


def _prepare(fields, tags=(), note=None, allow_file=False):
    """Return (metadata, tags, note, status) of a paper object, checked and normalised."""
    check_types(fields, allow_file)
    check_text({"tags": list(tags), "note": note})
    status = fields.get("status")
    if status is not None and status not in STATUSES:
        raise StoreError(f"status must be one of {', '.join(STATUSES)}")
    return (identity.clean_metadata(fields), _clean_tags([*(fields.get("tags") or []), *tags]),
            _join_notes(fields.get("note"), note), status)


def check_types(fields, allow_file=False):
    """Raise StoreError unless every known field of a paper object has an acceptable value."""
    for key, kinds in FIELD_TYPES.items():
        value = fields.get(key)
        if value is None:
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise StoreError(f"{key} has the wrong type ({type(value).__name__})")
        if key in ("authors", "tags", "aliases") and not all(isinstance(v, str) for v in value):
            raise StoreError(f"{key} must be a list of strings")
    year = fields.get("year")
    if year is not None and not (0 <= year <= 9999 if isinstance(year, int) else _YEAR_TEXT.match(year)):
        raise StoreError("year must be a year (a whole number up to 9999)")
    version = fields.get("arxiv_version")
    if version is not None and identity.arxiv_version(version) is None:
        raise StoreError(f"arxiv_version must be a whole number from 1 to {identity.MAX_ARXIV_VERSION}")
    refused = links.refused_links(fields, allow_file)
    if refused:
        raise StoreError(f"{refused[0]} must be an http(s) link")
    check_text(fields)


_YEAR_TEXT = re.compile(r"^\s*[0-9]")


def check_text(fields):
    """Raise StoreError unless every value fits SQLite: valid text, 64-bit integers, bounded depth."""
    problem = safejson.first_problem(fields, where="the paper")
    if problem:
        raise StoreError(problem)


def _keep_aliases(db, result, fields):
    """Add the aliases a paper object brings (a JSON export's); return the SaveResult."""
    added = [key for key in fields.get("aliases") or ()
             if add_alias(db, result.paper, key) == "added"]
    if added and result.status == "unchanged":
        return SaveResult("updated", result.paper)
    return result


def merge_paper(db, existing, fields, tags=()):
    """Merge fields into a stored paper known to be the same one; return a SaveResult."""
    metadata, tags, note, _ = _prepare(fields, tags)
    with write_transaction(db):
        return _keep_aliases(db, _merge_into(db, existing, metadata, tags, note), fields)


def create_paper(db, fields, tags=()):
    """Store fields as a new paper even when a stored one looks the same; return a SaveResult.

    For an importer that knows better: two entries of one .bib file with the same
    title, first author and year but different volume or pages are two papers, and
    an entry without a title (BibTeX's @misc with a note only) is still a citable one.
    """
    metadata, tags, note, status = _prepare(fields, tags)
    metadata.setdefault("title", "")
    with write_transaction(db):
        result = _create(db, metadata, tags, note, status or "unread", fields.get("citekey"))
        return _keep_aliases(db, result, fields)


def save_papers(db, items):
    """Store many papers in one transaction; return their SaveResults in order."""
    results = []
    with write_transaction(db):
        for i, item in enumerate(items):
            try:
                results.append(save_paper(db, item))
            except StoreError as exc:
                raise StoreError(f"papers[{i}]: {exc}") from None
    return results


def update_paper(db, paper_id, tags=None, note=None, status=None):
    """Set the reader's fields of a paper; return the paper, or None when absent."""
    if status is not None and status not in STATUSES:
        raise StoreError(f"status must be one of {', '.join(STATUSES)}")
    if note is not None and not isinstance(note, str):
        raise StoreError("note must be a string")
    check_text({"tags": tags, "note": note})
    with write_transaction(db):
        paper = get_paper(db, paper_id)
        if paper is None:
            return None
        changes = {}
        if tags is not None:
            changes["tags"] = _clean_tags(tags)
        if note is not None:
            changes["note"] = note
        if status is not None:
            changes["status"] = status
        changes = {k: v for k, v in changes.items() if paper.get(k) != v}
        if changes:
            _write_changes(db, paper, changes)
        return get_paper(db, paper_id)


def delete_paper(db, paper_id):
    """Delete a paper with its authors, tags and files; return the removed files' paths.

    None when there is no such paper. Clips keep their record. The files leave the disk
    once the deletion is committed, so call this outside any transaction of your own.
    """
    with write_transaction(db):
        paper = get_paper(db, paper_id)
        if paper is None:
            return None
        for table in ("file_pages", "files", "paper_authors", "paper_tags", "paper_aliases"):
            db.execute(f"delete from {table} where paper_id = ?", [paper_id])
        db.execute("update clips set paper_id = null where paper_id = ?", [paper_id])
        db.execute("delete from papers where id = ?", [paper_id])
    removed = [stored["path"] for stored in paper["files"]]
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return removed


def filter_clauses(where=None, params=None, tag=None, since=None):
    """Return (SQL conditions, arguments) for a where clause, a tag and an added-since date."""
    clauses, args = [], []
    if where:
        clauses.append(f"({where})")
        args.extend(params or [])
    if tag:
        clauses.append("id in (select paper_id from paper_tags where tag = ?)")
        args.append(tag)
    if since:
        clauses.append("added_at >= ?")
        args.append(str(since))
    return clauses, args


def iter_papers(db, where=None, params=None, tag=None, order_by="added_at desc, id desc"):
    """Yield papers, optionally filtered by an SQL where clause and/or a tag."""
    clauses, args = filter_clauses(where, params, tag)
    sql = "select * from papers"
    if clauses:
        sql += " where " + " and ".join(clauses)
    sql += f" order by {order_by}"
    files = paper_files(db)  # one query for every paper's files, not one per paper
    for row in db.query(sql, args):
        paper = row_to_paper(row)
        paper["files"] = files.get(paper["id"], [])
        yield paper


def count_papers(db, tag=None):
    """Return how many papers iter_papers would yield for this tag (all papers without one)."""
    clauses, args = filter_clauses(tag=tag)
    where = " where " + " and ".join(clauses) if clauses else ""
    return db.execute(f"select count(*) from papers{where}", args).fetchone()[0]


def count_matches(db, query):
    """Return how many papers a full-text query matches (search() shows the first of them)."""
    return db.execute("select count(*) from papers_fts where papers_fts match ?",
                      [fts_query(query)]).fetchone()[0]


def search(db, query, limit=50):
    """Return papers matching a full-text query over title, abstract, authors and note."""
    sql = (
        "select papers.* from papers join papers_fts on papers_fts.rowid = papers.id"
        " where papers_fts match ? order by papers_fts.rank limit ?"
    )
    return _with_files(db, [row_to_paper(row) for row in db.query(sql, [fts_query(query), limit])])


def stats(db):
    """Return counts that describe the library."""
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "papers": one("select count(*) from papers"),
        "with_arxiv": one("select count(*) from papers where arxiv_id is not null"),
        "with_doi": one("select count(*) from papers where doi is not null"),
        "with_code": one("select count(*) from papers where code_url is not null"),
        "tags": one("select count(distinct tag) from paper_tags"),
        "clips": one("select count(*) from clips"),
        "by_status": {row["status"]: row["n"] for row in db.query(
            "select status, count(*) as n from papers group by status order by status")},
    }


def all_tags(db):
    """Return every tag with its number of papers, most used first."""
    return list(db.query(
        "select tag, count(*) as papers from paper_tags group by tag order by papers desc, tag"))


def _create(db, metadata, tags, note, status, wanted_key):
    stamp = now()
    record = {**metadata, "tags": tags, "note": note or "", "status": status,
              "added_at": stamp, "updated_at": stamp}
    record["citekey"] = _new_citekey(db, metadata, wanted_key)
    record["identity_key"] = identity.identity_key(metadata)
    paper_id = _insert(db, record)
    return SaveResult("created", get_paper(db, paper_id))


def _merge_into(db, existing, metadata, tags, note):
    changes = identity.merge(existing, metadata)
    merged_tags = _clean_tags(existing["tags"] + tags)
    if merged_tags != existing["tags"]:
        changes["tags"] = merged_tags
    merged_note = _join_notes(existing["note"], note)
    if merged_note != existing["note"]:
        changes["note"] = merged_note
    if not changes:
        return SaveResult("unchanged", existing)
    _write_changes(db, existing, changes)
    return SaveResult("updated", get_paper(db, existing["id"]))


def _insert(db, record):
    row = _encode(record)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"insert into papers ({columns}) values ({marks})", list(row.values()))
    paper_id = cursor.lastrowid
    _write_authors(db, paper_id, record.get("authors") or [])
    _write_tags(db, paper_id, record.get("tags") or [])
    return paper_id


def _write_changes(db, current, changes):
    """Apply changes to the stored paper current (as read in this transaction)."""
    paper_id = current["id"]
    changes = {**changes, "updated_at": now()}
    merged = {**current, **changes}
    changes["identity_key"] = identity.identity_key(merged)
    row = _encode(changes)
    assignments = ", ".join(f"{column} = ?" for column in row)
    db.execute(f"update papers set {assignments} where id = ?", [*row.values(), paper_id])
    if "authors" in changes:
        _write_authors(db, paper_id, changes["authors"])
    if "tags" in changes:
        _write_tags(db, paper_id, changes["tags"])


def _write_authors(db, paper_id, authors):
    db.execute("delete from paper_authors where paper_id = ?", [paper_id])
    db.conn.executemany(
        "insert into paper_authors (paper_id, position, name, name_key, family_key)"
        " values (?, ?, ?, ?, ?)",
        [(paper_id, i, name, *author_keys(name)) for i, name in enumerate(authors)])


def _write_tags(db, paper_id, tags):
    db.execute("delete from paper_tags where paper_id = ?", [paper_id])
    db.conn.executemany("insert into paper_tags (paper_id, tag) values (?, ?)",
                        [(paper_id, tag) for tag in tags])


def _record_clip(db, paper_id, clip, status):
    db.execute(
        "insert into clips (paper_id, url, clipped_at, extractor, status, fields, html)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [paper_id, clip.get("url"), now(), clip.get("extractor"), status,
         json.dumps(clip.get("fields") or {}, ensure_ascii=False, default=str),
         clip.get("page")])


MAX_STORED_PAGE = 4 * 1024 * 1024  # characters; larger pages are not kept for re-extraction


def compress_page(html):
    """Return html as zlib-compressed UTF-8 for clips.html (None when absent or too large)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    if not isinstance(html, str) or not html.strip() or len(html) > MAX_STORED_PAGE:
        return None
    # Level 3: a clip waits for this write; it is 2x faster than zlib's default (6) on a
    # 600 KB article page for 11% more bytes (bench/bench_browser.py's "store").
    return zlib.compress(html.encode("utf-8", "replace"), 3)


def decompress_page(data):
    """Return the page compress_page stored, as text, or None (nothing kept, or damaged)."""
    if not data:
        return None
    try:
        return zlib.decompress(data).decode("utf-8", "replace")
    except zlib.error:
        return None


def update_metadata(db, paper_id, changes):
    """Set metadata fields of a paper (never tags, note, status or citekey); return the paper."""
    check_types(changes)
    changes = {k: v for k, v in changes.items() if k in identity.METADATA_FIELDS or k == "extra"}
    with write_transaction(db):
        paper = get_paper(db, paper_id)
        if paper is not None and changes:
            _write_changes(db, paper, changes)
        return get_paper(db, paper_id)


def record_citation_count(db, paper_id, count, source, day):
    """Store how many works cite a paper, who counted them and the day (YYYY-MM-DD) it was read.

    Metadata, reader fields and updated_at stay as they are: a count is not an edit.
    """
    with write_transaction(db):
        db.execute("update papers set citation_count = ?, citation_count_source = ?,"
                   " citation_count_date = ? where id = ?", [count, source, day, paper_id])


def _new_citekey(db, metadata, wanted):
    def taken(key):
        return key_taken(db, key)  # an alias is never freed for reuse
    if wanted and is_safe_key(wanted) and not taken(wanted):
        return wanted
    return unique_key(base_key(metadata), taken)


def _encode(record):
    row = {}
    for key, value in record.items():
        if key in JSON_COLUMNS:
            value = json.dumps(value, ensure_ascii=False)
        row[key] = value
    return row


def _clean_tags(tags):
    """Return tags stripped, without empties or duplicates, in first-seen order."""
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise StoreError("tags must be a list of strings")
    seen = {}
    for tag in tags:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


def _join_notes(first, second):
    """Return both notes, never dropping either; a note already contained is not repeated."""
    first, second = (first or "").strip(), (second or "").strip()
    if not second or second in first:
        return first
    if not first or first in second:
        return second
    return f"{first}\n\n{second}"


def fts_query(query):
    """Quote each word so that user text (hyphens, colons) is never FTS syntax."""
    words = query.split()
    return " ".join('"' + w.replace('"', '""') + '"' for w in words) or '""'
