"""Listing pages of any site: the papers its cards show, as candidates for the reader to pick."""

from papershelf.server.extractors import card, cards, emptypage
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import BOT_CHECK_ERROR, by_class

MIN_PAPERS = 2


def read(page, roles=None, card_class=None):
    """Return the papers the page's cards show, in page order, each once.

    card_class ("li.search__item"): a site reader's word for its cards; they are taken as
    they are, even one (a search with one result), and found without weighing the page's
    links. Else the cards are found by cards.find, and fewer than two are no listing.
    """
    found = _named_cards(page.root, card_class) if card_class else []
    least = 1 if found else MIN_PAPERS
    found = found or cards.find(page)
    if len(found) < least:
        return []
    if roles is None:
        roles = card.GENERIC_MICRODATA if page.contains("itemprop") else card.GENERIC
    papers = [card.read(elements, page.url, roles, link, label=label)
              for elements, link, label in found]
    papers = unique(card.finish(paper, page.host) for paper in papers if paper.get("title"))
    return papers if len(papers) >= least else []


def _named_cards(root, card_class):
    """Return ([element], None, None) for every element "tag.class" names, outermost only."""
    if root is None:
        return []
    tag, _, word = card_class.partition(".")
    named = by_class(root, tag, word)
    inside = {id(n) for node in named for n in node.iterdescendants(tag)} if len(named) > 1 else ()
    return [([node], None, None) for node in named if id(node) not in inside]


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
    if page.bot_check:
        return Extraction(extractor=extractor, error=BOT_CHECK_ERROR)
    reason = emptypage.reason(page) or f"no papers found on this {where} page"
    return Extraction(extractor=extractor, error=reason)
