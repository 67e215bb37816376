"""Hugging Face papers: a paper page /papers/ID and the listings (daily, week, month, trending, search).

The embedded `data-props` JSON of the Svelte components is read first; the
server-rendered cards and headings second, so pages without the JSON still work.
"""

import json
import re
from urllib.parse import urlparse

from lxml import etree

from papershelf.server import identity
from papershelf.server.extractors import arxiv, fields
from papershelf.server.extractors.extraction import Extraction
from papershelf.server.extractors.htmltools import (
    absolute,
    by_class,
    host,
    plain_text,
    squash,
    text,
)

NAME = "huggingface"
HOSTS = ("huggingface.co", "hf.co")
_PAPER_PATH = re.compile(rf"^/papers/({arxiv.ID})/?$")
_REPO = re.compile(r"https://github\.com/[^/]+/[^/#?]+")
_LISTING_PATH = re.compile(r"^/papers(?:/(?:date|week|month|trending|search)(?:/.*)?)?/?$")
_WITH_PROPS = etree.XPath("//*[@data-props]")  # compiled once, not on every page


def matches(url):
    """Return True for Hugging Face paper pages and listings."""
    if host(url) not in HOSTS:
        return False
    try:
        return urlparse(url).path.startswith("/papers")
    except ValueError:
        return False


def extract(page):
    """Return the paper of a /papers/ID page, or the candidates of a listing."""
    url, path, root = page.url, page.path, page.root
    match = _PAPER_PATH.match(path)
    if match:
        arxiv_id, _ = identity.split_arxiv_id(match.group(1))
        # Without a readable page the arXiv id still names the paper; enrichment completes it.
        return Extraction(papers=[paper_page(page, arxiv_id)], extractor=NAME)
    if _LISTING_PATH.match(path) and root is not None:
        candidates = from_props(page) or from_cards(root)
        if candidates:
            return Extraction(papers=candidates, listing=True, extractor=NAME)
        return Extraction(extractor=NAME, error="no papers found on this Hugging Face listing")
    return Extraction(extractor=NAME)


def paper_page(page, arxiv_id):
    """Return the paper of a /papers/ID page: props JSON, then the visible page."""
    root = page.root
    from_json = [p for p in (from_props(page) if root is not None else [])
                 if p.get("arxiv_id") == arxiv_id]
    paper = from_json[0] if from_json else {}
    if root is not None:
        visible = visible_paper(root, page.url, arxiv_id)
        paper = {**visible, **paper, "extra": {**visible.get("extra", {}), **paper.get("extra", {})}}
    base = {**arxiv.from_id(arxiv_id), "published": arxiv.month_of(arxiv_id)}
    return fields.prune({**base, **paper, "arxiv_id": arxiv_id,
                         "url": f"https://huggingface.co/papers/{arxiv_id}",
                         "source": "huggingface.co"})


def visible_paper(root, url, arxiv_id=None):
    """Return what the rendered paper page shows: h1, authors, date, abstract, links, upvotes."""
    heading = next(root.iter("h1"), None)
    authors, repos = _authors_and_repos(root, url)
    # The repository button says "GitHub"; other GitHub links may be the site's own.
    labelled = [href for label, href in repos if label.lower().startswith("github")]
    code_url = (labelled or [href for _, href in repos] or [None])[0]
    code_url = code_url.rstrip("/") if code_url else None
    return fields.prune({
        "title": text(heading) if heading is not None else None,
        "authors": authors,
        "published": _published(root, arxiv_id),
        "abstract": _abstract(root),
        "code_url": code_url,
        "extra": {"upvotes": _upvotes(root)},
    })


def _published(root, arxiv_id):
    """Return the date of the "Published on Jul 9, 2024" line, or None."""
    for div in root.iter("div"):
        if "Published" not in (div.text or ""):  # cheap test before squashing every div
            continue
        value = squash(div.text)
        if value.startswith("Published on"):
            value = value[len("Published on"):].strip()
            # This year's papers show "Jul 9" without a year: the arXiv id gives it.
            year = (arxiv.month_of(arxiv_id) or "")[:4]
            return fields.date(value) if re.search(r"\d{4}", value) else \
                fields.date(f"{value}, {year}") if year else None
    return None


def _authors_and_repos(root, url):
    """Return the author names (span.author > button|a) and the (label, URL) of GitHub links.

    One walk over the page's links and buttons, in page order, serves both.
    """
    authors, repos = [], []
    for node in root.iter("a", "button"):
        parent = node.getparent()
        if parent is not None and parent.tag == "span" \
                and " author " in f" {parent.get('class') or ''} ":  # as XPath's contains(concat())
            authors.append(text(node))
        href = node.get("href") if node.tag == "a" else None
        # Only a link naming github.com can be a repository: the others are not resolved.
        if href and "github.com" in href:
            href = absolute(url, href) or ""
            if _REPO.match(href):
                repos.append((text(node), href))
    return authors, repos


def _abstract(root):
    """Return the abstract: the paragraph under the "Abstract" heading, not the AI summary."""
    for heading in root.iter("h2"):
        if text(heading).lower() == "abstract":
            container = heading.getparent()
            for para in container.iter("p"):
                if "text-gray-600" in (para.get("class") or ""):
                    return text(para)
            paragraphs = [text(p) for p in container.iter("p")]
            return paragraphs[-1] if paragraphs else None
    return None


def _upvotes(root):
    for node in root.iter("div"):
        if _reads(node, "upvotes"):
            previous = node.getprevious()
            value = _all_text(previous) if previous is not None else ""
            return int(value) if value.isdigit() else None
    return None


def _reads(node, word):
    """Return True when node's whole text, whitespace squashed and lower-cased, is word."""
    return _text_size(node, len(word)) == len(word) and _all_text(node).lower() == word


def _all_text(node):
    """Return all text inside node, whitespace squashed (a leaf's without itertext's set-up)."""
    return squash(node.text) if len(node) == 0 else plain_text(node)


def _text_size(node, limit):
    """Return how many non-space characters node's text holds, counted only up to limit + 1.

    Every div of the page is asked: an outer one stops as soon as its text is longer.
    A walk over children costs less than setting up itertext() for each div.
    """
    value = node.text
    size = len("".join(value.split())) if value else 0
    for child in node:
        if size > limit:
            break
        size += _text_size(child, limit - size)
        value = child.tail
        if value:
            size += len("".join(value.split()))
    return size


def from_props(page):
    """Return the papers found in the page's data-props JSON (any depth), in page order."""
    papers, seen = [], set()
    if not page.contains("data-props"):  # most paper pages carry none: skip the search
        return papers
    for node in _WITH_PROPS(page.root):
        try:
            props = json.loads(node.get("data-props") or "")
        except (ValueError, RecursionError):
            continue
        for item in _paper_objects(props, depth=0):
            paper = _props_paper(item)
            if paper and paper["arxiv_id"] not in seen:
                seen.add(paper["arxiv_id"])
                papers.append(paper)
    return papers


def _paper_objects(data, depth):
    """Yield dicts that look like HF paper objects: an arXiv "id" and a "title"."""
    if depth > 8:
        return
    if isinstance(data, list):
        for value in data:
            yield from _paper_objects(value, depth + 1)
    elif isinstance(data, dict):
        if isinstance(data.get("paper"), dict):
            yield {**data["paper"], "_outer": data}
            return
        if isinstance(data.get("id"), str) and data.get("title") \
                and identity.split_arxiv_id(data["id"])[0]:
            yield data
            return
        for value in data.values():
            yield from _paper_objects(value, depth + 1)


def _props_paper(item):
    arxiv_id, _ = identity.split_arxiv_id(item.get("id"))
    title = item.get("title") or (item.get("_outer") or {}).get("title")
    if not arxiv_id or not isinstance(title, str):
        return None
    names = [a.get("name") if isinstance(a, dict) else a for a in item.get("authors") or []]
    repo = item.get("githubRepo") or ""
    if isinstance(repo, str) and repo and not repo.startswith("http"):
        repo = f"https://github.com/{repo.strip('/')}"
    upvotes = item.get("upvotes")
    return fields.prune({
        **arxiv.from_id(arxiv_id),
        "title": squash(title),
        "authors": [squash(n) for n in names if isinstance(n, str) and n.strip()],
        "abstract": squash(item.get("summary")) or None,
        "published": fields.date(item.get("publishedAt")) or arxiv.month_of(arxiv_id),
        "code_url": repo if isinstance(repo, str) else None,
        "url": f"https://huggingface.co/papers/{arxiv_id}",
        "source": "huggingface.co",
        "extra": {"upvotes": upvotes if isinstance(upvotes, int) else None},
    })


def from_cards(root):
    """Return candidates read from the rendered <article> cards (no JSON on the page)."""
    papers, seen = [], set()
    for card in root.iter("article"):
        link = next(iter(card.xpath(".//h3//a[starts-with(@href,'/papers/')]"
                                    " | .//h3//a[contains(@href,'huggingface.co/papers/')]")), None)
        if link is None:
            continue
        arxiv_id, _ = identity.split_arxiv_id(link.get("href").rstrip("/").rsplit("/", 1)[-1])
        if not arxiv_id or arxiv_id in seen:
            continue
        seen.add(arxiv_id)
        votes = by_class(card, "div", "leading-none")
        votes = plain_text(votes[0]) if votes else ""
        papers.append(fields.prune({
            **arxiv.from_id(arxiv_id),
            "title": text(link),
            "published": arxiv.month_of(arxiv_id),
            "url": f"https://huggingface.co/papers/{arxiv_id}",
            "source": "huggingface.co",
            "extra": {"upvotes": int(votes) if votes.isdigit() else None},
        }))
    return papers
