"""Listings and pages without citation tags, on markup no saved page covers.

No real saved page was found for these sites and kinds (tests/fixtures/pages/SOURCES.md
says so): each snippet is constructed after the markup the site serves, the smallest
that shows what the reader must read. The real pages are in tests/golden/pages.
"""

import json
from pathlib import Path

import pytest

from papershelf.server.app import create_app
from papershelf.server.extractors import extract
from tests.test_api import AUTH, BASE, PORT, TOKEN

PAGES = Path(__file__).parent / "fixtures" / "pages"


def page_bytes(name):
    return (PAGES / name).read_bytes()


def page(body, title="Results"):
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def test_acm_proceedings_table_of_contents():
    card = """<div class="issue-item-container"><div class="issue-item clearfix">
      <h5 class="issue-item__title"><a href="/doi/10.1145/3371158.{n}">Paper number {n}</a></h5>
      <ul class="rlist--inline loa" aria-label="authors"><li><a href="/profile/1"><span>Ann Lee</span></a>,</li>
      <li><a href="/profile/2"><span>Bo Chen</span></a></li></ul>
      <div class="issue-item__abstract"><p>A complete abstract of paper {n}.</p></div></div></div>"""
    html = page("".join(card.format(n=n) for n in (1, 2, 3)))
    result = extract("https://dl.acm.org/doi/proceedings/10.1145/3371158", html)
    assert (result.extractor, result.listing, len(result.papers)) == ("acm", True, 3)
    assert result.papers[1] == {
        "title": "Paper number 2", "url": "https://dl.acm.org/doi/10.1145/3371158.2",
        "doi": "10.1145/3371158.2", "authors": ["Ann Lee", "Bo Chen"],
        "abstract": "A complete abstract of paper 2.", "entry_type": "misc", "source": "dl.acm.org"}


def test_acm_search_without_results_says_so():
    html = page("<div class='search-result'><p>Your search did not match any documents.</p></div>")
    result = extract("https://dl.acm.org/action/doSearch?AllField=zzzqqq", html)
    assert (result.papers, result.error) == ([], "this search shows no results: nothing to save")


def test_ieee_search_results_cards():
    card = """<xpl-results-item><div class="result-item"><h3><a href="/document/{n}/">Result {n} title</a></h3>
      <xpl-authors-name-list><p class="author"><span><a href="/author/1"><span>Lijia Chen</span></a></span>;
      <span><a href="/author/2"><span>Zhijian Lin</span></a></span></p></xpl-authors-name-list>
      <div class="description"><a href="/xpl/RecentIssue.jsp?punumber=6287639">IEEE Access</a>
      <div class="publisher-info-container"><span>Year: 2020</span> | <span>Volume: 8</span></div></div>
      </div></xpl-results-item>"""
    html = page("".join(card.format(n=n) for n in (9069875, 9069876)))
    result = extract("https://ieeexplore.ieee.org/search/searchresult.jsp?queryText=ai", html)
    assert (result.extractor, result.listing) == ("ieee", True)
    assert [(p["title"], p["url"], p["authors"], p["year"]) for p in result.papers] == [
        ("Result 9069875 title", "https://ieeexplore.ieee.org/document/9069875/",
         ["Lijia Chen", "Zhijian Lin"], 2020),
        ("Result 9069876 title", "https://ieeexplore.ieee.org/document/9069876/",
         ["Lijia Chen", "Zhijian Lin"], 2020)]


def test_biorxiv_table_of_contents_uses_the_search_cards():
    card = """<li class="search-result"><div class="highwire-cite">
      <span class="highwire-cite-title"><a class="highwire-cite-linked-title" href="/content/10.1101/2024.01.0{n}.55555{n}v1">
      <span class="highwire-cite-title">Cells number {n}</span></a></span>
      <div class="highwire-cite-authors"><span class="highwire-citation-authors">
      <span class="highwire-citation-author"><span class="nlm-given-names">Ada</span> <span class="nlm-surname">Lo</span></span></span></div>
      <span class="highwire-cite-metadata-doi"><span class="doi_label">doi:</span> https://doi.org/10.1101/2024.01.0{n}.55555{n}</span>
      </div></li>"""
    html = page("<ul>" + "".join(card.format(n=n) for n in (1, 2)) + "</ul>")
    result = extract("https://www.biorxiv.org/collection/neuroscience", html)
    assert [(p["title"], p["doi"], p["published"], p["authors"]) for p in result.papers] == [
        ("Cells number 1", "10.1101/2024.01.01.555551", "2024-01-01", ["Ada Lo"]),
        ("Cells number 2", "10.1101/2024.01.02.555552", "2024-01-02", ["Ada Lo"])]


def test_openreview_forum_read_from_its_next_data():
    note = {"props": {"pageProps": {"forumNote": {
        "id": "BwufLjXbMO", "forum": "BwufLjXbMO", "pdate": 1714521600000,
        "content": {"title": {"value": "Learning U-Statistics"}, "authors": {"value": ["A B", "C D"]},
                    "abstract": {"value": "We learn."}, "venue": {"value": "ICML 2024 Poster"},
                    "pdf": {"value": "/pdf/abc.pdf"}, "keywords": {"value": ["stats", "ml"]}}}}}}
    html = page(f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(note)}</script>')
    [paper] = extract("https://openreview.net/forum?id=BwufLjXbMO", html).papers
    assert paper == {
        "title": "Learning U-Statistics", "authors": ["A B", "C D"], "abstract": "We learn.",
        "venue": "ICML 2024 Poster", "published": "2024-05-01", "year": 2024,
        "url": "https://openreview.net/forum?id=BwufLjXbMO",
        "pdf_url": "https://openreview.net/pdf?id=BwufLjXbMO", "source": "openreview.net",
        "entry_type": "inproceedings",
        "extra": {"openreview_id": "BwufLjXbMO", "keywords": "stats, ml"}}


def test_openreview_group_page_as_rendered_today():
    note = """<li><div class="note"><h4><a href="/forum?id=id{n}">Submission {n}</a></h4>
      <div class="note-authors"><span><a href="/profile?id=~A_B1">A B</a>, <a href="/profile?id=~C_D1">C D</a></span></div>
      <div class="note-meta-info"><span class="date">Published: 16 Jan 2024, Last Modified: 17 Mar 2024</span>
      <span>ICLR 2024 poster</span></div></div></li>"""
    html = page("<ul class='submissions-list'>" + "".join(note.format(n=n) for n in (1, 2)) + "</ul>")
    result = extract("https://openreview.net/group?id=ICLR.cc/2024/Conference", html)
    assert result.listing and [p["url"] for p in result.papers] == [
        "https://openreview.net/forum?id=id1", "https://openreview.net/forum?id=id2"]
    assert (result.papers[0]["authors"], result.papers[0]["published"]) == (["A B", "C D"], "2024-01-16")


def test_openreview_group_page_without_notes_is_not_a_webpage():
    result = extract("https://openreview.net/group?id=ICLR.cc/2030/Conference", page("<p>Loading</p>"))
    assert (result.papers, result.error) == ([], "no papers found on this OpenReview page")


def test_semantic_scholar_search_and_author_rows():
    row = """<div class="cl-paper-row serp-papers__paper-row"><a data-test-id="title-link" href="/paper/Title-{n}/abc{n}">
      <h2 class="cl-paper-title">Attention paper {n}</h2></a>
      <span class="cl-paper-authors"><a href="/author/1"><span>Ashish Vaswani</span></a>, <a href="/author/2"><span>Noam Shazeer</span></a></span>
      <span class="cl-paper-venue">Neural Information Processing Systems</span>
      <span class="cl-paper-pubdates"><span>12 June 2017</span></span>
      <div class="cl-paper-abstract">The dominant sequence transduction models are based on recurrent networks.</div></div>"""
    html = page("<div class='result-page'>" + "".join(row.format(n=n) for n in (1, 2)) + "</div>")
    for url in ("https://www.semanticscholar.org/search?q=attention",
                "https://www.semanticscholar.org/author/Ashish-Vaswani/40348417"):
        result = extract(url, html)
        assert (result.extractor, len(result.papers)) == ("semanticscholar", 2)
        first = result.papers[0]
        assert (first["title"], first["authors"], first["venue"], first["published"]) == (
            "Attention paper 1", ["Ashish Vaswani", "Noam Shazeer"],
            "Neural Information Processing Systems", "2017-06-12")
        assert first["abstract"].startswith("The dominant sequence")


def test_dblp_search_results_are_entries_too():
    entry = """<li class="entry inproceedings" id="conf/nips/VaswaniSPUJGKP17" itemscope itemtype="http://schema.org/ScholarlyArticle">
      <nav class="publ"><a href="https://doi.org/10.5555/329543{n}">ee</a></nav><cite class="data">
      <span itemprop="author" itemscope itemtype="http://schema.org/Person"><a href="/pid/1"><span itemprop="name">Ashish Vaswani</span></a></span>:
      <span class="title" itemprop="name">Attention is All you Need {n}.</span>
      <a href="/db/conf/nips/nips2017.html"><span itemprop="isPartOf" itemscope itemtype="http://schema.org/BookSeries"><span itemprop="name">NIPS</span></span></a>
      <span itemprop="pagination">5998-6008</span> (<span itemprop="datePublished">2017</span>)</cite></li>"""
    html = page("<ul class='publ-list'>" + "".join(entry.format(n=n) for n in (1, 2)) + "</ul>")
    result = extract("https://dblp.org/search?q=attention", html)
    assert result.papers[0] == {
        "title": "Attention is All you Need 1", "url": "https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17",
        "authors": ["Ashish Vaswani"], "venue": "NIPS", "published": "2017", "year": 2017,
        "doi": "10.5555/3295431", "entry_type": "inproceedings", "source": "dblp.org",
        "extra": {"pages": "5998--6008", "dblp_key": "conf/nips/VaswaniSPUJGKP17"}}


def test_papers_with_code_paper_page_and_listing():
    paper_page = page("""<h1>Attention Is All You Need</h1>
      <span class="author-span">Ashish Vaswani</span><span class="author-span">Noam Shazeer</span>
      <span class="item-date-pub">12 Jun 2017</span>
      <div class="paper-abstract"><p>The dominant sequence transduction models.</p></div>
      <a href="https://arxiv.org/pdf/1706.03762v7.pdf">PDF</a><a href="https://arxiv.org/abs/1706.03762v7">Abstract</a>
      <a href="https://github.com/tensorflow/tensor2tensor">code</a>""")
    [paper] = extract("https://paperswithcode.com/paper/attention-is-all-you-need", paper_page).papers
    assert (paper["title"], paper["authors"], paper["arxiv_id"], paper["code_url"], paper["published"]) == (
        "Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"], "1706.03762",
        "https://github.com/tensorflow/tensor2tensor", "2017-06-12")
    card = """<div class="row infinite-item item paper-card"><div class="col-lg-9 item-content">
      <h1><a href="/paper/paper-{n}">Paper card {n} title</a></h1>
      <p class="author-section"><span class="author-name-text item-date-pub">5 Dec 2023</span></p>
      <p class="item-strip-abstract">A cut abstract of the paper ...</p></div></div>"""
    listing = extract("https://paperswithcode.com/latest", page("".join(card.format(n=n) for n in (1, 2))))
    assert listing.listing and [p["title"] for p in listing.papers] == ["Paper card 1 title", "Paper card 2 title"]
    assert listing.papers[0]["extra"]["snippet"] == "A cut abstract of the paper ..."
    assert "abstract" not in listing.papers[0]  # a teaser cut short is not the abstract


def test_neurips_volume_old_and_new_markup():
    old = page("""<ul><li><a href="/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html">Attention is All you Need</a>
      <i>Ashish Vaswani, Noam Shazeer</i></li>
      <li><a href="/paper/2017/hash/aaaa-Abstract.html">Another 2017 paper</a> <i>Ann Lee</i></li></ul>""")
    result = extract("https://papers.nips.cc/paper/2017", old)
    assert result.papers[0] == {
        "title": "Attention is All you Need", "authors": ["Ashish Vaswani", "Noam Shazeer"],
        "url": "https://papers.nips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        "venue": "Advances in Neural Information Processing Systems", "published": "2017",
        "year": 2017, "entry_type": "inproceedings", "source": "papers.nips.cc"}
    new = page("""<ul class="paper-list"><li class="conference"><div class="paper-content">
      <a title="paper title" href="/paper_files/paper/2023/hash/bbbb-Abstract-Conference.html">A 2023 paper</a>
      <span class="paper-authors">Ann Lee, Bo Chen</span></div></li>
      <li class="conference"><div class="paper-content"><a href="/paper_files/paper/2023/hash/cccc-Abstract-Conference.html">B 2023 paper</a>
      <span class="paper-authors">Cy Dee</span></div></li></ul>""")
    result = extract("https://proceedings.neurips.cc/paper_files/paper/2023", new)
    assert [(p["title"], p["authors"], p["year"]) for p in result.papers] == [
        ("A 2023 paper", ["Ann Lee", "Bo Chen"], 2023), ("B 2023 paper", ["Cy Dee"], 2023)]


def test_pmlr_volume():
    paper = """<div class="paper"><p class="title">Learning Transferable Visual Models {n}</p>
      <p class="details"><span class="authors">Alec&nbsp;Radford, Jong Wook&nbsp;Kim</span>;
      <span class="info">Proceedings of the 38th International Conference on Machine Learning, PMLR 139:8748-8763</span></p>
      <p class="links">[<a href="https://proceedings.mlr.press/v139/radford21a{n}.html">abs</a>]
      [<a href="https://proceedings.mlr.press/v139/radford21a/radford21a{n}.pdf">Download PDF</a>]</p></div>"""
    html = page("".join(paper.format(n=n) for n in ("", "b")))
    result = extract("https://proceedings.mlr.press/v139/", html)
    assert result.papers[0] == {
        "title": "Learning Transferable Visual Models", "authors": ["Alec Radford", "Jong Wook Kim"],
        "url": "https://proceedings.mlr.press/v139/radford21a.html",
        "pdf_url": "https://proceedings.mlr.press/v139/radford21a/radford21a.pdf",
        "venue": "Proceedings of the 38th International Conference on Machine Learning",
        "entry_type": "inproceedings", "source": "proceedings.mlr.press",
        "extra": {"volume": "139", "pages": "8748--8763"}}


def test_acl_anthology_volume_with_abstracts():
    row = """<p class="d-sm-flex align-items-stretch"><span class="d-block mr-2"><a class="badge badge-primary" href="https://aclanthology.org/2021.naacl-main.{n}.pdf">pdf</a></span>
      <span class="d-block"><strong><a class="align-middle" href="/2021.naacl-main.{n}/">Paper {n}</a></strong><br>
      <a href="/people/a/ann-lee/">Ann Lee</a> | <a href="/people/b/bo-chen/">Bo Chen</a></span></p>
      <div class="card bg-light mb-2 collapse abstract-collapse" id="abstract-2021--naacl-main--{n}"><div class="card-body p-3 small">Abstract {n}.</div></div>"""
    html = page("<h2 id='title'>Proceedings of NAACL 2021</h2>" + "".join(row.format(n=n) for n in (1, 2)))
    result = extract("https://aclanthology.org/volumes/2021.naacl-main/", html)
    assert result.papers[1] == {
        "title": "Paper 2", "url": "https://aclanthology.org/2021.naacl-main.2/",
        "authors": ["Ann Lee", "Bo Chen"], "pdf_url": "https://aclanthology.org/2021.naacl-main.2.pdf",
        "venue": "Proceedings of NAACL 2021", "published": "2021", "year": 2021, "abstract": "Abstract 2.",
        "entry_type": "inproceedings", "source": "aclanthology.org", "extra": {"acl_id": "2021.naacl-main.2"}}


def test_jmlr_volume():
    html = page("""<dl><dt>Attention in Kernels</dt><dd><b><i>Ann Lee, Bo Chen</i></b>; (1):1&minus;34, 2021.
      <br>[<a href="/papers/v22/20-001.html">abs</a>][<a href="/papers/volume22/20-001/20-001.pdf">pdf</a>]</dd>
      <dt>Second paper</dt><dd><b><i>Cy Dee</i></b>; 22(2):35&minus;40, 2021.
      [<a href="/papers/v22/20-002.html">abs</a>]</dd></dl>""")
    result = extract("https://jmlr.org/papers/v22/", html)
    assert result.papers[1] == {
        "title": "Second paper", "authors": ["Cy Dee"], "url": "https://jmlr.org/papers/v22/20-002.html",
        "venue": "Journal of Machine Learning Research", "published": "2021", "year": 2021,
        "entry_type": "article", "source": "jmlr.org",
        "extra": {"volume": "22", "number": "2", "pages": "35--40"}}
    assert result.papers[0]["pdf_url"] == "https://jmlr.org/papers/volume22/20-001/20-001.pdf"


def test_springer_search_cards():
    card = """<li class="app-card-open"><div class="app-card-open__main">
      <h3 class="app-card-open__heading"><a href="/article/10.1007/s10994-02{n}-0001-x">Result {n} title</a></h3>
      <div class="app-card-open__authors"><span>Ann Lee, Bo Chen</span></div>
      <div class="app-card-open__description"><p>The first lines of the abstract...</p></div></div></li>"""
    html = page("<ol>" + "".join(card.format(n=n) for n in (1, 2)) + "</ol>")
    result = extract("https://link.springer.com/search?query=attention", html)
    assert [(p["title"], p["doi"], p["authors"]) for p in result.papers] == [
        ("Result 1 title", "10.1007/s10994-021-0001-x", ["Ann Lee", "Bo Chen"]),
        ("Result 2 title", "10.1007/s10994-022-0001-x", ["Ann Lee", "Bo Chen"])]


def test_a_reading_list_on_any_site_is_a_listing():
    items = "".join(f'<li><a href="https://arxiv.org/abs/2407.0706{n}">A paper about agents number {n}</a>'
                    f' by Weize Chen</li>' for n in range(1, 4))
    html = page(f"<article><h1>My reading list</h1><ul>{items}</ul></article>", "Reading list")
    result = extract("https://someone.github.io/reading/", html)
    assert (result.extractor, result.listing) == ("generic", True)
    assert [p["arxiv_id"] for p in result.papers] == ["2407.07061", "2407.07062", "2407.07063"]


def test_a_single_plain_page_is_still_a_webpage():
    html = page("<article><h1>Why I like tea</h1><p>Some words <a href='/about'>about me</a>.</p></article>",
                "Why I like tea | A blog")
    [paper] = extract("https://blog.example.org/tea", html).papers
    assert (paper["entry_type"], paper["title"]) == ("webpage", "Why I like tea")


@pytest.mark.parametrize("url, body, title, error", [
    ("https://example.org/search?q=zzz", "<p>No results found for zzz.</p>", "Search",
     "this search shows no results: nothing to save"),
    ("https://example.org/login", "<h1>Sign in</h1><form><input type='password' name='p'></form>",
     "Example", "this is a sign-in page: sign in, then save the paper's own page"),
    ("https://example.org/", "<h1>Welcome</h1><p>News.</p>", "Example",
     "this is the site's home page: open a paper's page to save it"),
    ("https://example.org/a/b", "<h1>Not here</h1>", "404 Not Found",
     "the site answered with an error page (404 Not Found): nothing to save"),
])
def test_pages_that_hold_no_paper_say_why(url, body, title, error):
    result = extract(url, page(body, title))
    assert (result.papers, result.error) == ([], error)


@pytest.fixture
def client(db_path, home):
    return create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "PORT": PORT,
                       "ENRICH": False}).test_client()


def test_clip_of_a_listing_answers_candidates_marked_in_library(client):
    html = page_bytes("acm_search_ml-nlp.html").decode("utf-8")
    search = "https://dl.acm.org/action/doSearch?AllField=nlp"
    article = page_bytes("acm_article_10.1145-3371158.3371232.html").decode("utf-8")
    saved = client.post("/api/clip", base_url=BASE, headers=AUTH, json={
        "url": "https://dl.acm.org/doi/abs/10.1145/3371158.3371232", "html": article})
    assert saved.status_code == 201
    response = client.post("/api/clip", base_url=BASE, headers=AUTH, json={"url": search, "html": html})
    assert response.status_code == 200
    candidates = response.json["candidates"]
    assert len(candidates) == 10
    assert [c["in_library"] for c in candidates] == [True] + [False] * 9
    assert candidates[0]["id"] == saved.json["paper"]["id"]
    papers = client.get("/api/papers", base_url=BASE, headers=AUTH).json
    assert len(papers["papers"]) == 1  # nothing stored by the listing itself


@pytest.mark.parametrize("name, url, error", [
    ("ieee_home_2016.html", "http://ieeexplore.ieee.org/Xplore/home.jsp",
     "this is the site's home page: open a paper's page to save it"),
    ("scholar_error403_cite.html", "https://scholar.google.com/scholar?q=info:x&output=cite",
     "the site answered with an error page (Error 403 (Forbidden)!!1): nothing to save"),
    ("tandfonline_botcheck_00268976.2013.788745.html",
     "https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745",
     "page not readable (bot check): try the PDF or the arXiv id"),
])
def test_clip_of_a_page_without_a_paper_is_a_422_that_says_why(client, name, url, error):
    response = client.post("/api/clip", base_url=BASE, headers=AUTH,
                           json={"url": url, "html": page_bytes(name).decode("utf-8")})
    assert (response.status_code, response.json) == (422, {"error": error})


def test_a_json_ld_item_list_of_articles_is_a_listing():
    items = [{"@type": "ListItem", "position": n, "item": {
        "@type": "ScholarlyArticle", "headline": f"Article {n}", "url": f"/articles/{n}",
        "author": [{"@type": "Person", "name": "Ann Lee"}], "datePublished": f"2024-03-0{n}",
        "identifier": f"https://doi.org/10.1234/abc.{n}"}} for n in (1, 2)]
    ld = json.dumps({"@context": "https://schema.org", "@type": "ItemList", "itemListElement": items})
    html = page(f'<script type="application/ld+json">{ld}</script><h1>Issue 3</h1>', "Issue 3")
    result = extract("https://journal.example.org/issues/3", html)
    assert result.listing and result.papers[1] == {
        "title": "Article 2", "authors": ["Ann Lee"], "published": "2024-03-02", "year": 2024,
        "url": "https://journal.example.org/articles/2", "doi": "10.1234/abc.2",
        "source": "journal.example.org", "entry_type": "misc"}


def test_a_cvf_paper_page_keeps_its_abstract():
    html = page("""<div id="papertitle">Deep Residual Learning</div><font size="5"><br><b>Abstract</b></font>
      <br><br><div id="abstract">Deeper neural networks are more difficult to train. We present a residual
      learning framework to ease the training of networks that are substantially deeper.</div>""")
    html = html.replace("<head>", '<head><meta name="citation_title" content="Deep Residual Learning">'
                        '<meta name="citation_author" content="He, Kaiming">'
                        '<meta name="citation_conference_title" content="CVPR 2016">')
    [paper] = extract("https://openaccess.thecvf.com/content_cvpr_2016/html/He_Deep_Residual_CVPR_2016_paper.html",
                      html).papers
    assert paper["abstract"].startswith("Deeper neural networks are more difficult to train.")
    assert (paper["authors"], paper["entry_type"]) == (["Kaiming He"], "inproceedings")
