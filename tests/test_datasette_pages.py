"""The library's own pages in process: the paper page, similar papers, the home's charts."""

import json
import re
import sqlite3
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlencode

import bibtexparser
import lxml.html
import pytest

from papershelf.exports.bibtex import render_bibtex
from papershelf.server import store
from papershelf.server.datasette.paper_page import paper_links
from papershelf.server.schema import open_db
from tests.library_of_fixtures import build_fixture_library
from tests.test_datasette import get, get_json, library_datasette

CHARTS = {"added", "status", "year", "source", "venue"}
RENDER_CHART = re.compile(r'^renderChart\(("[^"]*"), (\{.*\}), "", ("[^"]*")\);$', re.MULTILINE)


@pytest.fixture(scope="module")
def shelf(tmp_path_factory, fixtures_dir):
    """The fixture library (clipped pages and biblatex's examples) and its Datasette."""
    path = tmp_path_factory.mktemp("shelf") / "papershelf.db"
    built = build_fixture_library(path, fixtures_dir)
    db = open_db(path)
    papers = {p["id"]: store.get_paper(db, p["id"])
              for p in db.query("select id from papers order by id")}
    db.close()
    return {"ds": library_datasette(path), "papers": papers, **built}


def page(ds, path):
    response = get(ds, path)
    assert response.status_code == 200, response.text
    return lxml.html.fromstring(response.text)


def texts(tree, xpath):
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def by_arxiv(shelf, arxiv_id):
    return next(p for p in shelf["papers"].values() if p["arxiv_id"] == arxiv_id)


def test_the_paper_page_reads_as_the_paper(shelf):
    paper = shelf["attention"]
    tree = page(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    assert texts(tree, "//h1") == ["Attention Is All You Need"]
    assert texts(tree, "//p[@class='paper-authors']/a") == paper["authors"]
    assert tree.xpath("//p[@class='paper-authors']/a/@href")[0] == (
        "/papershelf/papers?_author=Ashish+Vaswani")
    assert texts(tree, "//p[@class='paper-venue']/a") == [
        "Advances in Neural Information Processing Systems", "2017"]
    abstract = texts(tree, "//section[@class='paper-abstract']/p")
    assert abstract == [paper["abstract"]] and abstract[0].startswith("The dominant sequence")
    links = dict(zip(texts(tree, "//ul[@class='paper-links']//a"),
                     tree.xpath("//ul[@class='paper-links']//a/@href")))
    assert links == {"arXiv:1706.03762": "https://arxiv.org/abs/1706.03762",
                     "PDF": "https://arxiv.org/pdf/1706.03762"}
    assert texts(tree, "//section[@class='paper-reader']//a[@class='papershelf-tag']") == [
        "transformers", "nlp"]
    assert texts(tree, "//a[contains(@class, 'paper-status')]") == ["reading"]


def test_the_paper_page_holds_both_bibtex_blocks_with_copy_buttons(shelf):
    paper = shelf["attention"]
    tree = page(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    for mode in ("bibtex", "biblatex"):
        block = tree.xpath(f"//pre[@id='paper-{mode}']")[0].text_content()
        assert block == render_bibtex([paper], mode=mode)
        entries = bibtexparser.parse_string(block).entries
        assert [(e.key, e["eprint"]) for e in entries] == [(paper["citekey"], "1706.03762")]
        assert tree.xpath(f"//button[@data-copy='paper-{mode}']")
    assert "@inproceedings{" in tree.xpath("//pre[@id='paper-bibtex']")[0].text_content()
    assert "eprinttype" in tree.xpath("//pre[@id='paper-biblatex']")[0].text_content()


def test_the_paper_page_lists_the_clips_it_came_from(shelf):
    paper = shelf["attention"]  # the arXiv page and the NeurIPS page are one paper
    tree = page(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    assert tree.xpath("//section[@class='paper-clips']//a/@href") == [
        "https://proceedings.neurips.cc/paper_files/paper/2017/hash/"
        "3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        "https://arxiv.org/abs/1706.03762v7"]  # newest first


@pytest.mark.parametrize("arxiv_id, kind, url", [
    ("2407.07061", "code", "https://github.com/OpenBMB/IoA"),
    (None, "doi", "https://doi.org/10.1038/s41586-021-03819-2"),
    (None, "page", "https://www.nature.com/articles/s41586-021-03819-2"),
])
def test_the_paper_page_links_doi_and_code(shelf, arxiv_id, kind, url):
    paper = (by_arxiv(shelf, arxiv_id) if arxiv_id else next(
        p for p in shelf["papers"].values() if p["doi"] == "10.1038/s41586-021-03819-2"))
    tree = page(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    assert tree.xpath(f"//a[contains(@class, 'paper-link-{kind}')]/@href") == [url]


def test_the_paper_page_shows_the_citation_count(shelf):
    tree = page(shelf["ds"], f"/papershelf/papers/{shelf['alphafold']['id']}")
    cited = texts(tree, "//dt[.='Cited by']/following-sibling::dd[1]")
    assert cited == ["31,337 openalex, 2026-11-30"]
    tree = page(shelf["ds"], f"/papershelf/papers/{shelf['attention']['id']}")
    assert tree.xpath("//dt[.='Cited by']") == []


def test_the_note_is_markdown(shelf):
    paper = shelf["attention"]
    tree = page(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    note = tree.xpath("//section[@class='paper-note']")[0]
    assert texts(note, ".//strong") == ["section 3"]
    assert texts(note, ".//ul/li") == ["multi-head attention", "positional encoding"]
    assert note.xpath(".//a/@href") == ["https://nlp.seas.harvard.edu/annotated-transformer/"]


def test_the_note_never_carries_scripts(shelf):
    paper = shelf["alphafold"]
    response = get(shelf["ds"], f"/papershelf/papers/{paper['id']}")
    note = lxml.html.fromstring(response.text).xpath("//section[@class='paper-note']")[0]
    assert texts(note, ".//em") == ["at the journal club"]
    html = lxml.html.tostring(note, encoding="unicode")
    assert note.xpath(".//script | .//*[@onerror]") == [] and "javascript:" not in html
    assert "<script>alert" not in response.text  # shown as text, escaped


def test_links_are_only_web_addresses():
    paper = {"arxiv_id": None, "doi": None, "pdf_url": "javascript:alert(1)",
             "code_url": "data:text/html,<b>x</b>", "url": "https://example.org/paper"}
    assert paper_links(paper) == [
        {"kind": "page", "label": "Page on example.org", "url": "https://example.org/paper"}]


def test_similar_papers_share_the_abstracts_distinctive_words(shelf):
    # The Hugging Face list's two multi-agent papers are each other's closest.
    agents = by_arxiv(shelf, "2407.07061")  # Internet of Agents
    simulation = next(p for p in shelf["papers"].values() if "AgentScope" in p["title"])
    tree = page(shelf["ds"], f"/papershelf/papers/{agents['id']}")
    hrefs = tree.xpath("//section[@class='paper-similar']//li/a/@href")
    assert hrefs[0] == f"/papershelf/papers/{simulation['id']}"
    assert 1 < len(hrefs) <= 6 and f"/papershelf/papers/{agents['id']}" not in hrefs
    hint = texts(tree, "//section[@class='paper-similar']/p[@class='paper-hint']")[0]
    words = hint.rsplit(": ", 1)[1].rstrip(".").split(", ")
    assert "agents" in words
    # Every neighbour uses one of the words the list was ranked by.
    for href in hrefs:
        other = shelf["papers"][int(href.rsplit("/", 1)[1])]
        text = f"{other['title']} {other['abstract'] or ''}".lower()
        assert any(re.search(rf"\b{re.escape(w[:5])}", text) for w in words), other["title"]


def test_other_rows_keep_datasettes_row_page(shelf):
    tree = page(shelf["ds"], "/papershelf/clips/1")
    assert texts(tree, "//h1") == ["clips: 1"] and not tree.xpath("//article")


def test_a_missing_paper_is_a_404(shelf):
    assert get(shelf["ds"], "/papershelf/papers/999999").status_code == 404


# --- the library home --------------------------------------------------------------------


def home_charts(ds):
    """Return {chart slug: rows} as datasette-dashboards' script loads them for the home."""
    response = get(ds, "/")
    assert response.status_code == 200
    charts = {}
    for slug, spec, base in RENDER_CHART.findall(response.text):
        chart = json.loads(spec)
        # dashboards.js: `${absolute_url}${chart.db}.json?sql=...&${query_string}&_shape=objects`
        url = f"{json.loads(base)}{chart['db']}.json?{urlencode({'sql': chart['query']})}"
        charts[json.loads(slug).split("-", 1)[1]] = get_json(ds, f"{url}&&_shape=objects")
    return response.text, charts


def test_the_home_holds_the_charts_and_their_data(shelf):
    html, charts = home_charts(shelf["ds"])
    assert set(charts) == CHARTS
    papers = list(shelf["papers"].values())
    assert {r["status"]: r["papers"] for r in charts["status"]["rows"]} == Counter(
        p["status"] for p in papers)
    assert {r["year"]: r["papers"] for r in charts["year"]["rows"]} == Counter(
        p["year"] for p in papers if p["year"])
    for column in ("source", "venue"):
        counts = Counter(p[column] for p in papers if p[column])
        shown = [(r[column], r["papers"]) for r in charts[column]["rows"]]
        assert shown == sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:12]
    weeks = Counter(_monday(p["added_at"]) for p in papers
                    if date.fromisoformat(p["added_at"][:10]) >= date.today() - timedelta(371))
    assert {r["week"]: r["papers"] for r in charts["added"]["rows"]} == weeks
    assert len(weeks) > 10 and "vega-embed.min.js" in html


def _monday(stamp):
    day = date.fromisoformat(stamp[:10])
    return (day - timedelta(days=day.weekday())).isoformat()


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_each_bar_links_to_the_papers_it_counts(shelf, chart):
    _, charts = home_charts(shelf["ds"])
    rows = charts[chart]["rows"]
    for row in rows[:3] + rows[-2:]:
        path, _, query = row["href"].partition("?")
        assert path == "/papershelf/papers"
        filtered = get_json(shelf["ds"], f"{path}.json?{query}&_size=1&_nofacet=1")
        assert filtered["filtered_table_rows_count"] == row["papers"], row


def test_the_home_sums_up_the_library(shelf):
    tree = page(shelf["ds"], "/")
    summary = texts(tree, "//p[@class='home-summary']")[0]
    assert summary.startswith(f"{shelf['count']} papers, 4 tags")
    assert tree.xpath("//form[@class='home-search']/@action") == ["/papershelf/papers"]


def test_the_dashboard_plugin_shows_the_same_charts(shelf):
    response = get(shelf["ds"], "/-/dashboards/papershelf")
    assert response.status_code == 200
    assert response.text.count("renderChart(") == len(CHARTS)
    assert "Papers by venue" in response.text


def test_without_a_library_the_home_is_datasettes(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table notes (id integer primary key, text text)")
    response = get(library_datasette(path), "/")
    assert response.status_code == 200 and "renderChart" not in response.text
    assert 'href="/other"' in response.text


@pytest.mark.parametrize("path", ["/", "/papershelf/papers/{paper}", "/-/dashboards/papershelf",
                                  "/-/static-plugins/papershelf/papershelf.js"])
def test_the_new_pages_stay_private(shelf, path):
    path = path.format(paper=shelf["attention"]["id"])
    response = get(shelf["ds"], path)
    assert response.status_code == 200
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert get(shelf["ds"], path, headers={"host": "evil.example"}).status_code == 403


def test_an_empty_library_has_a_home(tmp_path):
    path = tmp_path / "papershelf.db"
    open_db(path).close()
    ds = library_datasette(path)
    tree = page(ds, "/")
    assert texts(tree, "//p[@class='home-summary']") == ["0 papers, 0 tags"]
    _, charts = home_charts(ds)
    assert set(charts) == CHARTS and all(c["rows"] == [] for c in charts.values())
