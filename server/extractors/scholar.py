"""Google Scholar: search results, author profiles (Citations), and its robot check.

A result shows its title (linked to the publisher's page), an author line
"G Cohen, M Qadan - Mathematics, 2022 - mdpi.com", a cut snippet and often a
[PDF] link; a profile row shows title, authors, venue and year. Scholar writes
authors as initials and family name, and cuts long lists with "…": what it shows
is what is kept.
"""

import re

from lxml import etree

from papershelf.server.extractors import card, fields, listings
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    BOT_CHECK_ERROR,
    absolute,
    has_class,
    host,
    squash,
    text,
)

NAME = "scholar"
ROLES = card.Roles(
    title="h3.gs_rt",
    byline="div.gs_a",
    snippet="div.gs_rs",
    skip="div.gs_fl, div.gs_ggs",
)
_MARKERS = re.compile(r"^(?:\s*\[[A-Z ]+\])+\s*")
_DASH = re.compile(r"\s+[-\u2010-\u2014]\s+")
_FOUR_DIGITS = re.compile(r"\b\d{4}\b")
_TRAILING_YEAR = re.compile(r"(?:,\s*)?\b(1[89]\d\d|20\d\d)\s*$")
_COMMA_YEAR = re.compile(r",\s*\d{4}$")


def matches(url):
    """Return True for Google Scholar URLs (any country domain)."""
    return host(url).startswith("scholar.google.")


def extract(page):
    """Return the candidates of a result page or a profile, or why there are none."""
    root = page.root
    if root is None:
        return Extraction(extractor=NAME)
    papers = _profile_rows(page) if page.path.startswith("/citations") else _results(page)
    if papers:
        return Extraction(papers=papers, listing=True, extractor=NAME)
    # Asked only of a page without papers: the search reads the whole source.
    if page.contains("gs_captcha"):
        return Extraction(extractor=NAME, error=BOT_CHECK_ERROR)
    return listings.none_found(page, NAME, "Google Scholar")


def _profile_rows(page):
    """Return the papers of a profile's rows (tr.gsc_a_tr), each once."""
    # The class names in the source say whether the page holds rows at all: an error
    # page or a robot check is not walked.
    if not page.contains("gsc_a_tr"):
        return []
    rows = (row for row in page.root.iter("tr") if row.get("class") == "gsc_a_tr")
    return listings.unique(p for p in (_profile_row(row, page.url) for row in rows) if p)


def _results(page):
    """Return the papers of a result page's blocks (div.gs_r holding div.gs_ri), each once."""
    if not page.contains("gs_ri"):
        return []
    blocks = (block for block in page.root.iter("div") if _is_result(block))
    return listings.unique(p for p in (_result(block, page.url) for block in blocks) if p)


def _is_result(block):
    """Return True for a result block: div.gs_r holding its div.gs_ri."""
    if not has_class(block, "gs_r"):
        return False
    for child in block:  # a plain loop: cheaper than any() over a generator
        if child.get("class") == "gs_ri":
            return True
    return False


def _result(block, base):
    found = {}
    paper = card.read([block], base, ROLES, other=found)
    title = _MARKERS.sub("", paper.get("title") or "")
    if not title:
        return None
    paper["title"] = title
    authors, venue, year = byline(found.get("byline") or "")
    paper.update({"authors": authors, "venue": venue, "published": year})
    pdf = _pdf_link(block)
    if pdf is not None:
        paper["pdf_url"] = absolute(base, pdf.get("href"))
    paper.setdefault("extra", {})["scholar_cluster"] = block.get("data-cid")
    return card.finish(paper, "scholar.google.com")


def _pdf_link(block):
    """Return the side link marked [PDF] (the full text; [HTML] ones are publisher pages)."""
    # The block's raw text, gathered by libxml2, says whether any link is marked at all.
    if "PDF" not in etree.tostring(block, method="text", encoding=str, with_tail=False):
        return None
    return next((a for a in block.iter("a") if "[PDF]" in text(a)), None)


def byline(value):
    """Return (authors, venue, year) of "A Author, B Author - Venue, 2022 - host"."""
    parts = _DASH.split(squash(value))
    # A long list is cut with "…", glued to the last name shown ("B Leitner…").
    names = [squash(n).rstrip("…").rstrip(".").strip() if n.strip().endswith(("…", "..."))
             else squash(n) for n in parts[0].split(",")] if parts and parts[0] else []
    names = [n for n in names if n]
    venue, year = None, None
    if len(parts) > 2 or (len(parts) == 2 and _FOUR_DIGITS.search(parts[1])):
        where = parts[1]
        found = _TRAILING_YEAR.search(where)
        if found:
            year = found.group(1)
            where = where[:found.start()]
        # A venue Scholar cut short ("Institute of Geological and …") is not kept.
        venue = None if "…" in where or "..." in where else where.strip(" ,") or None
    return names, venue, year


def _profile_row(row, base):
    # One walk over the row's links, lines and spans (a profile lists a hundred rows).
    link, gray, year = None, [], None
    for node in row.iter("a", "div", "span"):
        tag, classes = node.tag, node.get("class")
        if tag == "a":
            if classes == "gsc_a_at" and link is None:
                link = node
        elif tag == "div":
            if classes == "gs_gray":
                gray.append(node)
        elif classes == "gsc_a_h" and year is None:
            year = node
    title = text(link)
    if not title:
        return None
    # The first gray line names the authors, the second the venue (the others are not read).
    names = text(gray[0]).split(",") if gray else ()
    venue = _COMMA_YEAR.sub("", text(gray[1])).strip() if len(gray) > 1 else ""
    if "…" in venue or venue.endswith("..."):
        venue = ""  # cut short by Scholar: not the venue's name
    year = text(year) if year is not None else None
    paper = {
        "title": title,
        "url": absolute(base, link.get("href")),
        "authors": [n for n in map(squash, names) if n and n not in ("...", "…")],
        "venue": venue or None,
        "published": fields.date(year) if year else None,
    }
    return card.finish(paper, "scholar.google.com")
