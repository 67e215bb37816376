"""nature.com search results and subject or journal listings (article pages: generic).

Cards carry schema.org microdata (headline, creator, datePublished) read by the
generic roles; the journal's link is the venue, and an article's id gives its DOI
(/articles/s41467-018-06211-3 is 10.1038/s41467-018-06211-3).
"""

import re

from papershelf.server import identity
from papershelf.server.extractors import card, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import host

NAME = "nature"
HOSTS = ("nature.com",)
_ARTICLE = re.compile(r"nature\.com/articles/([A-Za-z0-9.\-]+?)/?(?:[?#]|$)")
ROLES = card.Roles(
    fallback=card.GENERIC_MICRODATA,
    venue="a.emphasis, span.c-meta__item--journal",
    skip="div.clear, span.js-separator",
)


def matches(url):
    """Return True for nature.com URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a search or listing page; article pages go to the generic reader."""
    if page.path.startswith("/articles/") or page.root is None:
        return Extraction(extractor=NAME)
    candidates = [_with_doi(paper) for paper in listings.read(page, ROLES)]
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    if page.path.startswith("/search"):
        return listings.none_found(page, NAME, "nature.com")
    return Extraction(extractor=NAME)


def _with_doi(paper):
    found = _ARTICLE.search(paper.get("url") or "")
    if found and not paper.get("doi"):
        paper["doi"] = identity.normalize_doi(f"10.1038/{found.group(1)}")
    paper["entry_type"] = "article"
    return fields.prune(paper)
