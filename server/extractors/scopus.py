"""Scopus document previews (record/display.uri): no citation tags, the record is the page body.

Title (h2, without its "(Article)" labels), authors ("He, S."), source title, the
"Volume 62, Issue 1, 2020, Pages 321-336" line, the abstract section and the DOI.
"""

import re

from papershelf.server.extractors import fields, generic
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import by_class, has_class, host, squash, text

NAME = "scopus"
HOSTS = ("scopus.com",)
# Scopus document types (input#citationType) as entry types.
ENTRY_TYPES = {"ar": "article", "re": "article", "cp": "inproceedings", "ch": "incollection",
               "bk": "book", "le": "article", "ed": "article", "no": "article"}
_PART_IDS = frozenset(("guestAccessSourceTitle", "journalInfo", "authorlist", "abstractSection",
                       "publicationYear", "citationType"))


def matches(url):
    """Return True for Scopus record pages."""
    return host(url) == "scopus.com"


def extract(page):
    """Return the paper of a Scopus record preview."""
    root = page.root
    if root is None or not page.path.startswith("/record/"):
        return Extraction(extractor=NAME)
    heading, values = _record_parts(root)
    if heading is None or not squash(heading.text):
        return Extraction(extractor=NAME)
    journal = text(values.get("journalInfo"))
    abstract = values.get("abstractSection")
    paper = {
        "title": squash(heading.text),
        "authors": [fields.person(text(n))
                    for n in by_class(values["authorlist"], "span", "previewTxt")]
        if "authorlist" in values else [],
        "venue": text(values.get("guestAccessSourceTitle")) or None,
        "published": (values["publicationYear"].get("value")
                      if "publicationYear" in values else None) or fields.date(journal),
        "abstract": " ".join(text(p) for p in abstract.iterchildren("p")) if abstract is not None
        else None,
        "doi": generic.find_doi(page.url, root, page.meta, {}),
        "url": page.url,
        "source": "scopus.com",
        "entry_type": ENTRY_TYPES.get((values.get("citationType").get("value") or "")
                                      if "citationType" in values else "", "misc"),
        "extra": {
            "volume": _labelled(journal, "Volume"),
            "number": _labelled(journal, "Issue"),
            "pages": fields.page_range(_labelled(journal, "Pages")),
        },
    }
    paper["year"] = fields.year_of(paper["published"])
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def _record_parts(root):
    """Return the title heading (the first h2.h3) and {id: element} of the record's parts.

    One walk over a page of megabytes serves both; the last element of an id wins.
    """
    heading, parts = None, {}
    for node in root.iter("h2", "span", "section", "input"):
        if node.tag == "h2":
            if heading is None and has_class(node, "h3"):
                heading = node
            continue
        name = node.get("id")
        if name in _PART_IDS:
            parts[name] = node
    return heading, parts


def _labelled(line, label):
    found = re.search(rf"\b{label}\s+([^,]+)", line or "")
    return found.group(1).strip() if found else None
