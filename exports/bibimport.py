"""Import .bib files and papershelf JSON into the store, merging duplicates.

Entries are written in batches, one transaction per batch and a savepoint per paper,
so an import killed halfway leaves every paper whole or absent, and running it again
merges what is already there through the store's identity rules. An entry that merges
into a paper with another key leaves its key as the paper's alias: both keys resolve.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from papershelf.exports.bibparse import EntryReader, chunk_bounds, parsed_chunks, records_of
from papershelf.server import bibdefs, identity, links, safejson, store

BATCH_SIZE = 500


@dataclass
class Merge:
    """One entry merged into a stored paper: why, and whether its own key still resolves."""

    line: int
    key: str  # the entry's key
    into: str  # the paper's key
    why: str  # "same DOI", "same arXiv id", "same title, first author and year", ...
    alias: str  # added | own (already resolves) | taken (another paper's key) | unsafe


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0  # merged into a stored paper, which changed or gained an alias
    unchanged: int = 0  # already in the library as it is (a re-import, a repeated block)
    failed: list = field(default_factory=list)  # (line, key or "", reason)
    warnings: list = field(default_factory=list)  # (line, key, what was odd but imported)
    keys: dict = field(default_factory=dict)  # key in the file -> key in the library
    merges: list = field(default_factory=list)  # Merge of each merged entry
    renamed: list = field(default_factory=list)  # (line, key, new key): key was another's

    @property
    def total(self):
        return self.created + self.merged + self.unchanged + len(self.failed)


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
        done = report.unchanged + len(report.failed)
        items = reader.feed(records)
        _store_definitions(db, reader.take_definitions())
        known = _store_items(db, items, tags, report, None, known)
        if progress is not None:
            progress(len(items) + report.unchanged + len(report.failed) - done)
    items = reader.finish()
    _store_items(db, items, tags, report, progress, known)
    return report


def _store_definitions(db, definitions):
    """Keep the file's @string and @preamble definitions (one transaction)."""
    if not definitions:
        return
    with store.write_transaction(db):
        for definition in definitions:
            if definition[0] == "string":
                bibdefs.save_string(db, definition[1], definition[2])
            else:
                bibdefs.save_preamble(db, definition[1])


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


_ENTRY_START = re.compile(r"^[ \t]*@(?!(?:string|comment|preamble)\b)\w",
                          re.IGNORECASE | re.MULTILINE)


# Files larger than this are parsed in a second process, in chunks of about CHUNK_SIZE.

class _Known:
    """The identifiers and keys in the library, read once: most imported entries are new,
    and an entry none of whose identifiers is known needs no lookup before it is created."""

    def __init__(self, db):
        self.values = {column: {row[0] for row in db.execute(
            f"select {column} from papers where {column} is not null")}
            for column in ("arxiv_id", "doi", "identity_key")}
        self.keys = {row[0].casefold() for row in db.execute(
            "select citekey from papers union all select alias from paper_aliases")}

    def may_exist(self, metadata, key):
        return (metadata.get("arxiv_id") in self.values["arxiv_id"]
                or metadata.get("doi") in self.values["doi"]
                or identity.identity_key(metadata) in self.values["identity_key"]
                or (key or "").casefold() in self.keys)

    def add(self, paper):
        for column, values in self.values.items():
            if paper.get(column):
                values.add(paper[column])
        key = identity.identity_key(paper)
        if key:
            self.values["identity_key"].add(key)
        self.keys.update(k.casefold() for k in (paper["citekey"], *paper.get("aliases", ())))


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
        result, why = _save_entry(db, key, fields, tags, known)
    except store.StoreError as exc:
        report.failed.append((line, key, str(exc)))
        return
    paper = result.paper
    if result.status == "created":
        report.created += 1
        _keep_dates(db, paper, fields)
        _keep_citation_count(db, paper, fields)
        if key and key != paper["citekey"]:
            report.renamed.append((line, key, paper["citekey"]))
    else:
        alias = "own"
        if key and key.casefold() != paper["citekey"].casefold():
            alias = store.add_alias(db, paper, key)
        if result.status == "unchanged" and alias == "own":
            report.unchanged += 1
        else:
            report.merged += 1
            report.merges.append(Merge(line, key, paper["citekey"], why, alias))
    known.add(paper)
    report.keys[key] = paper["citekey"]


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
    """Store one entry: merge into the paper it is, or create it; return (result, why)."""
    metadata = identity.clean_metadata(fields)
    if not known.may_exist(metadata, key):
        return store.create_paper(db, fields, tags=tags), None
    existing = store.find_existing(db, metadata)
    if existing is not None and not _conflicts(existing, metadata):
        return store.merge_paper(db, existing, fields, tags=tags), _why(existing, metadata)
    earlier = _same_key_same_title(db, key, fields)
    if earlier is not None:  # stored by an earlier run of this import (no identity, or a twin)
        return store.merge_paper(db, earlier, fields, tags=tags), "same key and title"
    return store.create_paper(db, fields, tags=tags), None


def _why(existing, metadata):
    """Return which identity rule made metadata the same paper as existing."""
    if metadata.get("arxiv_id") and metadata["arxiv_id"] == existing.get("arxiv_id"):
        return "same arXiv id"
    if metadata.get("doi") and metadata["doi"] == existing.get("doi"):
        return "same DOI"
    return "same title, first author and year"


# Details that tell two same-titled entries apart (the March and the June "Editorial", two
# editions or printings of a book, a thesis and the report of it).
_DISTINGUISHING_EXTRA = ("volume", "number", "issue", "pages", "chapter", "edition", "part",
                         "isbn")
# Named details: "ACM" and "ACM Press" are one publisher, "Faber" and "Dover" two.
_DISTINGUISHING_NAMES = ("publisher", "type", "school", "institution")
# Entry types that are no publication of their own: a preprint is the paper it becomes.
_UNPUBLISHED_TYPES = frozenset({None, "", "preprint", "misc", "online", "webpage", "unpublished"})


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
    kinds = (existing.get("entry_type"), metadata.get("entry_type"))
    if not _UNPUBLISHED_TYPES & set(kinds):
        pairs.append(kinds)  # an article and a conference paper are two publications
    if any(a and b and a != b for a, b in pairs):
        return True
    names = [(_detail(old.get(n)), _detail(new.get(n))) for n in _DISTINGUISHING_NAMES]
    return any(a and b and a not in b and b not in a for a, b in names)


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
