"""Turn one resolved BibTeX entry into paper fields (the paper object's shape).

Text is decoded from LaTeX into unicode for the store; where that changes what the file
wrote, the file's own LaTeX is kept beside it in extra["_latex"] (or the value expression,
with its undefined @string macros, in extra["_bibtex"]), so that an unchanged paper is
exported exactly as it came in. Every field without a column of its own goes to extra.
"""

import re

from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from pybtex.database import Person

from papershelf.exports import latex
from papershelf.exports.bibentry import (
    KEY_FIELDS,
    source_key,
    NAME_LIST_FIELDS,
    RANGE_FIELDS,
    VENUE_FIELDS,
    verbatim,
)
from papershelf.server import identity, links
from papershelf.server.identity import is_corporate

MONTH_NAMES = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
# Fields that are identifiers, addresses or biblatex verbatim fields: never LaTeX-decoded.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "urlraw", "verba", "verbb",
                             "verbc", "pdf_url", *KEY_FIELDS})
# BibTeX fields the paper object holds itself (crossref is inherited, ids become aliases).
MAPPED_FIELDS = frozenset({"title", "author", "year", "month", "date", "doi", "url", "abstract",
                           "crossref", "ids"})
ARXIV_PREFIXES = frozenset({"arxiv"})
EXPRESSIONS = "__bibtex__"  # values key: {field: value expression} where a macro was undefined
INHERITED = "__inherited__"  # values key: the fields a crossref child took from its parent
# Fields that identify a paper: taken from a crossref parent, they name the parent instead.
IDENTIFYING = frozenset({"doi", "eprint"})
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_YEAR_START = re.compile(r"(\d{4})\b")
_CONTROL_WORD_ENDS = re.compile(r"\\[A-Za-z]+(?:\s|\Z)")


class _Sources:
    """The file's own text of the fields whose stored value differs from it."""

    def __init__(self, expressions):
        self.expressions = expressions
        self.latex, self.bibtex = {}, {}

    def keep(self, name, raw, value, exact=True, field=None):
        """Remember raw for field `name` when value (what the store holds) is not raw itself.

        exact: writing value back gives what raw says (for a name list, the same names).
        """
        field = field or name
        if field in self.expressions:
            self.bibtex[name] = [self.expressions[field], value]
        elif not exact or (isinstance(value, str) and " ".join(raw.split()) != value):
            self.latex[name] = [" ".join(raw.split()), value]

    def decoded(self, name, raw, dashes=True, field=None):
        text, lossless = latex.decode(raw, dashes=dashes)
        self.keep(name, raw, text, lossless, field)
        return text

    def into(self, extra):
        if self.latex:
            extra["_latex"] = self.latex
        if self.bibtex:
            extra["_bibtex"] = self.bibtex


def entry_to_fields(entry_type, key, values):
    """Return the store fields (paper object shape) for one resolved BibTeX entry."""
    values = dict(values)  # a crossref child may still read the parent's values
    kind = entry_type.lower()
    sources = _Sources(values.pop(EXPRESSIONS, {}))
    inherited = values.pop(INHERITED, ())
    fields, extra = {"citekey": key}, {}
    fields["title"] = sources.decoded("title", values.get("title", ""))
    if values.get("author"):
        authors, exact = split_names(values["author"])
        fields["authors"] = authors
        sources.keep("authors", values["author"], authors, exact, field="author")
    if values.get("ids"):
        fields["aliases"] = [k.strip() for k in values["ids"].split(",") if k.strip()]
    _read_date(values, fields, extra, sources)
    for name in IDENTIFYING & set(inherited):  # the volume's DOI does not name the paper
        extra[name] = " ".join(values.pop(name).split())
    _read_addresses(values, fields, extra, sources)
    if values.get("abstract"):
        fields["abstract"] = sources.decoded("abstract", values["abstract"])
    _read_arxiv(values, fields, extra)
    venue_field = _venue_field(kind, values)
    for name, raw in values.items():
        if name in MAPPED_FIELDS or name in fields or name in extra or name == venue_field:
            continue
        key = source_key(name)
        if name in VERBATIM_FIELDS:
            extra[name] = value = " ".join(raw.split())
            sources.keep(key, raw, value, verbatim(value, name) == "{" + value + "}", name)
        elif name in NAME_LIST_FIELDS:
            extra[name], exact = split_names(raw)
            sources.keep(key, raw, extra[name], exact, name)
        else:
            extra[name] = sources.decoded(key, raw, name not in RANGE_FIELDS, name)
    if venue_field:
        fields["venue"] = sources.decoded("venue", values[venue_field], field=venue_field)
    fields["entry_type"] = _paper_type(kind, fields)
    sources.into(extra)
    if extra:
        fields["extra"] = extra
    return fields


def _read_addresses(values, fields, extra, sources):
    """Read doi and url; keep what the file wrote where the stored form differs."""
    for name in ("doi", "url"):
        raw = " ".join(values.get(name, "").split())
        if not raw:
            continue
        if name == "doi" and not identity.normalize_doi(raw):
            extra["doi"] = raw  # not a DOI the store can hold: kept as a field
            continue
        if name == "url" and not links.is_web_link(raw):
            extra["url"] = raw  # file:, a bare path: the entry's field, not the paper's link
            continue
        fields[name] = raw
        stored = identity.normalize_doi(raw) if name == "doi" else raw
        written = verbatim(stored, name)[1:-1]
        if written != (raw.lower() if name == "doi" else raw):
            sources.keep(name, raw, stored, exact=False)
        elif name in sources.expressions:
            sources.keep(name, raw, stored)


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


def _read_date(values, fields, extra, sources):
    """Fill year and published from year/month or a biblatex date; keep what does not fit."""
    year = values.get("year", "").strip()
    date = values.get("date", "").strip()
    match = _ISO_DATE.match(date) if date else None
    if match:
        fields["year"] = int(match.group(1))
        fields["published"] = date
        sources.keep("date", date, date, exact=False)  # biblatex mode writes the date back
        if year and year != match.group(1):
            extra["year"] = sources.decoded("year", year, dashes=False)
    elif date:
        extra["date"] = date  # a range or an uncertain date: kept as written
        start = _YEAR_START.match(date)
        if start and not year:
            fields["year"] = int(start.group(1))
            sources.keep("date", date, date, exact=False)  # biblatex mode: the date says it
    if "year" not in fields and year:
        if year.isdigit() and len(year) == 4 and "year" not in sources.expressions:
            fields["year"] = int(year)
        else:
            extra["year"] = sources.decoded("year", year, dashes=False)
    month = values.get("month", "").strip()
    if month and not match:
        number = _month_number(month)
        if number and fields.get("year"):
            fields["published"] = f"{fields['year']:04d}-{number:02d}"
        else:
            extra["month"] = sources.decoded("month", month)
    elif month and match and not match.group(2):
        extra["month"] = sources.decoded("month", month)


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
        elif " " in last or jr or _reads_back_otherwise(first, von):
            family = " ".join(p for p in (von, last) if p)
            names.append(", ".join(p for p in (family, jr, first) if p))
        else:
            names.append(" ".join(p for p in (first, von, last) if p))
        if is_corporate(names[-1]) != whole or (
                "\\" in person and _CONTROL_WORD_ENDS.search(person)):
            # The writer would brace (or not brace) this name differently, or a control
            # word ends a word ("ACM\\slash SIGGRAPH": TeX eats the space, BibTeX does not).
            exact = False
        elif exact and not whole and "{" in person:  # braces may hold words together: check
            exact = [" ".join(p) for p in name_parts(names[-1])] == [first, von, last, jr]
    return names, exact


def _reads_back_otherwise(first, von):
    """Return True when "First von Last" would not read back as these parts (BibTeX's rule:
    the von part is the lower-case words), so the name is written "von Last, First"."""
    return (any(word[:1].islower() for word in first.split())
            or any(not word[:1].islower() for word in von.split()))


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
