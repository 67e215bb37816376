"""ScienceDirect article pages: the authors and abstract missing from the tags come from the page."""


from papershelf.server.extractors import fields, generic
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import by_class, first, host, squash, text

NAME = "sciencedirect"


def matches(url):
    """Return True for ScienceDirect URLs."""
    return host(url).endswith("sciencedirect.com")


def extract(page):
    """Return the paper of a ScienceDirect article page."""
    tagged = generic.read_tagged(page)
    if tagged is None:
        return Extraction(extractor=NAME)
    root, meta, paper = tagged
    if not paper.get("authors"):
        paper["authors"] = _authors(root)
    if not paper.get("abstract"):
        paper["abstract"] = _abstract(root)
    paper.setdefault("extra", {})["pii"] = first(meta, "citation_pii")
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def _authors(root):
    names = []
    for group in by_class(root, "div", "author-group"):
        for button in group.iter("button"):
            given = by_class(button, "span", "given-name")
            family = by_class(button, "span", "surname")
            name = squash(" ".join(text(n) for n in given[:1] + family[:1]))
            if name:
                names.append(name)
        break
    return names


def _abstract(root):
    """Return the text under the "Abstract" heading (not the "Highlights" list)."""
    for section in by_class(root, "div", "abstract"):
        heading = section.find("h2")
        if heading is not None and text(heading).lower() == "abstract":
            body = [text(child) for child in section if child is not heading]
            return squash(" ".join(body)) or None
    return None
