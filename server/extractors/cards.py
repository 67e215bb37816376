"""The cards of a listing, found from what the page shows, without knowing the site.

`find(page)` returns microdata items (itemscope Article/ScholarlyArticle...), else the
largest group of title-like links that share their place in the page (their own class,
their parent's tag and class, their grandparent's tag) and point at papers; each link's
card is the largest block around it that holds no other link of the group. card.py
reads each card.
"""

import re
from functools import lru_cache
from itertools import pairwise

from papershelf.server.extractors.htmltools import text

# Links in these regions are the site's chrome or a paper's references, not a listing:
# tags, and class or id words (whole, or as the -suffix of a word: "site-footer").
_CHROME_TAGS = {"nav", "aside", "header", "footer"}
_CHROME_WORDS = ("footer", "header", "menu", "navbar", "sidebar", "breadcrumb", "breadcrumbs",
                 "references", "reference", "ref-list", "bibliography", "citedby", "cited-by")
_CHROME_TOKEN = re.compile(r"(?:^|[-_])(?:%s)$" % "|".join(map(re.escape, _CHROME_WORDS)) +
                           r"|^(?:references|ref-list|bibliography|breadcrumb)", re.IGNORECASE)
_ITEM_TYPES = ("Article", "Book", "Chapter", "Thesis", "Report", "CreativeWork")
# Where a link points at a paper: a DOI, an arXiv id, a PDF, a path naming a paper page, a
# query naming a paper, or a numbered record (EPrints' /12219/). Matched against the
# lower-cased href, each pattern only when the href holds the text it starts with: one
# regex of all of them tries every alternative at every character, several times slower.
_DOI_IN_HREF = re.compile(r"10\.\d{4,9}/")
_PDF_IN_HREF = re.compile(r"\.pdf(?:[?#]|$)")
_PAPER_PATH = re.compile(
    r"/(?:abs|abstract|article|articles|paper|papers|pub|publication|publications|document"
    r"|content|chapter|forum|rec|record|eprint|eprints|full|html|doi|entry|view)(?:/|$)"
    r"|/abstract=\d")
_PAPER_QUERY = re.compile(r"[?&](?:id|arnumber|abstract_id|paperid|doi|noteid)=")
# Links to people (author profiles, co-author lists) are never a paper's, whatever they look like.
_PERSON_PATH = re.compile(r"/(?:profile|researcher|author|authors|people|person|pers|user|users"
                          r"|scientist|citations\?user)(?:/|=|$)")
_PERSON_QUERY = re.compile(r"[?&](?:author|user|per_id)=")


def is_person_href(href):
    """Return True when a lower-cased href points at a person (an author's profile, say)."""
    # Every person's href holds one of these words; most hrefs hold none.
    if "author" in href or "user" in href or "pers" in href or "profile" in href \
            or "people" in href or "researcher" in href or "scientist" in href or "per_id" in href:
        return bool(_PERSON_PATH.search(href) or _PERSON_QUERY.search(href))
    return False


def _to_paper(href):
    """Return True when a lower-cased href points at a paper."""
    if ("10." in href and _DOI_IN_HREF.search(href)) or "arxiv.org/abs/" in href \
            or "arxiv.org/pdf/" in href or (".pdf" in href and _PDF_IN_HREF.search(href)) \
            or "_paper.html" in href or "-abstract.html" in href or _PAPER_PATH.search(href) \
            or (("id=" in href or "arnumber=" in href or "doi=" in href)
                and _PAPER_QUERY.search(href)):
        return True
    path = href.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    last = path.rpartition("/")[2]
    return len(last) >= 3 and last.isdigit()


HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MIN_CARDS = 2
# How many groups of title-like links are weighed against each other.
CANDIDATE_GROUPS = 4


def find(page):
    """Return the cards of the page's listing as (elements, title link, its text), in page order.

    The link and its text are None for microdata items.
    """
    root = page.root
    if root is None:
        return []
    items = microdata_items(root) if page.contains("itemscope") and _marks_up_items(
        page.html if isinstance(page.html, str) else page.html.decode("ascii", "ignore")) else []
    if len(items) >= MIN_CARDS:
        return [([item], None, None) for item in items]
    links, labels = _title_links(root)
    if len(links) < MIN_CARDS:
        return []
    return [(elements, link, labels[link]) for elements, link in segments(links, _cards_of(links))]


def _marks_up_items(source):
    """Return True when source names a schema.org article-like type at all."""
    # Most microdata is breadcrumbs, people, organisations. Finding each "schema.org/" and
    # testing what follows is twice as fast as a regex search over the page.
    at = source.find("schema.org/")
    while at >= 0:
        if source.startswith(_ITEM_TYPES, at + len("schema.org/")):
            return True
        at = source.find("schema.org/", at + 1)
    return False


def microdata_items(root):
    """Return the outermost schema.org article-like items marked up in the page."""
    items, last = [], None
    for node in root.iter():
        kind = node.get("itemtype") if node.get("itemscope") is not None else None
        if not kind or not any(name in kind for name in _ITEM_TYPES):
            continue
        if last is None or not _inside(node, last):
            items.append(node)
            last = node
    return items


def _inside(node, item):
    return any(ancestor is item for ancestor in node.iterancestors())


def title_links(root):
    """Return the largest group of title-like links to papers that share their place in the page.

    Links are grouped by their place (their own class, their parent's tag and class, their
    grandparent's tag) in one cheap pass; only a few links of each group are looked at
    closely to tell titles of papers from menus, author names and "cited by" links.
    """
    return _title_links(root)[0]


def _title_links(root):
    """Return (title_links(root), {link: its text} for the links weighed)."""
    groups = {}
    for link in root.iter("a"):
        href = link.get("href")
        if not href or href[0] == "#":
            continue
        parent = link.getparent()
        grandparent = parent.getparent()
        key = (link.get("class"), parent.tag, parent.get("class"),
               grandparent.tag if grandparent is not None else None)
        group = groups.get(key)
        if group is None:
            groups[key] = [link]
        else:
            group.append(link)
    # Of the largest groups that look like titles, the one with the most distinct labels
    # wins: titles differ from card to card, "Direct download" or "2 more" do not.
    # Each link's text is read once (a link is weighed, then its group's labels counted).
    chrome, labels, best, best_labels, tried = {}, {}, [], 0, 0
    for key, links in sorted(groups.items(), key=lambda group: len(group[1]), reverse=True):
        if len(links) < MIN_CARDS or len(links) <= best_labels or tried == CANDIDATE_GROUPS:
            break
        titled = _titled_place(key)
        sample = [_is_title_link(link, labels, titled) for link in links[:3]]
        if sum(sample) < 2:
            continue
        tried += 1
        kept = _one_per_target([link for index, link in enumerate(links)
                                if (sample[index] if index < 3
                                    else _is_title_link(link, labels, titled))
                                and not _in_chrome(link, chrome)])
        distinct = len({labels[link] for link in kept})
        if distinct >= MIN_CARDS and distinct > best_labels:
            best, best_labels = kept, distinct
    return best, labels


def _is_title_link(link, labels, titled_place):
    """Return True when link reads like a title and points at a paper or sits in a heading.

    A link with both signs may be one word ("Dying"); with one, it must read like a title.
    labels: {link: its text}, filled here; titled_place: _titled_place of the link's group.
    """
    label = labels[link] = text(link)
    href = (link.get("href") or "").lower()
    if not label or is_person_href(href):
        return False
    to_paper = _to_paper(href)
    titled = titled_place or _titled_grandparent(link)
    if to_paper and titled:
        return True
    return (to_paper or titled) and len(label) >= 8 and " " in label


def _titled_place(key):
    """Return True when a group's place is a title's: in a heading, or a class names a title.

    key: the group's (link class, parent tag, parent class, grandparent tag); only the
    grandparent's class, not in it, is left for _titled_grandparent to read per link.
    """
    link_class, parent_tag, parent_class, grandparent_tag = key
    return "title" in (link_class or "").lower() or parent_tag in HEADINGS \
        or "title" in (parent_class or "").lower() or grandparent_tag in HEADINGS


def _titled_grandparent(link):
    grandparent = link.getparent().getparent()
    return grandparent is not None and "title" in (grandparent.get("class") or "").lower()


def _in_chrome(link, memo):
    """Return True when link sits in navigation, a header or footer, or a reference list."""
    walked = []
    verdict = False
    for node in link.iterancestors():
        if node in memo:
            verdict = memo[node]
            break
        walked.append(node)
        if node.tag in _CHROME_TAGS and (node.tag in ("nav", "aside") or not _in_article(node)):
            verdict = True
            break
        classes, ident = node.get("class"), node.get("id")
        if (classes or ident) and _chrome_names((classes or "") + " " + (ident or "")):
            verdict = True
            break
    for node in walked:
        memo[node] = verdict
    return verdict


@lru_cache(maxsize=4096)
def _chrome_names(names):
    """Return True when a class or id word of names marks chrome (a page repeats its classes)."""
    return any(_CHROME_TOKEN.search(token) for token in names.split())


def _in_article(node):
    return any(ancestor.tag == "article" for ancestor in node.iterancestors())


def _one_per_target(links):
    seen, kept = set(), []
    for link in links:
        href = link.get("href")
        if href not in seen:
            seen.add(href)
            kept.append(link)
    return kept


def _cards_of(links):
    """Return each link's card: the largest ancestor holding no other link of the group."""
    chains = [list(link.iterancestors()) for link in links]
    # Levels of ancestors a link shares with the next one, counted from the root (the
    # root is always shared); its card sits just below the deeper of the two it shares.
    shared = [_shared_levels(a, b) for a, b in pairwise(chains)]
    cards = []
    for i, chain in enumerate(chains):
        deepest = len(chain)
        if i > 0:
            deepest = min(deepest, len(chain) - shared[i - 1])
        if i < len(shared):
            deepest = min(deepest, len(chain) - shared[i])
        cards.append(chain[deepest - 1] if deepest > 0 else links[i])
    return cards


def _shared_levels(chain, other):
    """Return how many ancestors (from the root down) two chains of ancestors have in common."""
    # Neighbours in a listing part a few levels above their links: compare from there up.
    level = min(len(chain), len(other))
    while level and chain[len(chain) - level] is not other[len(other) - level]:
        level -= 1
    return level


def segments(links, cards):
    """Return (elements, link) per card; a card followed by its own siblings (dt, dd) takes them."""
    parent = cards[0].getparent()
    if parent is None or any(card.getparent() is not parent for card in cards):
        return [([card], link) for card, link in zip(cards, links)]
    position = {child: i for i, child in enumerate(parent)}
    starts = [position[card] for card in cards]
    gaps = {b - a for a, b in zip(starts, starts[1:])}
    width = gaps.pop() if len(gaps) == 1 else 1
    children = list(parent)
    return [(children[start:start + width], link) for start, link in zip(starts, links)]
