"""PhilPapers listings (recent additions, categories, searches, profiles); records: generic.

An entry links "Author & Author, Title." to its record; the names and the title are
marked up apart (span.name, span.articleTitle), and its "Direct download" link
carries the DOI.
"""

from papershelf.server.extractors import card, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import host

NAME = "philpapers"
HOSTS = ("philpapers.org",)
ROLES = card.Roles(
    fallback=card.GENERIC,
    author="span.name",
    title="span.articleTitle",
    venue="span.pubInfo",
    skip="div.catsCon, div.extras",
)


def matches(url):
    """Return True for PhilPapers URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a listing page; a record page is left to the generic reader."""
    if page.path.startswith("/rec/") or page.root is None:
        return Extraction(extractor=NAME)
    candidates = listings.read(page, ROLES, "li.entry") or listings.read(page, ROLES)
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    return Extraction(extractor=NAME)
