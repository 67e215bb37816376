"""NeurIPS proceedings (proceedings.neurips.cc, papers.nips.cc): volume pages.

A volume lists each paper as a link to its "-Abstract" page followed by its
authors (`<i>` on older pages, span.paper-authors on newer). Paper pages carry
`citation_*` tags and are read by the generic reader.
"""

import re

from papershelf.server.extractors import fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, host, squash, text

NAME = "neurips"
HOSTS = ("proceedings.neurips.cc", "papers.nips.cc", "papers.neurips.cc")
VENUE = "Advances in Neural Information Processing Systems"
_YEAR = re.compile(r"/paper(?:_files/paper)?/(\d{4})")


def matches(url):
    """Return True for the NeurIPS proceedings sites."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a volume page (paper pages: generic)."""
    if "/hash/" in page.path or page.root is None:
        return Extraction(extractor=NAME)
    found = _YEAR.search(page.path)
    year = found.group(1) if found else None
    papers = []
    for item in page.root.iter("li"):
        link = next((a for a in item.iter("a") if "-Abstract" in (a.get("href") or "")), None)
        if link is not None and text(link):
            papers.append(_paper(item, link, page.url, year))
    papers = listings.unique(papers)
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    return Extraction(extractor=NAME)


def _paper(item, link, base, year):
    names = next((text(n) for n in item.iter("i", "span")
                  if n.tag == "i" or "paper-authors" in (n.get("class") or "")), "")
    paper = {
        "title": text(link),
        "url": absolute(base, link.get("href")),
        "authors": [squash(n) for n in names.split(",") if squash(n)],
        "venue": VENUE,
        "published": year,
        "year": int(year) if year else None,
        "entry_type": "inproceedings",
        "source": host(base),
    }
    return fields.prune(paper)
