"""Identifiers to papers over the network: the arXiv API (Atom) and Crossref.

enrich() fills the fields a clip is missing and never fails the clip;
add_identifier() is `papershelf add ID_OR_URL`. arxiv_batch(), crossref_work() and
crossref_search() serve `papershelf refresh`: they take net.fetch options (retries,
cache) and raise net.Unavailable when the service gave no usable answer.
All HTTP goes through server.net.
"""

import json
import re
from urllib.parse import quote, urlencode, urlparse

from lxml import etree

from papershelf.server import identity, net, store
from papershelf.server.clipping import ClipOutcome, SourceUnreachable, clip_page
from papershelf.server.extractors import arxiv
from papershelf.server.extractors import fields as page_fields
from papershelf.server.extractors.htmltools import parse, squash, text

ARXIV_API = "https://export.arxiv.org/api/query?id_list={}&max_results=1"
ARXIV_BATCH_API = "https://export.arxiv.org/api/query?id_list={}&max_results={}"
CROSSREF_API = "https://api.crossref.org/works/{}"
CROSSREF_SEARCH_API = "https://api.crossref.org/works?{}"
# What a published-version search needs of each hit (a whole work, with its reference
# list, can weigh 30 KB; Crossref asks clients to select what they use).
CROSSREF_SELECT = ("DOI,title,author,type,container-title,published-print,published,issued,"
                   "published-online,created,volume,issue,page,article-number,publisher,"
                   "ISSN,ISBN,abstract")
# A clip waits for enrichment: keep it short there; `papershelf add` may wait longer.
ENRICH_TIMEOUT = 5.0
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV_NS = "{http://arxiv.org/schemas/atom}"
# What makes a network call worth it: without these a clip is visibly incomplete.
ARXIV_WANTED = ("title", "authors", "abstract", "published", "arxiv_category")
CROSSREF_WANTED = ("title", "authors", "published", "venue")
CROSSREF_TYPES = {
    "journal-article": "article", "proceedings-article": "inproceedings",
    "book-chapter": "incollection", "book": "book", "monograph": "book",
    "edited-book": "book", "posted-content": "preprint", "dissertation": "phdthesis",
    "report": "techreport", "dataset": "misc",
}
_DOI_TEXT = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


class LookupFailed(Exception):
    """An identifier could not be resolved; the message says why, for the reader."""


class Unreachable(LookupFailed, SourceUnreachable):
    """The arXiv API or Crossref did not answer at all (offline, DNS, timeout)."""


def enrich(fields):
    """Return fields with missing values filled from the arXiv API or Crossref.

    Raise SourceUnreachable when the source could not be reached; nothing else.
    """
    try:
        return _enrich(dict(fields))
    except SourceUnreachable:
        raise
    except Exception:  # enrichment is a bonus: the clip stands without it
        return fields


def _enrich(fields):
    arxiv_id, version = identity.split_arxiv_id(fields.get("arxiv_id"))
    if arxiv_id and _missing(fields, ARXIV_WANTED):
        version = fields.get("arxiv_version") or version
        suffix = f"v{version}" if version else ""
        try:
            return fill(fields, arxiv_record(arxiv_id + suffix, timeout=ENRICH_TIMEOUT))
        except Unreachable:
            raise
        except LookupFailed:
            return fields
    doi = identity.normalize_doi(fields.get("doi"))
    if doi and not arxiv_id and _missing(fields, CROSSREF_WANTED):
        try:
            return fill(fields, crossref_record(doi, timeout=ENRICH_TIMEOUT))
        except Unreachable:
            raise
        except LookupFailed:
            return fields
    return fields


def _missing(fields, wanted):
    return any(fields.get(key) in (None, "", []) for key in wanted)


def fill(fields, found):
    """Return fields with the empty ones taken from found (extra filled key by key).

    A published date is also refined when found's is more precise and agrees
    (the "2024-07" an arXiv id implies becomes "2024-07-09").
    """
    result = dict(fields)
    for key, value in found.items():
        if key == "extra" or value in (None, "", []):
            continue
        current = result.get(key)
        if current in (None, "", []):
            result[key] = value
        elif key == "published" and len(str(value)) > len(str(current)) \
                and str(value).startswith(str(current)):
            result[key] = value
    if found.get("published") and result.get("published") == found["published"]:
        result["year"] = page_fields.year_of(found["published"])
    extra = dict(result.get("extra") or {})
    for key, value in (found.get("extra") or {}).items():
        if value not in (None, "", []) and extra.get(key) in (None, "", []):
            extra[key] = value
    if extra:
        result["extra"] = extra
    return result


def arxiv_record(arxiv_id, timeout=net.DEFAULT_TIMEOUT):
    """Return the paper fields the arXiv API gives for an id (with or without version)."""
    response = net.fetch(ARXIV_API.format(quote(arxiv_id, safe="")), timeout=timeout,
                         accept="application/atom+xml")
    if response is None:
        raise Unreachable(f"could not reach the arXiv API for {arxiv_id} (offline?)")
    papers = parse_atom(response.body)
    if not papers:
        if papers is None or not response.ok:
            raise LookupFailed(f"the arXiv API rejected {arxiv_id!r} (HTTP {response.status})")
        raise LookupFailed(f"arXiv has no paper {arxiv_id}")
    return papers[0]


def parse_atom(body):
    """Return the papers of an arXiv API Atom feed ([] for none, None for an error answer)."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.LxmlError, ValueError):
        return None
    papers = []
    for entry in root.iter(f"{ATOM}entry"):
        if squash(entry.findtext(f"{ATOM}title")) == "Error":
            return None
        paper = _atom_entry(entry)
        if paper:
            papers.append(paper)
    return papers


def _atom_entry(entry):
    arxiv_id, version = identity.split_arxiv_id(
        (entry.findtext(f"{ATOM}id") or "").rsplit("/abs/", 1)[-1])
    if not arxiv_id:
        return None
    category = entry.find(f"{ARXIV_NS}primary_category")
    published = page_fields.date(entry.findtext(f"{ATOM}published"))
    paper = {
        **arxiv.from_id(arxiv_id, version),
        "title": squash(entry.findtext(f"{ATOM}title")),
        "authors": [squash(a.findtext(f"{ATOM}name")) for a in entry.iter(f"{ATOM}author")],
        "abstract": squash(entry.findtext(f"{ATOM}summary")),
        "published": published,
        "year": page_fields.year_of(published),
        "arxiv_category": category.get("term") if category is not None else None,
        "doi": identity.normalize_doi(entry.findtext(f"{ARXIV_NS}doi")),
        "extra": {
            "version_date": page_fields.date(entry.findtext(f"{ATOM}updated")),
            "journal_ref": squash(entry.findtext(f"{ARXIV_NS}journal_ref")),
            "comments": squash(entry.findtext(f"{ARXIV_NS}comment")),
        },
    }
    return page_fields.prune(paper)


def arxiv_batch(arxiv_ids, **options):
    """Return {arXiv id: paper fields} of the latest versions of many papers, in one request.

    An id arXiv does not know is absent from the result; raises net.Unavailable when
    the API gave no usable answer, LookupFailed when it refused the query.
    """
    ids = sorted(set(arxiv_ids))
    url = ARXIV_BATCH_API.format(",".join(quote(i, safe="") for i in ids), len(ids))
    response = net.answer(url, "the arXiv API", accept="application/atom+xml", **options)
    papers = parse_atom(response.body)
    if papers is None or not response.ok:
        raise LookupFailed(f"the arXiv API refused the query (HTTP {response.status})")
    return {paper["arxiv_id"]: paper for paper in papers if paper["arxiv_id"] in ids}


def crossref_record(doi, timeout=net.DEFAULT_TIMEOUT):
    """Return the paper fields Crossref gives for a DOI."""
    try:
        paper = crossref_work(doi, timeout=timeout)
    except net.Unavailable as failure:
        raise Unreachable(f"{failure} when asked for {doi}") from None
    if paper is None:
        raise LookupFailed(f"Crossref does not know the DOI {doi}")
    return paper


def crossref_work(doi, **options):
    """Return the paper fields of a DOI's Crossref work, None when Crossref does not know it.

    Raises net.Unavailable (no usable answer) or LookupFailed (a refusal, e.g. HTTP 400).
    """
    response = net.answer(CROSSREF_API.format(quote(doi, safe="/")), "Crossref",
                          accept="application/json", **options)
    if response.status in (404, 410):
        return None
    message = _crossref_message(response, doi)
    return parse_crossref(message)


def crossref_search(title, author=None, rows=5, **options):
    """Return the paper fields of Crossref's best bibliographic matches for a title (and author)."""
    query = {"query.bibliographic": title, "rows": rows, "select": CROSSREF_SELECT}
    if author:
        query["query.author"] = author
    response = net.answer(CROSSREF_SEARCH_API.format(urlencode(query)), "Crossref",
                          accept="application/json", **options)
    items = _crossref_message(response, repr(title)).get("items")
    return [parse_crossref(item) for item in items or [] if isinstance(item, dict)]


def _crossref_message(response, what):
    try:
        data = json.loads(response.body)
    except ValueError:
        data = None
    if not response.ok or not isinstance(data, dict):
        raise LookupFailed(f"Crossref did not answer for {what} (HTTP {response.status})")
    return data.get("message") if isinstance(data.get("message"), dict) else data


def parse_crossref(work):
    """Return paper fields from a Crossref work (the "message" of /works/DOI)."""
    def first(key):
        value = work.get(key)
        return value[0] if isinstance(value, list) and value else (value or None)

    def markup_free(value):
        return text(parse(f"<div>{value}</div>")) if value and "<" in value else squash(value)

    authors = []
    for person in work.get("author") or []:
        name = " ".join(p for p in (person.get("given"), person.get("family")) if p)
        authors.append(squash(name or person.get("name")))
    published = None
    for key in ("published-print", "published", "issued", "published-online", "created"):
        parts = ((work.get(key) or {}).get("date-parts") or [[None]])[0] or [None]
        numbers = [int(p) for p in parts[:3] if isinstance(p, (int, str)) and str(p).isdigit()]
        if numbers:
            published = "-".join(f"{n:02d}" if i else f"{n:04d}" for i, n in enumerate(numbers))
            break
    pages = work.get("page") or work.get("article-number")
    paper = {
        "title": markup_free(first("title")),
        "authors": [a for a in authors if a],
        "abstract": markup_free(work.get("abstract")) or None,
        "published": published,
        "year": page_fields.year_of(published),
        "doi": identity.normalize_doi(work.get("DOI")),
        "url": f"https://doi.org/{identity.normalize_doi(work.get('DOI'))}" if work.get("DOI") else None,
        "venue": markup_free(first("container-title")) or None,
        "entry_type": CROSSREF_TYPES.get(work.get("type"), "misc"),
        "extra": {
            "volume": work.get("volume"),
            "number": work.get("issue"),
            "pages": re.sub(r"\s*-\s*", "--", pages) if isinstance(pages, str) else None,
            "publisher": work.get("publisher"),
            "issn": first("ISSN"),
            "isbn": first("ISBN"),
        },
    }
    if paper["abstract"]:
        paper["abstract"] = re.sub(r"^abstract\s+", "", paper["abstract"], flags=re.IGNORECASE)
    return page_fields.prune(paper)


def add_identifier(db, text, tags=(), note=None, offline=False):
    """Store the paper an arXiv id, DOI or URL names; return a ClipOutcome."""
    text = (text or "").strip()
    try:
        arxiv_id = _arxiv_id_in(text)
        if arxiv_id:
            _need_network(offline, text)
            return _save(db, arxiv_record(arxiv_id), "arxiv-api", tags, note)
        doi = _doi_in(text)
        if doi:
            _need_network(offline, text)
            return _save(db, crossref_record(doi), "crossref", tags, note)
        if text.startswith(("http://", "https://")):
            return _add_url(db, text, tags, note, offline)
    except LookupFailed as failure:
        return ClipOutcome("empty", error=str(failure))
    return ClipOutcome("empty", error=f"{text!r} is not an arXiv id, a DOI or a URL")


def _need_network(offline, text):
    if offline:
        raise LookupFailed(f"adding {text} needs the network: drop --offline, or save the page"
                           " and use --html")


def _arxiv_id_in(text):
    """Return the arXiv id (with version if given) named by text: a bare id or an arxiv.org URL."""
    arxiv_id, version = identity.split_arxiv_id(text)
    if not arxiv_id and arxiv.matches(text):
        found = re.match(rf"^/(?:abs|pdf|html|format)/({arxiv.ID})", urlparse(text).path)
        arxiv_id, version = identity.split_arxiv_id(found.group(1)) if found else (None, None)
    return f"{arxiv_id}v{version}" if arxiv_id and version else arxiv_id


def _doi_in(text):
    found = _DOI_TEXT.match(text)
    return identity.normalize_doi(found.group(1)) if found else None


def _save(db, fields, extractor, tags, note):
    provenance = {"url": fields.get("url"), "extractor": extractor, "fields": fields}
    try:
        result = store.save_paper(db, fields, tags=tags, note=note, clip=provenance)
    except store.StoreError as error:
        return ClipOutcome("empty", error=str(error))
    return ClipOutcome("saved", result=result)


def _add_url(db, url, tags, note, offline):
    _need_network(offline, url)
    response = net.fetch(url, accept="text/html,application/xhtml+xml")
    if response is None:
        raise LookupFailed(f"could not fetch {url} (offline?)")
    if not response.ok:
        raise LookupFailed(f"{url} answered HTTP {response.status}")
    kind = response.headers.get("content-type", "")
    if "html" not in kind and not response.body.lstrip()[:1] == b"<":
        raise LookupFailed(f"{url} is not a web page ({kind or 'unknown type'}): add its DOI or"
                           " arXiv id instead")
    try:
        return clip_page(db, url, response.text(), tags=tags, note=note, enrich=enrich)
    except store.StoreError as error:
        return ClipOutcome("empty", error=str(error))
