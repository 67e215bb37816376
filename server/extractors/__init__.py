"""The extractor registry: turn a page (URL + HTML) into zero, one or many papers.

Each extractor is a module with `matches(url) -> bool` and
`extract(url, html) -> Extraction`; the first whose URL test matches is tried,
and the generic extractor is the fallback. extract() never raises: any failure
of a site extractor falls back to the next one.
"""

from dataclasses import dataclass, field

from server.extractors import citation_meta


@dataclass
class Extraction:
    papers: list = field(default_factory=list)  # paper field dicts (identity.METADATA_FIELDS + extra)
    listing: bool = False  # True: a listing page; papers are candidates for the reader to pick
    extractor: str = ""  # name of the extractor that produced the papers
    error: str = ""  # why the page holds nothing to save (shown to the reader)


# Site extractors first, most specific first; the generic one last.
EXTRACTORS = [citation_meta]


def extract(url, html):
    """Return the Extraction of the first extractor that finds something on the page."""
    last = Extraction(error="no paper found on this page")
    for extractor in EXTRACTORS:
        if not extractor.matches(url):
            continue
        try:
            result = extractor.extract(url, html or "")
        except Exception as exc:  # a broken page must never break the clip
            last = Extraction(error=f"could not read this page ({type(exc).__name__})")
            continue
        if result.papers or result.error:
            return result
    return last
