"""Papers with Code: paper pages and listings (latest, trending, search, tasks, methods).

A paper page shows the title, authors, abstract, date, arXiv and code links; a
listing shows cards (div.paper-card) with the same, the abstract cut short.
"""

import re

from papershelf.server.extractors import arxiv, card, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, by_class, host, text

NAME = "paperswithcode"
HOSTS = ("paperswithcode.com",)
ROLES = card.Roles(
    fallback=card.GENERIC,
    title="h1",
    authors="p.author-section",
    date="span.item-date-pub",
    snippet="p.item-strip-abstract",
    skip="div.entity-stars, div.item-interact",
)
_GITHUB = re.compile(r"^https://github\.com/[^/]+/[^/#?]+")


def matches(url):
    """Return True for Papers with Code URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the paper of a /paper/ page, or the candidates of a listing."""
    root = page.root
    if root is None:
        return Extraction(extractor=NAME)
    if page.path.startswith("/paper/"):
        paper = paper_page(root, page.url)
        return Extraction(papers=[paper], extractor=NAME) if paper.get("title") \
            else Extraction(extractor=NAME)
    candidates = listings.read(page, ROLES, "div.paper-card") or listings.read(page, ROLES)
    if candidates:
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    return Extraction(extractor=NAME)


def paper_page(root, url):
    """Return what a paper page shows: title, authors, date, abstract, arXiv, PDF, code."""
    heading = next(root.iter("h1"), None)
    abstract = next(iter(by_class(root, "div", "paper-abstract")), None)
    links = [absolute(url, a.get("href")) or "" for a in root.iter("a")]
    arxiv_id = next((arxiv.id_in(link) for link in links if arxiv.id_in(link)), None)
    date = next(iter(by_class(root, "span", "item-date-pub")), None)
    paper = {
        "title": text(heading) if heading is not None else None,
        "authors": [text(s) for s in by_class(root, "span", "author-span") if text(s)],
        "abstract": " ".join(text(p) for p in abstract.iter("p")) if abstract is not None
        else None,
        "published": fields.date(text(date)) if date is not None else None,
        "pdf_url": next((link for link in links if link.endswith(".pdf")), None),
        "code_url": next((m.group(0) for m in map(_GITHUB.match, links) if m), None),
        "url": url,
        "source": "paperswithcode.com",
    }
    if arxiv_id:
        paper.update({**arxiv.from_id(arxiv_id), "url": url, "source": "paperswithcode.com"})
    paper.setdefault("entry_type", "misc")
    paper["year"] = fields.year_of(paper.get("published"))
    return fields.prune(paper)
