"""Springer Link search results and listings (article and chapter pages: generic).

Result cards link /article/10... or /chapter/10... (the DOI), with authors, the
journal or book, the date and a snippet, in today's markup (li.app-card-open) and
the older one (ol#results-list li).
"""

from papershelf.server.extractors import card, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import host

NAME = "springer"
HOSTS = ("link.springer.com",)
ROLES = card.Roles(
    fallback=card.GENERIC,
    title="h3.app-card-open__heading, h2.title, a.title",
    authors="div.app-card-open__authors, span.authors",
    snippet="div.app-card-open__description, p.snippet",
    venue="a.publication-title, span.app-card-open__meta-item--journal",
    date="span.year, span.c-meta__item--date",
    skip="div.app-card-open__side, div.c-card__image, span.enumeration-year",
)


def matches(url):
    """Return True for Springer Link URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a search or listing page; article pages go to generic."""
    if page.path.startswith(("/article/", "/chapter/", "/book/", "/referenceworkentry/")) \
            or page.root is None:
        return Extraction(extractor=NAME)
    candidates = listings.read(page, ROLES, "li.app-card-open") or listings.read(page, ROLES)
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    if page.path.startswith("/search"):
        return listings.none_found(page, NAME, "Springer Link")
    return Extraction(extractor=NAME)
