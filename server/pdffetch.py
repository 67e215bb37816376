"""Open-access PDFs over the network: arXiv's, a page's citation_pdf_url, the published one's.

Every download goes through net.stream (rate limits: arXiv's one request per 3 s; the
test stub). What comes back is stored by filestore only when it is a PDF.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from papershelf.server import filestore, links, net

DOWNLOAD_TIMEOUT = 60.0


@dataclass
class FetchOutcome:
    saved: filestore.SavedFile | None  # None when nothing was stored
    reason: str = ""  # why not, for the reader


def pdf_sources(paper):
    """Return the addresses a paper's open-access PDF may be fetched from, best first."""
    sources = []
    if paper.get("arxiv_id"):
        sources.append(f"https://arxiv.org/pdf/{paper['arxiv_id']}")
    # The page's PDF link, then the published version's open-access PDF `papershelf refresh`
    # found (Unpaywall's answer through OpenAlex).
    for url in (paper.get("pdf_url"), (paper.get("extra") or {}).get("oa_pdf_url")):
        if isinstance(url, str) and url not in sources:
            sources.append(url)
    return [url for url in sources if links.is_web_link(url)]


def has_pdf(paper):
    return any(stored["kind"] == "pdf" for stored in paper.get("files") or [])


def fetch_pdf(db, paper, timeout=DOWNLOAD_TIMEOUT):
    """Download the paper's open-access PDF and store it; return a FetchOutcome."""
    sources = pdf_sources(paper)
    if not sources:
        return FetchOutcome(None, "no PDF known for it (no arXiv id, no PDF link)")
    reasons = []
    for url in sources:
        outcome = _fetch_one(db, paper, url, timeout)
        if outcome.saved is not None:
            return outcome
        reasons.append(outcome.reason)
    return FetchOutcome(None, "; ".join(reasons))


def _fetch_one(db, paper, url, timeout):
    with net.stream(url, timeout=timeout, accept="application/pdf") as reply:
        if reply is None:
            return FetchOutcome(None, f"could not reach {urlsplit(url).hostname} (offline?)")
        if not reply.ok:
            return FetchOutcome(None, f"{url} answered HTTP {reply.status}")
        if "html" in reply.headers.get("content-type", ""):
            return FetchOutcome(None, f"{url} answered a web page, not a PDF (a login page?)")
        try:
            saved = filestore.save_pdf(db, paper["id"], reply.chunks(), url=url)
        except filestore.FileRefused as error:
            return FetchOutcome(None, f"{url}: {error}")
        except OSError as error:  # the connection broke off midway
            return FetchOutcome(None, str(error))
    if saved is None:
        return FetchOutcome(None, "the paper was deleted meanwhile")
    return FetchOutcome(saved)
