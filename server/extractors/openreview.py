"""OpenReview forum pages (`citation_*` tags) and the bot-check page it serves to scripts."""

from urllib.parse import parse_qs, urlparse

from papershelf.server.extractors import fields, generic
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    BOT_CHECK_ERROR,
    first,
    host,
    is_bot_check,
)

NAME = "openreview"


def matches(url):
    """Return True for OpenReview URLs."""
    hostname = host(url)
    return hostname == "openreview.net" or hostname.endswith(".openreview.net")


def extract(page):
    """Return the paper of a forum page, or a clear error for the bot check."""
    url, root, meta = page.url, page.root, page.meta
    forum_id = _forum_id(url)
    if not first(meta, "citation_title"):
        path = urlparse(url).path
        if is_bot_check(root) or path.startswith("/challenge"):
            return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
        if path.startswith("/pdf") and forum_id:
            return Extraction(extractor=NAME, error="this is OpenReview's PDF viewer: save the forum"
                              f" page https://openreview.net/forum?id={forum_id} instead")
        return Extraction(extractor=NAME)
    paper = generic.read(url, root, meta)
    conference = first(meta, "citation_conference_title")
    paper.update({
        "url": f"https://openreview.net/forum?id={forum_id}" if forum_id else paper.get("url"),
        "source": "openreview.net",
        "entry_type": "inproceedings" if conference else "misc",
        "pdf_url": paper.get("pdf_url") or (
            f"https://openreview.net/pdf?id={forum_id}" if forum_id else None),
    })
    paper.setdefault("extra", {})["openreview_id"] = forum_id
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def _forum_id(url):
    query = parse_qs(urlparse(url).query)
    return (query.get("id") or query.get("noteId") or [None])[0]
