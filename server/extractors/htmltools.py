"""Shared page-reading helpers: parse HTML with lxml, read meta tags, get clean text.

Text from the page is whitespace-normalised and entity-decoded by the parser;
MathJax-rendered math is turned back into the `$…$` TeX it was written as.
"""

from functools import lru_cache
from urllib.parse import urljoin, urlparse

from lxml import etree

from papershelf.server.charsets import decode_html

# Plain lxml elements (no lxml.html class lookup): noticeably faster on megabyte pages.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           recover=True, no_network=True, collect_ids=False)
# Classes of the elements MathJax (v2 and v3) adds next to the TeX source.
_MATHJAX_RENDERED = {"MathJax", "MathJax_Preview", "MathJax_Display", "MathJax_SVG",
                     "MathJax_CHTML", "MJX_Assistive_MathML"}


def parse(html):
    """Return the root element of html (str or bytes), or None when there is no document."""
    if not html:
        return None
    # Bytes are decoded as a browser would (libxml2 would ignore a <meta charset> here,
    # and it refuses str with an XML declaration); libxml2 reads the UTF-8 of the text
    # faster than the UTF-16 Python keeps most non-ASCII pages in.
    html = decode_html(html).encode("utf-8", "replace")
    try:
        root = etree.fromstring(html, parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


def squash(text):
    """Return text with runs of whitespace (including NBSP) collapsed to one space."""
    if text is None:
        return ""
    return _squash_str(str(text))


def _squash_str(text):
    # Every whitespace character but the space is unprintable: printable text without a
    # double, leading or trailing space is already squashed, and is not split into words
    # (for a page's thousands of meta tags and card lines, most of the time spent here).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def read_meta(root):
    """Return {lower-case name: [content, ...]} for every <meta name|property|itemprop>."""
    meta = {}
    if root is None:
        return meta
    for node in root.iter("meta"):
        get = node.get
        value = get("content")  # pages carry hundreds: read only those with content and a name
        name = (get("name") or get("property") or get("itemprop")) if value else None
        if not name:
            continue
        name, content = name.strip().lower(), _squash_str(value)
        if name and content:
            values = meta.get(name)
            if values is None:  # not setdefault: no list made and dropped for each tag
                meta[name] = [content]
            else:
                values.append(content)
    return meta


def first(meta, *names):
    """Return the first value of the first of names present in meta, or None."""
    for name in names:
        values = meta.get(name)
        if values:
            return values[0]
    return None


def text(element, skip_descriptor=False):
    """Return the element's visible text, math back as `$TeX$`, whitespace normalised.

    skip_descriptor drops arXiv's leading `<span class="descriptor">Title:</span>` labels.
    """
    if element is None:
        return ""
    if len(element) == 0:  # the common case, kept fast for thousand-entry listings
        value = element.text
        return _squash_str(value) if value and element.tag not in _SKIPPED_TAGS else ""
    parts = []
    _collect_text(element, parts, skip_descriptor)
    return squash("".join(parts))


_SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg"}
_SPECIAL_TEXT_TAGS = _SKIPPED_TAGS | {"math", "mjx-container"}


def _collect_text(element, parts, skip_descriptor=False):
    # Runs once per element of every block read: each property is read once.
    tag = element.tag
    if not isinstance(tag, str):
        return
    if tag in _SPECIAL_TEXT_TAGS:
        if tag == "script":
            kind = element.get("type") or ""
            if kind.startswith("math/tex"):
                tex = squash(element.text)
                parts.append(f"$${tex}$$" if "mode=display" in kind else f"${tex}$")
        elif tag == "math":
            parts.append(_mathml_text(element))
        elif tag == "mjx-container":  # MathJax 3 keeps only MathML (assistive) beside its drawing
            math = next(element.iter("math"), None)
            parts.append(_mathml_text(math) if math is not None else "")
        return
    classes = element.get("class")
    if classes and (not _MATHJAX_RENDERED.isdisjoint(classes.split())
                    or (skip_descriptor and classes == "descriptor")):
        return
    value = element.text
    if value:
        parts.append(value)
    for child in element:
        _collect_text(child, parts, skip_descriptor)
        value = child.tail
        if value:
            parts.append(value)
    if tag in ("br", "p", "div", "li"):
        parts.append(" ")


def _mathml_text(element):
    """Return MathML as its TeX annotation or alttext (`$…$`), else as its plain characters."""
    for node in element.iter("annotation"):
        if "tex" in (node.get("encoding") or "") and node.text:
            return f"${squash(node.text)}$"
    if element.get("alttext"):
        return f"${squash(element.get('alttext'))}$"
    return "".join(t for node in element.iter() if node.tag != "annotation"
                   for t in (node.text,) if t)


def plain_text(element):
    """Return all text inside element (scripts included), whitespace normalised."""
    return squash("".join(element.itertext())) if element is not None else ""


def without_descriptor(element):
    """Return text of an arXiv-style element minus its leading `<span class=descriptor>`."""
    if len(element) == 1 and element[0].get("class") == "descriptor":  # fast, common case
        return _squash_str((element.text or "") + " " + (element[0].tail or ""))
    return text(element, skip_descriptor=True)


def by_class(root, tag, cls):
    """Return descendant elements of tag whose class list contains cls."""
    return [el for el in root.iter(tag) if has_class(el, cls)]


def has_class(node, word):
    """Return True when word is one of node's class names."""
    names = node.get("class")
    # A substring test first: most elements' classes do not hold the word at all.
    return bool(names) and word in names and word in names.split()


def absolute(base, href):
    """Return href made absolute against base, or None when href is empty or not http(s)."""
    if not href:
        return None
    href = href.strip()
    # Listings hold thousands of links: the two common forms skip urljoin's parsing.
    if href.startswith(("https://", "http://")) and " " not in href:
        return href
    if href.startswith("/") and not href.startswith("//") and " " not in href and "\\" not in href:
        origin = _origin(base or "")
        if origin:
            return origin + _resolve_dots(href)
    try:
        url = urljoin(base or "", href)
    except ValueError:
        return None
    return url if urlparse(url).scheme in ("http", "https") else None


@lru_cache(maxsize=64)
def _origin(base):
    """Return "scheme://host[:port]" of an http(s) base URL, or ""."""
    try:
        parts = urlparse(base)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _resolve_dots(path):
    """Return an absolute path with its "." and ".." segments resolved, as urljoin would."""
    if "/." not in path:
        return path
    return urljoin("http://x", path)[len("http://x"):]


@lru_cache(maxsize=256)
def host(url):
    """Return the host name of url without a leading "www.", or "".

    Memoised: every site reader asks it of the same URL before one of them reads the page.
    """
    try:
        name = urlparse(url or "").hostname or ""
    except ValueError:
        return ""
    return name.removeprefix("www.")


def host_in(hostname, hosts):
    """Return True when hostname is one of hosts, or under one of them that starts with "."."""
    return hostname in hosts or any(hostname.endswith(name) for name in hosts if name[:1] == ".")


def page_title(root):
    """Return the <title> text of the page."""
    if root is None:
        return ""
    # Not root.iter("title"): lxml's iterator looks ahead for the next match, through
    # the whole tree, before it hands over the first.
    head = next(root.iterchildren("head"), None)
    node = next(head.iterchildren("title"), None) if head is not None else None
    if node is None:
        node = next(root.iter("title"), None)
    return text(node) if node is not None else ""


BOT_CHECK_ERROR = "page not readable (bot check): try the PDF or the arXiv id"
BOT_CHECK_TITLES = ("verifying your browser", "just a moment", "attention required",
                    "checking your browser")
