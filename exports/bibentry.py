"""Write one paper as a BibTeX entry (unicode as LaTeX) or a BibLaTeX entry (UTF-8 kept).

A field an import read is written back as the file wrote it (its LaTeX, or its value
expression where a @string macro was undefined) while the paper still holds the value the
import gave it; every other text is escaped (latex.escape_text); url, doi, eprint and
file are verbatim fields, written as biber and BibTeX's url.sty read them.
"""

import functools
import re

from papershelf.exports.latex import escape, escape_text, unicode_to_latex
from papershelf.server.identity import is_corporate

MODES = ("bibtex", "biblatex")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# extra keys that describe the web page or the reader, not the publication.
NOT_BIBLIOGRAPHIC = frozenset({
    "upvotes", "selection", "ai_summary", "ai_keywords", "github_stars", "thumbnail",
    "num_comments", "media_urls", "version_date", "oa_pdf_url",
})
# Which field holds the venue for each entry type (BibTeX name, BibLaTeX name).
VENUE_FIELDS = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle", "booktitle"),
    "incollection": ("booktitle", "booktitle"),
    "conference": ("booktitle", "booktitle"),
}
# A field name as BibTeX reads one (stored lower case): isbn-13, bdsk-url-1, x.y.
_FIELD_NAME = re.compile(r"[a-z][^\s\"#%'(),={}]*\Z")
NAME_LIST_FIELDS = frozenset({"editor", "translator", "bookauthor", "annotator", "commentator",
                               "editora", "editorb", "editorc", "afterword", "foreword",
                               "introduction", "holder"})
# Verbatim fields: never LaTeX-encoded. url, doi and eprint are addresses; the others are
# biblatex's verbatim fields (file, its alias pdf, verba-c) and key lists, kept as written.
ADDRESS_FIELDS = frozenset({"url", "doi", "eprint"})
# biblatex's fields that name other entries by key.
KEY_FIELDS = frozenset({"entryset", "related", "xdata", "xref"})
VERBATIM_FIELDS = ADDRESS_FIELDS | KEY_FIELDS | {"file", "pdf", "verba", "verbb", "verbc",
                                                 "urlraw"}
_SPECIAL_EXTRA = VERBATIM_FIELDS | NAME_LIST_FIELDS
# Fields whose -- is a range (1--10), not two typed hyphens.
RANGE_FIELDS = frozenset({"pages", "volume", "number", "issue", "year", "date", "chapter",
                          "eid", "volumes", "edition", "part", "origdate", "eventdate"})
# BibLaTeX entry types that BibTeX styles do not define, and the BibTeX type closest to each.
BIBTEX_TYPES = {
    "online": "misc", "www": "misc", "electronic": "misc", "report": "techreport",
    "thesis": "phdthesis", "mvbook": "book", "bookinbook": "book", "collection": "book",
    "mvcollection": "book", "reference": "book", "mvreference": "book",
    "inreference": "incollection", "suppcollection": "incollection", "suppbook": "inbook",
    "mvproceedings": "proceedings",
}
BIBTEX_STANDARD = frozenset({"article", "book", "booklet", "conference", "inbook",
                             "incollection", "inproceedings", "manual", "mastersthesis", "misc",
                             "phdthesis", "proceedings", "techreport", "unpublished"})
# BibLaTeX field names and their BibTeX names, used in bibtex mode when the latter is absent.
BIBTEX_FIELD_NAMES = {"location": "address", "journaltitle": "journal"}
# Source keys of the paper object's own fields (extra["_latex"] and ["_bibtex"]); an extra
# field of the same name ("venue", biblatex's event venue) keeps its source as "field:venue".
COLUMN_SOURCES = frozenset({"title", "authors", "venue", "abstract", "doi", "url", "date",
                            "year"})
# The fields the writer names in camel case, as BibTeX users know them.
_CAMEL = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
_MONTH_OF = {f"{n:02d}": name for n, name in enumerate(MONTHS, start=1)}


@functools.lru_cache(maxsize=65536)
def format_name(name, mode="bibtex"):
    """Return one author for a BibTeX name list; organisations stay whole in braces."""
    escaped = escape(name, mode)
    if is_corporate(name):
        return "{" + escaped + "}"
    return escaped


def verbatim(value, name="url"):
    """Return a verbatim field's value in braces, as biber and url.sty read it.

    Addresses get the characters a braced BibTeX value cannot hold (a lone brace, a
    backslash, white space) percent-encoded, which names the same address. A file path
    is written as it is; only an unbalanced brace is encoded.
    """
    if name in ADDRESS_FIELDS:
        if any(c in value for c in "{}\\ \t\n"):
            value = (value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")
                     .replace(" ", "%20").replace("\t", "%09").replace("\n", "%0A"))
    elif not _balanced(value):
        value = value.replace("{", "%7B").replace("}", "%7D")
    return "{" + value + "}"


def _balanced(text):
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def entry_type(paper, mode="bibtex"):
    """Return the BibTeX/BibLaTeX entry type for a paper."""
    kind = (paper.get("entry_type") or "").lower()
    if kind in ("article", "inproceedings"):
        # A journal or proceedings entry without its venue is not one to a BibTeX style.
        if paper.get("venue") or (paper.get("extra") or {}).get(VENUE_FIELDS[kind][0]):
            return kind
        kind = "preprint" if paper.get("arxiv_id") else "misc"
    if not kind:
        kind = "preprint" if paper.get("arxiv_id") else "misc"
    if kind in ("preprint", "webpage"):
        return "misc" if mode == "bibtex" else "online"
    if mode == "bibtex" and kind not in BIBTEX_STANDARD:
        if kind == "thesis":
            kind_of_thesis = str((paper.get("extra") or {}).get("type") or "").lower()
            return "mastersthesis" if kind_of_thesis in ("mathesis", "master's thesis") else (
                "phdthesis")
        return BIBTEX_TYPES.get(kind, "misc")
    return kind


class _Sources:
    """What an import read for each field: its LaTeX (`_latex`) or value expression (`_bibtex`)."""

    __slots__ = ("latex", "expressions", "mode")

    def __init__(self, extra, mode):
        self.latex = extra.get("_latex") or {}
        self.expressions = extra.get("_bibtex") or {}
        self.mode = mode

    def written(self, name, value):
        """Return the field as the file wrote it, while it still holds value; else None."""
        source = self.expressions.get(name) or self.latex.get(name)
        if not source or source[1] != value or not isinstance(source[0], str):
            return None
        text = source[0]
        if self.mode == "bibtex" and name.removeprefix("field:") not in VERBATIM_FIELDS:
            text = unicode_to_latex(text)
        return text if name in self.expressions else "{" + text + "}"


def entry_fields(paper, mode="bibtex", kind=None, files=()):
    """Return {name: value as written} of a paper's entry, in output order.

    files: paths of the paper's stored files, written as a `file` field (JabRef's form).
    """
    get = paper.get
    kind = kind or entry_type(paper, mode)
    extra = get("extra") or {}
    sources = _Sources(extra, mode) if "_latex" in extra or "_bibtex" in extra else None
    fields = {}
    aliases = get("aliases")
    if aliases and mode == "biblatex":
        fields["ids"] = "{" + ", ".join(aliases) + "}"  # biber resolves \cite{alias} by ids
    authors = get("authors")
    if authors:
        fields["author"] = (sources and sources.written("authors", authors)) or (
            "{" + " and ".join([format_name(a, mode) for a in authors]) + "}")
    title = get("title")
    if title:
        fields["title"] = (sources and sources.written("title", title)) or (
            "{" + escape_text(title, mode, True) + "}")
    elif sources and sources.written("title", ""):
        fields["title"] = sources.written("title", "")  # title = "{}": BibTeX's not empty
    venue = get("venue")
    if venue and kind in VENUE_FIELDS:
        fields[VENUE_FIELDS[kind][mode == "biblatex"]] = (
            sources and sources.written("venue", venue)) or (
            "{" + escape_text(venue, mode) + "}")
    _add_date(fields, paper, extra, sources, mode)
    arxiv_id = get("arxiv_id")
    if arxiv_id:
        _add_arxiv(fields, arxiv_id, get("arxiv_category"), kind, mode)
    for name in ("doi", "url"):
        value = get(name)
        if value:
            fields[name] = (sources and sources.written(name, value)) or verbatim(value, name)
    abstract = get("abstract")
    if abstract:
        fields["abstract"] = (sources and sources.written("abstract", abstract)) or (
            "{" + escape_text(abstract, mode) + "}")
    if files:
        value = file_field(files)
        if value:
            fields["file"] = value
    if extra:
        _add_extra_fields(fields, extra, sources, kind, mode)
    return fields


def _add_date(fields, paper, extra, sources, mode):
    """Add year and month; in biblatex mode the date the file gave, when it had one."""
    year, published = paper.get("year"), paper.get("published")
    if mode == "biblatex" and sources:
        # The date the file gave, while the paper holds what it said: it says the year.
        date = sources.written("date", published) or sources.written("date", extra.get("date"))
        if date:
            fields["date"] = date
            return
    if year:
        fields["year"] = f"{{{year:d}}}"
    month = _month(published, year)
    if month:
        fields["month"] = month


def _add_arxiv(fields, arxiv_id, category, kind, mode):
    fields["eprint"] = "{" + arxiv_id + "}"
    if mode == "bibtex":
        fields["archivePrefix"] = "{arXiv}"
        if category:
            fields["primaryClass"] = "{" + category + "}"
    else:
        fields["eprinttype"] = "{arxiv}"
        if category:
            fields["eprintclass"] = "{" + category + "}"
        if kind == "online":
            fields["pubstate"] = "{prepublished}"


def _add_extra_fields(fields, extra, sources, kind, mode):
    renames = _bibtex_renames(kind, extra) if mode == "bibtex" else {}
    for name in _extra_names(tuple(extra)):
        if name in fields or _CAMEL.get(name) in fields:
            continue
        value = extra[name]
        value = (sources and sources.written(source_key(name), value)) or _extra_value(
            name, value, mode)
        if value is not None:
            fields[renames.get(name, name)] = value


def source_key(name):
    """Return the key of an extra field's source (see COLUMN_SOURCES)."""
    return "field:" + name if name in COLUMN_SOURCES else name


@functools.lru_cache(maxsize=4096)
def _extra_names(names):
    """Return the extra keys that may become fields, sorted (libraries repeat the same sets)."""
    return [n for n in sorted(names) if n not in NOT_BIBLIOGRAPHIC and _FIELD_NAME.match(n)]


def _bibtex_renames(kind, extra):
    """Return {BibLaTeX name: BibTeX name} for the extra fields a BibTeX style would miss."""
    renames = dict(BIBTEX_FIELD_NAMES)
    if kind in ("phdthesis", "mastersthesis"):
        renames["institution"] = "school"
    return {old: new for old, new in renames.items() if old in extra and new not in extra}


def _extra_value(name, value, mode):
    if type(value) is str and value and name not in _SPECIAL_EXTRA:  # the common case, first
        return "{" + escape_text(value, mode, ranges=name in RANGE_FIELDS) + "}"
    if isinstance(value, bool) or value in (None, "", []):
        return None
    if isinstance(value, int):
        return f"{{{value:d}}}"
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            return None
        if name in NAME_LIST_FIELDS:
            return "{" + " and ".join(format_name(v, mode) for v in value) + "}"
        value = ", ".join(value)
    if not isinstance(value, str):
        return None
    if name in VERBATIM_FIELDS:
        return verbatim(value, name)
    if name in NAME_LIST_FIELDS:
        names = [n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()]
        return "{" + " and ".join(format_name(n, mode) for n in names) + "}"
    return "{" + escape_text(value, mode, ranges=name in RANGE_FIELDS) + "}"


def _month(published, year):
    """Return the month macro (jan..dec) of a YYYY-MM[-DD] date, or None."""
    if not published or len(published) < 7 or published[4] != "-":
        return None
    if year and published[:4] != str(year):
        return None  # the month belongs to another year (e.g. first arXiv version)
    return _MONTH_OF.get(published[5:7])


def file_field(paths):
    """Return the `file` field value for stored files, as JabRef writes it: {:path:PDF;...}.

    Description (empty), path and type, `:`, `;` and `\\` in the path escaped with a
    backslash; several files separated by `;`. A path with braces would break the entry:
    it is left out.
    """
    links = []
    for path in paths:
        if "{" in path or "}" in path:
            continue
        escaped = path.replace("\\", "\\\\").replace(":", "\\:").replace(";", "\\;")
        links.append(f":{escaped}:PDF")
    return "{" + ";".join(links) + "}" if links else None


def format_entry(paper, mode="bibtex", key=None, files=()):
    """Return one paper as a BibTeX/BibLaTeX entry (ending in a newline), under key if given."""
    kind = entry_type(paper, mode)
    fields = entry_fields(paper, mode, kind, files)
    labels = _labels(tuple(fields))
    body = ",\n".join([label + value for label, value in zip(labels, fields.values())])
    return f"@{kind}{{{key or paper['citekey']},\n{body}\n}}\n"


@functools.lru_cache(maxsize=4096)
def _labels(names):
    """Return '  name = ' for each field, aligned (entries repeat the same field sets)."""
    width = max(map(len, names), default=0)
    return ["  " + name.ljust(width) + " = " for name in names]


def format_definitions(preambles, strings, mode="bibtex"):
    """Return the @preamble and @string blocks an export starts with ("" when none)."""
    convert = (lambda v: v) if mode == "biblatex" else unicode_to_latex
    blocks = [f"@preamble{{{convert(value)}}}\n" for value in preambles]
    blocks += [f"@string{{{name} = {convert(value)}}}\n" for name, value in strings]
    return "".join(blocks)
