"""Site extractors on the cases the saved pages do not cover: URLs alone, old ids, variants."""

import json
from pathlib import Path

import pytest
from lxml import etree

from papershelf.server import extractors
from papershelf.server.extractors import extract, fields, htmltools


@pytest.mark.parametrize("url, arxiv_id, version", [
    ("https://arxiv.org/pdf/2407.07061", "2407.07061", None),
    ("https://arxiv.org/pdf/2407.07061v2", "2407.07061", 2),
    ("https://arxiv.org/pdf/2407.07061v2.pdf", "2407.07061", 2),
    ("https://arxiv.org/html/2407.07061v1", "2407.07061", 1),
    ("https://arxiv.org/html/2407.07061v1/#S2", "2407.07061", 1),
    ("https://export.arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001", 3),
    ("http://arxiv.org/abs/math.GT/0309136", "math.GT/0309136", None),
    ("https://arxiv.org/pdf/cond-mat/0011267", "cond-mat/0011267", None),
])
def test_arxiv_paper_from_the_url_alone(url, arxiv_id, version):
    for html in (None, "", "%PDF-1.5 binary junk"):
        result = extract(url, html)
        assert result.extractor == "arxiv" and not result.listing and result.error == ""
        paper = result.papers[0]
        assert paper == {
            **({"arxiv_version": version} if version else {}),
            "arxiv_id": arxiv_id, "url": f"https://arxiv.org/abs/{arxiv_id}",
            "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
            "entry_type": "preprint", "source": "arxiv.org",
        }


def test_arxiv_abs_page_with_journal_doi_and_journal_ref():
    html = """<html><head><title>[2101.00001v2] X</title></head><body>
    <div class="dateline">[Submitted on 1 Jan 2021 (v1), last revised 5 Mar 2021 (this version, v2)]</div>
    <h1 class="title mathjax"><span class="descriptor">Title:</span>The $\\mathcal{O}(n)$ &amp; caf&eacute;
      wave    problem</h1>
    <div class="authors"><span class="descriptor">Authors:</span><a href="/a/x">Jos&eacute; Mar&iacute;a</a>,
      <a href="/a/y">王小明</a></div>
    <blockquote class="abstract mathjax"><span class="descriptor">Abstract:</span> We show
      $x^2$   is fine.</blockquote>
    <table><tr><td class="tablecell comments mathjax">12 pages</td></tr>
    <tr><td class="tablecell jref">Phys. Rev. D 103, 1 (2021)</td></tr>
    <tr><td class="tablecell doi"><a href="https://doi.org/10.1103/PhysRevD.103.000001">10.1103/PhysRevD.103.000001</a></td></tr>
    <tr><td class="tablecell subjects"><span class="primary-subject">General Relativity and Quantum Cosmology (gr-qc)</span></td></tr>
    </table></body></html>"""
    paper = extract("https://arxiv.org/abs/2101.00001v2", html).papers[0]
    assert paper["title"] == "The $\\mathcal{O}(n)$ & café wave problem"
    assert paper["authors"] == ["José María", "王小明"]
    assert paper["abstract"] == "We show $x^2$ is fine."
    assert (paper["published"], paper["extra"]["version_date"]) == ("2021-01-01", "2021-03-05")
    assert paper["doi"] == "10.1103/physrevd.103.000001"
    assert paper["extra"]["journal_ref"] == "Phys. Rev. D 103, 1 (2021)"
    assert paper["arxiv_category"] == "gr-qc" and paper["year"] == 2021


def test_arxiv_search_listing():
    html = """<ol class="breathe-horizontal">
    <li class="arxiv-result"><div><p class="list-title is-inline-block">
      <a href="https://arxiv.org/abs/1706.03762">arXiv:1706.03762</a></p>
      <span class="tag is-small is-link tooltip is-tooltip-top" data-tooltip="Computation and Language">cs.CL</span></div>
      <p class="title is-5 mathjax">Attention Is All You Need</p>
      <p class="authors"><span class="has-text-black-bis">Authors:</span>
        <a href="/a/v">Ashish Vaswani</a>, <a href="/a/s">Noam Shazeer</a></p>
      <span class="abstract-full has-text-grey-dark mathjax">The dominant models... <a>△ Less</a></span>
      <p class="is-size-7"><span>Submitted</span> 12 June, 2017; originally announced June 2017.</p></li>
    <li class="arxiv-result"><p class="list-title"><a href="https://arxiv.org/abs/hep-th/9901001v1">x</a></p>
      <p class="title is-5 mathjax">Old &amp; famous</p></li></ol>"""
    result = extract("https://arxiv.org/search/?query=attention&searchtype=all", html)
    assert result.listing and [p["arxiv_id"] for p in result.papers] == ["1706.03762", "hep-th/9901001"]
    first = result.papers[0]
    assert (first["title"], first["authors"], first["arxiv_category"]) == (
        "Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"], "cs.CL")
    assert first["published"] == "2017-06-12" and first["abstract"] == "The dominant models..."
    assert result.papers[1]["title"] == "Old & famous"


def test_arxiv_listing_without_entries_is_an_error():
    result = extract("https://arxiv.org/list/cs.CL/new", "<html><body>Nothing today</body></html>")
    assert (result.papers, result.error) == ([], "no papers found on this arXiv listing")


def test_hf_listing_without_json_reads_the_cards(pages_dir):
    html = (pages_dir / "hf_daily_papers_constructed.html").read_text(encoding="utf-8")
    start = html.index('<div class="SVELTE_HYDRATER')
    end = html.index(">", start)
    without_json = html[:start] + "<div>" + html[end + 1:]
    result = extract("https://huggingface.co/papers/date/2025-03-28", without_json)
    assert result.listing and len(result.papers) == 6
    first = result.papers[0]
    assert (first["arxiv_id"], first["title"], first["extra"]["upvotes"]) == (
        "2407.07061",
        "Internet of Agents: Weaving a Web of Heterogeneous Agents for Collaborative Intelligence", 40)
    assert result.papers[3]["title"] == (
        "T3: Transparent Tracking & Triggering for Fine-grained Overlap of Compute & Collectives")


@pytest.mark.parametrize("path", ["/papers", "/papers/week/2025-W13", "/papers/month/2025-03",
                                  "/papers/trending", "/papers?q=agents"])
def test_hf_listing_urls(pages_dir, path):
    html = (pages_dir / "hf_daily_papers_constructed.html").read_text(encoding="utf-8")
    result = extract(f"https://huggingface.co{path}", html)
    assert result.listing and len(result.papers) == 6


def test_hf_paper_page_prefers_props_json():
    props = ('{"paper": {"id": "2407.07061", "title": "From JSON", "authors": [{"name": "A One"}],'
             ' "summary": "Abstract from JSON.", "publishedAt": "2024-07-09T10:00:00.000Z",'
             ' "upvotes": 99, "githubRepo": "https://github.com/OpenBMB/IoA"}}')
    html = (f"<html><body><div data-target='PaperPage' data-props='{props}'></div>"
            "<h1>From HTML</h1></body></html>")
    paper = extract("https://huggingface.co/papers/2407.07061", html).papers[0]
    assert (paper["title"], paper["authors"], paper["abstract"]) == (
        "From JSON", ["A One"], "Abstract from JSON.")
    assert (paper["code_url"], paper["extra"]["upvotes"]) == ("https://github.com/OpenBMB/IoA", 99)


def test_openreview_forum_page_with_one_author_tag_holding_all_authors():
    html = """<html><head><meta name="citation_title" content="Learning U-Statistics">
    <meta name="citation_author" content="Xiaoning Wang, Yuyang Huo, Liuhua Peng">
    <meta name="citation_publication_date" content="2026/05/01">
    <meta name="citation_conference_title" content="Forty-third International Conference on Machine Learning">
    <meta name="citation_pdf_url" content="https://openreview.net/pdf?id=BwufLjXbMO">
    <meta name="citation_abstract" content="U-statistics &amp; more."></head><body></body></html>"""
    result = extract("https://openreview.net/forum?id=BwufLjXbMO&noteId=x", html)
    paper = result.papers[0]
    assert result.extractor == "openreview"
    assert paper["authors"] == ["Xiaoning Wang", "Yuyang Huo", "Liuhua Peng"]
    assert (paper["url"], paper["entry_type"], paper["extra"]["openreview_id"]) == (
        "https://openreview.net/forum?id=BwufLjXbMO", "inproceedings", "BwufLjXbMO")
    assert paper["abstract"] == "U-statistics & more." and paper["published"] == "2026-05-01"


def test_openreview_challenge_page_is_a_clear_error(pages_dir):
    html = (pages_dir / "openreview_forum_BwufLjXbMO_CHALLENGE_PAGE_2026.html").read_text()
    for url in ("https://openreview.net/forum?id=BwufLjXbMO", "https://openreview.net/challenge"):
        result = extract(url, html)
        assert (result.papers, result.error) == ([], htmltools.BOT_CHECK_ERROR)


def test_openreview_pdf_viewer_points_to_the_forum():
    result = extract("https://openreview.net/pdf?id=BwufLjXbMO", None)
    assert result.papers == [] and "https://openreview.net/forum?id=BwufLjXbMO" in result.error


def test_a_cloudflare_page_on_any_site_is_not_saved_as_a_webpage():
    html = "<html><head><title>Just a moment...</title></head><body>Checking</body></html>"
    result = extract("https://www.example-journal.org/article/1", html)
    assert (result.papers, result.error) == ([], htmltools.BOT_CHECK_ERROR)


def test_generic_webpage_record_when_the_page_has_no_metadata():
    html = "<html><head><title>My notes on attention | Blog</title></head><body><p>hi</p></body></html>"
    paper = extract("https://blog.example.com/attention", html).papers[0]
    assert paper == {"title": "My notes on attention", "url": "https://blog.example.com/attention",
                     "source": "blog.example.com", "entry_type": "webpage",
                     "extra": {"site": "blog.example.com"}}


def test_generic_dublin_core_and_json_ld():
    html = """<html><head><meta name="DC.title" content="Dublin &amp; Core">
    <meta name="DC.creator" content="Curie, Marie"><meta name="DC.creator" content="Pierre Curie">
    <meta name="DC.date" content="1903-06-25"><meta name="DC.identifier" content="doi:10.1000/ABC.1">
    </head><body></body></html>"""
    paper = extract("https://example.org/dc", html).papers[0]
    assert (paper["title"], paper["authors"], paper["published"], paper["doi"]) == (
        "Dublin & Core", ["Marie Curie", "Pierre Curie"], "1903-06-25", "10.1000/abc.1")
    ld = """<html><head><script type="application/ld+json">{"@context": "https://schema.org",
    "@graph": [{"@type": "WebSite"}, {"@type": "ScholarlyArticle", "headline": "Graph   paper",
    "author": [{"@type": "Person", "givenName": "Ada", "familyName": "Lovelace"}, {"name": "C. Babbage"}],
    "datePublished": "1843-10", "isPartOf": {"name": "Scientific Memoirs"},
    "description": "Notes."}]}</script></head><body></body></html>"""
    paper = extract("https://example.org/ld", ld).papers[0]
    assert (paper["title"], paper["authors"], paper["published"], paper["venue"]) == (
        "Graph paper", ["Ada Lovelace", "C. Babbage"], "1843-10", "Scientific Memoirs")
    assert paper["abstract"] == "Notes." and paper["entry_type"] == "article"


@pytest.mark.parametrize("body, doi", [
    ('<p>DOI: <a href="https://doi.org/10.5555/XYZ.123">https://doi.org/10.5555/XYZ.123</a></p>', "10.5555/xyz.123"),
    ("<p>doi:10.1234/Abc-Def.</p>", "10.1234/abc-def"),
    ('<link rel="canonical" href="https://doi.org/10.7777/Q1">', "10.7777/q1"),
])
def test_generic_doi_found_anywhere_is_normalised(body, doi):
    html = f"<html><head><meta property='og:title' content='A paper'></head><body>{body}</body></html>"
    paper = extract("https://example.org/p", html).papers[0]
    assert paper["doi"] == doi and paper["entry_type"] != "webpage"


def test_generic_doi_in_a_reference_list_far_down_is_not_the_pages_doi():
    filler = "<p>" + "words " * 2000 + "</p>"
    html = f"<html><head><title>Blog post</title></head><body>{filler}<p>doi:10.1/ref</p></body></html>"
    paper = extract("https://example.org/blog", html).papers[0]
    assert "doi" not in paper and paper["entry_type"] == "webpage"


def test_entities_cjk_and_whitespace_are_normalised():
    html = """<html><head><meta name="citation_title" content="  深層学習&#12288;による
       &quot;翻訳&quot; &amp;  評価 ">
    <meta name="citation_author" content="山田, 太郎"><meta name="citation_date" content="2020"></head></html>"""
    paper = extract("https://example.jp/a", html).papers[0]
    assert paper["title"] == '深層学習 による "翻訳" & 評価'
    assert paper["authors"] == ["太郎 山田"] and paper["year"] == 2020


@pytest.mark.parametrize("value, expected", [
    ("2021/6", "2021-06"), ("2012 Nov 26", "2012-11-26"), ("Dec 20, 2006", "2006-12-20"),
    ("2021-07-01T00:00:00+00:00", "2021-07-01"), ("Mon, 12 Jun 2017 17:57:34 UTC", "2017-06-12"),
    ("1955", "1955"), ("June 2017", "2017-06"), ("2020/13/40", "2020"), ("soon", None), ("", None),
])
def test_dates(value, expected):
    assert fields.date(value) == expected


def test_registry_falls_back_to_generic_when_a_site_extractor_finds_nothing():
    html = "<html><head><meta name='citation_title' content='An arXiv help page'></head></html>"
    result = extract("https://arxiv.org/help/api", html)
    assert result.extractor == "generic" and result.papers[0]["title"] == "An arXiv help page"


def test_an_html_string_with_an_xml_declaration_parses():
    html = "<?xml version='1.0' encoding='utf-8'?><html><head><title>XHTML page</title></head></html>"
    assert extract("https://example.org/x", html).papers[0]["title"] == "XHTML page"


def test_text_after_a_lone_surrogate_is_not_lost():
    # A lone surrogate (legal in JSON text) must not stop the text: libxml2 given the str
    # itself stops there, so the page goes to it as UTF-8 with the surrogate replaced.
    root = htmltools.parse("<html><body><p>before \ud800 after</p><p>next</p></body></html>")
    assert [htmltools.text(p) for p in root.iter("p")] == ["before ? after", "next"]


def test_text_and_bytes_parse_to_the_same_tree():
    html = ("<html><head><meta charset='utf-8'><title>Café – “Σ” 😀</title></head>"
            "<body><p>naïve</p></body></html>")
    from_text, from_bytes = htmltools.parse(html), htmltools.parse(html.encode("utf-8"))
    assert htmltools.page_title(from_text) == "Café – “Σ” 😀"
    assert etree.tostring(from_text) == etree.tostring(from_bytes)


def test_nothing_at_all_is_an_error_not_an_exception():
    for url, html in (("", None), ("not a url", ""), (None, None), ("https://x.org", b"\x00\xff")):
        result = extract(url, html)
        assert result.papers == [] and result.error


def test_mathjax_rendered_abs_page_keeps_tex_from_the_citation_tags():
    html = """<html><head><meta name="citation_title" content="Bounds on $H_0$ from $\\Lambda$CDM">
    <meta name="citation_abstract" content="We bound $H_0$."></head><body>
    <h1 class="title mathjax"><span class="descriptor">Title:</span>Bounds on
      <mjx-container class="MathJax" jax="CHTML"><mjx-math><mjx-mi>H</mjx-mi></mjx-math>
      <mjx-assistive-mml><math><msub><mi>H</mi><mn>0</mn></msub></math></mjx-assistive-mml>
      </mjx-container> from ΛCDM</h1></body></html>"""
    paper = extract("https://arxiv.org/abs/2101.00002", html).papers[0]
    assert paper["title"] == "Bounds on $H_0$ from $\\Lambda$CDM"
    assert paper["abstract"] == "We bound $H_0$."


def test_mathml_and_mathjax3_text_without_tex():
    root = htmltools.parse("<p>ratio <math alttext='Pm \\equiv Rm/Re'><mi>Pm</mi></math> and "
                           "<mjx-container><mjx-math>junk</mjx-math><mjx-assistive-mml><math>"
                           "<mi>z</mi><mo>=</mo><mn>2</mn></math></mjx-assistive-mml></mjx-container>"
                           " end</p>")
    assert htmltools.text(root.find(".//p")) == "ratio $Pm \\equiv Rm/Re$ and z=2 end"


def test_hf_paper_page_date_without_year_takes_the_year_from_the_arxiv_id():
    html = ("<html><body><div>Published on Jul 9</div><h1>A title</h1>"
            "<span class='author'><button>Ann Author</button></span></body></html>")
    paper = extract("https://huggingface.co/papers/2407.07061", html).papers[0]
    assert (paper["published"], paper["authors"]) == ("2024-07-09", ["Ann Author"])


def test_two_authors_with_the_same_name_are_both_kept():
    html = """<meta name="citation_title" content="T"><meta name="citation_author" content="Wei Wang">
    <meta name="citation_author" content="Wei Wang">"""
    assert extract("https://example.org/t", html).papers[0]["authors"] == ["Wei Wang", "Wei Wang"]


def test_arxiv_html_rendering_gives_title_authors_and_abstract():
    html = """<html><body><article class="ltx_document">
    <h1 class="ltx_title ltx_title_document">Scaling <math alttext="\\alpha" display="inline">
      <mi>α</mi></math>-laws</h1>
    <div class="ltx_authors"><span class="ltx_personname">A. Author<br>Some University</span></div>
    <div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>
      <p class="ltx_p">We study   scaling.</p><p class="ltx_p">It works.</p></div></article></body></html>"""
    paper = extract("https://arxiv.org/html/2407.07061v2", html).papers[0]
    assert (paper["title"], paper["abstract"]) == ("Scaling $\\alpha$-laws", "We study scaling. It works.")
    assert (paper["arxiv_id"], paper["arxiv_version"]) == ("2407.07061", 2)
    assert paper["authors"] == ["A. Author"]  # the affiliation after the line break is not a name


def test_hf_paper_url_alone_still_names_the_arxiv_paper():
    paper = extract("https://huggingface.co/papers/2407.07061", None).papers[0]
    assert (paper["arxiv_id"], paper["url"], paper["published"]) == (
        "2407.07061", "https://huggingface.co/papers/2407.07061", "2024-07")
    assert "title" not in paper


def _golden_urls():
    golden = Path(__file__).parent / "golden"
    for path in sorted(golden.glob("*.json")) + sorted((golden / "pages").glob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))["url"]


HOST_VARIANTS = [
    "https://export.arxiv.org/abs/hep-th/9901001v3", "https://hf.co/papers/2407.07061",
    "https://huggingface.co/models", "https://api.openreview.net/notes?id=x",
    "https://www.aclweb.org/anthology/N04-1001/", "https://papers.nips.cc/paper/2017",
    "https://scholar.google.co.jp/scholar?q=x", "https://dblp.dagstuhl.de/pid/1.html",
    "https://connect.medrxiv.org/x", "https://openaccess.thecvf.com/ICCV2023",
    "https://example.org/x", "not a url", "http://[::1", "",
]


@pytest.mark.parametrize("url", [*_golden_urls(), *HOST_VARIANTS])
def test_every_site_reader_that_matches_a_url_is_asked(url):
    # The registry asks only the readers whose HOSTS hold the page's host: none may be missed.
    asked = extractors._site_readers(htmltools.host(url))
    assert [e for e in extractors.EXTRACTORS if e.matches(url)] == \
        [e for e in asked if e.matches(url)]


def _contents_page(with_list):
    items = [{"@type": "ListItem", "item": {"@type": "ScholarlyArticle", "name": f"Paper {n}",
                                            "url": f"https://journal.example/p{n}"}}
             for n in (1, 2)]
    ld = json.dumps({"@type": "ItemList", "itemListElement": items}) if with_list else "{}"
    return (f"<html><head><title>Contents</title><script type='application/ld+json'>{ld}"
            "</script></head><body><form><div class='g-recaptcha'></div></form></body></html>")


def test_a_page_that_shows_papers_is_no_bot_check_for_its_recaptcha_box():
    result = extract("https://journal.example/toc", _contents_page(with_list=True))
    assert [p["title"] for p in result.papers] == ["Paper 1", "Paper 2"] and not result.error
    result = extract("https://journal.example/toc", _contents_page(with_list=False))
    assert (result.papers, result.error) == ([], htmltools.BOT_CHECK_ERROR)
