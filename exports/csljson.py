"""Write papers as CSL-JSON, the bibliography Pandoc, Quarto, Typst and Zotero read.

One item per line, sorted by citation key, so an unchanged library gives a
byte-identical file and a changed paper changes one line. Every item validates
against the CSL-JSON schema (csl-data.json): papershelf's own fields (tags, reading
status, code URL, arXiv category) go under `custom`, which the schema keeps for them.
"""

import functools
import json
import re
from dataclasses import dataclass

import orjson
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from papershelf.exports import latex
from papershelf.exports.atomic import write_if_changed
from papershelf.exports.bibparse import name_parts
from papershelf.server import store
from papershelf.server.identity import is_corporate

# Paper entry types (BibTeX and BibLaTeX names) and the CSL type of each.
CSL_TYPES = {
    "article": "article-journal", "suppperiodical": "article-journal",
    "inproceedings": "paper-conference", "conference": "paper-conference",
    "preprint": "article", "webpage": "webpage", "online": "webpage", "www": "webpage",
    "electronic": "webpage", "book": "book", "mvbook": "book", "collection": "book",
    "mvcollection": "book", "proceedings": "book", "mvproceedings": "book",
    "reference": "book", "mvreference": "book", "inbook": "chapter",
    "incollection": "chapter", "bookinbook": "chapter", "suppbook": "chapter",
    "suppcollection": "chapter", "inreference": "entry-encyclopedia", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
    "manual": "report", "booklet": "pamphlet", "unpublished": "manuscript", "misc": "document",
    "dataset": "dataset", "software": "software", "patent": "patent", "standard": "standard",
    "periodical": "periodical", "review": "review", "letter": "personal_communication",
    "movie": "motion_picture", "video": "motion_picture", "audio": "song", "music": "song",
    "artwork": "graphic", "image": "graphic", "jurisdiction": "legal_case",
    "legislation": "legislation", "legal": "legislation", "performance": "performance",
}
# Types published inside something else: a journal, proceedings, a book, a website.
CONTAINED_TYPES = frozenset({"article", "article-journal", "article-magazine",
                             "article-newspaper", "paper-conference", "chapter",
                             "entry-encyclopedia", "entry-dictionary", "entry", "webpage",
                             "post", "post-weblog", "review", "review-book", "document"})
JOURNAL_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper",
                           "periodical"})
# Thesis kinds as BibTeX and BibLaTeX name them, and the genre CSL styles print.
THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis",
                 "phd": "PhD thesis", "mathesis": "Master's thesis",
                 "master's thesis": "Master's thesis"}
# extra fields that map one to one onto a CSL variable.
EXTRA_VARIABLES = {
    "volume": "volume", "issue": "issue", "publisher": "publisher", "address": "publisher-place",
    "location": "publisher-place", "edition": "edition", "series": "collection-title",
    "isbn": "ISBN", "issn": "ISSN", "note": "note", "chapter": "chapter-number", "pmid": "PMID", "pmcid": "PMCID",
    "eventtitle": "event-title", "venue": "event-place", "version": "version",
    "keywords": "keyword", "pagetotal": "number-of-pages", "volumes": "number-of-volumes",
    "eid": "number",
}
NAME_VARIABLES = {"editor": "editor", "translator": "translator",
                  "bookauthor": "container-author"}
# The columns an item is made of: the papers table's, without the ones no item needs.
EXPORT_COLUMNS = ("citekey", "title", "authors", "year", "published", "arxiv_id",
                  "arxiv_category", "doi", "url", "code_url", "venue", "entry_type", "abstract",
                  "tags", "status", "extra")
# BibLaTeX's langid names (babel's) and the BCP 47 tag CSL wants in `language`.
LANGUAGES = {"english": "en-US", "american": "en-US", "USenglish": "en-US", "british": "en-GB",
             "UKenglish": "en-GB", "australian": "en-AU", "german": "de-DE",
             "ngerman": "de-DE", "austrian": "de-AT", "swissgerman": "de-CH", "french": "fr-FR",
             "spanish": "es-ES", "italian": "it-IT", "portuguese": "pt-PT",
             "brazilian": "pt-BR", "dutch": "nl-NL", "swedish": "sv-SE", "danish": "da-DK",
             "norwegian": "nb-NO", "finnish": "fi-FI", "polish": "pl-PL", "czech": "cs-CZ",
             "russian": "ru-RU", "greek": "el-GR", "latin": "la", "japanese": "ja-JP",
             "chinese": "zh-CN", "korean": "ko-KR", "turkish": "tr-TR", "catalan": "ca-ES"}
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")
_RANGE_DASH = re.compile(r"\s*(?:-{2,3}|[–—])\s*")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


_RAW_DECODE = json.JSONDecoder().raw_decode


@dataclass
class ExportResult:
    text: str
    count: int
    written: bool = False  # False when the file already held exactly this text


def csl_type(paper):
    """Return the CSL type of a paper (a journal article without a journal is a preprint)."""
    kind = (paper.get("entry_type") or "").lower()
    extra = paper.get("extra") or {}
    if kind in ("article", "inproceedings", "misc", "") and paper.get("arxiv_id") and not (
            paper.get("venue") or extra.get("journal") or extra.get("booktitle")):
        return "article"
    return CSL_TYPES.get(kind, "document")


@functools.lru_cache(maxsize=65536)
def csl_name(name):
    """Return one "Given Family" (or "von Family, Jr, Given") author as a CSL name object."""
    name = " ".join(name.split())
    if is_corporate(name) or (name.startswith("{") and name.endswith("}")):
        return {"literal": name.strip("{}")}
    parts = parse_single_name_into_parts(name, strict=False)
    family = " ".join(parts.last).replace("{", "").replace("}", "")
    if not family:
        return {"literal": name}
    csl = {"family": family}
    if parts.first:
        csl["given"] = " ".join(parts.first).replace("{", "").replace("}", "")
    if parts.von:  # "van Gogh" is cited and sorted as van Gogh, as BibTeX's styles do
        csl["non-dropping-particle"] = " ".join(parts.von)
    if parts.jr:
        csl["suffix"] = " ".join(parts.jr)
    return csl


@functools.lru_cache(maxsize=4096)
def csl_names_of_latex(source):
    """Return CSL names of a BibTeX name list as a .bib file held it (braces keep words whole)."""
    names = []
    for person in split_multiple_persons_names(source):
        first, von, last, jr = (latex.decode(" ".join(words))[0] for words in name_parts(person))
        if not last:
            continue
        if not (first or von or jr) and " " in last:  # {The ATLAS Collaboration}
            names.append({"literal": last})
            continue
        name = {"family": last}
        for variable, text in (("given", first), ("non-dropping-particle", von),
                               ("suffix", jr)):
            if text:
                name[variable] = text
        names.append(name)
    return tuple(names)


def csl_names(value):
    """Return CSL names of an author list (list, or a BibTeX "A and B" string)."""
    if isinstance(value, str):
        value = [n for n in re.split(r"\s+and\s+", value) if n.strip()]
    if not isinstance(value, list):
        return []
    return [csl_name(n) for n in value if isinstance(n, str) and n.strip()]


def csl_date(published, year=None):
    """Return {"date-parts": [[y, m, d]]} of a YYYY[-MM[-DD]] date, or of the year alone."""
    if (type(published) is str and len(published) == 10 and published[4] == "-"
            and published[:4] == str(year)):  # the common case, without a regex
        return {"date-parts": [[int(published[:4]), int(published[5:7]), int(published[8:])]]}
    match = _DATE.match(str(published or ""))
    if match and (not year or match.group(1) == str(year)):
        return {"date-parts": [[int(part) for part in match.groups() if part]]}
    if year:  # the month of another year (an arXiv v1) must not date the publication
        return {"date-parts": [[int(year)]]}
    return None


def csl_item(paper):
    """Return the CSL-JSON item of a paper: `id` is its citation key."""
    get = paper.get
    extra = get("extra") or {}
    kind = csl_type(paper)
    item = {"id": paper["citekey"], "type": kind, "title": get("title") or ""}
    authors = get("authors")
    if authors:
        source = extra.get("_latex") if extra else None
        source = source.get("authors") if source else None
        if source and source[1] == authors and isinstance(source[0], str):
            item["author"] = list(csl_names_of_latex(source[0]))  # as the .bib file split them
        else:
            item["author"] = [csl_name(a) for a in authors if type(a) is str and a]
    issued = csl_date(get("published"), get("year"))
    if issued:
        item["issued"] = issued
    _add_container(item, paper, extra, kind)
    if extra:
        _add_extra(item, extra, kind)
    arxiv_id = get("arxiv_id")
    if arxiv_id and kind == "article":  # as Zotero writes a preprint: arXiv is its publisher
        if "number" not in item:
            item["number"] = "arXiv:" + arxiv_id
        if "publisher" not in item:
            item["publisher"] = "arXiv"
    for variable, column in _PLAIN_VARIABLES:
        value = get(column)
        if value:
            item[variable] = value
    custom = {}
    for column in _CUSTOM_COLUMNS:
        value = get(column)
        if value:
            custom[column] = value
    if custom:
        item["custom"] = custom
    return item


_PLAIN_VARIABLES = (("DOI", "doi"), ("URL", "url"), ("abstract", "abstract"))
_CUSTOM_COLUMNS = ("tags", "status", "code_url", "arxiv_id", "arxiv_category")


def _add_container(item, paper, extra, kind):
    container = (paper.get("venue") or extra.get("journal") or extra.get("journaltitle")
                 or extra.get("booktitle"))
    if kind in ("thesis", "report"):
        publisher = (extra.get("publisher") or extra.get("school") or extra.get("institution")
                     or container)
        if isinstance(publisher, str) and publisher:
            item["publisher"] = publisher
        genre = extra.get("type") or (paper.get("entry_type") or "").lower()
        genre = THESIS_GENRES.get(str(genre).lower(), genre if extra.get("type") else None)
        if genre:
            item["genre"] = genre
    elif kind in CONTAINED_TYPES and isinstance(container, str) and container:
        item["container-title"] = container


def _add_extra(item, extra, kind):
    # Over the paper's few extra fields, not over every field CSL could take.
    for name, value in extra.items():
        if (type(value) is not str and type(value) is not int) or value == "":
            if name in NAME_VARIABLES and value:
                item[NAME_VARIABLES[name]] = csl_names(value)
            continue
        variable = EXTRA_VARIABLES.get(name)
        if variable is not None:
            if variable not in item:
                item[variable] = str(value)
        elif name == "pages":
            item["page"] = _RANGE_DASH.sub("-", str(value))
        elif name == "number":
            variable = "issue" if kind in JOURNAL_TYPES else "number"
            if variable not in item:
                item[variable] = str(value)
        elif name in NAME_VARIABLES:
            item[NAME_VARIABLES[name]] = csl_names(value)
        elif name in ("langid", "language"):
            language = _language(value)
            if language and "language" not in item:
                item["language"] = language
        elif name == "urldate":
            accessed = csl_date(value)
            if accessed:
                item["accessed"] = accessed


def _language(value):
    """Return the BCP 47 tag of a langid or language field, or None when it names none."""
    if not isinstance(value, str):
        return None
    if value in LANGUAGES:
        return LANGUAGES[value]
    return value if _LANGUAGE_TAG.match(value) else None


def render_csl_json(papers):
    """Return papers as one CSL-JSON text (an array, one item per line), sorted by key."""
    ordered = sorted(papers, key=lambda p: (p["citekey"].casefold(), p["citekey"]))
    return _render_items(csl_item(p) for p in ordered)


def _render_items(items):
    lines = [orjson.dumps(item) for item in items]  # UTF-8, compact, keys in item order
    return _join(lines)


def _join(lines):
    """Return encoded items as the text of a JSON array, one item per line."""
    return (b"[\n" + b",\n".join(lines) + b"\n]\n").decode() if lines else "[]\n"


def select_papers(db, tag=None, where=None, params=None, since=None):
    """Yield the selected papers (EXPORT_COLUMNS only) in citation-key order."""
    clauses, args = store.filter_clauses(where, params, tag, since)
    sql = f"select {', '.join(EXPORT_COLUMNS)} from papers"
    if clauses:
        sql += " where " + " and ".join(clauses)
    for row in db.execute(sql + " order by citekey collate nocase, citekey", args):
        paper = dict(zip(EXPORT_COLUMNS, row))
        # The store writes these JSON columns without surrounding space: raw_decode reads them.
        authors, tags, extra = paper["authors"], paper["tags"], paper["extra"]
        paper["authors"] = _RAW_DECODE(authors)[0] if authors and authors != "[]" else []
        paper["tags"] = _RAW_DECODE(tags)[0] if tags and tags != "[]" else []
        paper["extra"] = _RAW_DECODE(extra)[0] if extra and extra != "{}" else {}
        yield paper


def export_csl_json(db, path=None, tag=None, where=None, params=None, since=None):
    """Export the selected papers; write path atomically when given (only if changed)."""
    # Each item is encoded as soon as it is made: no list of 100,000 nested dicts for the
    # garbage collector to walk again and again while the export runs.
    lines = [orjson.dumps(csl_item(paper)) for paper in select_papers(db, tag, where, params,
                                                                        since)]
    text = _join(lines)
    written = write_if_changed(path, text) if path is not None else False
    return ExportResult(text=text, count=len(lines), written=written)
