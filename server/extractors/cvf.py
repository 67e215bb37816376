"""CVF open access (openaccess.thecvf.com, cv-foundation.org): volume and day listings.

A volume lists each paper as a `dt.ptitle` (title link), a `dd` of author links and a
`dd` of links (pdf, supplement, arXiv) with the paper's BibTeX, which names the
conference and year. Paper pages carry `citation_*` tags (the generic reader, which
also takes their `div#abstract`).
"""

import re

from lxml import etree

from papershelf.server.extractors import arxiv, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, host, text

NAME = "cvf"
HOSTS = ("openaccess.thecvf.com", "cv-foundation.org")
# The lookahead lets the regex engine skip, at one test, the places no field name starts.
_BIB_FIELD = re.compile(r"(?=[bym])\b(booktitle|year|month)\s*=\s*\{([^}]*)\}")


def matches(url):
    """Return True for the CVF open access sites."""
    return host(url) in HOSTS


def extract(page):
    """Return the candidates of a volume or day listing (paper pages: generic)."""
    if "/html/" in page.path or page.root is None:
        return Extraction(extractor=NAME)
    papers = listings.unique(p for p in (_paper(dt, page.url) for dt in page.root.iter("dt")
                                         if dt.get("class") == "ptitle") if p)
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    return listings.none_found(page, NAME, "CVF open access")


def _paper(dt, base):
    link = next(dt.iter("a"), None)
    title = text(link) if link is not None else ""
    if not title:
        return None
    paper = {"title": title, "url": absolute(base, link.get("href")), "authors": [],
             "source": host(base) or "openaccess.thecvf.com", "entry_type": "inproceedings"}
    node = dt.getnext()
    while node is not None and node.tag == "dd":
        _read_dd(node, paper, base)
        node = node.getnext()
    paper["year"] = fields.year_of(paper.get("published"))
    return fields.prune(paper)


def _read_dd(dd, paper, base):
    """Read a dd: author links (in their search forms), or the links and the BibTeX."""
    links, bibrefs, author_search = [], [], False
    for node in dd.iter("a", "form", "div"):  # one walk over the dd for all three
        tag = node.tag
        if tag == "a":
            links.append(node)
        elif tag == "form":
            author_search = author_search or node.get("class") == "authsearch"
        elif node.get("class") == "bibref":
            bibrefs.append(node)
    if author_search:
        paper["authors"] += [name for name in map(text, links) if name]
        return
    for link in links:
        href, label = link.get("href") or "", text(link).lower()
        if label == "pdf":
            paper["pdf_url"] = absolute(base, href)
        elif "arxiv.org/abs/" in href:
            paper["arxiv_id"] = arxiv.id_in(href)
    for block in bibrefs:
        # libxml2 gathers the text in C: the same string as joining itertext(), ten times faster.
        bibtex = etree.tostring(block, method="text", encoding=str, with_tail=False)
        values = dict(_BIB_FIELD.findall(bibtex))
        paper["venue"] = values.get("booktitle")
        paper["published"] = fields.date(f"{values.get('month', '')} {values.get('year', '')}")
