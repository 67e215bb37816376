"""Listing pages of any site: the papers its cards show, as candidates for the reader to pick."""

from papershelf.server.extractors import card, cards, emptypage
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import BOT_CHECK_ERROR

MIN_PAPERS = 2


def read(page, roles=None):
    """Return the papers the page's cards show, in page order, each once (fewer than 2: [])."""
    found = cards.find(page)
    if len(found) < MIN_PAPERS:
        return []
    if roles is None:
        roles = card.GENERIC_MICRODATA if page.contains("itemprop") else card.GENERIC
    papers = [card.read(elements, page.url, roles, link) for elements, link in found]
    papers = unique(card.finish(paper, page.host) for paper in papers if paper.get("title"))
    return papers if len(papers) >= MIN_PAPERS else []


def unique(papers):
    """Return papers without repeats (the same DOI, arXiv id or URL seen earlier on the page)."""
    seen, kept = set(), []
    for paper in papers:
        keys = {(name, paper[name]) for name in ("doi", "arxiv_id", "url") if paper.get(name)}
        if keys & seen:
            continue
        seen |= keys
        kept.append(paper)
    return kept


def none_found(page, extractor, where):
    """Return the Extraction of a listing page that shows no paper, saying why."""
    if emptypage.is_bot_check(page):
        return Extraction(extractor=extractor, error=BOT_CHECK_ERROR)
    reason = emptypage.reason(page) or f"no papers found on this {where} page"
    return Extraction(extractor=extractor, error=reason)
