"""Random, truncated and mangled HTML never raises out of the registry (2,400 cases a run)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papershelf.server import identity, store
from papershelf.server.extractors import Extraction, extract

URLS = [
    "https://arxiv.org/abs/1706.03762v7", "https://arxiv.org/pdf/1706.03762", "https://arxiv.org/list/cs.CL/new",
    "https://arxiv.org/search/?query=x", "https://huggingface.co/papers/2407.07061",
    "https://huggingface.co/papers", "https://openreview.net/forum?id=abc",
    "https://aclanthology.org/2021.naacl-main.208/", "https://www.sciencedirect.com/science/article/pii/S1",
    "https://example.org/page", "", "not a url", "https://[::1/broken",
]
PAGE_URLS = {
    "arxiv_abs_1706.03762v7_2026.html": "https://arxiv.org/abs/1706.03762v7",
    "hf_daily_papers_constructed.html": "https://huggingface.co/papers",
    "hf_paper_2407.07061_constructed.html": "https://huggingface.co/papers/2407.07061",
    "acl_2021.naacl-main.208.html": "https://aclanthology.org/2021.naacl-main.208/",
    "pmlr_v139_radford21a_CLIP.html": "https://proceedings.mlr.press/v139/radford21a.html",
    "neurips_proceedings_2017_attention_3f5ee243.html": "https://proceedings.neurips.cc/x",
    "openreview_forum_BwufLjXbMO_CHALLENGE_PAGE_2026.html": "https://openreview.net/forum?id=x",
    "hal_jpa-00235190.html": "https://hal.science/jpa-00235190",
}
FUZZ = settings(max_examples=800, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TAGS = st.sampled_from(["html", "head", "body", "meta", "title", "div", "span", "a", "h1", "h2", "p",
                        "dt", "dd", "dl", "article", "h3", "script", "blockquote", "td", "math",
                        "pre", "code", "li", "button", "svg"])
ATTRS = st.sampled_from([
    'name="citation_title" content="T"', 'name="citation_author" content="A, B, C"',
    'name="citation_date" content="99/99/9999"', 'class="title mathjax"', 'class="authors"',
    'class="descriptor"', 'class="list-title"', 'class="primary-subject"', 'href="/abs/1706.03762"',
    'href="/papers/2407.07061"', 'data-props="{&quot;paper&quot;:{&quot;id&quot;:&quot;2407.07061&quot;}}"',
    "data-props='[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]'", 'data-props="{broken"',
    'type="application/ld+json"', 'type="math/tex"', 'class="MathJax"', 'class="submission-history"',
    'id="citeBibtexContent"', 'class="cf-turnstile"', 'rel="canonical" href="javascript:x"',
    'property="og:title" content="&#0;&#xD800;"', 'class="dateline"', "",
])
FRAGMENT = st.one_of(
    st.text(max_size=40),
    st.builds(lambda t, a, body: f"<{t} {a}>{body}</{t}>", TAGS, ATTRS, st.text(max_size=30)),
    st.builds(lambda t, a: f"<{t} {a}>", TAGS, ATTRS),
    st.sampled_from(["@inproceedings{k, title = \"x\" # , author = {a and", "{\"@type\": \"ScholarlyArticle\"",
                     "<![CDATA[", "<!--", "]]>", "&#x110000;", "\x00", "\ud800", "<?xml version='1.0'?>",
                     "[v1] Mon, 99 Foo 2017", "[Submitted on 31 Feb 2020 (v1)", "(cs.CL)"]),
)


def check(result):
    """Assert the registry's promise: an Extraction, papers as dicts, storable metadata."""
    assert isinstance(result, Extraction)
    assert isinstance(result.papers, list) and isinstance(result.error, str)
    for paper in result.papers:
        assert isinstance(paper, dict)
        store.check_types(paper)  # what the store does first must not fail either
        identity.clean_metadata(paper)
        json.dumps(paper)


@FUZZ
@given(url=st.sampled_from(URLS), html=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_random_text_and_bytes(url, html):
    check(extract(url, html))


@FUZZ
@given(url=st.sampled_from(URLS), parts=st.lists(FRAGMENT, max_size=30))
def test_random_html_soup(url, parts):
    check(extract(url, "".join(parts)))


@pytest.fixture(scope="module")
def pages(fixtures_dir):
    return {name: (fixtures_dir / "pages" / name).read_text(encoding="utf-8") for name in PAGE_URLS}


@FUZZ
@given(data=st.data())
def test_truncated_and_spliced_fixture_pages(pages, data):
    name = data.draw(st.sampled_from(sorted(pages)))
    html = pages[name]
    cut = data.draw(st.integers(0, len(html)))
    insert = data.draw(st.one_of(st.just(""), FRAGMENT))
    at = data.draw(st.integers(0, cut))
    check(extract(PAGE_URLS[name], html[:at] + insert + html[at:cut]))
