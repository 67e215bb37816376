"""Publisher pages whose tags lack the abstract the page shows: NBER working papers, USENIX.

Each reads the `citation_*` tags (generic) and takes the abstract from the block the
site shows it in; NBER's description tag is the site's blurb, never the abstract.
"""

from papershelf.server.extractors import fields, generic
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import has_class, host, text

NAME = "publishers"
# Site host -> (tag, class) of the element holding the abstract.
ABSTRACT_BLOCKS = {
    "nber.org": ("div", "page-header__intro-inner"),
    "usenix.org": ("div", "field-name-field-paper-description"),
}
HOSTS = tuple(ABSTRACT_BLOCKS)


def matches(url):
    """Return True for the publishers listed in ABSTRACT_BLOCKS."""
    return host(url) in ABSTRACT_BLOCKS


def extract(page):
    """Return the paper of the page's tags, with the abstract from the page's own block."""
    tagged = generic.read_tagged(page, page_abstract=False)
    if tagged is None:
        return Extraction(extractor=NAME)
    root, _, paper = tagged
    tag, cls = ABSTRACT_BLOCKS[page.host]
    # The first block only: the walk stops there instead of collecting every match.
    block = next((node for node in root.iter(tag) if has_class(node, cls)), None)
    paragraphs = [text(p) for p in block.iter("p")] if block is not None else []
    paper["abstract"] = " ".join(p for p in paragraphs if p) or \
        (text(block) if block is not None else None) or paper.get("abstract")
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)
