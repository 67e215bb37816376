"""OpenAlex: where a paper was published, how often it is cited, its open PDF (when S2 cannot say).

by_doi() returns a record (paper fields plus citation_count and oa_pdf_url) or None;
by_title() returns the records of the works whose titles match (OpenAlex keeps a
preprint and its published version as two works). Both raise net.Unavailable when
OpenAlex gave no usable answer. All HTTP goes through server.net.
"""

import re
from urllib.parse import quote, urlencode

from papershelf.server import identity, net
from papershelf.server.extractors import fields as page_fields
from papershelf.server.extractors.htmltools import squash

SERVICE = "OpenAlex"
API = "https://api.openalex.org/works"
SELECT = ("id,doi,title,type,publication_year,publication_date,authorships,primary_location,"
          "best_oa_location,biblio,cited_by_count")
# Filter syntax: a comma separates filters and a pipe means "or"; neither may be in a value.
_FILTER_SYNTAX = re.compile(r"[,|]")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$")
ENTRY_TYPES = {"book-chapter": "incollection", "book": "book", "dissertation": "phdthesis",
               "report": "techreport"}


def by_doi(doi, **options):
    """Return OpenAlex's record of the work with this DOI, or None."""
    url = f"{API}/https://doi.org/{quote(doi, safe='')}?{urlencode({'select': SELECT})}"
    response = net.answer(url, SERVICE, accept="application/json", **options)
    return parse_work(response.json_object(SERVICE)) if response.ok else None  # a 404 is an HTML page


def by_title(title, **options):
    """Return the records of the works OpenAlex finds by this title (best first)."""
    search = _FILTER_SYNTAX.sub(" ", title)
    url = f"{API}?{urlencode({'filter': f'title.search:{search}', 'select': SELECT})}"
    response = net.answer(url, SERVICE, accept="application/json", **options)
    if not response.ok:
        return []
    works = (response.json_object(SERVICE) or {}).get("results")
    return [r for r in map(parse_work, works if isinstance(works, list) else []) if r]


def parse_work(work):
    """Return the record of an OpenAlex work object."""
    if not isinstance(work, dict):
        return None
    doi = identity.normalize_doi(work.get("doi"))
    arxiv = _ARXIV_DOI.match(doi or "")
    source = ((work.get("primary_location") or {}).get("source") or {})
    entry_type = _entry_type(work.get("type"), source.get("type"))
    biblio = work.get("biblio") or {}
    first, last = biblio.get("first_page"), biblio.get("last_page")
    record = {
        "title": squash(work.get("title")) or None,
        "authors": [name for name in (squash((a.get("author") or {}).get("display_name"))
                                      for a in work.get("authorships") or []) if name],
        "year": work.get("publication_year"),
        "arxiv_id": identity.split_arxiv_id(arxiv.group(1))[0] if arxiv else None,
        "doi": None if arxiv else doi,
        "venue": (squash(source.get("display_name")) or None) if entry_type else None,
        "entry_type": entry_type,
        "extra": {"volume": biblio.get("volume"), "number": biblio.get("issue"),
                  "pages": f"{first}--{last}" if first and last and first != last else first}
        if entry_type else {},
        "citation_count": work.get("cited_by_count"),
        "oa_pdf_url": (work.get("best_oa_location") or {}).get("pdf_url") or None,
        "counted_by": SERVICE,
    }
    return page_fields.prune(record)


def _entry_type(work_type, source_type):
    """Return the entry type of a published work, None for a preprint or anything else."""
    if work_type == "article":
        return "inproceedings" if source_type == "conference" else (
            "article" if source_type == "journal" else None)
    return ENTRY_TYPES.get(work_type)
