"""Semantic Scholar's Graph API: where a paper was published, how often it is cited, its open PDF.

by_doi() and by_title() return a record (paper fields plus citation_count and
oa_pdf_url) or None when Semantic Scholar has no such paper; they raise
net.Unavailable when it gave no usable answer. All HTTP goes through server.net.
"""

import re
from urllib.parse import quote, urlencode

from papershelf.server import identity, net
from papershelf.server.extractors import fields as page_fields
from papershelf.server.extractors.htmltools import squash

SERVICE = "Semantic Scholar"
API = "https://api.semanticscholar.org/graph/v1/paper/"
FIELDS = ("title,authors,year,venue,journal,publicationTypes,publicationDate,externalIds,"
          "citationCount,openAccessPdf")
ARXIV_DOI = "10.48550/arxiv."  # the DOI arXiv registers for every preprint (DataCite)


def by_doi(doi, **options):
    """Return the record Semantic Scholar keeps for a DOI, or None."""
    url = f"{API}DOI:{quote(doi, safe='/')}?fields={FIELDS}"
    response = net.answer(url, SERVICE, accept="application/json", **options)
    return parse_paper(response.json_object(SERVICE)) if response.ok else None


def by_title(title, **options):
    """Return Semantic Scholar's best match for a title, or None (not necessarily the paper)."""
    url = f"{API}search/match?{urlencode({'query': title, 'fields': FIELDS})}"
    response = net.answer(url, SERVICE, accept="application/json", **options)
    if not response.ok:
        return None  # 404 {"error": "Title match not found"}
    matches = (response.json_object(SERVICE) or {}).get("data")
    return parse_paper(matches[0]) if isinstance(matches, list) and matches else None


def parse_paper(paper):
    """Return the record of a Semantic Scholar paper object (None for a null entry)."""
    if not isinstance(paper, dict):
        return None
    ids = paper.get("externalIds") or {}
    journal = paper.get("journal") or {}
    doi = identity.normalize_doi(ids.get("DOI"))
    arxiv_id, _ = identity.split_arxiv_id(ids.get("ArXiv"))
    entry_type, venue = _kind(paper.get("publicationTypes") or [], paper.get("venue"),
                              journal.get("name"))
    pages = journal.get("pages")
    record = {
        "title": squash(paper.get("title")) or None,
        "authors": [a.get("name") for a in paper.get("authors") or [] if a.get("name")],
        "year": paper.get("year"),
        "arxiv_id": arxiv_id,
        # arXiv's own DOI names the preprint, not a published version.
        "doi": doi if doi and not doi.startswith(ARXIV_DOI) else None,
        "venue": venue,
        "entry_type": entry_type,
        "extra": {"volume": journal.get("volume") if entry_type == "article" else None,
                  "pages": re.sub(r"\s*-+\s*", "--", pages) if entry_type and pages else None},
        "citation_count": paper.get("citationCount"),
        "oa_pdf_url": (paper.get("openAccessPdf") or {}).get("url") or None,
        "counted_by": SERVICE,
    }
    return page_fields.prune(record)


def _kind(types, venue, journal):
    """Return (entry type, venue) of a published paper, or (None, None) for a preprint."""
    venue, journal = squash(venue) or None, squash(journal) or None
    if "Conference" in types and venue:
        name, kind = venue, page_fields.entry_type(conference=venue)
    elif "JournalArticle" in types and (journal or venue):
        # The journal's name, not the venue: S2 keeps "bioRxiv" as the venue of a
        # preprint it merged with its Cell Genomics version.
        name = journal or venue
        kind = page_fields.entry_type(journal=name)
    else:
        return None, None
    return (kind, name) if kind in ("article", "inproceedings") else (None, None)
