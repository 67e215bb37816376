"""Import .bib files and papershelf JSON into the store, merging duplicates.

Entries are written in batches, one transaction per batch and a savepoint per paper,
so an import killed halfway leaves every paper whole or absent, and running it again
merges what is already there through the store's identity rules.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from papershelf.exports.bibparse import EntryReader, chunk_bounds, parsed_chunks, records_of
from papershelf.server import identity, links, safejson, store

BATCH_SIZE = 500


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0  # merged into a paper already stored (changed or not)
    failed: list = field(default_factory=list)  # (line, key or "", reason)
    warnings: list = field(default_factory=list)  # (line, key, what was odd but imported)
    keys: dict = field(default_factory=dict)  # key in the file -> key in the library

    @property
    def total(self):
        return self.created + self.merged + len(self.failed)


def import_file(db, path, tags=(), progress=None):
    """Import a .bib or papershelf JSON file; return an ImportReport."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")  # old .bib files are often Latin-1
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        # Bounded: a file nested 100,000 deep or with a 70-bit number is one clear error.
        return import_json(db, safejson.loads(text), tags=tags, progress=progress)
    return import_bibtex(db, text, tags=tags, progress=progress)


def import_bibtex(db, text, tags=(), progress=None):
    """Import BibTeX text; return an ImportReport."""
    report = ImportReport()
    reader = EntryReader(report)
    bounds = chunk_bounds(text)
    known = None
    for records in parsed_chunks(text, bounds):
        done = report.merged + len(report.failed)
        items = reader.feed(records)
        known = _store_items(db, items, tags, report, None, known)
        if progress is not None:
            progress(len(items) + report.merged + len(report.failed) - done)
    items = reader.finish()
    _store_items(db, items, tags, report, progress, known)
    return report


def parse_bibtex(text, report):
    """Return [(line, key, paper fields)] for every entry; record failures on report."""
    reader = EntryReader(report)
    items = reader.feed(records_of(text, 0, set()))
    return items + reader.finish()


def count_entries(path):
    """Return about how many entries a file holds (for a progress bar)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        return text.count('"citekey"')
    return len(_ENTRY_START.findall(text))


_ENTRY_START = re.compile(r"^[ \t]*@(?!string|comment|preamble)\w", re.IGNORECASE | re.MULTILINE)


# Files larger than this are parsed in a second process, in chunks of about CHUNK_SIZE.

class _Known:
    """The identifiers and keys in the library, read once: most imported entries are new,
    and an entry none of whose identifiers is known needs no lookup before it is created."""

    def __init__(self, db):
        self.values = {column: {row[0] for row in db.execute(
            f"select {column} from papers where {column} is not null")}
            for column in ("arxiv_id", "doi", "identity_key")}
        self.keys = {row[0].casefold() for row in db.execute("select citekey from papers")}

    def may_exist(self, metadata, key):
        return (metadata.get("arxiv_id") in self.values["arxiv_id"]
                or metadata.get("doi") in self.values["doi"]
                or identity.identity_key(metadata) in self.values["identity_key"]
                or (key or "").casefold() in self.keys)

    def add(self, paper):
        for column, values in self.values.items():
            if paper.get(column):
                values.add(paper[column])
        self.values["identity_key"].add(identity.identity_key(paper))
        self.keys.add(paper["citekey"].casefold())


def _store_items(db, items, tags, report, progress, known=None):
    """Save items in batches: one transaction each, one savepoint per paper."""
    for start in range(0, len(items), BATCH_SIZE):
        batch = items[start:start + BATCH_SIZE]
        with store.write_transaction(db):
            known = known or _Known(db)  # read inside the transaction: no writer in between
            for line, key, fields in batch:
                _save_one(db, line, key, fields, tags, report, known)
        if progress is not None:
            progress(len(batch))
    return known


def _save_one(db, line, key, fields, tags, report, known):
    fields, dropped = links.without_refused_links(fields)  # javascript:, data:, file: ...
    for name in dropped:
        report.warnings.append((line, key, f"{name} dropped: not an http(s) link"))
    try:
        result = _save_entry(db, key, fields, tags, known)
    except store.StoreError as exc:
        report.failed.append((line, key, str(exc)))
        return
    if result.status == "created":
        report.created += 1
        _keep_dates(db, result.paper, fields)
        _keep_citation_count(db, result.paper, fields)
    else:
        report.merged += 1
    known.add(result.paper)
    report.keys[key] = result.paper["citekey"]


def _keep_dates(db, paper, fields):
    """Keep added_at/updated_at of a paper that comes from a papershelf JSON export."""
    stamps = [fields.get("added_at"), fields.get("updated_at")]
    if all(isinstance(s, str) and s for s in stamps):
        db.execute("update papers set added_at = ?, updated_at = ? where id = ?",
                   [*stamps, paper["id"]])


def _keep_citation_count(db, paper, fields):
    """Keep the citation count (and its source and date) of a papershelf JSON export."""
    count = fields.get("citation_count")
    if isinstance(count, int) and not isinstance(count, bool):
        store.record_citation_count(db, paper["id"], count, fields.get("citation_count_source"),
                                    fields.get("citation_count_date"))


def _save_entry(db, key, fields, tags, known):
    """Store one entry: merge into the paper it is, or create it."""
    metadata = identity.clean_metadata(fields)
    if not known.may_exist(metadata, key):
        return store.create_paper(db, fields, tags=tags)
    existing = store.find_existing(db, metadata)
    if existing is not None and not _conflicts(existing, metadata):
        return store.merge_paper(db, existing, fields, tags=tags)
    earlier = _same_key_same_title(db, key, fields)
    if earlier is not None:  # stored by an earlier run of this import (no identity, or a twin)
        return store.merge_paper(db, earlier, fields, tags=tags)
    return store.create_paper(db, fields, tags=tags)


# Details that tell two same-titled entries apart (the March and the June "Editorial").
_DISTINGUISHING_EXTRA = ("volume", "number", "issue", "pages", "chapter", "edition", "part")


def _conflicts(existing, metadata):
    """Return True when existing matched only by title/author/year and differs in a detail."""
    for name in ("arxiv_id", "doi"):
        if existing.get(name) and existing.get(name) == metadata.get(name):
            return False  # the same identifier: the same paper
    # Not the venue: "NeurIPS 2017" and "Advances in Neural Information ..." are one venue.
    pairs = [(existing.get("doi"), metadata.get("doi")),
             (existing.get("arxiv_id"), metadata.get("arxiv_id"))]
    old, new = existing.get("extra") or {}, metadata.get("extra") or {}
    pairs.extend((_detail(old.get(n)), _detail(new.get(n))) for n in _DISTINGUISHING_EXTRA)
    return any(a and b and a != b for a, b in pairs)


def _detail(value):
    """Return a volume, number or page range reduced to letters and digits (1--9 == 1-9)."""
    return re.sub(r"[^0-9a-z]", "", str(value or "").lower())


def _same_key_same_title(db, key, fields):
    """Return the stored paper with this key and this title, or None."""
    paper = store.get_paper_by_citekey(db, key) if key else None
    if paper and identity.normalize_title(paper["title"]) == identity.normalize_title(
            fields.get("title")):
        return paper
    return None


def import_json(db, data, tags=(), progress=None):
    """Import papershelf JSON ({"papers": [...]} or a list of paper objects)."""
    papers = data.get("papers") if isinstance(data, dict) else data
    if not isinstance(papers, list):
        raise ValueError('a JSON import holds {"papers": [...]}')  # noqa: TRY004
    report = ImportReport()
    items = []
    for i, paper in enumerate(papers, start=1):
        if not isinstance(paper, dict):
            report.failed.append((i, "", "not a paper object"))
            continue
        items.append((i, paper.get("citekey") or "", dict(paper)))
    _store_items(db, items, tags, report, progress)
    return report


def export_json(db, path=None, tag=None, where=None, params=None):
    """Return (JSON text of the selected papers, count); write path atomically when given."""
    from papershelf.exports.atomic import write_if_changed

    papers = list(store.iter_papers(db, where=where, params=params, tag=tag, order_by="id"))
    text = json.dumps({"papers": papers}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if path is not None:
        write_if_changed(path, text)
    return text, len(papers)
