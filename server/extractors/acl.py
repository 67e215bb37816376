"""ACL Anthology: paper pages (`citation_*` tags plus the embedded BibTeX) and volume pages.

A volume or event page lists each paper as a `p.d-sm-flex` row (badges, the title
link, the author links) followed by its collapsed abstract; the page's heading
names the volume.
"""

import re

from papershelf.server.extractors import bibtex_block, fields, generic, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import absolute, first, host, text

NAME = "acl"
HOSTS = ("aclanthology.org", "aclweb.org")
_ID = re.compile(r"^/(?:anthology/)?([A-Za-z]\d{2}-\d{4}|\d{4}\.[\w\-]+\.\d+)(?:\.pdf)?/?$")


def matches(url):
    """Return True for ACL Anthology URLs."""
    return host(url) in HOSTS


def extract(page):
    """Return the paper of an ACL Anthology page."""
    tagged = generic.read_tagged(page, page_abstract=False)
    if tagged is None:
        papers = volume(page.root, page.url) if page.root is not None else []
        if papers:
            return Extraction(papers=papers, listing=True, extractor=NAME)
        return Extraction(extractor=NAME)
    root, meta, paper = tagged
    entry = embedded_bibtex(root)
    if not entry:
        paper["abstract"] = generic.abstract(meta, {}, root)
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
    # Every <pre> and <code> in page order (the Anthology's #citeBibtexContent is a <pre>).
    for node in root.iter("pre", "code"):
        if node.tag == "code":
            content = text(node)
        else:  # a <pre> of plain text (the common case) needs no itertext
            content = (node.text or "") if len(node) == 0 else "".join(node.itertext())
        if content.lstrip().startswith("@"):
            return bibtex_block.read_entry(content)
    return None


def volume(root, base):
    """Return the papers a volume or event page lists, each with its abstract when shown."""
    heading = next(root.iter("h2"), None)
    venue = text(heading) if heading is not None else None
    papers = []
    for row in root.iter("p"):
        if "d-sm-flex" not in (row.get("class") or ""):
            continue
        paper = _row(row, base, venue)
        if paper:
            papers.append(paper)
    return listings.unique(papers)


def _row(row, base, venue):
    title = next((a for strong in row.iter("strong") for a in strong.iter("a")), None)
    if title is None or not text(title):
        return None
    href = title.get("href") or ""
    found = _ID.match(href.replace("https://aclanthology.org", ""))
    acl_id = found.group(1) if found else None
    links = [a for a in row.iter("a")]
    paper = {
        "title": text(title),
        "url": absolute(base, href),
        "authors": [text(a) for a in links if "/people/" in (a.get("href") or "")],
        "pdf_url": next((absolute(base, a.get("href")) for a in links
                         if (a.get("href") or "").endswith(".pdf")), None),
        "venue": venue,
        "published": _year(acl_id),
        "entry_type": "proceedings" if acl_id and acl_id.endswith(".0") else "inproceedings",
        "source": "aclanthology.org",
        "extra": {"acl_id": acl_id},
    }
    following = row.getnext()
    if following is not None and "abstract-collapse" in (following.get("class") or ""):
        paper["abstract"] = text(following) or None
    paper["year"] = fields.year_of(paper["published"])
    return fields.prune(paper)


def _year(acl_id):
    """Return the year an Anthology id says: "2021.naacl-main.1", or "N04-1001" (2004)."""
    if not acl_id:
        return None
    if acl_id[:4].isdigit():
        return acl_id[:4]
    digits = acl_id[1:3]
    return f"{'19' if int(digits) > 60 else '20'}{digits}" if digits.isdigit() else None
