"""The card finder's cheap tests give the answers of the patterns they stand in front of.

cards.py tells a paper's or a person's href by substring tests before the one pattern that
can then match, and finds each link's card from the levels neighbours share; card.py walks
a card's top-level blocks. Each is checked against the plain definition it replaces, on
constructed hrefs and markup (unit tests: the real pages are in tests/golden/pages).
"""

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from papershelf.server.extractors import acm, card, cards, dblp, htmltools
from papershelf.server.extractors.htmltools import parse
from papershelf.server.extractors.page import Page

# The definitions as one regex each, as they were written before the substring tests.
PAPER_HREF = re.compile(
    r"10\.\d{4,9}/|arxiv\.org/(?:abs|pdf)/|\.pdf(?:[?#]|$)|_paper\.html|-abstract\.html"
    r"|/(?:abs|abstract|article|articles|paper|papers|pub|publication|publications|document"
    r"|content|chapter|forum|rec|record|eprint|eprints|full|html|doi|entry|view)(?:/|$)"
    r"|[?&](?:id|arnumber|abstract_id|paperid|doi|noteid)=|/abstract=\d")
PERSON_HREF = re.compile(r"/(?:profile|researcher|author|authors|people|person|pers|user|users"
                         r"|scientist|citations\?user)(?:/|=|$)|[?&](?:author|user|per_id)=")
PIECES = ["10.1234/", "10.12/", "arxiv.org/abs/", "arxiv.org/pdf/", ".pdf", ".pdf?x", "_paper.html",
          "-abstract.html", "/abs", "/abstract=1", "/articles/", "/rec/", "/view", "?id=", "&doi=",
          "?arnumber=", "&noteid=", "abstract_id=", "/author", "/authors/", "?user=", "&author=",
          "/citations?user=", "?per_id=", "/pers/", "/people", "/profile", "/researcher/",
          "/scientist", "/", "?", "&", "=", "#", ".", "-", "_", "1", "0", "a", "x", "12219"]
hrefs = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(hrefs)
def test_paper_and_person_hrefs_are_told_as_the_single_patterns_tell_them(href):
    assert cards.is_person_href(href) == bool(PERSON_HREF.search(href))
    numbered = href.split("?", 1)[0].split("#", 1)[0].rstrip("/").rpartition("/")[2]
    assert cards._to_paper(href) == (bool(PAPER_HREF.search(href))
                                     or (len(numbered) >= 3 and numbered.isdigit()))


def test_real_looking_hrefs():
    assert cards.is_person_href("https://www.researchgate.net/researcher/80842410_herlinde")
    assert cards.is_person_href("https://scholar.google.com/citations?user=abc")
    assert cards.is_person_href("http://papers.ssrn.com/sol3/cf_dev/absbyauth.cfm?per_id=1638812")
    assert not cards.is_person_href("https://www.researchgate.net/publication/256046886_a_fanatic")
    assert cards._to_paper("http://philsci-archive.pitt.edu/12219/")  # a numbered record
    assert cards._to_paper("https://doi.org/10.1007/bf02928181")
    assert not cards._to_paper("http://philsci-archive.pitt.edu/cgi/register")


def _ancestor_sets_cards(links):
    """Return each link's card as the former definition found it (a set of ancestors per link)."""
    chains = [list(link.iterancestors()) for link in links]
    sets = [set(chain) for chain in chains]
    found = []
    for i, chain in enumerate(chains):
        deepest = len(chain)
        for j in (i - 1, i + 1):
            if 0 <= j < len(chains):
                shared = next((k for k, node in enumerate(chain) if node in sets[j]), len(chain))
                deepest = min(deepest, shared)
        found.append(chain[deepest - 1] if deepest > 0 else links[i])
    return found


def test_cards_of_neighbours_at_different_depths_and_nested_links():
    root = parse("""<html><body><ul>
      <li><div><h3><a href="/a/1">One</a></h3></div></li>
      <li><h3><a href="/a/2">Two</a></h3>
        <p>by <a href="/a/3">Three <b><a href="/a/4">in</a></b></a></p></li>
      <li><a href="/a/5">Five</a></li></ul>
      <div><section><a href="/a/6">Six</a></section></div></body></html>""")
    links = list(root.iter("a"))
    assert cards._cards_of(links) == _ancestor_sets_cards(links)
    assert [node.tag for node in cards._cards_of(links)[:2]] == ["li", "h3"]


def test_the_acm_blocks_in_page_order():
    page = Page("https://dl.acm.org/doi/10.1145/1", """<html><body>
      <span class="epub-section__title x">Venue one</span>
      <div class="abstractSection">First</div><ul class="loa"><li>none</li></ul>
      <span class="epub-section__title">Venue two</span>
      <div class="y abstractSection">Second</div>
      <ul class="rlist loa"><li><span class="loa__author-name">Ann Lee</span></li></ul>
      <p class="abstractSection">not a div</p></body></html>""")
    blocks = page.blocks(acm._BLOCKS)
    assert acm._first(blocks, "span", "epub-section__title").text == "Venue one"
    assert [node.text for node in blocks[("div", "abstractSection")]] == ["First", "Second"]
    assert len(blocks[("ul", "loa")]) == 2
    assert acm._first(blocks, "h1", "citation__title") is None


def test_has_class_takes_whole_class_names_only():
    node = etree.fromstring('<li class="entry inproceedings"/>')
    assert htmltools.has_class(node, "entry") and htmltools.has_class(node, "inproceedings")
    assert not htmltools.has_class(node, "entr")
    assert not htmltools.has_class(etree.fromstring('<li class="entry-list"/>'), "entry")
    assert not htmltools.has_class(etree.fromstring("<li/>"), "entry")


def test_a_skipped_top_level_block_of_a_card_is_not_read_but_its_links_give_ids():
    root = parse("""<html><body><ul><li class="entry article" id="journals/x/A1">
      <nav class="publ"><a href="https://doi.org/10.1000/abc">
        <span itemprop="author">Menu Name</span></a></nav>
      <div class="nr">[j1]</div>
      <div class="data"><span itemprop="author"><span itemprop="name">Ann Lee</span></span>:
        <span class="title" itemprop="name">A title.</span>
        <span itemprop="datePublished">2015</span></div></li></ul></body></html>""")
    item = next(root.iter("li"))
    paper = card.read([item], "https://dblp.org/pid/1", dblp.ROLES)
    assert paper["authors"] == ["Ann Lee"]
    assert (paper["title"], paper["published"], paper["doi"]) == ("A title", "2015", "10.1000/abc")
