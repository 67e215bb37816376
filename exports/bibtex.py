"""Write papers as BibTeX (unicode escaped for LaTeX) or BibLaTeX (UTF-8 kept).

Output is deterministic: entries sorted by citation key, fields in a fixed order,
no timestamps, so an unchanged library gives a byte-identical file.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from exports.atomic import write_if_changed

MODES = ("bibtex", "biblatex")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Fields the writer derives from the paper object; extra may not override them.
# extra keys that describe the web page or the reader, not the publication.
NOT_BIBLIOGRAPHIC = frozenset({
    "upvotes", "selection", "ai_summary", "ai_keywords", "github_stars", "thumbnail",
    "num_comments", "media_urls",
})
# Which field holds the venue for each entry type (BibTeX name, BibLaTeX name).
VENUE_FIELDS = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle", "booktitle"),
    "incollection": ("booktitle", "booktitle"),
    "conference": ("booktitle", "booktitle"),
}
# Words that mark an author as an organisation, kept whole in braces.
CORPORATE_WORDS = frozenset(
    "team group consortium collaboration project committee institute university lab"
    " laboratory laboratories inc ltd llc corporation corp association society foundation"
    " organization organisation council agency commission community contributors authors"
    " workshop deepmind".split()
)
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_\-]*\Z")
# A word to protect from case changes: an uppercase letter after its first character
# (LLM, DistServe, GPT4, 3D, iPhone). Not after a backslash: \OE, \L are commands.
_PROTECT = re.compile(r"(?<![0-9A-Za-z\\])[0-9A-Za-z][0-9A-Za-z]*?[A-Z][0-9A-Za-z]*(?![0-9A-Za-z])")
# Inline math as writers type it: $ then non-space ... non-space then $, not followed by a digit.
_MATH = re.compile(r"\$(?=[^\s$])[^$]*?(?<=[^\s$])\$(?!\d)")
_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
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


class _LatexTable(dict):
    """Translation table for str.translate: specials and non-ASCII characters to LaTeX."""

    def __missing__(self, code):
        char = chr(code)
        value = _latex_char(char) if code > 127 else char
        self[code] = value
        return value


_TEXT_TABLE = {ord(c): v for c, v in _SPECIALS.items()}
_LATEX_TABLE = _LatexTable(_TEXT_TABLE)
_UNICODE_TABLE = _LatexTable()  # non-ASCII only: for LaTeX kept as the source wrote it


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


def escape(text, mode="bibtex"):
    """Return text with LaTeX specials escaped (and, in bibtex mode, unicode as LaTeX)."""
    table = _LATEX_TABLE if mode == "bibtex" else _TEXT_TABLE
    return text.translate(table)


def escape_text(text, mode="bibtex", protect=False):
    """Return a text field escaped with $math$ kept as written; protect braces acronyms."""
    if "$" not in text:
        return _escape_plain(text, mode, protect)
    out, last = [], 0
    for match in _MATH.finditer(text):
        math = match.group(0)
        if math.count("{") != math.count("}"):
            continue  # unbalanced braces would break the entry: treat as text
        out.append(_escape_plain(text[last:match.start()], mode, protect))
        math = math if mode == "biblatex" else math.translate(_UNICODE_TABLE)
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


def format_name(name, mode="bibtex"):
    """Return one author for a BibTeX name list; organisations stay whole in braces."""
    escaped = escape(name, mode)
    if is_corporate(name):
        return "{" + escaped + "}"
    return escaped


def is_corporate(name):
    """Return True when an author string names an organisation rather than a person."""
    if " " not in name or "," in name:
        return False
    words = re.findall(r"[A-Za-z]+", name.lower())
    return (any(w in CORPORATE_WORDS for w in words) or " and " in name or "&" in name
            or " AI" in name or any(c.isdigit() for c in name))


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


def entry_fields(paper, mode="bibtex"):
    """Return the (name, value-as-written) pairs of a paper's entry, in output order."""
    kind = entry_type(paper, mode)
    extra = paper.get("extra") or {}
    sources = extra.get("_latex") or {}
    fields = {}
    if paper.get("authors"):
        fields["author"] = _source(sources, "authors", paper["authors"], mode) or (
            "{" + " and ".join(format_name(a, mode) for a in paper["authors"]) + "}")
    if paper.get("title"):
        fields["title"] = _source(sources, "title", paper["title"], mode) or (
            "{" + escape_title(paper["title"], mode) + "}")
    if paper.get("venue") and kind in VENUE_FIELDS:
        fields[VENUE_FIELDS[kind][mode == "biblatex"]] = _source(
            sources, "venue", paper["venue"], mode) or "{" + escape_text(paper["venue"], mode) + "}"
    if paper.get("year"):
        fields["year"] = "{%d}" % paper["year"]
    month = _month(paper.get("published"), paper.get("year"))
    if month:
        fields["month"] = month
    if paper.get("arxiv_id"):
        fields["eprint"] = "{" + paper["arxiv_id"] + "}"
        if mode == "bibtex":
            fields["archivePrefix"] = "{arXiv}"
            if paper.get("arxiv_category"):
                fields["primaryClass"] = "{" + paper["arxiv_category"] + "}"
        else:
            fields["eprinttype"] = "{arxiv}"
            if paper.get("arxiv_category"):
                fields["eprintclass"] = "{" + paper["arxiv_category"] + "}"
            if kind == "online":
                fields["pubstate"] = "{prepublished}"
    if paper.get("doi"):
        fields["doi"] = "{" + _safe_url(paper["doi"]) + "}"
    if paper.get("url"):
        fields["url"] = "{" + _safe_url(paper["url"]) + "}"
    if paper.get("abstract"):
        fields["abstract"] = _source(sources, "abstract", paper["abstract"], mode) or (
            "{" + escape_text(paper["abstract"], mode) + "}")
    taken = {name.lower() for name in fields}
    renames = _bibtex_renames(kind, extra) if mode == "bibtex" else {}
    for name in sorted(extra):
        if name in taken or name in NOT_BIBLIOGRAPHIC or not _FIELD_NAME.match(name):
            continue
        value = _source(sources, name, extra[name], mode) or _extra_value(name, extra[name], mode)
        if value is not None:
            fields[renames.get(name, name)] = value
    return fields


def _bibtex_renames(kind, extra):
    """Return {BibLaTeX name: BibTeX name} for the extra fields a BibTeX style would miss."""
    renames = dict(BIBTEX_FIELD_NAMES)
    if kind in ("phdthesis", "mastersthesis"):
        renames["institution"] = "school"
    return {old: new for old, new in renames.items() if old in extra and new not in extra}


def _source(sources, name, value, mode):
    """Return the LaTeX an import read for this field, while the field still holds what it gave."""
    source = sources.get(name)
    if not source or source[1] != value or not isinstance(source[0], str):
        return None
    return "{" + (source[0] if mode == "biblatex" else source[0].translate(_UNICODE_TABLE)) + "}"


NAME_LIST_FIELDS = frozenset({"editor", "translator", "bookauthor", "annotator", "commentator",
                               "editora", "editorb", "editorc", "afterword", "foreword",
                               "introduction", "holder"})
_VERBATIM_FIELDS = frozenset({"doi", "url", "eprint", "file", "pdf", "isbn", "issn", "urldate"})


def _extra_value(name, value, mode):
    if isinstance(value, bool) or value in (None, "", []):
        return None
    if isinstance(value, int):
        return "{%d}" % value
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
    return "{" + escape_text(value, mode) + "}"


def _month(published, year):
    """Return the month macro (jan..dec) of a YYYY-MM[-DD] date, or None."""
    if not published or len(published) < 7 or published[4] != "-":
        return None
    if year and not published.startswith(str(year)):
        return None  # the month belongs to another year (e.g. first arXiv version)
    month = published[5:7]
    if month.isdigit() and 1 <= int(month) <= 12:
        return MONTHS[int(month) - 1]
    return None


def format_entry(paper, mode="bibtex"):
    """Return one paper as a BibTeX/BibLaTeX entry (ending in a newline)."""
    fields = entry_fields(paper, mode)
    width = max(map(len, fields)) if fields else 0
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields.items())
    return f"@{entry_type(paper, mode)}{{{paper['citekey']},\n{body}\n}}\n"


def sort_key(paper):
    return (paper["citekey"].casefold(), paper["citekey"])


def render_bibtex(papers, mode="bibtex"):
    """Return papers as one .bib text, sorted by citation key."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return "\n".join(format_entry(p, mode) for p in sorted(papers, key=sort_key))


def cited_keys(aux_path):
    """Return the keys an .aux file cites (BibTeX \\citation and biblatex \\abx@aux@cite)."""
    keys = []
    text = Path(aux_path).read_text(encoding="utf-8", errors="replace")
    for match in re.finditer(r"\\citation\{([^}]*)\}|\\abx@aux@cite\{[^}]*\}\{([^}]*)\}", text):
        for key in (match.group(1) or match.group(2) or "").split(","):
            if key.strip() and key.strip() not in keys:
                keys.append(key.strip())
    return keys


def select_papers(db, tag=None, where=None, params=None, since=None, keys=None, aux=None):
    """Return (papers sorted by key, requested keys not found) for the export filters."""
    from server import store

    clauses, args = [], []
    if where:
        clauses.append(f"({where})")
        args.extend(params or [])
    if since:
        clauses.append("added_at >= ?")
        args.append(str(since))
    wanted = list(keys or [])
    if aux:
        wanted.extend(cited_keys(aux))
    missing = []
    if wanted and "*" not in wanted:
        folded = {k.casefold() for k in wanted}
        clauses.append("citekey collate nocase in (select value from json_each(?))")
        args.append(_json_list(sorted(folded)))
    sql = " and ".join(clauses) or None
    papers = list(store.iter_papers(db, where=sql, params=args, tag=tag,
                                    order_by="citekey collate nocase, citekey"))
    if wanted and "*" not in wanted:
        found = {p["citekey"].casefold() for p in papers}
        missing = [k for k in dict.fromkeys(wanted) if k.casefold() not in found]
    return papers, missing


def _json_list(values):
    import json

    return json.dumps(values)


def export_bibtex(db, path=None, mode="bibtex", tag=None, where=None, params=None, since=None,
                  keys=None, aux=None):
    """Export the selected papers; write path atomically when given (only if changed)."""
    papers, missing = select_papers(db, tag=tag, where=where, params=params, since=since,
                                    keys=keys, aux=aux)
    text = render_bibtex(papers, mode)
    written = write_if_changed(path, text) if path is not None else False
    return ExportResult(text=text, count=len(papers), written=written, missing=missing)
