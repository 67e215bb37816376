"""Citation counts in Datasette: sortable, facetable by order of magnitude, a "most cited" query."""

from collections import Counter
from urllib.parse import urlsplit

import pytest

from papershelf.server import store
from papershelf.server.datasette.citations import BANDS, band_label
from papershelf.server.schema import open_db
from tests.test_datasette import get, get_json, library_datasette, library_papers

COUNTS = [0, 3, 9, 10, 99, 136941, 250, 1000, 42, None, 5, 12000]  # papers without: None


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    path = tmp_path_factory.mktemp("counted") / "papershelf.db"
    db = open_db(path)
    papers = [store.save_paper(db, fields).paper for fields in library_papers(60)]
    for i, paper in enumerate(papers):
        count = COUNTS[i % len(COUNTS)]
        if count is not None:
            source = "Semantic Scholar" if i % 2 else "OpenAlex"
            store.record_citation_count(db, paper["id"], count, source, "2026-03-01")
    db.close()
    expected = [COUNTS[i % len(COUNTS)] for i in range(len(papers))]
    return library_datasette(path), expected


def band_of(count):
    return next(band_label(lo, hi) for lo, hi in BANDS if count >= lo and (hi is None or count < hi))


def test_papers_sort_by_citation_count(counted):
    ds, counts = counted
    data = get_json(ds, "/papershelf/papers.json?_sort_desc=citation_count&_size=100"
                        "&_col=citation_count&_shape=objects")
    got = [row["citation_count"] for row in data["rows"]]
    assert got[:counts.count(136941)] == [136941] * counts.count(136941)
    known = [c for c in got if c is not None]
    assert known == sorted((c for c in counts if c is not None), reverse=True)


def test_the_citations_facet_counts_orders_of_magnitude(counted):
    ds, counts = counted
    data = get_json(ds, "/papershelf/papers.json?_facet_citations=citation_count")
    facet = data["facet_results"]["citation_count"]
    assert facet["type"] == "citations"
    assert {r["value"]: r["count"] for r in facet["results"]} == Counter(
        band_of(c) for c in counts if c is not None)
    assert [r["value"] for r in facet["results"]] == [band_label(*b) for b in BANDS]


def test_a_band_selects_its_papers_and_toggles_off(counted):
    ds, counts = counted
    data = get_json(ds, "/papershelf/papers.json?_facet_citations=citation_count")
    band = next(r for r in data["facet_results"]["citation_count"]["results"]
                if r["value"] == "100–999")
    assert "citation_count__gte=100" in band["toggle_url"]
    assert "citation_count__lt=1000" in band["toggle_url"]
    link = urlsplit(band["toggle_url"])
    chosen = get_json(ds, f"{link.path}?{link.query}&_shape=objects&_size=100")
    assert sorted(r["citation_count"] for r in chosen["rows"]) == sorted(
        c for c in counts if c is not None and 100 <= c < 1000)
    selected = [r for r in chosen["facet_results"]["citation_count"]["results"] if r["selected"]]
    assert [r["value"] for r in selected] == ["100–999"]
    assert "citation_count__gte" not in selected[0]["toggle_url"]



def test_the_facet_is_there_by_default_once_counts_exist(counted, tmp_path):
    ds, counts = counted
    data = get_json(ds, "/papershelf/papers.json")
    assert sum(r["count"] for r in data["facet_results"]["citation_count"]["results"]) == len(
        [c for c in counts if c is not None])
    page = get(ds, "/papershelf/papers")
    assert page.status_code == 200 and "10,000 or more" in page.text
    empty = tmp_path / "papershelf.db"
    db = open_db(empty)
    store.save_paper(db, library_papers(1)[0])
    db.close()
    assert "citation_count" not in get_json(library_datasette(empty),
                                            "/papershelf/papers.json")["facet_results"]


def test_most_cited_query(counted):
    ds, counts = counted
    data = get_json(ds, "/papershelf/most_cited.json?_shape=objects")
    got = [row["citation_count"] for row in data["rows"]]
    assert got == sorted((c for c in counts if c is not None), reverse=True)
    assert {row["citation_count_source"] for row in data["rows"]} == {"OpenAlex",
                                                                     "Semantic Scholar"}
    assert get(ds, "/papershelf/most_cited").status_code == 200
