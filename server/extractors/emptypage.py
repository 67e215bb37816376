"""Pages that hold no paper: an error page, a sign-in wall, a search without results, a home page.

Each gets a message that says which it is, so the reader is not left with a junk record.
"""

import re

from lxml import etree

from papershelf.server.extractors import htmltools
from papershelf.server.extractors.htmltools import squash, text

ERROR_TITLE = re.compile(r"\b(?:error\s*)?(?:40[0-9]|50[0-9])\b|\bforbidden\b|\bnot found\b"
                         r"|\baccess denied\b|\bpage unavailable\b", re.IGNORECASE)
SIGN_IN = re.compile(r"\b(?:sign|log)\s*-?\s*(?:in|on)\b|\blogin\b|\bauthenticat", re.IGNORECASE)
NO_RESULTS = re.compile(
    r"\bno (?:results|matches|documents|records|papers|articles|items)\b"
    r"|\bdid not match any\b|\breturned no results\b|\b0 results\b|\bnothing found\b"
    r"|\bno (?:results|matches) (?:were )?found\b", re.IGNORECASE)
SEARCH_PARAMS = ("q", "query", "search", "searchtext", "term", "text", "all", "allfield",
                 "querytext", "keywords", "search_query")
HOME_PATHS = ("", "/", "/index.html", "/index.htm", "/index.php", "/home", "/home.jsp",
              "/xplore/home.jsp")
# The classes of Turnstile's and reCAPTCHA's boxes, and the host of Cloudflare's check script.
WIDGET_CLASSES = ("cf-turnstile", "g-recaptcha")
CHECK_SCRIPT_HOST = "challenges.cloudflare.com"
# How much of the page's text is searched for a "no results" notice.
TEXT_WINDOW = 20000


def reason(page):
    """Return why the page holds no paper ("" when it may well be a page worth keeping)."""
    root, title = page.root, page.title
    if ERROR_TITLE.search(title):
        return f"the site answered with an error page ({squash(title)[:80]}): nothing to save"
    if is_sign_in(root, title):
        return "this is a sign-in page: sign in, then save the paper's own page"
    if is_search(page):
        if NO_RESULTS.search(body_text(root)):
            return "this search shows no results: nothing to save"
        return "no papers found on this search page"
    if page.path.lower() in HOME_PATHS and not page.query:
        return "this is the site's home page: open a paper's page to save it"
    return ""


def is_bot_check(page):
    """Return True for a bot-check interstitial (its title, or a challenge widget it loads)."""
    title = page.title.lower()
    if any(marker in title for marker in htmltools.BOT_CHECK_TITLES):
        return True
    # The widget search walks the tree: only when the source holds what it looks for
    # (many pages load reCAPTCHA's script for a form; few show its "g-recaptcha" box).
    if not any(page.contains(word) for word in (*WIDGET_CLASSES, CHECK_SCRIPT_HOST)):
        return False
    return _has_challenge_widget(page.root)


def _has_challenge_widget(root):
    """Return True when the page shows a Turnstile or reCAPTCHA box or loads Cloudflare's check."""
    if root is None:
        return False
    # One walk reading each class once: about three times faster than the XPath union.
    for node in root.iter(etree.Element):
        classes = node.get("class")
        if classes and any(name in classes for name in WIDGET_CLASSES):
            return True
    return any(CHECK_SCRIPT_HOST in (script.get("src") or "")
               for script in root.iter("script"))


def is_sign_in(root, title):
    """Return True for a page whose form asks for a password under a sign-in title or heading."""
    if root is None or next(root.iterfind(".//input[@type='password']"), None) is None:
        return False
    heading = next(root.iter("h1"), None)
    return bool(SIGN_IN.search(title) or (heading is not None and SIGN_IN.search(text(heading))))


def is_search(page):
    """Return True when the URL is a search: a /search path or a query parameter for the terms."""
    path = page.path.lower()
    if "search" in path or "/results" in path:
        return True
    return any(name.lower() in SEARCH_PARAMS for name in page.query)


def body_text(root):
    """Return about the first TEXT_WINDOW characters of the body's visible text."""
    body = root.find("body") if root is not None else None
    if body is None:
        return ""
    parts, size = [], 0
    for node in body.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript"):
            continue
        for piece in (node.text, node.tail):
            if piece and not piece.isspace():
                parts.append(piece)
                size += len(piece)
        if size > TEXT_WINDOW:
            break
    return " ".join(" ".join(parts).split())
