"""Read a paper's identity from any URL it is known by: arXiv, DOI resolvers, OpenReview, Hugging Face.

`GET /api/papers/lookup?url=` asks with whatever the browser shows: /abs/IDv3,
/pdf/IDv7, /html/IDv7, http:// or www. or export.arxiv.org, ?context=cs; doi.org
or dx.doi.org; an OpenReview forum or its PDF; a Hugging Face paper page.
"""

import re
from urllib.parse import parse_qs, unquote, urlsplit

from papershelf.server import identity
from papershelf.server.extractors.arxiv import ID as ARXIV_ID

_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html|format|src)/({ARXIV_ID})(?:\.pdf)?(?:/.*)?$")
_HF_PATH = re.compile(rf"^/papers/({ARXIV_ID})/?$")
DOI_HOSTS = ("doi.org", "dx.doi.org", "www.doi.org")
HF_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
OPENREVIEW_PATHS = ("/forum", "/pdf", "/attachment")


def identify(url):
    """Return what url says about the paper: {"arxiv_id"?, "doi"?, "openreview_id"?} ({} if nothing)."""
    try:
        parts = urlsplit((url or "").strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return {}
    if parts.scheme.lower() not in ("http", "https"):
        doi = identity.normalize_doi(url) if (url or "").lower().startswith("doi:") else None
        return {"doi": doi} if doi else {}
    path = unquote(parts.path)
    if host == "arxiv.org" or host.endswith(".arxiv.org"):
        return _arxiv(_ARXIV_PATH.match(path))
    if host in HF_HOSTS:
        return _arxiv(_HF_PATH.match(path))
    if host in DOI_HOSTS:
        doi = identity.normalize_doi(path.lstrip("/"))
        return {"doi": doi} if doi else {}
    if host in ("openreview.net", "www.openreview.net") and parts.path in OPENREVIEW_PATHS:
        forum = (parse_qs(parts.query).get("id") or [None])[0]
        return {"openreview_id": forum} if forum else {}
    return {}


def openreview_urls(forum_id):
    """Return the URLs a paper from OpenReview is stored under (forum page and PDF)."""
    return [f"https://openreview.net/forum?id={forum_id}", f"https://openreview.net/pdf?id={forum_id}"]


def _arxiv(match):
    arxiv_id = identity.split_arxiv_id(match.group(1))[0] if match else None
    return {"arxiv_id": arxiv_id} if arxiv_id else {}
