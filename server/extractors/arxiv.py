"""arXiv: abstract pages, PDF and HTML URLs (from the URL alone), listing and search pages.

On abstract pages the `citation_*` tags give title and abstract (their TeX stays
as written even in a MathJax-rendered page); the body gives authors in order, the
version history, category, comments, journal ref and DOI. A saved <head> alone works.
"""

import re

from papershelf.server import identity
from papershelf.server.extractors import fields
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    by_class,
    first,
    host,
    plain_text,
    text,
    without_descriptor,
)

NAME = "arxiv"
HOSTS = ("arxiv.org", ".arxiv.org")  # the registry asks this reader only for these
ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?"
_PAPER_PATH = re.compile(rf"^/(abs|pdf|html|format|src)/({ID})(?:\.pdf)?(?:/.*)?$")
_IN_URL = re.compile(rf"arxiv\.org/(?:abs|pdf|html)/({ID})")
_LISTING_PATH = re.compile(r"^/(list|search|catchup|a)/")
_HISTORY = re.compile(r"\[v(\d+)\]\s*(.*?)\s*\(")
_EMPTY = (None, "", [])  # built once, not for every value of a thousand entries
_ID_IN_TEXT = re.compile(rf"({ID})")
_CATEGORY = re.compile(r"\(([a-z\-]+(?:\.[A-Za-z\-]+)?)\)\s*$")
# The /abs/ body's blocks read by tag and class word (found in one walk: Page.blocks).
_ABS_BLOCKS = {("div", "dateline"), ("div", "authors"), ("div", "submission-history"),
               ("span", "primary-subject")}


def matches(url):
    """Return True for arxiv.org and its mirrors (export.arxiv.org)."""
    hostname = host(url)
    return hostname == "arxiv.org" or hostname.endswith(".arxiv.org")


def extract(page):
    """Return the paper of an arXiv paper URL, or the candidates of a listing."""
    path = page.path
    if _LISTING_PATH.match(path):
        root = page.root
        candidates = listing(root, search="/search/" in path) if root is not None else []
        if not candidates:
            return Extraction(extractor=NAME, error="no papers found on this arXiv listing")
        return Extraction(papers=candidates, listing=True, extractor=NAME)
    match = _PAPER_PATH.match(path)
    if not match:
        return Extraction(extractor=NAME)
    arxiv_id, version = identity.split_arxiv_id(match.group(2))
    kind = match.group(1)
    root = page.root if kind in ("abs", "html") else None
    paper = {}
    if root is not None:
        paper = abstract_page(page, arxiv_id, version) if kind == "abs" else html_paper(page)
    paper = {**from_id(paper.get("arxiv_id") or arxiv_id, paper.get("arxiv_version") or version),
             **paper}
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def from_id(arxiv_id, version=None):
    """Return the fields an arXiv id alone gives: the identifiers and the URLs.

    Both URLs are unversioned, as arXiv's own citation_pdf_url: they stay right when
    a new version appears, and a lookup by the plain /pdf/ URL finds the paper.
    """
    return {
        "arxiv_id": arxiv_id,
        "arxiv_version": version,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
        "entry_type": "preprint",
        "source": "arxiv.org",
    }


def id_in(url):
    """Return the arXiv id (without version) an arxiv.org abs/pdf/html URL names, or None."""
    found = _IN_URL.search(url or "")
    return identity.split_arxiv_id(found.group(1))[0] if found else None


def month_of(arxiv_id):
    """Return the YYYY-MM an arXiv id encodes (its first announcement month), or None."""
    digits = (arxiv_id or "").rpartition("/")[2][:4]
    if not digits.isdigit():
        return None
    yy, mm = int(digits[:2]), int(digits[2:])
    if not 1 <= mm <= 12:
        return None
    return f"{1900 + yy if yy >= 91 else 2000 + yy}-{mm:02d}"


def abstract_page(page, arxiv_id, version):
    """Return the fields of an /abs/ page (citation tags and the page body)."""
    meta = page.meta
    arxiv_id = arxiv_id or identity.split_arxiv_id(first(meta, "citation_arxiv_id"))[0]
    blocks = {word: nodes[0] for (_, word), nodes in
              page.blocks(_ABS_BLOCKS, first_only=True).items()}
    history = submission_history(blocks.get("submission-history"))
    version = version or _page_version(page, history, blocks.get("submission-history"))
    dateline = text(blocks.get("dateline"))
    v1_date = history.get(1) or fields.date(_after(dateline, "Submitted on"))
    version_date = (history.get(version) if version else None) \
        or fields.date(_after(dateline, "last revised")) \
        or (v1_date if version == 1 else fields.date(first(meta, "citation_online_date")))
    heading = page.first_class("h1", "title")
    title = without_descriptor(heading) if heading is not None else ""
    block = blocks.get("authors")
    authors = _link_names(block) if block is not None else []
    abstract = page.first_class("blockquote", "abstract")
    paper = {
        "arxiv_id": arxiv_id,
        "arxiv_version": version,
        # The citation tags keep TeX as written even when the page sent to us was
        # rendered by MathJax in the browser; the visible text is the fallback.
        "title": first(meta, "citation_title") or title,
        "authors": authors or fields.authors(meta.get("citation_author", [])),
        "abstract": first(meta, "citation_abstract")
        or (without_descriptor(abstract) if abstract is not None else None),
        "published": v1_date or fields.date(first(meta, "citation_date")),
        "arxiv_category": primary_category(page, blocks.get("primary-subject")),
        "doi": identity.normalize_doi(_cell(page, "doi")),
        "extra": {
            "version_date": version_date,
            "comments": _cell(page, "comments") or None,
            "journal_ref": _cell(page, "jref") or None,
            "msc_class": _cell(page, "msc-classes") or None,
            "acm_class": _cell(page, "acm-classes") or None,
        },
    }
    paper["year"] = fields.year_of(paper["published"])
    return fields.prune(paper)


def html_paper(page):
    """Return title, authors and abstract of an /html/ (LaTeXML) rendering."""
    heading = page.first_class("h1", "ltx_title_document")
    abstract = page.first_class("div", "ltx_abstract")
    paragraphs = [text(p) for p in abstract.iter("p")] if abstract is not None else []
    return fields.prune({"title": text(heading) if heading is not None else None,
                         "authors": html_authors(page),
                         "abstract": " ".join(paragraphs) or None})


def html_authors(page):
    """Return the names LaTeXML puts in span.ltx_personname, without affiliations or notes.

    A personname holds one author, or several joined by commas or "and", with footnote
    marks; what follows its first line break is the affiliation and address.
    """
    names = []
    for person in page.find_class("span", "ltx_personname"):
        names += _person_names(person)
    return names


def _person_names(person):
    line = [person.text or ""]
    for child in person:
        kind = child.get("class") or ""
        if child.tag == "br" or "ltx_break" in kind:
            break
        if not (child.tag == "sup" or any(word in kind for word in _NOT_NAMES)):
            line.append(text(child))
        line.append(child.tail or "")
    names = (" ".join(name.split()).strip(" *\u2020\u2021\u2217,")
             for name in re.split(r",|\band\b|&", "".join(line)))
    return [name for name in names if name and not re.search(r"@|\d", name)]


_NOT_NAMES = ("ltx_note", "ltx_sup", "ltx_contact", "ltx_role", "ltx_author_notes")


def submission_history(node):
    """Return {version: YYYY-MM-DD} from the page's submission history block (or None)."""
    if node is None:
        return {}
    return {int(v): fields.date(d) for v, d in _HISTORY.findall(text(node)) if fields.date(d)}


def _page_version(page, history, node):
    """Return the version the page shows: og:url, title, or the unlinked history entry."""
    for value in (first(page.meta, "og:url"), page.title):
        found = _ID_IN_TEXT.search(value or "")
        if found:
            _, version = identity.split_arxiv_id(found.group(1))
            if version:
                return version
    if node is not None:
        for strong in node.iter("strong"):
            found = re.fullmatch(r"\[v(\d+)\]", plain_text(strong))
            if found and strong.find("a") is None:
                return int(found.group(1))
    return max(history) if history else None


def primary_category(page, span):
    """Return the primary category, e.g. "cs.CL", from the Subjects row or the Cite-as line."""
    found = _CATEGORY.search(text(span)) if span is not None else None
    if found:
        return found.group(1)
    cite = page.first_class("td", "arxivid")
    found = re.search(r"\[([a-z\-]+(?:\.[A-Za-z\-]+)?)\]", text(cite)) if cite is not None else None
    return found.group(1) if found else None


def listing(root, search=False):
    """Return candidate papers of a /list/ (dt/dd pairs) or /search/ (li.arxiv-result) page."""
    if search:
        candidates = [_search_entry(li) for li in by_class(root, "li", "arxiv-result")]
    else:
        candidates = [_list_entry(dt) for dt in root.iter("dt")]
    seen, unique = set(), []
    for candidate in candidates:
        if candidate and candidate.get("title") and candidate["arxiv_id"] not in seen:
            seen.add(candidate["arxiv_id"])
            unique.append(candidate)
    return unique


def _list_entry(dt):
    href = _abs_href(dt)
    if href is None:
        return None
    arxiv_id, version = identity.split_arxiv_id(href.rsplit("/abs/", 1)[-1])
    dd = dt.getnext()
    if not arxiv_id or dd is None or dd.tag != "dd":
        return None
    paper = from_id(arxiv_id, version)
    paper["published"] = month_of(arxiv_id)
    extra = {}
    # One pass over the entry's blocks, dispatching on their class: this runs a thousand
    # times on a long listing, so it avoids XPath and per-field searches, and tests the
    # five "list-" prefixes only on blocks that have it.
    for node in dd.iter("div", "p"):
        kind = node.get("class") or ""
        if not kind.startswith("list-"):
            if node.tag == "p" and "mathjax" in kind:
                paper["abstract"] = text(node)
        elif kind.startswith("list-title"):
            paper["title"] = without_descriptor(node)
        elif kind.startswith("list-authors"):
            paper["authors"] = _link_names(node)
        elif kind.startswith("list-comments"):
            extra["comments"] = without_descriptor(node)
        elif kind.startswith("list-journal-ref"):
            extra["journal_ref"] = without_descriptor(node)
        elif kind.startswith("list-subjects"):
            span = next((s for s in node.iter("span") if s.get("class") == "primary-subject"), None)
            category = _CATEGORY.search(text(span)) if span is not None else None
            if category:
                paper["arxiv_category"] = category.group(1)
        elif node.tag == "p" and "mathjax" in kind:
            paper["abstract"] = text(node)
    if extra:
        paper["extra"] = extra
    return {k: v for k, v in paper.items() if v not in _EMPTY}


def _abs_href(dt):
    """Return the first /abs/ link of a listing entry's dt, or None."""
    for link in dt.iter("a"):
        href = link.get("href")
        if href and "/abs/" in href:
            return href
    return None


def _link_names(node):
    """Return the text of each <a> child (an author line), each link's text read once."""
    # A bare link's text is squashed here: text() would also read its tag, which costs 8%
    # of a listing of thousands of names.
    names = []
    for link in node.iterchildren("a"):
        value = link.text
        names.append(" ".join(value.split()) if value and len(link) == 0 else text(link))
    return names


def _search_entry(li):
    link = _first(li.xpath(".//p[contains(@class,'list-title')]//a[contains(@href,'/abs/')]"))
    if link is None:
        return None
    arxiv_id, version = identity.split_arxiv_id(link.get("href").rsplit("/abs/", 1)[-1])
    if not arxiv_id:
        return None
    title = _first(li.xpath(".//p[contains(concat(' ', @class, ' '), ' title ')]"))
    abstract = _first(li.xpath(".//span[contains(@class,'abstract-full')]"))
    tag = _first(li.xpath(".//span[contains(@class,'tag') and @data-tooltip]"))
    submitted = _first(li.xpath(".//p[contains(@class,'is-size-7')]"))
    abstract_text = re.sub(r"\s*△ Less\s*$", "", text(abstract)) if abstract is not None else None
    paper = {
        **from_id(arxiv_id, version),
        "title": text(title) if title is not None else None,
        "authors": [text(a) for a in li.xpath(".//p[contains(@class,'authors')]/a")],
        "abstract": abstract_text,
        "arxiv_category": text(tag) if tag is not None else None,
        "published": month_of(arxiv_id),
    }
    if submitted is not None:
        paper["published"] = fields.date(_after(text(submitted), "Submitted")) or paper["published"]
    return fields.prune(paper)


def _cell(page, cls):
    node = page.first_class("td", cls)
    return text(node) if node is not None else ""


def _after(value, marker):
    index = (value or "").find(marker)
    return value[index + len(marker):] if index >= 0 else ""


def _first(nodes):
    return nodes[0] if nodes else None


