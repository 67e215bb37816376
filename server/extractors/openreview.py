"""OpenReview: forum pages, venue and group pages listing submissions, the bot-check page.

A forum page carries `citation_*` tags; where it has none, the note its Next.js data
embeds (`__NEXT_DATA__` forumNote) gives the same fields. Venue and group pages list
their submissions as notes (title link to the forum, authors, date, and the
collapsed abstract, TL;DR and keywords), read in one pass per note.
"""

import re
from datetime import datetime, timezone
from functools import lru_cache

from papershelf.server.extractors import embedded, fields, generic, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    BOT_CHECK_ERROR,
    absolute,
    first,
    has_class,
    host,
    host_in,
    squash,
    text,
)

BASE = "https://openreview.net"
_FORUM_ID = re.compile(r"[?&](?:id|noteId)=([^&#]+)")
# Labelled fields of a note's details: "Abstract:", "TL;DR:", "Keywords:".
_NOTE_FIELDS = {"abstract": "abstract", "tl;dr": "tldr", "keywords": "keywords"}

NAME = "openreview"
HOSTS = ("openreview.net", ".openreview.net")


def matches(url):
    """Return True for OpenReview URLs."""
    return host_in(host(url), HOSTS)


def extract(page):
    """Return the paper of a forum page, a listing's notes, or a clear error for the bot check."""
    if not first(page.meta, "citation_title"):
        return _without_citation_tags(page)
    url, forum_id = page.url, _forum_id(page)
    paper = generic.read(url, page.root, page.meta)
    conference = first(page.meta, "citation_conference_title")
    paper.update({
        "url": f"https://openreview.net/forum?id={forum_id}" if forum_id else paper.get("url"),
        "source": "openreview.net",
        "entry_type": "inproceedings" if conference else "misc",
        "pdf_url": paper.get("pdf_url") or (
            f"https://openreview.net/pdf?id={forum_id}" if forum_id else None),
    })
    paper.setdefault("extra", {})["openreview_id"] = forum_id
    return Extraction(papers=[fields.prune(paper)], extractor=NAME)


def _without_citation_tags(page):
    """Return the forum note the page embeds, the notes it lists, or why there are none."""
    path = page.path
    if path.startswith("/challenge"):
        return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
    # What the page shows is read first: the bot check searches a listing's megabytes of
    # source, and a page that shows notes is no interstitial.
    note = _embedded_note(page) if path.startswith("/forum") else None
    if note:
        return Extraction(papers=[note], extractor=NAME)
    # Notes carry the class "note": a page whose source never says it lists none.
    notes = listing(page.root) if page.root is not None and page.contains("note") else []
    if notes:
        return Extraction(papers=notes, listing=True, extractor=NAME)
    if page.bot_check:
        return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
    forum_id = _forum_id(page)
    if path.startswith("/pdf") and forum_id:
        return Extraction(extractor=NAME, error="this is OpenReview's PDF viewer: save the"
                          f" forum page https://openreview.net/forum?id={forum_id} instead")
    if path.startswith(("/group", "/venue", "/submissions")):
        return listings.none_found(page, NAME, "OpenReview")
    return Extraction(extractor=NAME)


def listing(root):
    """Return the submissions a venue or group page shows (li.note / div.note), in page order."""
    papers, seen = [], set()
    for node in _notes(root):
        paper = _note(node)
        if paper and paper["url"] not in seen:
            seen.add(paper["url"])
            papers.append(paper)
    return papers


def _notes(root):
    """Return the notes of the page's submission lists (every li.note / div.note if none)."""
    lists = [ul for ul in root.iter("ul") if "submissions-list" in (ul.get("class") or "")]
    if not lists:
        return [node for node in root.iter("li", "div") if has_class(node, "note")]
    notes = []
    for container in lists:
        for item in container.iterchildren("li"):  # plain loops: a venue lists a thousand
            if has_class(item, "note"):
                notes.append(item)
            for div in item.iterchildren("div"):
                if has_class(div, "note"):
                    notes.append(div)
    return notes


def _note(node):
    """Return one listed note's paper, read from its heading, author line, dates and details.

    Only the note's own children are visited, and inside its details only the labels: a
    venue page lists a thousand notes.
    """
    paper = None
    for child in node.iterchildren():
        if paper is None:
            if child.tag in ("h4", "h3", "h2"):
                paper = _heading(child)
                if paper is None:
                    return None
            continue
        classes = child.get("class") or ""
        if "note-authors" in classes:
            paper["authors"] = _authors(child)
        elif "note-meta-info" in classes:
            _meta_info(child, paper)
        elif child.tag == "div":
            for label in child.iter("strong"):
                if "note-content-field" in (label.get("class") or ""):
                    _labelled(label, paper)
    return fields.prune(paper) if paper else None


def _heading(heading):
    """Return the paper a note's heading names (its forum link, its PDF link), or None."""
    link, pdf = None, None
    for anchor in heading.iter("a"):
        href = anchor.get("href") or ""
        if link is None and "forum?id=" in href:
            link = anchor
        if pdf is None and "/pdf?id=" in href:
            pdf = anchor
    if link is None:
        return None
    paper = _note_paper(link)
    if pdf is not None:
        paper["pdf_url"] = absolute(BASE, pdf.get("href"))
    return paper


def _note_paper(link):
    found = _FORUM_ID.search(link.get("href"))
    forum_id = found.group(1) if found else None
    return {"title": text(link), "url": f"{BASE}/forum?id={forum_id}", "source": "openreview.net",
            "entry_type": "misc", "extra": {"openreview_id": forum_id}}


def _authors(node):
    names = [name for name in map(text, node.iter("a")) if name]
    if not names:
        names = [squash(part) for part in text(node).split(",")]
    return [name for name in names if name and name.lower() != "anonymous"]


def _meta_info(node, paper):
    """Read the date ("28 Oct 2017", "Published: 16 Jan 2024, ...") and the venue line."""
    for span in node.iter("span"):
        value = text(span)
        if "date" in (span.get("class") or "") or value.startswith(("Published", "Submitted")):
            paper["published"] = paper.get("published") or fields.date(value)
        elif value and not value.startswith(("Readers", "Replies")) and "Repl" not in value:
            paper["extra"]["openreview_venue"] = value


def _labelled(label, paper):
    key = _field(label.text or "") if not len(label) else _field(text(label))
    value = label.getnext() if key else None
    if value is None:
        return
    if key == "abstract":
        paper["abstract"] = _long_text(value) or None
    else:
        paper["extra"][key] = _long_text(value) or None


def _long_text(element):
    """Return text(element), faster for a childless span holding a long ASCII abstract.

    A venue page holds a megabyte of abstracts broken into indented lines: where the
    only whitespace is spaces and line breaks, str.replace collapses it in C, twice as
    fast as split and join, which make an object of every word. Not for every text
    (htmltools.squash): each pass halves a run of spaces, and on titles set off by deep
    indentation (arXiv's listings) the passes cost more than the split.
    """
    value = element.text
    if element.tag != "span" or len(element) or not value or not value.isascii() \
            or _odd_ascii_space(value):
        return text(element)
    value = value.replace("\n", " ")
    while "  " in value:
        value = value.replace("  ", " ")
    return value.strip(" ")


def _odd_ascii_space(value):
    """Return True when value holds ASCII whitespace other than spaces and line breaks."""
    # One C search per character: a set intersection would hash every character.
    return "\t" in value or "\r" in value or "\x0b" in value or "\x0c" in value \
        or "\x1c" in value or "\x1d" in value or "\x1e" in value or "\x1f" in value


@lru_cache(maxsize=64)  # a venue page writes the same three labels a thousand times
def _field(label):
    """Return the paper field a note's label names ("Abstract:": abstract), or None."""
    return _NOTE_FIELDS.get(squash(label).rstrip(":").strip().lower())


def _embedded_note(page):
    """Return the paper of the forum note in the page's Next.js data, or None."""
    data = embedded.script(page, "__NEXT_DATA__")
    note = ((data or {}).get("props", {}).get("pageProps", {}) or {}).get("forumNote") \
        if isinstance(data, dict) else None
    if not isinstance(note, dict) or not isinstance(note.get("content"), dict):
        return None
    content = {key: value.get("value") if isinstance(value, dict) else value
               for key, value in note["content"].items()}
    title = content.get("title")
    if not isinstance(title, str) or not title.strip():
        return None
    forum_id = note.get("forum") or note.get("id")
    venue = content.get("venue") if isinstance(content.get("venue"), str) else None
    millis = note.get("pdate") or note.get("odate") or note.get("cdate")
    paper = {
        "title": squash(title),
        "authors": [squash(a) for a in content.get("authors") or [] if isinstance(a, str)],
        "abstract": squash(content.get("abstract")) if isinstance(content.get("abstract"), str)
        else None,
        "venue": venue,
        "published": _day(millis),
        "url": f"{BASE}/forum?id={forum_id}",
        "pdf_url": f"{BASE}/pdf?id={forum_id}" if content.get("pdf") else None,
        "source": "openreview.net",
        "entry_type": "inproceedings" if venue and "submitted" not in venue.lower() else "misc",
        "extra": {"openreview_id": forum_id, "keywords": ", ".join(
            k for k in content.get("keywords") or [] if isinstance(k, str)) or None,
            "tldr": content.get("TLDR") if isinstance(content.get("TLDR"), str) else None},
    }
    return fields.prune(paper)


def _day(millis):
    """Return YYYY-MM-DD of an OpenReview timestamp (milliseconds since 1970, UTC)."""
    if not isinstance(millis, (int, float)) or millis <= 0:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def _forum_id(page):
    return page.param("id") or page.param("noteId")
