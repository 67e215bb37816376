"""PMLR (proceedings.mlr.press): volume pages; paper pages carry citation tags (generic).

A volume shows each paper as div.paper: p.title, span.authors, span.info ("Proceedings
of the 38th International Conference on Machine Learning, PMLR 139:8748-8763") and
links to its abstract page and PDF.
"""

import re

from papershelf.server.extractors import fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, host, squash, text

NAME = "pmlr"
HOSTS = ("proceedings.mlr.press",)
_INFO = re.compile(r"^(.*?),?\s*PMLR\s+(\d+):(\S+)")


def matches(url):
    """Return True for PMLR URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a volume page."""
    root = page.root
    if root is None or page.path.rstrip("/").endswith(".html"):
        return Extraction(extractor=NAME)
    papers = listings.unique(p for p in (_paper(div, page.url) for div in root.iter("div")
                                         if div.get("class") == "paper") if p)
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    return Extraction(extractor=NAME)


def _paper(div, base):
    values = {}
    for node in div.iter("p", "span", "a"):
        kind = node.get("class") or ""
        if node.tag == "a":
            label = text(node).lower()
            if label == "abs":
                values["url"] = absolute(base, node.get("href"))
            elif "pdf" in label:
                values["pdf_url"] = absolute(base, node.get("href"))
        elif kind in ("title", "authors", "info"):
            values[kind] = text(node)
    if not values.get("title"):
        return None
    info = _INFO.match(values.get("info", ""))
    year = re.search(r"\b(19|20)\d\d\b", values.get("info", ""))
    paper = {
        "title": values["title"],
        "authors": [squash(n) for n in values.get("authors", "").split(",") if squash(n)],
        "url": values.get("url"),
        "pdf_url": values.get("pdf_url"),
        "venue": info.group(1) if info else None,
        "published": year.group(0) if year else None,
        "entry_type": "inproceedings",
        "source": "proceedings.mlr.press",
        "extra": {"volume": info.group(2) if info else None,
                  "pages": fields.page_range(info.group(3)) if info else None},
    }
    paper["year"] = fields.year_of(paper["published"])
    return fields.prune(paper)
