"""Any page: Highwire `citation_*`, Dublin Core, PRISM, JSON-LD, OpenGraph, then `<title>`.

A page whose metadata names no paper may list several (its cards are read as
candidates); a page that holds none (an error, a sign-in wall, a search without
results) says so; any other single page still yields a "webpage" record (title, URL,
site), so that nothing the reader clicks is lost.
"""

import json
import re

from papershelf.server import identity
from papershelf.server.extractors import emptypage, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    BOT_CHECK_ERROR,
    absolute,
    first,
    host,
    page_title,
    parse,
    read_meta,
    squash,
    text,
)

NAME = "generic"
SCHOLARLY_TYPES = {"scholarlyarticle", "article", "medicalscholarlyarticle", "report", "thesis",
                   "chapter", "book", "techarticle", "newsarticle", "blogposting"}
# The tags that date a paper, most telling first.
DATE_TAGS = ("citation_publication_date", "citation_date", "dc.date", "dc.issued",
             "prism.publicationdate", "article:published_time", "citation_online_date")
# How far into the body text a labelled "DOI: 10..." still belongs to the page's own paper
# and not to its reference list.
DOI_TEXT_WINDOW = 5000
_LABELLED_DOI = re.compile(r"\bdoi\s*:?\s*(?:https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s\"'<>]+)",
                           re.IGNORECASE)
_DOI_TEXT = re.compile(r"10\.\d{4,9}/")
_DOI_BYTES = re.compile(rb"10\.\d{4,9}/")
_ABSTRACT_LABEL = re.compile(r"^(?:abstract)\s*[:.]?\s*", re.IGNORECASE)
# "abstract", "article__abstract", "abstractSection", "abstract-content"... but not IEEE's
# "abstractAuthors" or "abstractKeywords" tabs, nor "abstract-link" buttons.
_ABSTRACT_NAME = re.compile(r"^(?:[a-z0-9-]*[-_])?abstract(?:[-_]?(?:section|element|content|text"
                            r"|body|infull|container|block|full|para|wrapper))?$")
# Shorter than this, a block named "abstract" is a label or a link, not the abstract.
MIN_ABSTRACT = 80
_TITLE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014-]{2,60}$")


def matches(url):
    """Return True: any page can be read for its metadata."""
    return True


def extract(page):
    """Return the paper the page's metadata describes, the papers it lists, or a webpage record."""
    ld = json_ld(page.root)
    if not names_a_paper(page.meta, ld):
        # Cards first: the bot check scans the whole source, and a page that shows papers
        # is no interstitial (a reCAPTCHA box in its contact form does not hide them).
        candidates = json_ld_list(page) or listings.read(page)
        if candidates:
            return Extraction(papers=candidates, listing=True, extractor=NAME)
        if page.bot_check:
            return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
        error = emptypage.reason(page)
        if error:
            return Extraction(extractor=NAME, error=error)
    paper = read(page.url, page.root, page.meta, ld, source=page.html)
    if not paper.get("title"):
        return Extraction(extractor=NAME, error="no title found on this page")
    return Extraction(papers=[paper], extractor=NAME)


def read_tagged(page, page_abstract=True):
    """Return (root, meta, paper) of a page with a citation_title tag, or None for any other.

    page_abstract=False: the caller has the abstract from elsewhere (an embedded BibTeX, its
    own block); only the tags' abstract is read, not the page's blocks.
    """
    if not first(page.meta, "citation_title"):
        return None
    return page.root, page.meta, read(page.url, page.root, page.meta, page_abstract=page_abstract,
                                      source=page.html)


def names_a_paper(meta, ld):
    """Return True when the page's metadata describes one scholarly work."""
    return bool(first(meta, "citation_title", "dc.title", "prism.doi") or ld.get("_scholarly"))


def read(url, root, meta=None, ld=None, page_abstract=True, source=None):
    """Return the paper fields the page's metadata gives (a webpage record when it gives none).

    source: the page's HTML, when at hand: a page that holds no DOI-like text at all is not
    searched for one.
    """
    meta = read_meta(root) if meta is None else meta
    ld = json_ld(root) if ld is None else ld
    scholarly = names_a_paper(meta, ld)
    journal = first(meta, "citation_journal_title", "prism.publicationname")
    conference = first(meta, "citation_conference_title", "citation_conference",
                       "citation_inbook_title")
    venue = journal or conference or first(meta, "dc.relation.ispartof") or ld.get("venue")
    canonical_href = _canonical_href(root) or ""  # "": read, there is none
    doi = find_doi(url, root, meta, ld, source, canonical_href)
    paper = {
        "title": title(root, meta, ld, scholarly),
        "authors": fields.authors(
            meta.get("citation_author") or meta.get("dc.creator") or meta.get("dc.contributor")
            or ld.get("authors") or meta.get("author") or []),
        "abstract": abstract(meta, ld, root if page_abstract else None),
        "published": published(meta, ld),
        "doi": doi,
        "arxiv_id": first(meta, "citation_arxiv_id"),
        "pdf_url": absolute(url, first(meta, "citation_pdf_url")),
        "venue": venue,
        "url": canonical(url, root, meta, canonical_href),
        "source": host(url),
        "extra": extra(meta),
    }
    if scholarly or doi:
        paper["entry_type"] = fields.entry_type(
            venue=venue, conference=conference, journal=journal,
            thesis=bool(first(meta, "citation_dissertation_institution")),
            report=bool(first(meta, "citation_technical_report_institution"))) \
            or ("article" if "article" in (first(meta, "dc.type") or "").lower() else "misc")
    else:
        paper["entry_type"] = "webpage"
        paper["extra"]["site"] = first(meta, "og:site_name", "application-name") or host(url)
    paper["year"] = fields.year_of(paper["published"])
    return fields.prune(paper)


def title(root, meta, ld, scholarly):
    """Return the title: citation/Dublin Core/JSON-LD, then OpenGraph, then <title>."""
    value = first(meta, "citation_title", "dc.title") or ld.get("title")
    if value:
        return squash(value)
    value = first(meta, "og:title", "twitter:title")
    if value:
        return squash(value)
    # A bare <title> usually ends with " | Site name"; drop it.
    value = page_title(root)
    return _TITLE_SUFFIX.sub("", value) if not scholarly else value


def abstract(meta, ld, root=None):
    """Return the abstract: citation tag, the page's "Abstract" section, then descriptions."""
    value = first(meta, "citation_abstract")
    if value and "<" in value:
        value = text(parse(value)) or value
        value = re.sub(r"^(abstract)\s*[:.]?\s+", "", value, flags=re.IGNORECASE)
    # dc.description is often a shortened standfirst; the visible section is the abstract.
    # JSON-LD's own "abstract" names this page's work; related papers' cards may also show
    # abstracts, so it comes before the page's blocks.
    value = value or ld.get("abstract") or abstract_under_heading(root) or abstract_block(root) \
        or first(meta, "dc.description") or ld.get("description")
    if not value:
        value = first(meta, "og:description", "description")
        # Teasers cut with an ellipsis are not the abstract.
        if value and value.rstrip().endswith(("…", "...", "â¦")):
            value = None
    return squash(value) or None


def abstract_under_heading(root):
    """Return the text after a heading that reads "Abstract", up to the next heading."""
    if root is None:
        return None
    for heading in root.iter("h1", "h2", "h3", "h4"):
        if text(heading).rstrip(":").lower() != "abstract":
            continue
        # The abstract is the run of <p> after the heading, or else the one block after it.
        parts = []
        for sibling in heading.itersiblings():
            if not isinstance(sibling.tag, str) or sibling.tag in ("h1", "h2", "h3", "h4"):
                break
            block = text(sibling)
            if not block:
                continue
            if sibling.tag != "p":
                # Inside a block, its own paragraphs are the abstract (not figures or tags).
                paragraphs = [text(p) for p in sibling.iterchildren("p")]
                parts = parts or [" ".join(paragraphs) if any(paragraphs) else block]
                break
            parts.append(block)
        value = squash(" ".join(parts))
        # SSRN heads the paper's address "Abstract": a link or a label is not the abstract.
        if len(value) >= MIN_ABSTRACT and not value.startswith(("http://", "https://")):
            return value
    return None


def abstract_block(root):
    """Return the text of the block the page names "abstract" (id or class), label dropped.

    div#abstract (CVF, SSRN), p.abstract (RSC), td#abstractElement (PhilPapers),
    div.abstractSection (Atypon)...; a short stub (a link, a label) is not the abstract.
    """
    if root is None:
        return None
    blocks = []
    for node in root.iter("div", "section", "p", "td", "blockquote"):
        ident, classes = node.get("id"), node.get("class")
        if not ident and not classes:  # most blocks are named nothing
            continue
        names = f"{ident or ''} {classes or ''}".lower()
        if "abstract" in names and any(_ABSTRACT_NAME.match(w) for w in names.split()):
            blocks.append((names, node))
    # A class that several blocks share belongs to cards of other papers (related, citing).
    counts = {}
    for names, _ in blocks:
        counts[names] = counts.get(names, 0) + 1
    for names, node in blocks:
        if counts[names] > 1:
            continue
        paragraphs = [text(p) for p in node.iter("p") if p is not node]
        value = " ".join(p for p in paragraphs if p) or text(node)
        value = _ABSTRACT_LABEL.sub("", value)
        if len(value) >= MIN_ABSTRACT:
            return value
    return None


def published(meta, ld):
    """Return the publication date, preferring the most specific of the first year given."""
    given = [first(meta, name) for name in DATE_TAGS] + [ld.get("published")]
    candidates = [date for date in map(fields.date, filter(None, given)) if date]
    if not candidates:
        return None
    best = candidates[0]
    # bioRxiv and others write Jan 1 as a placeholder; a more precise date of that year wins.
    if best.endswith("-01-01"):
        for other in candidates[1:]:
            if other[:4] == best[:4] and other != best:
                return other
    return best


def find_doi(url, root, meta, ld, source=None, canonical_href=None):
    """Return the page's own DOI: meta tags, JSON-LD, its URL, or a labelled DOI near the top.

    canonical_href: the page's <link rel=canonical> when the caller has read it already.
    """
    for name in ("citation_doi", "prism.doi", "doi", "dc.identifier", "citation_id",
                 "bepress_citation_doi"):
        for value in meta.get(name, []):
            doi = identity.normalize_doi(value)
            if doi:
                return doi
    if canonical_href is None:
        canonical_href = _canonical_href(root)
    for value in (ld.get("doi"), url, first(meta, "og:url"), canonical_href):
        doi = identity.normalize_doi(value) if value and "10." in value else None
        if doi and ("doi" in str(value).lower() or str(value).startswith("10.")):
            return doi
    if root is not None and _may_hold_doi(source):
        match = _LABELLED_DOI.search(_leading_text(root))
        if match:
            return identity.normalize_doi(match.group(1))
    return None


def _may_hold_doi(source):
    """Return False only when the page's source (str or bytes) holds nothing like a DOI."""
    if source is None:
        return True
    if isinstance(source, bytes):
        return bool(_DOI_BYTES.search(source))
    return bool(_DOI_TEXT.search(source))


def _leading_text(root):
    """Return about the first DOI_TEXT_WINDOW characters of the body's text (no scripts)."""
    body = root.find("body")
    if body is None:
        return ""
    parts, size = [], 0
    for node in body.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        for piece in (node.text, node.tail):
            if piece and piece.strip():
                parts.append(piece)
                size += len(piece)
        if size > DOI_TEXT_WINDOW:
            break
    return " ".join(" ".join(parts).split())[:DOI_TEXT_WINDOW]


def canonical(url, root, meta, canonical_href=None):
    """Return the page's canonical URL when it declares one, else the URL clipped."""
    if canonical_href is None:
        canonical_href = _canonical_href(root)
    for href in (canonical_href, first(meta, "og:url")):
        value = absolute(url, href)
        if value:
            return value
    return url or None


def _canonical_href(root):
    if root is None:
        return None
    for link in root.iter("link"):
        if (link.get("rel") or "").strip().lower() == "canonical":
            return link.get("href")
    return None


def extra(meta):
    """Return the bibliographic extras the meta tags give (volume, pages, publisher...)."""
    first_page = first(meta, "citation_firstpage", "prism.startingpage")
    last_page = first(meta, "citation_lastpage", "prism.endingpage")
    pages = first_page
    if first_page and last_page and last_page != first_page:
        pages = f"{first_page}--{last_page}"
    elif first_page and re.fullmatch(r"\d+\s*-\s*\d+", first_page):
        pages = re.sub(r"\s*-\s*", "--", first_page)
    return {
        "volume": first(meta, "citation_volume", "prism.volume"),
        "number": first(meta, "citation_issue", "prism.number"),
        "pages": pages,
        "publisher": first(meta, "citation_publisher", "dc.publisher"),
        "issn": first(meta, "citation_issn", "prism.issn"),
        "isbn": first(meta, "citation_isbn"),
        "language": first(meta, "citation_language"),
        "keywords": first(meta, "citation_keywords"),
        "pmid": first(meta, "citation_pmid"),
    }


def json_ld(root):
    """Return the scholarly fields of the page's first JSON-LD article-like object."""
    if root is None:
        return {}
    for data in _ld_scripts(root):
        item = next(filter(_is_article, _ld_nodes(data)), None)
        if item is not None:
            return _ld_fields(item)
    return {}


def _ld_scripts(root, holding=""):
    """Yield the parsed JSON of each JSON-LD script that parses (and whose text holds holding)."""
    for script in root.iterfind(".//script[@type='application/ld+json']"):
        source = script.text or ""
        if holding not in source:
            continue
        try:
            yield json.loads(source)
        except (ValueError, RecursionError):
            continue


def json_ld_list(page):
    """Return the papers of a JSON-LD ItemList of articles (a table of contents), if any."""
    if page.root is None:
        return []
    papers = []
    # Only the scripts are searched for the word, not the whole source.
    for data in _ld_scripts(page.root, holding="ItemList"):
        for listed in (node for node in _ld_nodes(data) if "ItemList" in _ld_types(node)):
            for element in listed.get("itemListElement") or []:
                item = element.get("item", element) if isinstance(element, dict) else None
                paper = _listed_paper(item, page) if isinstance(item, dict) else None
                if paper:
                    papers.append(paper)
    return listings.unique(papers) if len(papers) >= listings.MIN_PAPERS else []


def _ld_nodes(data, depth=0):
    """Yield the JSON-LD objects in data, each before those it nests (in lists, mainEntity,
    @graph and hasPart), at most six levels deep."""
    if depth > 6:
        return
    if isinstance(data, list):
        for value in data:
            yield from _ld_nodes(value, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("mainEntity", "@graph", "hasPart"):
            yield from _ld_nodes(data.get(key), depth + 1)


def _ld_types(node):
    kinds = node.get("@type")
    return kinds if isinstance(kinds, list) else [kinds]


def _is_article(node):
    """Return True for a JSON-LD object of a scholarly type, or one with a headline and author."""
    kinds = {str(k).lower() for k in _ld_types(node)}
    return bool(kinds & SCHOLARLY_TYPES) or ("headline" in node and "author" in node)


def _listed_paper(item, page):
    if not _is_article(item):  # the item itself, not what it holds
        return None
    found = _ld_fields(item)
    if not found.get("title"):
        return None
    url = absolute(page.url, item.get("url") if isinstance(item.get("url"), str)
                   else item.get("@id") if isinstance(item.get("@id"), str) else None)
    paper = {"title": found["title"], "authors": found["authors"],
             "abstract": found["abstract"], "published": fields.date(found["published"]),
             "venue": found["venue"], "url": url, "source": page.host,
             "doi": identity.normalize_doi(found["doi"]) if found.get("doi") else None}
    paper["year"] = fields.year_of(paper["published"])
    paper["entry_type"] = fields.entry_type(venue=paper["venue"]) or "misc"
    return fields.prune(paper)


def _ld_fields(item):
    def name_of(value):
        if isinstance(value, dict):
            return value.get("name") or " ".join(
                str(value.get(k) or "") for k in ("givenName", "familyName")).strip()
        return value if isinstance(value, str) else ""

    authors = item.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    part_of = item.get("isPartOf")
    part_of = part_of[0] if isinstance(part_of, list) and part_of else part_of
    kinds = item.get("@type")
    kinds = {str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])}
    identifier = item.get("identifier") or item.get("sameAs") or ""
    return {
        "_scholarly": bool(kinds & (SCHOLARLY_TYPES - {"newsarticle", "blogposting"})),
        "title": squash(item.get("headline") or item.get("name") or "") or None,
        "authors": [squash(name_of(a)) for a in authors if name_of(a)],
        "abstract": squash(item.get("abstract") or "") or None if isinstance(
            item.get("abstract"), str) else None,
        "description": squash(item.get("description") or "") or None,
        "published": item.get("datePublished"),
        "venue": squash(name_of(part_of)) if part_of else None,
        "doi": identifier if isinstance(identifier, str) else json.dumps(identifier),
    }
