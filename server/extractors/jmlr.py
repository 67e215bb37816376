"""JMLR (jmlr.org): volume pages; paper pages carry citation tags (generic).

A volume lists each paper as a dt (title) and a dd: authors in `<b><i>`, then
"; 22(1):1−34, 2021." and the [abs] [pdf] [bib] links.
"""

import re

from papershelf.server.extractors import fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, host, squash, text

NAME = "jmlr"
HOSTS = ("jmlr.org",)
VENUE = "Journal of Machine Learning Research"
_NUMBERS = re.compile(r"(\d+)\s*(?:\((\d+)\))?\s*:\s*([\w\u2212\-–]+)\s*,\s*((?:19|20)\d\d)")


def matches(url):
    """Return True for jmlr.org."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a volume page."""
    root = page.root
    if root is None or page.path.endswith(".html") and "/papers/v" in page.path \
            and not page.path.endswith("index.html"):
        return Extraction(extractor=NAME)
    papers = listings.unique(p for p in (_paper(dt, page.url) for dt in root.iter("dt")) if p)
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    return Extraction(extractor=NAME)


def _paper(dt, base):
    dd = dt.getnext()
    if dd is None or dd.tag != "dd" or not text(dt):
        return None
    names = next((text(i) for b in dd.iter("b") for i in b.iter("i")), "")
    links = {text(a).lower(): absolute(base, a.get("href")) for a in dd.iter("a")}
    numbers = _NUMBERS.search(text(dd).replace("\u2212", "-"))
    paper = {
        "title": text(dt),
        "authors": [squash(n) for n in names.split(",") if squash(n)],
        "url": links.get("abs"),
        "pdf_url": links.get("pdf"),
        "venue": VENUE,
        "published": numbers.group(4) if numbers else None,
        "entry_type": "article",
        "source": "jmlr.org",
        "extra": {"volume": numbers.group(1) if numbers else None,
                  "number": numbers.group(2) if numbers else None,
                  "pages": fields.page_range(numbers.group(3)) if numbers else None},
    }
    paper["year"] = fields.year_of(paper["published"])
    return fields.prune(paper)
