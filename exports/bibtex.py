"""Write papers as BibTeX (unicode escaped for LaTeX) or BibLaTeX (UTF-8 kept).

Output is deterministic: entries sorted by citation key, fields in a fixed order,
no timestamps, so an unchanged library gives a byte-identical file.
"""

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from papershelf.exports.atomic import write_if_changed
from papershelf.server import store
from papershelf.server.identity import is_corporate

MODES = ("bibtex", "biblatex")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Fields the writer derives from the paper object; extra may not override them.
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
# Words that mark an author as an organisation, kept whole in braces.
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_\-]*\Z")
# A word to protect from case changes: an uppercase letter after its first character
# (LLM, DistServe, GPT4, 3D, iPhone). Not after a backslash: \OE, \L are commands.
_PROTECT = re.compile(r"(?<![0-9A-Za-z\\])[0-9A-Za-z][0-9A-Za-z]*?[A-Z][0-9A-Za-z]*(?![0-9A-Za-z])")
# Inline math as writers type it: $ then non-space ... non-space then $, not followed by a digit.
_MATH = re.compile(r"\$(?=[^\s$])[^$]*?(?<=[^\s$])\$(?!\d)")
# Characters that need more than an accent: their LaTeX command (BibTeX special char form).
_LETTERS = {
    "ß": r"{\ss}", "ø": r"{\o}", "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "æ": r"{\ae}",
    "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "å": r"{\aa}", "Å": r"{\AA}", "ı": r"{\i}",
    "ȷ": r"{\j}", "đ": r"{\dj}", "Đ": r"{\DJ}", "ð": r"{\dh}", "Ð": r"{\DH}", "þ": r"{\th}",
    "Þ": r"{\TH}", "¡": r"{\textexclamdown}", "¿": r"{\textquestiondown}",
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"{\ldots}",
    "\u00a0": "~", "«": r"{\guillemotleft}", "»": r"{\guillemotright}", "§": r"{\S}",
    "¶": r"{\P}", "©": r"{\textcopyright}", "®": r"{\textregistered}", "™": r"{\texttrademark}",
    "°": r"{\textdegree}", "€": r"{\texteuro}", "£": r"{\pounds}", "•": r"{\textbullet}",
    "\u2009": r"\,", "\u200b": "", "\u00ad": r"\-",
}
# Combining marks and the LaTeX accent command that draws each.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H", "\u030a": "r", "\u0327": "c",
    "\u0328": "k", "\u0323": "d", "\u0331": "b",
}


@dataclass
class ExportResult:
    text: str
    count: int
    written: bool = False  # False when the file already held exactly this text
    missing: list = field(default_factory=list)  # requested keys that are not in the library


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_DASH = re.compile("[–—]")


@functools.lru_cache(maxsize=4096)
def _latex_char(char):
    """Return the LaTeX for one non-ASCII character, or the character itself when none is known."""
    if char in _LETTERS:
        return _LETTERS[char]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and marks and all(m in _ACCENTS for m in marks):
        if base in "ij" and marks[0] not in "\u0327\u0328\u0323\u0331":
            base = "\\" + base  # dotless i/j under an accent above
        out = base
        for mark in marks:
            command = _ACCENTS[mark]
            out = f"\\{command}{{{out}}}" if command.isalpha() else f"\\{command}{out}"
        return "{" + out + "}"
    return char  # unknown: BibTeX copes with UTF-8 bytes; never guess a wrong command


def escape(text, mode="bibtex", ranges=False):
    """Return text with LaTeX specials escaped (and, in bibtex mode, unicode as LaTeX).

    Typed -- and '' become -{}- and '{}' so that TeX does not join them into a dash or
    a quote, except in ranges (pages 1--10).
    """
    # Chained `in` tests and str.replace run at C speed; str.translate with a dict
    # looks up every character and costs ten times more on a typical abstract.
    if ("\\" in text or "{" in text or "}" in text or "&" in text or "%" in text
            or "$" in text or "#" in text or "_" in text or "~" in text or "^" in text
            or ("--" in text and not ranges) or "''" in text or "``" in text):
        text = _escape_specials(text, ranges)
    if mode == "bibtex" and not text.isascii():
        if "–" in text or "—" in text:
            text = _DASH.sub(_latex_dash, text)
        text = _NON_ASCII.sub(_latex_of_match, text)
    return text


def _latex_dash(match):
    """Return -- or --- for a dash; braced when a hyphen beside it would join the ligature."""
    tex = "--" if match.group() == "–" else "---"
    around = match.string[max(match.start() - 1, 0):match.start()] + match.string[
        match.end():match.end() + 1]
    return "{" + tex + "}" if any(c in "-–—" for c in around) else tex


def _escape_specials(text, ranges=False):
    text = text.replace("\\", "\0")  # a placeholder: \textbackslash{} brings braces of its own
    if ("{" in text or "}" in text) and not _balanced(text):
        # BibTeX counts \{ as a brace too: a lone one must be a command without braces.
        text = text.replace("{", "\1").replace("}", "\2")
    for char in "{}&%$#_":
        if char in text:
            text = text.replace(char, "\\" + char)
    if "~" in text:
        text = text.replace("~", "\\textasciitilde{}")
    if "^" in text:
        text = text.replace("^", "\\textasciicircum{}")
    if "--" in text and not ranges:
        text = text.replace("--", "-{}-").replace("--", "-{}-")  # typed hyphens, not a dash
    if "''" in text or "``" in text:  # typed quotes, not TeX's curly ones
        text = text.replace("''", "'{}'").replace("''", "'{}'")
        text = text.replace("``", "`{}`").replace("``", "`{}`")
    if "\1" in text or "\2" in text:
        text = text.replace("\1", "\\textbraceleft{}").replace("\2", "\\textbraceright{}")
    return text.replace("\0", "\\textbackslash{}")


def _balanced(text):
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _unicode_to_latex(text):
    """Return LaTeX as written with only its non-ASCII characters as commands."""
    return text if text.isascii() else _NON_ASCII.sub(_latex_of_match, text)


def _latex_of_match(match):
    return _latex_char(match.group())


def escape_text(text, mode="bibtex", protect=False, ranges=False):
    """Return a text field escaped with $math$ kept as written; protect braces acronyms."""
    if "$" not in text:
        if not protect or text[1:].islower():  # no capital after the first letter: no regex
            return escape(text, mode, ranges)
        return _PROTECT.sub(r"{\g<0>}", escape(text, mode))
    out, last = [], 0
    for match in _MATH.finditer(text):
        math = match.group(0)
        if math.count("{") != math.count("}"):
            continue  # unbalanced braces would break the entry: treat as text
        out.append(_escape_plain(text[last:match.start()], mode, protect))
        math = math if mode == "biblatex" else _unicode_to_latex(math)
        out.append("{" + math + "}" if protect else math)  # BibTeX would lowercase $O(n)$
        last = match.end()
    out.append(_escape_plain(text[last:], mode, protect))
    return "".join(out)


def _escape_plain(text, mode, protect):
    out = escape(text, mode)
    return _PROTECT.sub(r"{\g<0>}", out) if protect else out


def escape_title(text, mode="bibtex"):
    """Return a title escaped, $math$ kept as written, acronyms and mixed-case words braced."""
    return escape_text(text, mode, protect=True)


@functools.lru_cache(maxsize=65536)
def format_name(name, mode="bibtex"):
    """Return one author for a BibTeX name list; organisations stay whole in braces."""
    escaped = escape(name, mode)
    if is_corporate(name):
        return "{" + escaped + "}"
    return escaped


def _safe_url(url):
    """Return url with the characters that would break a BibTeX value percent-encoded."""
    if not any(c in url for c in "{}\\ "):
        return url
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


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


# BibLaTeX field names and their BibTeX names, used in bibtex mode when the latter is absent.
BIBTEX_FIELD_NAMES = {"location": "address", "journaltitle": "journal"}


def entry_fields(paper, mode="bibtex", kind=None, files=()):
    """Return {name: value as written} of a paper's entry, in output order.

    files: paths of the paper's stored files, written as a `file` field (JabRef's form).
    """
    get = paper.get
    kind = kind or entry_type(paper, mode)
    extra = get("extra") or {}
    sources = extra.get("_latex") if extra else None
    fields = {}
    authors = get("authors")
    if authors:
        fields["author"] = (sources and _source(sources, "authors", authors, mode)) or (
            "{" + " and ".join([format_name(a, mode) for a in authors]) + "}")
    title = get("title")
    if title:
        fields["title"] = (sources and _source(sources, "title", title, mode)) or (
            "{" + escape_text(title, mode, True) + "}")
    venue = get("venue")
    if venue and kind in VENUE_FIELDS:
        fields[VENUE_FIELDS[kind][mode == "biblatex"]] = (
            sources and _source(sources, "venue", venue, mode)) or (
            "{" + escape_text(venue, mode) + "}")
    year = get("year")
    if year:
        fields["year"] = f"{{{year:d}}}"
    month = _month(get("published"), year)
    if month:
        fields["month"] = month
    arxiv_id = get("arxiv_id")
    if arxiv_id:
        category = get("arxiv_category")
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
    doi, url, abstract = get("doi"), get("url"), get("abstract")
    if doi:
        fields["doi"] = "{" + _safe_url(doi) + "}"
    if url:
        fields["url"] = "{" + _safe_url(url) + "}"
    if abstract:
        fields["abstract"] = (sources and _source(sources, "abstract", abstract, mode)) or (
            "{" + escape_text(abstract, mode) + "}")
    if files:
        value = file_field(files)
        if value:
            fields["file"] = value
    if extra:
        _add_extra_fields(fields, extra, sources or {}, kind, mode)
    return fields


# The fields the writer names in camel case, as BibTeX users know them.
_CAMEL = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}


def _add_extra_fields(fields, extra, sources, kind, mode):
    renames = _bibtex_renames(kind, extra) if mode == "bibtex" else {}
    for name in _extra_names(tuple(extra)):
        if name in fields or _CAMEL.get(name) in fields:
            continue
        value = extra[name]
        value = _source(sources, name, value, mode) or _extra_value(name, value, mode)
        if value is not None:
            fields[renames.get(name, name)] = value


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


def _source(sources, name, value, mode):
    """Return the LaTeX an import read for this field, while the field still holds what it gave."""
    source = sources.get(name) if sources else None
    if not source or source[1] != value or not isinstance(source[0], str):
        return None
    return "{" + (source[0] if mode == "biblatex" else _unicode_to_latex(source[0])) + "}"


NAME_LIST_FIELDS = frozenset({"editor", "translator", "bookauthor", "annotator", "commentator",
                               "editora", "editorb", "editorc", "afterword", "foreword",
                               "introduction", "holder"})
_VERBATIM_FIELDS = frozenset({"doi", "url", "eprint", "file", "pdf", "isbn", "issn", "urldate"})
_SPECIAL_EXTRA = _VERBATIM_FIELDS | NAME_LIST_FIELDS
# Fields whose -- is a range (1--10), not two typed hyphens.
RANGE_FIELDS = frozenset({"pages", "volume", "number", "issue", "year", "date", "chapter",
                          "eid", "volumes", "edition", "part", "origdate", "eventdate"})


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
    if name in _VERBATIM_FIELDS:
        return "{" + _safe_url(value) + "}"
    if name in NAME_LIST_FIELDS:
        names = [n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()]
        return "{" + " and ".join(format_name(n, mode) for n in names) + "}"
    return "{" + escape_text(value, mode, ranges=name in RANGE_FIELDS) + "}"


_MONTH_OF = {f"{n:02d}": name for n, name in enumerate(MONTHS, start=1)}


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


def format_entry(paper, mode="bibtex", files=()):
    """Return one paper as a BibTeX/BibLaTeX entry (ending in a newline); see entry_fields."""
    kind = entry_type(paper, mode)
    fields = entry_fields(paper, mode, kind, files)
    labels = _labels(tuple(fields))
    body = ",\n".join([label + value for label, value in zip(labels, fields.values())])
    return f"@{kind}{{{paper['citekey']},\n{body}\n}}\n"


@functools.lru_cache(maxsize=4096)
def _labels(names):
    """Return '  name = ' for each field, aligned (entries repeat the same field sets)."""
    width = max(map(len, names), default=0)
    return ["  " + name.ljust(width) + " = " for name in names]


def sort_key(paper):
    return (paper["citekey"].casefold(), paper["citekey"])


def render_bibtex(papers, mode="bibtex"):
    """Return papers as one .bib text, sorted by citation key."""
    return _render_sorted(sorted(papers, key=sort_key), mode)


def _render_sorted(papers, mode):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return "\n".join([format_entry(p, mode) for p in papers])


def cited_keys(aux_path):
    """Return the keys an .aux file cites (BibTeX \\citation and biblatex \\abx@aux@cite)."""
    keys = []
    text = Path(aux_path).read_text(encoding="utf-8", errors="replace")
    for match in re.finditer(r"\\citation\{([^}]*)\}|\\abx@aux@cite\{[^}]*\}\{([^}]*)\}", text):
        for key in (match.group(1) or match.group(2) or "").split(","):
            if key.strip() and key.strip() not in keys:
                keys.append(key.strip())
    return keys


# The columns an entry is made of: reading only these (and decoding only authors and
# extra) makes a large export twice as fast as reading whole paper objects.
EXPORT_COLUMNS = ("citekey", "title", "authors", "year", "published", "arxiv_id",
                  "arxiv_category", "doi", "url", "venue", "entry_type", "abstract", "extra")


def select_papers(db, tag=None, where=None, params=None, since=None, keys=None, aux=None):
    """Return (papers sorted by key, requested keys not found) for the export filters.

    The papers hold EXPORT_COLUMNS only, which is all render_bibtex reads.
    """
    sql, args, wanted = _export_query(tag, where, params, since, keys, aux)
    papers = [_export_paper(row) for row in db.execute(sql, args)]
    return papers, _missing(wanted, papers)


def _export_query(tag, where, params, since, keys, aux):
    """Return (SQL, arguments, keys asked for or None) for the export filters."""
    clauses, args = store.filter_clauses(where, params, tag, since)
    wanted = list(keys or [])
    if aux:
        wanted.extend(cited_keys(aux))
    wanted = wanted if wanted and "*" not in wanted else None
    if wanted:
        clauses.append("citekey collate nocase in (select value from json_each(?))")
        args.append(json.dumps(sorted({k.casefold() for k in wanted})))
    sql = f"select {', '.join(EXPORT_COLUMNS)} from papers"
    if clauses:
        sql += " where " + " and ".join(clauses)
    return sql + " order by citekey collate nocase", args, wanted


def _missing(wanted, papers):
    if not wanted:
        return []
    found = {p["citekey"].casefold() for p in papers}
    return [k for k in dict.fromkeys(wanted) if k.casefold() not in found]


_RAW_DECODE = json.JSONDecoder().raw_decode


def _file_paths(db):
    """Return {citation key: [paths of its stored PDFs, oldest first]}."""
    keys = dict(db.execute("select id, citekey from papers where id in (select paper_id from files)"))
    return {keys[paper_id]: [f["path"] for f in stored if f["kind"] == "pdf"]
            for paper_id, stored in store.paper_files(db).items() if paper_id in keys}


def _export_paper(row):
    """Return the paper object (EXPORT_COLUMNS only) of a row of the export query.

    The JSON columns are written by the store without surrounding space, so the
    decoder's raw_decode (no whitespace checks around it) reads them.
    """
    (citekey, title, authors, year, published, arxiv_id, arxiv_category, doi, url, venue,
     entry_type, abstract, extra) = row
    return {
        "citekey": citekey, "title": title,
        "authors": _RAW_DECODE(authors)[0] if authors and authors != "[]" else [],
        "year": year, "published": published, "arxiv_id": arxiv_id,
        "arxiv_category": arxiv_category, "doi": doi, "url": url, "venue": venue,
        "entry_type": entry_type, "abstract": abstract,
        "extra": _RAW_DECODE(extra)[0] if extra and extra != "{}" else {},
    }


def export_bibtex(db, path=None, mode="bibtex", tag=None, where=None, params=None, since=None,
                  keys=None, aux=None, with_files=False):
    """Export the selected papers; write path atomically when given (only if changed).

    with_files: give each entry a `file` field naming its stored PDFs.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    sql, args, wanted = _export_query(tag, where, params, since, keys, aux)
    files = _file_paths(db) if with_files else {}
    # One row at a time: no list of 100,000 paper objects for the garbage collector to walk.
    entries, found = [], []
    for row in db.execute(sql, args):
        paper = _export_paper(row)
        entries.append(format_entry(paper, mode, files.get(paper["citekey"], ())))
        if wanted:
            found.append({"citekey": paper["citekey"]})
    text = "\n".join(entries)
    written = write_if_changed(path, text) if path is not None else False
    return ExportResult(text=text, count=len(entries), written=written,
                        missing=_missing(wanted, found))
