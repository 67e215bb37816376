"""IEEE Xplore: document pages (the metadata JSON they embed), search results, the home page.

Today's document pages carry no `citation_*` tags: everything is in the script
assignment `xplGlobal.document.metadata = {...}`. Older pages had the tags (the
generic reader takes those). Search results are rendered cards read from the page.
"""

import re

from papershelf.server.extractors import card, embedded, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, host, squash

NAME = "ieee"
BASE = "https://ieeexplore.ieee.org"
_METADATA = "xplGlobal.document.metadata"
_SEARCH = re.compile(r"^/search/|/tocresult\.jsp|/RecentIssue\.jsp|/conhome/|/xpl/conhome",
                     re.IGNORECASE)
# Result cards as the search page renders them (xpl-results-item): h3 title link to
# /document/N, the author list, the publication line "Year: 2020 | Volume: 8 | ...".
ROLES = card.Roles(
    title="h3, h2",
    authors="p.author, xpl-authors-name-list",
    abstract="div.js-displayer-content, div.twist-container",
    date="div.publisher-info-container",
    skip="div.stats-container, ul.doc-list-links, div.hide-mobile",
)


def matches(url):
    """Return True for IEEE Xplore URLs."""
    return host(url).endswith("ieeexplore.ieee.org")


def extract(page):
    """Return the document's paper, the search results' candidates, or why there is none."""
    # The whole name as the cheap test: a longer word is found (or not) faster in the source.
    data = embedded.assigned(page, _METADATA) if page.contains(_METADATA) else None
    if data and data.get("title"):
        return Extraction(papers=[document(data)], extractor=NAME)
    if _SEARCH.search(page.path):
        candidates = listings.read(page, ROLES)
        if candidates:
            return Extraction(papers=candidates, listing=True, extractor=NAME)
        return listings.none_found(page, NAME, "IEEE Xplore")
    return Extraction(extractor=NAME)


def document(data):
    """Return the paper fields of xplGlobal.document.metadata."""
    authors = [squash(a.get("name")) for a in data.get("authors") or [] if isinstance(a, dict)]
    conference, journal = bool(data.get("isConference")), bool(data.get("isJournal"))
    venue = squash(data.get("displayPublicationTitle") or data.get("publicationTitle")) or None
    first_page, last_page = data.get("startPage"), data.get("endPage")
    number = data.get("articleNumber")
    published = fields.date(data.get("publicationDate")) or fields.date(data.get("publicationYear"))
    paper = {
        "title": squash(data.get("formulaStrippedArticleTitle") or data.get("title")),
        "authors": [name for name in authors if name],
        "abstract": squash(data.get("abstract")) or None,
        "doi": fields.doi_in(data.get("doi")),
        "published": published,
        "venue": venue,
        "url": f"{BASE}/document/{number}" if number else None,
        "pdf_url": absolute(BASE, data.get("pdfUrl")),
        "source": "ieeexplore.ieee.org",
        "entry_type": "inproceedings" if conference else "article" if journal
        else fields.entry_type(venue=venue) or "misc",
        "extra": {
            "volume": data.get("volume"),
            "number": data.get("issue"),
            "pages": f"{first_page}--{last_page}" if first_page and last_page else first_page,
            "publisher": data.get("publisher"),
            "ieee_article_number": number,
        },
    }
    return fields.prune(paper)
