"""The extractor registry: turn a page (URL + HTML) into zero, one or many papers.

Each site extractor is a module with `matches(url) -> bool` and
`extract(url, html) -> Extraction`. The first site extractor whose URL test
matches is tried; when it finds nothing (or fails) the generic extractor reads
the page's metadata. A bot-check interstitial gives a clear error instead of a
junk record. extract() never raises.
"""

from papershelf.server import links
from papershelf.server.extractors import (
    acl,
    arxiv,
    fields,
    generic,
    htmltools,
    huggingface,
    openreview,
    sciencedirect,
)
from papershelf.server.extractors.extraction import Extraction

# Site extractors, most specific first; the generic one is the fallback for all.
EXTRACTORS = [arxiv, huggingface, openreview, acl, sciencedirect]


def extract(url, html):
    """Return the Extraction of the page: a site extractor's, else the generic one's."""
    url = url if isinstance(url, str) else ""
    html = html if isinstance(html, (str, bytes)) else ""
    failure = ""
    for extractor in EXTRACTORS:
        if not _safe_matches(extractor, url):
            continue
        try:
            result = extractor.extract(url, html)
        except Exception as exc:  # a broken page must never break the clip
            failure = f"could not read this page ({type(exc).__name__})"
            break
        if result.papers or result.error:
            return _finish(result, local=url.lower().startswith("file:"))
        break
    try:
        result = generic.extract(url, html)
        readable = any(p.get("entry_type") != "webpage" for p in result.papers)
        if not readable and htmltools.is_bot_check(htmltools.parse(html)):
            return Extraction(extractor=generic.NAME, error=htmltools.BOT_CHECK_ERROR)
    except Exception as exc:
        return Extraction(error=failure or f"could not read this page ({type(exc).__name__})")
    return _finish(result, local=url.lower().startswith("file:"))


def _safe_matches(extractor, url):
    try:
        return extractor.matches(url)
    except Exception:
        return False


def _finish(result, local=False):
    """Drop links papershelf does not keep; give every paper its year when only its date says it."""
    result.papers = [links.without_refused_links(p, allow_file=local)[0] for p in result.papers]
    for paper in result.papers:
        if not paper.get("year"):
            year = fields.year_of(paper.get("published"))
            if year:
                paper["year"] = year
    return result
