"""The page being read: its URL and HTML, parsed once and shared by every reader that tries it."""

from functools import cached_property
from urllib.parse import parse_qs, urlparse

from papershelf.server.extractors import emptypage, htmltools


class Page:
    """A clipped page: url, html, and (computed on first use) its tree, meta tags, URL parts."""

    def __init__(self, url, html):
        self.url = url if isinstance(url, str) else ""
        self.html = html if isinstance(html, (str, bytes)) else ""

    @cached_property
    def root(self):
        return htmltools.parse(self.html)

    @cached_property
    def meta(self):
        return htmltools.read_meta(self.root)

    @cached_property
    def bot_check(self):
        """Return True for a bot-check interstitial (asked by several readers, searched once)."""
        return emptypage.is_bot_check(self)

    @cached_property
    def classes(self):
        """Return {(tag, class word): [elements]} for the whole page, built in one pass.

        Readers of article pages look up a dozen classes; one pass over the tree costs
        less than a dozen searches of it.
        """
        index = {}
        if self.root is None:
            return index
        for node in self.root.iter():
            names = node.get("class")
            if names:
                tag = node.tag
                for word in names.split():
                    index.setdefault((tag, word), []).append(node)
        return index

    def find_class(self, tag, word):
        """Return the elements of tag whose class list holds word, in page order."""
        return self.classes.get((tag, word), [])

    def first_class(self, tag, word):
        """Return the first element of tag whose class list holds word, or None."""
        found = self.classes.get((tag, word))
        return found[0] if found else None

    @cached_property
    def host(self):
        return htmltools.host(self.url)

    @cached_property
    def path(self):
        try:
            return urlparse(self.url).path
        except ValueError:
            return ""

    @cached_property
    def query(self):
        """Return the URL's query as {name: [values]}."""
        try:
            return parse_qs(urlparse(self.url).query)
        except ValueError:
            return {}

    def contains(self, word):
        """Return True when the page's source holds word (a cheap test before a closer look)."""
        if isinstance(self.html, bytes):
            return word.encode() in self.html
        return word in self.html

    def param(self, name):
        """Return the first value of the URL's query parameter name, or None."""
        values = self.query.get(name)
        return values[0] if values else None
