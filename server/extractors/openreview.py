"""OpenReview: forum pages, venue and group pages listing submissions, the bot-check page.

A forum page carries `citation_*` tags; where it has none, the note its Next.js data
embeds (`__NEXT_DATA__` forumNote) gives the same fields. Venue and group pages list
their submissions as notes (title link to the forum, authors, date, and the
collapsed abstract, TL;DR and keywords), read in one pass per note.
"""

import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

from papershelf.server.extractors import embedded, fields, generic, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    BOT_CHECK_ERROR,
    absolute,
    first,
    host,
    squash,
    text,
)

BASE = "https://openreview.net"
_FORUM_ID = re.compile(r"[?&](?:id|noteId)=([^&#]+)")
# Labelled fields of a note's details: "Abstract:", "TL;DR:", "Keywords:".
_NOTE_FIELDS = {"abstract": "abstract", "tl;dr": "tldr", "keywords": "keywords"}

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
        if path.startswith("/challenge") or page.bot_check:
            return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
        note = _embedded_note(page) if path.startswith("/forum") else None
        if note:
            return Extraction(papers=[note], extractor=NAME)
        notes = listing(root) if root is not None else []
        if notes:
            return Extraction(papers=notes, listing=True, extractor=NAME)
        if path.startswith("/pdf") and forum_id:
            return Extraction(extractor=NAME, error="this is OpenReview's PDF viewer: save the"
                              f" forum page https://openreview.net/forum?id={forum_id} instead")
        if path.startswith(("/group", "/venue", "/submissions")):
            return listings.none_found(page, NAME, "OpenReview")
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
    """Yield the notes of the page's submission lists (every li.note / div.note if none)."""
    lists = [ul for ul in root.iter("ul") if "submissions-list" in (ul.get("class") or "")]
    if not lists:
        lists = [root]
    for container in lists:
        nodes = container.iter("li", "div") if container is root else (
            node for item in container.iterchildren("li")
            for node in (item, *item.iterchildren("div")))
        for node in nodes:
            classes = node.get("class")
            if classes and "note" in classes.split():
                yield node


def _note(node):
    """Return one listed note's paper, read from its heading, author line, dates and details.

    Only the note's own children are visited, and inside its details only the labels: a
    venue page lists a thousand notes.
    """
    paper, link = None, None
    for child in node.iterchildren():
        tag, classes = child.tag, child.get("class") or ""
        if tag in ("h4", "h3", "h2") and link is None:
            link = next((a for a in child.iter("a") if "forum?id=" in (a.get("href") or "")), None)
            if link is None:
                return None
            paper = _note_paper(link)
            pdf = next((a for a in child.iter("a") if "/pdf?id=" in (a.get("href") or "")), None)
            if pdf is not None:
                paper["pdf_url"] = absolute(BASE, pdf.get("href"))
        elif paper is None:
            continue
        elif "note-authors" in classes:
            paper["authors"] = _authors(child)
        elif "note-meta-info" in classes:
            _meta_info(child, paper)
        elif tag == "div":
            for label in child.iter("strong"):
                if "note-content-field" in (label.get("class") or ""):
                    _labelled(label, paper)
    return fields.prune(paper) if paper else None


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
    name = text(label).rstrip(":").strip().lower()
    key = _NOTE_FIELDS.get(name)
    value = label.getnext()
    if not key or value is None:
        return
    if key == "abstract":
        paper["abstract"] = text(value) or None
    else:
        paper["extra"][key] = text(value) or None


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


def _forum_id(url):
    query = parse_qs(urlparse(url).query)
    return (query.get("id") or query.get("noteId") or [None])[0]
