"""The page being read: its URL and HTML, parsed once and shared by every reader that tries it."""

from urllib.parse import parse_qs, urlparse, urlsplit

from papershelf.server.extractors import emptypage, htmltools


class cached_property:  # named and used like functools.cached_property
    """functools.cached_property without the lock Python 3.11 takes on each first read.

    A page belongs to one clip on one thread. Each locked first read costs about a
    microsecond more, and the readers of a 2 KB page (parsed in 20 µs) make a dozen.
    """

    def __init__(self, function):
        self.function, self.name = function, function.__name__
        self.__doc__ = function.__doc__

    def __get__(self, page, owner=None):
        if page is None:
            return self
        value = page.__dict__[self.name] = self.function(page)
        return value


class Page:
    """A clipped page: url, html, and (computed on first use) its tree, meta tags, URL parts."""

    def __init__(self, url, html):
        self.url = url if isinstance(url, str) else ""
        self.html = html if isinstance(html, (str, bytes)) else ""
        self._classes = {}  # {tag: {class word: [elements]}}, filled as readers ask

    @cached_property
    def root(self):
        return htmltools.parse(self.html)

    @cached_property
    def meta(self):
        return htmltools.read_meta(self.root)

    @cached_property
    def title(self):
        """Return the text of the page's <title> (asked by several readers, read once)."""
        return htmltools.page_title(self.root)

    @cached_property
    def bot_check(self):
        """Return True for a bot-check interstitial (asked by several readers, searched once)."""
        return emptypage.is_bot_check(self)

    def _classes_of(self, tag):
        """Return {class word: [elements of tag]} for the whole page, built on the first ask.

        Readers of article pages look up a dozen classes of a few tags; one pass over
        each tag asked costs less than a dozen searches, or an index of every element.
        """
        index = self._classes.get(tag)
        if index is None:
            index = self._classes[tag] = {}
            for node in self.root.iter(tag) if self.root is not None else ():
                names = node.get("class")
                if names:
                    for word in names.split():
                        index.setdefault(word, []).append(node)
        return index

    def find_class(self, tag, word):
        """Return the elements of tag whose class list holds word, in page order."""
        return self._classes_of(tag).get(word, [])

    def first_class(self, tag, word):
        """Return the first element of tag whose class list holds word, or None."""
        found = self._classes_of(tag).get(word)
        return found[0] if found else None

    def blocks(self, wanted, first_only=False):
        """Return {(tag, class word): [elements]} of the wanted (tag, class word) pairs, in page order.

        One walk over the pairs' tags keeping only the wanted blocks: cheaper than indexing
        every class word of those tags (find_class) for a reader that wants a few of many.
        first_only: keep each pair's first element, and stop once every pair has one.
        """
        found = {}
        if self.root is None:
            return found
        words = {word for _, word in wanted}
        for node in self.root.iter(*{tag for tag, _ in wanted}):
            names = node.get("class")
            if not names:
                continue
            split = names.split()
            if words.isdisjoint(split):
                continue
            for word in split:
                key = (node.tag, word)
                if key in wanted and not (first_only and key in found):
                    found.setdefault(key, []).append(node)
            if first_only and len(found) == len(wanted):
                break
        return found

    @cached_property
    def host(self):
        return htmltools.host(self.url)

    @cached_property
    def _url_parts(self):
        try:
            return urlsplit(self.url)
        except ValueError:
            return None

    @cached_property
    def path(self):
        """Return the URL's path (without ";params", as urlparse gives it)."""
        parts = self._url_parts
        if parts is None:
            return ""
        # urlsplit is memoised by the standard library, urlparse is not: parse twice only
        # for the rare path with ";params".
        return urlparse(self.url).path if ";" in parts.path else parts.path

    @cached_property
    def query(self):
        """Return the URL's query as {name: [values]}."""
        parts = self._url_parts
        return parse_qs(parts.query) if parts is not None and parts.query else {}

    def contains(self, word):
        """Return True when the page's source holds word (a cheap test before a closer look)."""
        if isinstance(self.html, bytes):
            return word.encode() in self.html
        return word in self.html

    def param(self, name):
        """Return the first value of the URL's query parameter name, or None."""
        values = self.query.get(name)
        return values[0] if values else None
