"""Import .bib files (bibtexparser 2) and papershelf JSON into the store, merging duplicates.

Entries are written in batches, one transaction per batch and a savepoint per paper,
so an import killed halfway leaves every paper whole or absent, and running it again
merges what is already there through the store's identity rules.
"""

import json
import logging
import multiprocessing
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, String
from pybtex.database import Person

from exports import latex
from exports.bibtex import NAME_LIST_FIELDS, VENUE_FIELDS, is_corporate
from server import identity, store

BATCH_SIZE = 500
# bibtexparser logs each broken block; the import reports them itself, with line and reason.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
MONTH_NAMES = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
# The month macros every BibTeX style defines (plain.bst: MACRO {jan} {"January"}).
BUILTIN_STRINGS = {name[:3]: name.capitalize() for name in MONTH_NAMES if len(name) > 3}
BUILTIN_STRINGS["may"] = "May"
# Fields that are identifiers or addresses: never LaTeX-decoded.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "isbn", "issn", "urldate",
                             "urlraw", "verba", "verbb", "verbc", "pdf_url"})
# Fields whose -- is a range, not a dash.
RANGE_FIELDS = frozenset({"pages", "volume", "number", "issue", "year", "date", "chapter",
                          "eid", "volumes", "edition", "part", "origdate", "eventdate"})
# BibTeX fields the paper object holds itself; every other field goes to extra.
MAPPED_FIELDS = frozenset({"title", "author", "year", "month", "date", "doi", "url", "abstract",
                           "crossref"})
ARXIV_PREFIXES = frozenset({"arxiv"})
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_YEAR_START = re.compile(r"(\d{4})\b")


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
        return import_json(db, json.loads(text), tags=tags, progress=progress)
    return import_bibtex(db, text, tags=tags, progress=progress)


def import_bibtex(db, text, tags=(), progress=None):
    """Import BibTeX text; return an ImportReport.

    A large file is split at entry boundaries and parsed in a second process while
    this one stores what is parsed so far: the import takes about as long as parsing.
    """
    report = ImportReport()
    reader = _EntryReader(report)
    bounds = _chunk_bounds(text)
    known = None
    for records in _parsed_chunks(text, bounds):
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
    reader = _EntryReader(report)
    items = reader.feed(_records(text, 0, set()))
    return items + reader.finish()


def count_entries(path):
    """Return about how many entries a file holds (for a progress bar)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        return text.count('"citekey"')
    return len(_ENTRY_START.findall(text))


_ENTRY_START = re.compile(r"^[ \t]*@(?!string|comment|preamble)\w", re.IGNORECASE | re.MULTILINE)


# Files larger than this are parsed in a second process, in chunks of about CHUNK_SIZE.
PARALLEL_MIN_SIZE = 1_000_000
CHUNK_SIZE = 250_000


def _chunk_bounds(text, size=CHUNK_SIZE):
    """Return [(start, end, lines before start)], cutting before an @ at brace depth 0."""
    if len(text) < PARALLEL_MIN_SIZE:
        return [(0, len(text), 0)]
    bounds, start, line = [], 0, 0
    while start < len(text):
        end, probe = len(text), start + size
        while probe < len(text):
            cut = text.find("\n@", probe) + 1
            if not cut:
                break
            if text.count("{", start, cut) == text.count("}", start, cut):
                end = cut  # braces balanced: between two blocks
                break
            probe = cut
        bounds.append((start, end, line))
        line += text.count("\n", start, end)
        start = end
    return bounds


def _parsed_chunks(text, bounds):
    """Yield the records of each chunk, parsed in a second process when the text is large."""
    if len(text) < PARALLEL_MIN_SIZE or len(bounds) < 2 or threading.active_count() > 1:
        seen = set()
        for start, end, line in bounds:
            yield _records(text[start:end], line, seen)
        return
    context = multiprocessing.get_context("fork")  # the child shares text without copying
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_parse_worker, args=(text, bounds, sender, receiver),
                             daemon=True)
    worker.start()
    sender.close()
    done = 0
    try:
        while done < len(bounds):
            yield receiver.recv()
            done += 1
    except EOFError:  # the parser process died: parse the rest here
        seen = set()
        for start, end, line in bounds[done:]:
            yield _records(text[start:end], line, seen)
    finally:
        receiver.close()
        worker.join(timeout=5)


def _parse_worker(text, bounds, sender, receiver):
    receiver.close()  # the parent's end: with it open here, a dead parent would go unnoticed
    seen = set()
    try:
        for start, end, line in bounds:
            sender.send(_records(text[start:end], line, seen))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the importing process is gone (killed): nothing to do
    finally:
        sender.close()


def _records(text, line_offset, seen_raw):
    """Return the blocks of text as plain tuples (cheap to send between processes).

    ("string", line, key, value), ("entry", line, key, type, ((name, value), ...), warning),
    ("same",) for an entry identical to one seen before, ("failed", line, key, reason).
    """
    library = bibtexparser.parse_string(text, parse_stack=[])
    records = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1 + line_offset
        warning = None
        if isinstance(block, String):
            records.append(("string", line, block.key, block.value))
            continue
        if isinstance(block, Entry):
            entry = block
        elif isinstance(block, DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            warning = "duplicate field " + ", ".join(sorted(block.duplicate_keys)) + ": first kept"
        elif hasattr(block, "error"):
            records.append(("failed", line, _failed_key(block), _reason(block.error)))
            continue
        else:
            continue  # comments, preambles
        if entry.raw in seen_raw:
            records.append(("same",))  # the same entry again: nothing more to store
            continue
        seen_raw.add(entry.raw)
        fields = tuple((f.key, f.value) for f in entry.fields)
        records.append(("entry", line, entry.key, entry.entry_type, fields, warning))
    return records


class _EntryReader:
    """Turn records into store items in file order; an entry with a crossref waits for the end."""

    def __init__(self, report):
        self.report = report
        self.strings = dict(BUILTIN_STRINGS)
        self.by_key = {}
        self.waiting = []

    def feed(self, records):
        items = []
        for record in records:
            kind = record[0]
            if kind == "same":
                self.report.merged += 1
            elif kind == "failed":
                self.report.failed.append(record[1:])
            elif kind == "string":
                _, line, key, value = record
                try:
                    self.strings[key.lower()] = resolve_value(value, self.strings)
                except ValueError as exc:
                    self.report.failed.append((line, f"@string {key}", str(exc)))
            else:
                _, line, key, entry_type, fields, warning = record
                if warning:
                    self.report.warnings.append((line, key, warning))
                values = _resolve_fields(fields, self.strings)
                self.by_key[key.lower()] = values
                entry = (line, key, entry_type, values)
                if "crossref" in values:
                    self.waiting.append(entry)  # its parent usually comes later in the file
                else:
                    self._convert(entry, items)
        return items

    def finish(self):
        items = []
        for entry in self.waiting:
            _inherit_crossref(entry[3], self.by_key)
            self._convert(entry, items)
        self.waiting = []
        return items

    def _convert(self, entry, items):
        line, key, entry_type, values = entry
        try:
            items.append((line, key, entry_to_fields(entry_type, key, values)))
        except ValueError as exc:
            self.report.failed.append((line, key, str(exc)))


def resolve_value(value, strings):
    """Return a raw field value with @string macros and # concatenation resolved (braces kept)."""
    if isinstance(value, int):
        return str(value)
    value = value.strip()
    if value[:1] == "{" and value[-1:] == "}" and _balanced_inner(value):
        return value[1:-1]
    if value[:1] == '"' and value[-1:] == '"' and "#" not in value[1:-1].replace('\\#', ""):
        return value[1:-1]
    return "".join(_resolve_part(p, strings) for p in _split_concatenation(value))


def _resolve_part(part, strings):
    part = part.strip()
    if part[:1] in '{"':
        return part[1:-1]
    if part.isdigit():
        return part
    try:
        return strings[part.lower()]
    except KeyError:
        raise ValueError(f"undefined string macro {part!r}") from None


def _split_concatenation(value):
    """Split `a # "b" # {c}` at the # signs that are outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _balanced_inner(value):
    """Return True when the outer braces of value enclose it whole ({a} # {b} does not)."""
    depth = 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and i != len(value) - 1:
                return False
    return depth == 0


def _resolve_fields(fields, strings):
    values = {}
    for key, value in fields:
        name = key.lower()
        if name in values:
            continue  # BibTeX keeps the first of duplicate fields
        try:
            values[name] = resolve_value(value, strings)
        except ValueError as exc:
            values.setdefault("__errors__", []).append(f"{name}: {exc}")
    return values


def _inherit_crossref(values, by_key):
    """Copy the fields a crossref'd parent holds and the child lacks (as BibTeX does)."""
    parent_key = values.pop("crossref", None)
    if not parent_key:
        return
    parent = by_key.get(parent_key.strip().lower())
    if parent is None:
        return
    for name, value in parent.items():
        if name not in values and not name.startswith("__"):
            values[name] = value
    if "booktitle" not in values and "title" in parent:
        values["booktitle"] = parent["title"]  # biblatex's rule for @inproceedings in @proceedings


def entry_to_fields(entry_type, key, values):
    """Return the store fields (paper object shape) for one resolved BibTeX entry."""
    if "__errors__" in values:
        raise ValueError("; ".join(values["__errors__"]))
    values = dict(values)  # a crossref child may still read the parent's values
    kind = entry_type.lower()
    fields, extra, sources = {"citekey": key}, {}, {}
    title, lossless = latex.decode(values.get("title", ""))
    if not title:
        raise ValueError("entry has no title")
    fields["title"] = title
    if not lossless:
        sources["title"] = [values["title"], title]
    if values.get("author"):
        authors, exact = split_names(values["author"])
        fields["authors"] = authors
        if not exact:
            sources["authors"] = [values["author"], authors]
    _read_date(values, fields, extra)
    for name in ("doi", "url"):
        if values.get(name):
            fields[name] = " ".join(values[name].split())
    if fields.get("doi") and not identity.normalize_doi(fields["doi"]):
        extra["doi"] = fields.pop("doi")
    if values.get("abstract"):
        fields["abstract"], lossless = latex.decode(values["abstract"])
        if not lossless:
            sources["abstract"] = [values["abstract"], fields["abstract"]]
    _read_arxiv(values, fields, extra)
    venue_field = _venue_field(kind, values)
    for name, raw in values.items():
        if name in MAPPED_FIELDS or name in fields or name in extra or name == venue_field:
            continue
        if name in VERBATIM_FIELDS:
            extra[name] = " ".join(raw.split())
            continue
        if name in NAME_LIST_FIELDS:
            extra[name], exact = split_names(raw)
            if not exact:
                sources[name] = [raw, extra[name]]
            continue
        text, lossless = latex.decode(raw, dashes=name not in RANGE_FIELDS)
        extra[name] = text
        if not lossless:
            sources[name] = [raw, text]
    if venue_field:
        fields["venue"], lossless = latex.decode(values[venue_field])
        if not lossless:
            sources["venue"] = [values[venue_field], fields["venue"]]
    fields["entry_type"] = _paper_type(kind, fields)
    if sources:
        extra["_latex"] = sources
    if extra:
        fields["extra"] = extra
    return fields


def _venue_field(kind, values):
    if kind not in VENUE_FIELDS:
        return None
    for name in VENUE_FIELDS[kind]:
        if values.get(name):
            return name
    return None


def _paper_type(kind, fields):
    if kind in ("misc", "online", "electronic", "www", "unpublished") and fields.get("arxiv_id"):
        return "preprint"
    return kind


def _read_date(values, fields, extra):
    """Fill year and published from year/month or a biblatex date; keep what does not fit."""
    year = values.get("year", "").strip()
    date = values.get("date", "").strip()
    match = _ISO_DATE.match(date) if date else None
    if match:
        fields["year"] = int(match.group(1))
        fields["published"] = date
        if year and year != match.group(1):
            extra["year"] = year
    elif date:
        extra["date"] = date  # a range or an uncertain date: kept as written
        start = _YEAR_START.match(date)
        if start and not year:
            fields["year"] = int(start.group(1))
    if "year" not in fields and year:
        if year.isdigit() and len(year) == 4:
            fields["year"] = int(year)
        else:
            extra["year"] = latex.decode(year)[0]
    month = values.get("month", "").strip()
    if month and not match:
        number = _month_number(month)
        if number and fields.get("year"):
            fields["published"] = f"{fields['year']:04d}-{number:02d}"
        else:
            extra["month"] = latex.decode(month)[0]
    elif month and match and not match.group(2):
        extra["month"] = latex.decode(month)[0]


def _month_number(value):
    value = value.strip().lower().rstrip(".")
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    return MONTH_NAMES.get(value)


def _read_arxiv(values, fields, extra):
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "").strip().lower()
    eprint = (values.get("eprint") or "").strip()
    if not eprint or prefix not in ARXIV_PREFIXES:
        return
    arxiv_id, version = identity.split_arxiv_id(eprint)
    if not arxiv_id:
        return
    fields["arxiv_id"] = eprint  # the store splits off the version
    category = (values.get("primaryclass") or values.get("eprintclass") or "").strip()
    if category:
        fields["arxiv_category"] = category
    for name in ("eprint", "archiveprefix", "eprinttype", "primaryclass", "eprintclass"):
        values.pop(name, None)


def split_names(raw):
    """Return (["Given Family" or "von Family, Jr, Given", ...], exact) for a BibTeX name list.

    exact is False when writing the names back would not give the same name parts
    (an organisation in braces, a macro that was dropped); the importer then keeps the
    original text so that an unchanged paper exports as it came in.
    """
    names, exact = [], True
    for person in split_multiple_persons_names(raw):
        parts = [_decode_words(p) for p in name_parts(person)]
        exact = exact and all(lossless for _, lossless in parts)
        first, von, last, jr = (text for text, _ in parts)
        if not last:
            continue
        whole = not first and not von and not jr and " " in last
        if whole:
            names.append(last)  # a braced whole: an organisation
        elif " " in last or jr or (first and first[:1].islower()):
            family = " ".join(p for p in (von, last) if p)
            names.append(", ".join(p for p in (family, jr, first) if p))
        else:
            names.append(" ".join(p for p in (first, von, last) if p))
        if is_corporate(names[-1]) != whole:
            exact = False  # the writer would brace (or not brace) this name differently
        elif exact and not whole and "{" in person:  # braces may hold words together: check
            exact = [" ".join(p) for p in name_parts(names[-1])] == [first, von, last, jr]
    return names, exact


def name_parts(person):
    """Return the (first, von, last, jr) word lists of one BibTeX name."""
    if "{" in person or "\\" in person:
        # pybtex reads the case of {\'E}douard as BibTeX does; bibtexparser 2.1 does not.
        parsed = Person(person)
        return (parsed.first_names + parsed.middle_names, parsed.prelast_names,
                parsed.last_names, parsed.lineage_names)
    parts = parse_single_name_into_parts(person, strict=False)
    return parts.first, parts.von, parts.last, parts.jr


def _decode_words(words):
    text, lossless = latex.decode(" ".join(words))
    return text, lossless


def _reason(error):
    """Return what bibtexparser found wrong, in one line."""
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return " ".join(reason.split())


def _failed_key(block):
    match = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)", block.raw or "")
    return match.group(1) if match else ""


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
    try:
        result = _save_entry(db, key, fields, tags, known)
    except store.StoreError as exc:
        report.failed.append((line, key, str(exc)))
        return
    if result.status == "created":
        report.created += 1
        _keep_dates(db, result.paper, fields)
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
    pairs = [(existing.get("doi"), metadata.get("doi")),
             (existing.get("arxiv_id"), metadata.get("arxiv_id")),
             (identity.normalize_title(existing.get("venue")),
              identity.normalize_title(metadata.get("venue")))]
    old, new = existing.get("extra") or {}, metadata.get("extra") or {}
    pairs.extend((str(old.get(n) or ""), str(new.get(n) or "")) for n in _DISTINGUISHING_EXTRA)
    return any(a and b and a != b for a, b in pairs)


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
        raise ValueError('a JSON import holds {"papers": [...]}')
    report = ImportReport()
    items = []
    for i, paper in enumerate(papers, start=1):
        if not isinstance(paper, dict):
            report.failed.append((i, "", "not a paper object"))
            continue
        items.append((i, paper.get("citekey") or "", dict(paper)))
    _store_items(db, items, tags, report, progress)
    return report


def export_json(db, path=None, tag=None, where=None):
    """Return (JSON text of the selected papers, count); write path atomically when given."""
    from exports.atomic import write_if_changed

    papers = list(store.iter_papers(db, where=where, tag=tag, order_by="id"))
    text = json.dumps({"papers": papers}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if path is not None:
        write_if_changed(path, text)
    return text, len(papers)
