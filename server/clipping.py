"""One clip, end to end: extract the page, store the paper or return the listing's candidates.

Shared by the HTTP API and the CLI so that both behave the same.
"""

import re
import time
from dataclasses import dataclass, field

from papershelf.server import identity, store
from papershelf.server.extractors import extract

FILE_NAME_TITLE = re.compile(r"\.(pdf|ps|djvu|html?)\s*$", re.IGNORECASE)


class SourceUnreachable(Exception):
    """An online source a clip needed (the arXiv API, Crossref) could not be reached."""


@dataclass
class ClipOutcome:
    kind: str  # "saved" | "listing" | "empty" | "unreachable"
    result: store.SaveResult | None = None
    candidates: list = field(default_factory=list)
    error: str = ""
    timings: dict = field(default_factory=dict)  # seconds spent: "extract", "store"


def clip_page(db, url, html=None, title=None, selection=None, tags=(), note=None, enrich=None):
    """Extract url/html and store the paper it holds; a listing returns candidates instead.

    enrich: optional callable(paper_fields) -> paper_fields that fills missing
    fields from the network (arXiv API, Crossref); it raises SourceUnreachable when
    the network fails and nothing else. That fails the clip only when the page alone
    cannot make a paper: then the answer says the source was unreachable.
    """
    started = time.perf_counter()
    extraction = extract(url, html)
    extracted = time.perf_counter()
    outcome = _store_extraction(db, extraction, url, html, title, selection, tags, note, enrich)
    outcome.timings = {"extract": extracted - started, "store": time.perf_counter() - extracted}
    return outcome


def _store_extraction(db, extraction, url, html, title, selection, tags, note, enrich):
    if extraction.error and not extraction.papers:
        return ClipOutcome("empty", error=extraction.error)
    if extraction.listing:
        return ClipOutcome("listing", candidates=mark_in_library(db, extraction.papers))
    if not extraction.papers:
        return ClipOutcome("empty", error="no paper found on this page")
    fields = dict(extraction.papers[0])
    if selection and not fields.get("abstract"):
        fields.setdefault("extra", {})["selection"] = selection
    unreachable = None
    if enrich is not None:
        try:
            fields = enrich(fields)
        except SourceUnreachable as failure:
            unreachable = failure
    # The tab's title is the last resort, after enrichment had its chance; a PDF
    # viewer's title is a file name, which would stick (merges only fill gaps).
    if not fields.get("title") and title and not FILE_NAME_TITLE.search(title):
        fields["title"] = title
    provenance = {"url": url, "extractor": extraction.extractor, "fields": extraction.papers[0],
                  "html": html}  # kept (compressed) for `papershelf reextract`
    try:
        result = store.save_paper(db, fields, tags=tags, note=note, clip=provenance)
    except store.StoreError:
        if unreachable is None:
            raise
        return ClipOutcome("unreachable", error=str(unreachable))
    return ClipOutcome("saved", result=result)


def mark_in_library(db, candidates):
    """Return candidates each with "in_library" (and the stored id when it is)."""
    marked = []
    for candidate in candidates:
        existing = store.find_existing(db, identity.clean_metadata(candidate))
        item = {**candidate, "in_library": existing is not None}
        if existing is not None:
            item["id"] = existing["id"]
            item["citekey"] = existing["citekey"]
        marked.append(item)
    return marked
