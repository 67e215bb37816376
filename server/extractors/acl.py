"""ACL Anthology paper pages: `citation_*` tags plus the embedded BibTeX (editors, abstract)."""

import re

from papershelf.server.extractors import bibtex_block, fields, generic
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import first, host, text

NAME = "acl"
_ID = re.compile(r"^/(?:anthology/)?([A-Za-z]\d{2}-\d{4}|\d{4}\.[\w\-]+\.\d+)(?:\.pdf)?/?$")


def matches(url):
    """Return True for ACL Anthology URLs."""
    return host(url) in ("aclanthology.org", "aclweb.org")


def extract(page):
    """Return the paper of an ACL Anthology page."""
    tagged = generic.read_tagged(page)
    if tagged is None:
        return Extraction(extractor=NAME)
    root, meta, paper = tagged
    entry = embedded_bibtex(root)
    if entry:
        entry_type, key, bib = entry
        paper["entry_type"] = entry_type if entry_type in ("inproceedings", "article") \
            else paper.get("entry_type")
        # The page's description is the author line, not the abstract; the BibTeX has it.
        paper["abstract"] = first(meta, "citation_abstract") or bib.get("abstract")
        paper["doi"] = paper.get("doi") or bib.get("doi")
        paper.setdefault("extra", {}).update({
            "booktitle": bib.get("booktitle"),
            "journal": bib.get("journal"),
            "editor": bibtex_block.names(bib.get("editor")),
            "publisher": bib.get("publisher"),
            "address": bib.get("address"),
            "month": bib.get("month"),
            "pages": bib.get("pages") or paper["extra"].get("pages"),
            "bibtex_key": key,
        })
    anthology_id = _ID.match(page.path)
    if anthology_id:
        paper.setdefault("extra", {})["acl_id"] = anthology_id.group(1)
    paper["source"] = "aclanthology.org"
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def embedded_bibtex(root):
    """Return (type, key, fields) of the page's BibTeX block, or None."""
    if root is None:
        return None
    for node in root.xpath("//pre[@id='citeBibtexContent'] | //pre | //code"):
        content = text(node) if node.tag == "code" else "".join(node.itertext())
        if content.lstrip().startswith("@"):
            return bibtex_block.read_entry(content)
    return None
