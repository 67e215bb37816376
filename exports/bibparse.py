"""Read BibTeX text into paper fields (the paper object's shape) with bibtexparser 2.

@string macros and # concatenation, month macros, crossref, LaTeX accents to unicode,
names split with braces respected. Text is read in chunks cut at entry boundaries, so
that the importer stores (in whole batches) while it reads.
"""

import hashlib
import logging
import re

import bibtexparser
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    String,
)
from pybtex.database import Person

from papershelf.exports import latex
from papershelf.exports.bibtex import NAME_LIST_FIELDS, RANGE_FIELDS, VENUE_FIELDS
from papershelf.server import identity
from papershelf.server.identity import is_corporate

# bibtexparser logs each broken block; the importer reports them itself, with line and reason.
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
# BibTeX fields the paper object holds itself; every other field goes to extra.
MAPPED_FIELDS = frozenset({"title", "author", "year", "month", "date", "doi", "url", "abstract",
                           "crossref"})
ARXIV_PREFIXES = frozenset({"arxiv"})
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_YEAR_START = re.compile(r"(\d{4})\b")

# Files are read in chunks of about this size, so that storing can start early.
CHUNK_SIZE = 250_000
_BLOCK_START = re.compile(r"\n@")


def chunk_bounds(text, size=CHUNK_SIZE):
    """Return [(start, end, lines before start)], cutting before an @ at brace depth 0."""
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


def parsed_chunks(text, bounds):
    """Yield the records of each chunk in file order (identical entries are parsed once)."""
    seen = set()
    for start, end, line in bounds:
        yield records_of(text[start:end], line, seen)


def records_of(text, line_offset, seen):
    """Return the records of text; a block identical to one seen before is not parsed again.

    Files joined from several projects repeat whole entries; recognising a repeated
    block by its text costs a set lookup, parsing it costs a hundred times more.
    """
    records, run, run_line, line = [], [], line_offset, line_offset
    for block in _blocks(text):
        if block in seen and _is_entry_block(block):
            if run:
                records.extend(_parse_records("".join(run), run_line, seen))
                run = []
            records.append(("same",))
        else:
            if not run:
                run_line = line
            run.append(block)
            if _is_entry_block(block):
                seen.add(block)
        line += block.count("\n")
    if run:
        records.extend(_parse_records("".join(run), run_line, seen))
    return records


def _blocks(text):
    """Yield text cut before each @ that starts a line at brace depth 0 (a block's start)."""
    start = 0
    for match in _BLOCK_START.finditer(text):
        cut = match.start() + 1
        if text.count("{", start, cut) == text.count("}", start, cut):
            yield text[start:cut]
            start = cut
    yield text[start:]


def _is_entry_block(block):
    head = block.lstrip()[:9].lower()
    return head.startswith("@") and not head.startswith(("@string", "@comment", "@preamble"))


def _parse_records(text, line_offset, seen_raw):
    """Return the blocks of text as plain tuples.

    ("string", line, key, value), ("entry", line, key, type, ((name, value), ...), warning,
    digest of the entry's text), ("same",) for an entry identical to one seen before,
    ("failed", line, key, reason).
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
        digest = hashlib.blake2b(entry.raw.encode(), digest_size=16).digest()
        if digest in seen_raw:
            records.append(("same",))  # the same entry again: nothing more to store
            continue
        seen_raw.add(digest)
        fields = tuple((f.key, f.value) for f in entry.fields)
        records.append(("entry", line, entry.key, entry.entry_type, fields, warning, digest))
    return records


class EntryReader:
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
                _, line, key, entry_type, fields, warning, _ = record
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
    arxiv_id, _ = identity.split_arxiv_id(eprint)
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
