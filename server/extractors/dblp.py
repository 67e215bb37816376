"""dblp: person pages, venue (table of contents) pages and search results.

Every entry is an `li.entry` marked up with schema.org microdata: authors, title,
venue, volume, pages and year; its class says the kind of publication and its
"electronic edition" links give the DOI or arXiv id.
"""

from papershelf.server.extractors import card, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import has_class, host, host_in

NAME = "dblp"
HOSTS = ("dblp.org", "dblp.uni-trier.de", "dblp.dagstuhl.de", ".dblp.org")
ROLES = card.Roles(
    title="span.title",
    author="[itemprop=author]",
    # Names left once authors and title are read are the venue's (Periodical, Book...).
    venue="[itemprop=name]",
    date="[itemprop=datePublished]",
    volume="[itemprop=volumeNumber]",
    number="[itemprop=issueNumber]",
    pages="[itemprop=pagination]",
    skip="div.box, div.nr",
)
# The entry's class names its kind; "informal" is a preprint (CoRR) or other informal work.
ENTRY_TYPES = {"article": "article", "inproceedings": "inproceedings", "book": "book",
               "incollection": "incollection", "editor": "proceedings", "phdthesis": "phdthesis",
               "mastersthesis": "mastersthesis", "reference": "incollection",
               "informal": "misc", "data": "misc"}


def matches(url):
    """Return True for dblp URLs (dblp.org and its mirrors)."""
    return host_in(host(url), HOSTS)


def extract(page):
    """Return the candidates of a person, venue or search page."""
    root = page.root
    if root is None:
        return Extraction(extractor=NAME)
    papers = [entry(item, page.url) for item in root.iter("li")
              if has_class(item, "entry")]
    papers = listings.unique(paper for paper in papers if paper.get("title"))
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    if page.path.startswith(("/search", "/pid", "/pers", "/db/")):
        return listings.none_found(page, NAME, "dblp")
    return Extraction(extractor=NAME)


def entry(item, base):
    """Return the paper of one li.entry."""
    paper = card.read([item], base, ROLES)
    key = item.get("id")
    paper["url"] = f"https://dblp.org/rec/{key}" if key else paper.get("url")
    kinds = (item.get("class") or "").split()
    kind = next((ENTRY_TYPES[k] for k in kinds if k in ENTRY_TYPES), None)
    if kind == "misc" and paper.get("arxiv_id"):
        kind = "preprint"
    paper.setdefault("extra", {})["dblp_key"] = key
    return card.finish(paper, "dblp.org", kind or fields.entry_type(venue=paper.get("venue")))
