"""The extractor registry: turn a page (URL + HTML) into zero, one or many papers.

Each site extractor is a module with `matches(url) -> bool` and `extract(page) ->
Extraction` (page.Page: the URL and the HTML, parsed once for all readers). One that
names its hosts in `HOSTS` (a leading "." for a domain's subdomains) is asked about
pages of those hosts only. The first site extractor whose URL test matches is tried;
when it finds nothing (or fails) the generic extractor reads the page: its metadata,
else the cards of a listing, else why it holds no paper. A bot-check interstitial
gives a clear error instead of a junk record. extract() never raises.
"""

from functools import lru_cache

from papershelf.server import links
from papershelf.server.extractors import (
    acl,
    acm,
    arxiv,
    biorxiv,
    cvf,
    dblp,
    fields,
    generic,
    htmltools,
    huggingface,
    ieee,
    jmlr,
    nature,
    neurips,
    openreview,
    paperswithcode,
    philpapers,
    pmlr,
    publishers,
    scholar,
    sciencedirect,
    scopus,
    semanticscholar,
    springer,
)
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.page import Page

# Site extractors, most specific first; the generic one is the fallback for all.
EXTRACTORS = [arxiv, huggingface, openreview, acl, sciencedirect, ieee, acm, biorxiv, dblp,
              scholar, cvf, publishers, scopus, nature, philpapers, semanticscholar,
              paperswithcode, neurips, pmlr, jmlr, springer]


def extract(url, html):
    """Return the Extraction of the page: a site extractor's, else the generic one's."""
    page = Page(url, html)
    failure = ""
    for extractor in _site_readers(page.host):
        try:
            if not extractor.matches(page.url):
                continue
        except Exception:  # a URL test that fails is a test that does not match
            continue
        try:
            result = extractor.extract(page)
        except Exception as exc:  # a broken page must never break the clip
            failure = f"could not read this page ({type(exc).__name__})"
            break
        if result.papers or result.error:
            return _finish(result, local=page.url.lower().startswith("file:"))
        break
    try:
        result = generic.extract(page)
        readable = any(p.get("entry_type") != "webpage" for p in result.papers)
        if not readable and page.bot_check:
            return Extraction(extractor=generic.NAME, error=htmltools.BOT_CHECK_ERROR)
    except Exception as exc:
        return Extraction(error=failure or f"could not read this page ({type(exc).__name__})")
    return _finish(result, local=page.url.lower().startswith("file:"))


@lru_cache(maxsize=512)
def _site_readers(hostname):
    """Return the site extractors that may read a page of hostname, in registry order."""
    return tuple(extractor for extractor in EXTRACTORS
                 if getattr(extractor, "HOSTS", None) is None
                 or htmltools.host_in(hostname, extractor.HOSTS))


def _finish(result, local=False):
    """Drop links papershelf does not keep; give every paper its year when only its date says it."""
    result.papers = [links.without_refused_links(p, allow_file=local)[0] for p in result.papers]
    for paper in result.papers:
        if not paper.get("year"):
            year = fields.year_of(paper.get("published"))
            if year:
                paper["year"] = year
    return result
