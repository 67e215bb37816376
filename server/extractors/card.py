"""One card of a listing: what each of its elements holds, and the paper read from it.

`read(elements, base, roles)` walks the card's elements once, asking `roles` what each
holds (title, authors, abstract, date, venue...): the generic roles guess from class
names, itemprop and tags; a site reader passes a `Roles` built from its own selectors.
Everything runs over the card's own elements, never a search of the whole tree per card,
so long listings stay fast.
"""

import re
from urllib.parse import unquote

from papershelf.server import identity
from papershelf.server.extractors import arxiv, fields
from papershelf.server.extractors.cards import HEADINGS, is_person_href
from papershelf.server.extractors.htmltools import absolute, squash, text

# A DOI in a link: doi.org/10..., /doi/(abs|full|pdf)/10..., or a publisher's path that is
# the DOI itself (/article/10..., /chapter/10..., ACM's /abs/10...).
_DOI_HREF = re.compile(r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/|epdf/|book/)?"
                       r"|/(?:article|chapter|book|abs|full|referenceworkentry)/)"
                       r"(10\.\d{4,9}/[^?#\s]+)", re.IGNORECASE)
_PDF_HREF = re.compile(r"\.pdf(?:[?#]|$)", re.IGNORECASE)
_SKIPPED = {"script", "style", "noscript", "template", "svg", "button", "select", "input",
            "img", "nav"}
_TEASER_END = ("...", "…", "â¦", "[…]", "[...]")
# Toggle links ("[Show abstract]") and a label ("Abstract:") before an abstract are not of it.
_ABSTRACT_LABEL = re.compile(r"^(?:\[[^\]]{1,30}\]\s*)*(?:abstract|summary|tl;dr)\s*[:.]?\s+",
                             re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:;|,|·|\band\b|&)\s*")
_DIGIT = re.compile(r"\d")
_YEAR_IN_PARENS = re.compile(r"\((1[5-9]\d\d|20\d\d)\)")
# A linked name: two to six words, no digits or punctuation beyond one "Family, Given" comma.
_NAME_LIKE = re.compile(r"^(?=\S+(?:\s+\S+){1,5}$)[^\d,;:!?()\[\]&]+(?:,[^\d,;:!?()\[\]&]+)?$")


class Roles:
    """What each element of a card holds, from a site's selectors.

    Selectors are "tag.class", ".class", "tag", "[attr=value]" or "tag[attr=value]" (one
    attribute name per Roles); a role maps to one selector or a comma-separated list.
    Roles: title, link, authors (a list: its links, or its text split at commas), author
    (one name), abstract, snippet (a cut teaser), date, venue, doi, pdf, skip; and
    volume, number, pages (kept in the paper's extra).
    """

    def __init__(self, fallback=None, **selectors):
        self.memo, self.attribute_memo = {}, {}  # {(tag, class or attribute value): role}
        self.fallback = fallback  # roles asked when no selector matches (GENERIC_MICRODATA...)
        self.attribute = fallback.attribute if fallback is not None else None
        self._by_class, self._by_tag, self._by_value = {}, {}, {}
        for role, spec in selectors.items():
            for selector in (s.strip() for s in spec.split(",")):
                tag, cls, attr, value = _parse_selector(selector)
                if attr:
                    if self.attribute not in (None, attr) or (
                            fallback is not None and fallback.attribute not in (None, attr)):
                        raise ValueError("one attribute name per Roles")
                    self.attribute = attr
                    self._by_value[(tag, value)] = role
                elif cls:
                    self._by_class.setdefault(cls, []).append((tag, role))
                else:
                    self._by_tag[tag] = role

    def classify(self, tag, classes):
        """Return the role of an element from its tag and class list ("" for none); memoised."""
        role = ""
        for token in (classes or "").split():
            for wanted, candidate in self._by_class.get(token, ()):
                if wanted in (None, tag):
                    role = candidate
                    break
            if role:
                break
        role = role or self._by_tag.get(tag, "")
        if not role and self.fallback is not None:
            role = self.fallback.classify(tag, classes)
        self.memo[(tag, classes)] = role
        return role

    def by_attribute(self, tag, value):
        role = self._by_value.get((tag, value)) or self._by_value.get((None, value)) \
            or self._by_value.get((tag, None)) or ""
        if not role and self.fallback is not None:
            role = self.fallback.by_attribute(tag, value)
        return role


def _parse_selector(selector):
    match = re.fullmatch(r"([\w-]+)?(?:\.([\w-]+))?(?:\[([\w-]+)(?:=([^\]]*))?\])?", selector)
    if not match or not any(match.groups()):
        raise ValueError(f"unsupported selector {selector!r}")
    tag, cls, attr, value = match.groups()
    return tag, cls, attr, value.strip("'\"") if value else value


class GenericRoles:
    """Roles guessed from class names and tags, and from itemprop on pages with microdata."""

    _ITEMPROP = {"headline": "title", "name": "title", "author": "author", "creator": "author",
                 "datepublished": "date", "description": "abstract", "abstract": "abstract",
                 "ispartof": "venue"}
    _WORDS = (("abstract", "abstract"), ("snippet", "snippet"), ("summary", "abstract"),
              ("teaser", "snippet"), ("description", "abstract"), ("authors", "authors"),
              ("author-list", "authors"), ("creators", "authors"), ("contrib", "authors"),
              ("person_name", "author"), ("person-name", "author"),
              ("author", "author"), ("title", "title"), ("date", "date"), ("year", "date"),
              ("venue", "venue"), ("journal", "venue"), ("proceeding", "venue"),
              ("doi", "doi"))

    def __init__(self, microdata=False):
        self.memo, self.attribute_memo = {}, {}
        self.attribute = "itemprop" if microdata else None

    def classify(self, tag, classes):
        role = ""
        for token in (classes or "").lower().split():
            if token.startswith(("sub", "no-", "js-")) or token.endswith(("-label", "button")):
                continue
            role = next((role for word, role in self._WORDS if word in token), "")
            if role:
                break
        if not role:
            role = "title" if tag in HEADINGS else "date" if tag == "time" else ""
        self.memo[(tag, classes)] = role
        return role

    def by_attribute(self, tag, value):
        return self._ITEMPROP.get(value.split()[0].lower(), "") if value.strip() else ""


GENERIC = GenericRoles()
GENERIC_MICRODATA = GenericRoles(microdata=True)


_FOUND = ("title", "abstract", "snippet", "date", "venue", "doi", "link", "pdf", "volume",
          "number", "pages")


def read(elements, base, roles=GENERIC, link=None, other=None, label=None):
    """Return the paper fields one card shows (title, url, authors, abstract, ids...).

    elements: the card, then any siblings that belong to it (a dt's dd); link: the card's
    title link when the listing was found by its links, label: its text when already read;
    other: a dict that receives the text of a site's own roles ("byline"), for the site
    reader to make sense of. One walk over the card's elements; an element that holds a
    field is read whole, its inside skipped.
    """
    found = dict.fromkeys(_FOUND)
    found["authors"] = []
    # The card itself is not asked (its class names the whole entry, "entry inproceedings").
    _walk(list(elements[0]) + list(elements[1:]) if elements else [], found, roles)
    if found["date"] is None:
        found["date"] = _loose_year(elements)
    if other is not None:
        other.update((key, value) for key, value in found.items()
                     if key not in _FOUND and key != "authors")
    return _paper(found, elements, link, base, label)


def _walk(tops, found, roles):
    """Record in found what tops and their insides hold, not looking into a node read whole."""
    memo, classify, attribute = roles.memo, roles.classify, roles.attribute
    attribute_memo = roles.attribute_memo
    # lxml's iterator cannot jump a subtree: its nodes are passed over up to the last one,
    # which costs less than a Python walk of children lists. When a top itself is read
    # whole or skipped (a dblp entry's menu of thirty links), its walk ends there.
    for top in tops:
        skip_to = None
        for node in top.iter():
            if skip_to is not None:
                if node is skip_to:
                    skip_to = None
                continue
            tag = node.tag
            if tag in _SKIPPED:
                if node is top:
                    break
                skip_to = _last_descendant(node)
                continue
            key = (tag, node.get("class"))
            role = memo.get(key)
            if role is None:
                role = classify(*key)
            if not role:
                if attribute:
                    value = node.get(attribute)
                    if value:
                        role = attribute_memo.get((tag, value))
                        if role is None:
                            role = attribute_memo[(tag, value)] = roles.by_attribute(tag, value)
                if not role and tag == "a" and is_person_href((node.get("href") or "").lower()) \
                        and _NAME_LIKE.match(text(node)):
                    role = "author"  # a link to a person's profile names an author
                if not role:
                    continue
            if role == "skip" or _take(found, role, node):
                if node is top:
                    break
                skip_to = _last_descendant(node)


def _last_descendant(node):
    last = node
    while len(last):
        last = last[-1]
    return last if last is not node else None


def _loose_year(elements):
    """Return a "(2016)" year the card writes between its elements (EPrints, citation lines)."""
    for element in elements:
        for _ in range(3):  # a card that wraps its one entry (a list of one) is looked into
            for piece in [element.text] + [child.tail for child in element]:
                # Most pieces are blank or hold no parenthesis: no regex for those.
                found = _YEAR_IN_PARENS.search(piece) if piece and "(" in piece else None
                if found:
                    return found.group(1)
            if len(element) != 1:
                break
            element = element[0]
    return None


def _take(found, role, node):
    """Record what node holds under role; return False when the walk should look inside it."""
    if role == "author":
        name = _person(node)
        if name:
            found["authors"].append(name)
        return True
    if role == "authors":
        found["authors"].extend(_names(node))
        return True
    if role == "link":
        found["link"] = found["link"] or node
        return False
    if found.get(role) is not None:
        return role in ("title", "abstract", "snippet", "venue", "date")
    if role == "date":
        found["date"] = fields.date(node.get("datetime") or node.get("content") or text(node))
    elif role == "pdf":
        found["pdf"] = node if node.tag == "a" else next(node.iter("a"), None)
    else:
        value = text(node) or node.get("content") or ""
        if not value:
            return False
        found[role] = value
        if role == "title" and found["link"] is None:
            link = node if node.tag == "a" else next(node.iter("a"), None)
            found["link"] = link if link is not None else _enclosing_link(node)
    return True


def _enclosing_link(node):
    """Return the link a title sits in ("<a><span>Author</span>, <span>Title</span></a>")."""
    for ancestor in node.iterancestors():
        if ancestor.tag == "a":
            return ancestor
        if ancestor.tag in ("li", "div", "tr", "article", "section"):
            return None
    return None


def _person(node):
    """Return one author's name (a nested itemprop=name when marked up); digits: not a name."""
    name = None
    if len(node):  # only an element with children can hold a marked-up name
        name = next((squash(text(inner)) for inner in node.iterdescendants()
                     if inner.get("itemprop") == "name"), None)
    name = name or fields.person(text(node).strip(" ,;&·"))
    return name if name and not _DIGIT.search(name) else ""


def _names(node):
    """Return the names of an author list: its links, its marked-up names, or its text split."""
    marked = [_person(n) for n in node.iter() if n.get("itemprop") in ("author", "creator")]
    if marked:
        return [name for name in marked if name]
    links = [text(a) for a in node.iter("a")]
    links = [name for name in links if name and len(name) < 80]
    value = re.sub(r"^(?:by|authors?)\s*:?\s+", "", text(node), flags=re.IGNORECASE)
    names = [fields.person(name) for name in _NAME_SPLIT.split(value)
             if name.strip(" .…") and not _DIGIT.search(name)]
    # Linked names, unless the list also names people without a link (the profile's owner).
    return names if len(names) > len(links) or not links else links


def _paper(found, elements, title_link, base, label):
    link = title_link if title_link is not None else found["link"]
    title = found["title"]
    if title_link is not None:
        # The link's text, unless it holds more than the title ("Amit Saad, On the...").
        label = text(title_link) if label is None else label
        title = title if title and title in label else label or title
    url = absolute(base, link.get("href")) if link is not None else None
    title = squash(title)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]  # a citation line's full stop, not the title's
    paper = {"title": title or None, "url": url, "authors": found["authors"],
             "venue": found["venue"], "published": found["date"]}
    ids = _identifiers(elements, url, base)
    if found["pdf"] is not None:
        ids.setdefault("pdf_url", absolute(base, found["pdf"].get("href")))
    if not ids.get("doi") and found["doi"]:
        ids["doi"] = fields.doi_in(found["doi"])
    paper.update(ids)
    abstract, snippet = found["abstract"], found["snippet"]
    if abstract:
        abstract = _ABSTRACT_LABEL.sub("", abstract)
        if abstract.rstrip().endswith(_TEASER_END):  # a cut teaser is not the abstract
            abstract, snippet = "", snippet or abstract
    paper["abstract"] = abstract or None
    paper["extra"] = {"snippet": snippet, "volume": found["volume"], "number": found["number"],
                      "pages": fields.page_range(found["pages"]) if found["pages"] else None}
    return paper


def _identifiers(elements, url, base):
    """Return the DOI, arXiv id and PDF link the card's links give."""
    ids = {}
    hrefs = [a.get("href") for element in elements for a in element.iter("a")]
    hrefs[:0] = [url]
    for href in hrefs:
        if not href:
            continue
        if "doi.org%2F" in href:  # a DOI passed on to a redirector ("go.pl?u=http%3A%2F%2Fdx...")
            href = unquote(href)
        # Cheap substring tests first: a card has a dozen links, a listing hundreds of cards.
        if "10." in href and "doi" not in ids:
            match = _DOI_HREF.search(href)
            doi = identity.normalize_doi(match.group(1)) if match else None
            if doi:
                ids["doi"] = doi
        if "arxiv.org/" in href and "arxiv_id" not in ids:
            arxiv_id = arxiv.id_in(href)
            if arxiv_id:
                ids["arxiv_id"] = arxiv_id
        if (".pdf" in href or ".PDF" in href) and "pdf_url" not in ids and _PDF_HREF.search(href):
            ids["pdf_url"] = absolute(base, href)
    return ids


def finish(paper, source, entry_type=None):
    """Return a card's paper with its year, entry type and source, empty fields dropped."""
    paper["year"] = fields.year_of(paper.get("published"))
    paper["entry_type"] = entry_type or fields.entry_type(venue=paper.get("venue")) or "misc"
    paper["source"] = source
    return fields.prune(paper)
