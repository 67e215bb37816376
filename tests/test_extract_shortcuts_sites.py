"""The shortcuts of the arXiv, Hugging Face and BibTeX readers read as the long way (#12 speed)."""

from papershelf.server.extractors import arxiv, bibtex_block, htmltools, huggingface
from papershelf.server.extractors.page import Page


def test_a_bare_word_before_a_join_is_not_read_short():
    # The one-match reading of plain fields must leave "jun # ..." to the joining reader.
    _, _, fields = bibtex_block.read_entry('@a{k, month = jun # " 2", year = 2021}')
    assert fields == {"month": "jun 2", "year": "2021"}


def test_plain_and_special_values_side_by_side():
    source = ('@article{k, title = {A "quoted" word}, note = "plain", '
              'pages = {1--8}, author = "M{\\"u}ller, Hans", x = {a {b} c}}')
    _, _, fields = bibtex_block.read_entry(source)
    assert fields == {"title": 'A "quoted" word', "note": "plain", "pages": "1--8",
                      "author": "Müller, Hans", "x": "a b c"}


def test_upvotes_label_is_the_outermost_div_that_reads_it():
    root = htmltools.parse(
        "<html><body><div><div>12</div><div> Up<b>votes</b> </div></div>"
        "<div>7</div><div><span>upvotes</span></div></body></html>")
    assert huggingface._upvotes(root) == 12


def test_a_longer_text_is_no_upvotes_label():
    root = htmltools.parse("<html><body><div>3</div><div>upvotes <i>and more</i></div>"
                           "<div>5</div><div>upvotes</div></body></html>")
    assert huggingface._upvotes(root) == 5


def test_hf_authors_and_github_links_in_page_order():
    root = htmltools.parse(
        "<html><body><span class='author x'><button>Ann Lee</button></span>"
        "<span class='authors'><a href='/u'>Not an author</a></span>"
        "<span class='x author'><a href='/bo'>Bo Chen</a></span>"
        "<a href='https://github.com/org'>GitHub org</a>"
        "<a href='//github.com/org/repo/'>code</a><a href='/github.com/x/y'>local</a>"
        "<a href='https://github.com/org/tool'>GitHub 12</a></body></html>")
    authors, repos = huggingface._authors_and_repos(root, "https://huggingface.co/papers/1")
    assert authors == ["Ann Lee", "Bo Chen"]
    assert repos == [("code", "https://github.com/org/repo/"),
                     ("GitHub 12", "https://github.com/org/tool")]


def test_abs_blocks_are_the_first_of_their_tag_and_class():
    page = Page("https://arxiv.org/abs/2101.00001", (
        "<html><body><span class='dateline'>not a div</span>"
        "<div class='x dateline'>[Submitted on 1 Jan 2021]</div><div class='dateline'>late</div>"
        "<div class='authors'><a>A. One</a></div>"
        "<span class='primary-subject'>Computation and Language (cs.CL)</span>"
        "</body></html>"))
    blocks = page.blocks(arxiv._ABS_BLOCKS, first_only=True)
    assert [htmltools.text(node) for node in blocks[("div", "dateline")]] \
        == ["[Submitted on 1 Jan 2021]"]
    assert arxiv.primary_category(page, blocks[("span", "primary-subject")][0]) == "cs.CL"
    assert ("div", "submission-history") not in blocks
