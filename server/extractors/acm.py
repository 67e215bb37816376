"""ACM Digital Library: article pages, search results and proceedings / issue tables of contents.

Article pages carry no `citation_*` tags: title, authors, abstract, venue and date
come from the page body (Atypon markup); the DOI from the URL. Search results and
tables of contents are the same "issue-item" cards.
"""

import re

from papershelf.server import identity
from papershelf.server.extractors import card, fields, generic, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import by_class, host, squash, text

NAME = "acm"
HOSTS = ("dl.acm.org",)
BASE = "https://dl.acm.org"
_ARTICLE = re.compile(r"^/doi/(?:abs/|full/|fullHtml/|epdf/|pdf/)?(10\.\d{4,9}/[^?#]+)$")
_LISTING = re.compile(r"^/(?:action/doSearch|doi/proceedings/|toc/|loi/|action/showFeed)")
# The blocks of an article page read from its body, as (tag, class word).
_BLOCKS = {("h1", "citation__title"), ("ul", "loa"), ("div", "abstractSection"),
           ("span", "epub-section__title"), ("span", "epub-section__date"),
           ("span", "epub-section__pagerange")}
ROLES = card.Roles(
    title="h5.issue-item__title, h3.issue-item__title, span.hlFld-Title",
    authors="ul.loa",
    abstract="div.issue-item__abstract",
    venue="span.epub-section__title",
    date="span.dot-separator",
    skip="div.issue-item__footer, div.issue-item-checkbox-container, div.issue-heading",
)


def matches(url):
    """Return True for ACM Digital Library URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the article's paper, or the candidates of a search result or table of contents."""
    if _LISTING.match(page.path) or page.path.startswith("/action/"):
        candidates = [_with_doi(p) for p in listings.read(page, ROLES, "li.search__item")
                      or listings.read(page, ROLES, "div.issue-item-container")
                      or listings.read(page, ROLES)]
        if candidates:
            return Extraction(papers=candidates, listing=True, extractor=NAME)
        return listings.none_found(page, NAME, "ACM Digital Library")
    match = _ARTICLE.match(page.path)
    if not match or page.root is None:
        return Extraction(extractor=NAME)
    return Extraction(papers=[article(page, identity.normalize_doi(match.group(1)))],
                      extractor=NAME)


def article(page, doi):
    """Return an article page's paper: its metadata where it has any, the page body for the rest."""
    root = page.root
    paper = generic.read(page.url, root, page.meta)
    blocks = page.blocks(_BLOCKS)
    heading = _first(blocks, "h1", "citation__title")
    # The author list is shown twice (inline and in the "Authors" tab): read the first.
    author_list = next((ul for ul in blocks.get(("ul", "loa"), ())
                        if by_class(ul, "span", "loa__author-name")), None)
    names = [text(n) for n in by_class(author_list, "span", "loa__author-name")] \
        if author_list is not None else []
    abstract = _first(blocks, "div", "abstractSection")
    venue = _first(blocks, "span", "epub-section__title")
    date = _first(blocks, "span", "epub-section__date")
    pages = _first(blocks, "span", "epub-section__pagerange")
    context = "".join(page.meta.get("pbcontext", []))
    visible = {
        "title": text(heading) if heading is not None else None,
        "authors": [squash(name) for name in names if name],
        "abstract": _paragraphs(abstract),
        "venue": text(venue) if venue is not None else None,
        "published": fields.date(text(date)) if date is not None else None,
    }
    paper.update({k: v for k, v in visible.items() if v and not (paper.get(k) and k != "title")})
    paper.update({"doi": paper.get("doi") or doi, "url": f"{BASE}/doi/{doi}",
                  "pdf_url": paper.get("pdf_url") or f"{BASE}/doi/pdf/{doi}",
                  "source": "dl.acm.org"})
    conference = "Conference Proceedings" in context or "proceeding" in context.lower()
    paper["entry_type"] = "inproceedings" if conference else \
        fields.entry_type(venue=paper.get("venue")) or "article"
    if pages is not None:
        paper.setdefault("extra", {})["pages"] = fields.page_range(text(pages))
    paper["year"] = fields.year_of(paper.get("published"))
    return fields.prune(paper)


def _first(blocks, tag, word):
    found = blocks.get((tag, word))
    return found[0] if found else None


def _paragraphs(node):
    if node is None:
        return None
    paragraphs = [text(p) for p in node.iter("p")]
    return squash(" ".join(p for p in paragraphs if p)) or text(node) or None


def _with_doi(paper):
    """Give a card the DOI its link names (/doi/10..., /abs/10...) and the article's address."""
    if not paper.get("doi"):
        found = re.search(r"/(10\.\d{4,9}/[^?#]+)", paper.get("url") or "")
        paper["doi"] = identity.normalize_doi(found.group(1)) if found else None
    if paper.get("doi"):
        paper["url"] = f"{BASE}/doi/{paper['doi']}"
    return fields.prune(paper)
