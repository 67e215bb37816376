"""bioRxiv and medRxiv: search results and tables of contents (Highwire "cite" cards).

Article pages carry `citation_*` tags and are read by the generic reader. A card shows
title, authors, the server and the DOI; bioRxiv DOIs (10.1101/2022.04.11.487927) also
say the day the preprint was first posted.
"""

import re

from papershelf.server.extractors import card, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import host

NAME = "biorxiv"
HOSTS = ("biorxiv.org", "medrxiv.org", "connect.biorxiv.org", "connect.medrxiv.org")
_LISTING = re.compile(r"^/(?:search|collection|content/early/recent|toc|archive|subject)",
                      re.IGNORECASE)
_DATED_DOI = re.compile(r"^10\.1101/(\d{4})\.(\d{2})\.(\d{2})\.\d+")
ROLES = card.Roles(
    title="span.highwire-cite-title",
    author="span.highwire-citation-author",
    venue="span.highwire-cite-metadata-journal",
    doi="span.highwire-cite-metadata-doi",
    abstract="div.highwire-cite-snippet, div.highwire-cite-abstract",
    skip="div.highwire-cite-extras, span.highwire-cite-metadata-pages",
)


def matches(url):
    """Return True for bioRxiv and medRxiv URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a search result or table of contents (articles: generic)."""
    if not _LISTING.match(page.path):
        return Extraction(extractor=NAME)
    candidates = [_posted(paper) for paper in listings.read(page, ROLES, "div.highwire-cite")
                  or listings.read(page, ROLES)]
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    return listings.none_found(page, NAME, page.host)


def _posted(paper):
    """Give a card its posting day (from its DOI) and mark it a preprint."""
    found = _DATED_DOI.match(paper.get("doi") or "")
    if found and not paper.get("published"):
        paper["published"] = "-".join(found.groups())
        paper["year"] = int(found.group(1))
    paper["entry_type"] = "preprint"
    return fields.prune(paper)
