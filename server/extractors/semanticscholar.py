"""Semantic Scholar: search results and author pages (paper pages: citation tags, generic).

Result rows (div.cl-paper-row) show a title linked to /paper/..., authors, venue, date
and a TL;DR or abstract; the row's links give DOI, arXiv id and PDF when shown.
"""

from papershelf.server.extractors import card, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import host

NAME = "semanticscholar"
HOSTS = ("semanticscholar.org",)
ROLES = card.Roles(
    fallback=card.GENERIC,
    title="h2.cl-paper-title, div.cl-paper-title",
    authors="span.cl-paper-authors",
    venue="span.cl-paper-venue",
    date="span.cl-paper-pubdates",
    abstract="div.cl-paper-abstract",
    snippet="span.tldr-abstract-replacement",
    skip="div.cl-paper-controls, div.cl-paper-stats, button",
)


def matches(url):
    """Return True for Semantic Scholar URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a search or author page; paper pages are left to generic."""
    if page.path.startswith("/paper/") or page.root is None:
        return Extraction(extractor=NAME)
    candidates = listings.read(page, ROLES, "div.cl-paper-row") or listings.read(page, ROLES)
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    if page.path.startswith(("/search", "/author/")):
        return listings.none_found(page, NAME, "Semantic Scholar")
    return Extraction(extractor=NAME)
