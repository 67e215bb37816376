"""The Datasette library view, in process: facets, search, canned queries, cells, .bib export."""

import asyncio
import xml.etree.ElementTree as ET
from collections import Counter

import bibtexparser
import pytest
import yaml
from datasette.app import Datasette

from papershelf.server import store
from papershelf.server.datasette.host_guard import split_host
from papershelf.server.datasette.launch import METADATA_PATH, SETTINGS
from papershelf.server.schema import open_db

AUTHORS = ["Grace Hopper", "Alan Turing", "Ada Lovelace", "José Núñez", "Barbara Liskov",
           "Donald Knuth", "Edsger Dijkstra", "Frances Allen", "John Backus", "Leslie Lamport"]
TAGS = ["nlp", "vision", "rl", "theory", "survey"]
VENUES = ["NeurIPS", "ICML", "ACL", None]
SOURCES = ["arxiv.org", "huggingface.co", "aclanthology.org"]
TOPICS = ["attention", "diffusion", "retrieval", "graphs", "sparsity", "quantisation", "agents"]
RARE_WORD = "zeolite"  # in a few abstracts only
DUPLICATE_TITLE = "Deep Residual Learning for Image Recognition"
PAPER_COUNT = 200


def library_papers(count=PAPER_COUNT):
    """Return the field dicts of a varied, deterministic library (two suspected duplicates)."""
    papers = []
    for i in range(count):
        authors = [AUTHORS[(i * 3 + k * 7) % len(AUTHORS)] for k in range(1 + i % 4)]
        authors = list(dict.fromkeys(authors))
        paper = {
            "title": f"{TOPICS[i % 7].title()} at scale, part {i}",
            "authors": authors,
            "abstract": f"We study {TOPICS[(i + 3) % 7]} and {TOPICS[(i + 5) % 7]} in {i} ways."
                        + (f" A {RARE_WORD} catalyst appears." if i % 41 == 5 else ""),
            "year": 2015 + i % 10,
            "venue": VENUES[i % 4],
            "source": SOURCES[i % 3],
            "arxiv_id": f"2401.{i:05d}",
            "url": f"https://arxiv.org/abs/2401.{i:05d}",
            "pdf_url": f"https://arxiv.org/pdf/2401.{i:05d}",
            "code_url": f"https://github.com/lab/project{i}" if i % 6 == 0 else None,
            "doi": f"10.1234/ps.{i}" if i % 5 == 0 else None,
            "entry_type": "inproceedings" if VENUES[i % 4] else "preprint",
            "tags": [tag for k, tag in enumerate(TAGS[:4]) if (i >> k) & 1]
                    + (["survey"] if i % 9 == 0 else []),
            "status": "read" if i % 3 == 0 else "unread",
        }
        papers.append(paper)
    if count < 12:
        return papers
    # Same title once normalised, different first authors: stored as two papers.
    papers[10].update(title=DUPLICATE_TITLE, authors=["Kaiming He", "Xiangyu Zhang"])
    papers[11].update(title="Deep residual learning for image recognition!",
                      authors=["Jian Sun", "Kaiming He"])
    return papers


def build_library(path, papers):
    """Store papers through the store, as the API does; return them as stored, in order."""
    db = open_db(path)
    try:
        return [store.save_paper(db, fields).paper for fields in papers]
    finally:
        db.close()


def library_datasette(path, **settings):
    metadata = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    return Datasette([str(path)], metadata=metadata, settings={**SETTINGS, **settings})


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    path = tmp_path_factory.mktemp("library") / "papershelf.db"
    return path, build_library(path, library_papers())


@pytest.fixture(scope="module")
def ds(library):
    return library_datasette(library[0])


@pytest.fixture(scope="module")
def papers(library):
    return library[1]


def get(datasette, path, **kwargs):
    return asyncio.run(datasette.client.get(path, **kwargs))


def get_json(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200, response.text
    return response.json()


def parse_bib(text):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    return [entry.key for entry in library.entries]


def facet_counts(data, name):
    return {r["value"]: r["count"] for r in data["facet_results"][name]["results"]}


def test_default_facets_count_the_library(ds, papers):
    data = get_json(ds, "/papershelf/papers.json")
    assert data["filtered_table_rows_count"] == PAPER_COUNT
    assert facet_counts(data, "tags") == Counter(t for p in papers for t in p["tags"])
    assert facet_counts(data, "authors") == dict(
        Counter(a for p in papers for a in p["authors"]).most_common(30))
    assert facet_counts(data, "year") == Counter(p["year"] for p in papers)
    assert facet_counts(data, "venue") == Counter(p["venue"] for p in papers if p["venue"])
    assert facet_counts(data, "source") == Counter(p["source"] for p in papers)


def test_facets_follow_a_selected_facet(ds, papers):
    data = get_json(ds, "/papershelf/papers.json?_tag=nlp&year=2020&_author=Leslie+Lamport")
    chosen = [p for p in papers
              if "nlp" in p["tags"] and p["year"] == 2020 and "Leslie Lamport" in p["authors"]]
    assert data["filtered_table_rows_count"] == len(chosen) > 0
    assert facet_counts(data, "venue") == Counter(p["venue"] for p in chosen if p["venue"])
    assert facet_counts(data, "tags") == Counter(t for p in chosen for t in p["tags"])
    assert facet_counts(data, "authors") == Counter(a for p in chosen for a in p["authors"])
    assert {r["id"] for r in _rows(data)} == {p["id"] for p in chosen}
    assert data["human_description_en"] == (
        'where tagged "nlp", by "Leslie Lamport" and year = 2020 sorted by id descending')
    selected = [v for v in data["facet_results"]["tags"]["results"] if v["selected"]]
    assert [v["value"] for v in selected] == ["nlp"]
    assert "_tag=nlp" not in selected[0]["toggle_url"]


def test_facet_links_select_with_indexed_filters(ds, papers):
    data = get_json(ds, "/papershelf/papers.json?_search=attention")
    rl = next(v for v in data["facet_results"]["tags"]["results"] if v["value"] == "rl")
    toggled = get_json(ds, rl["toggle_url"].replace("http://localhost", "").replace(
        "/papershelf/papers?", "/papershelf/papers.json?"))
    expected = [p for p in papers if "rl" in p["tags"]
                and "attention" in (p["title"] + p["abstract"]).lower()]
    assert rl["count"] == toggled["filtered_table_rows_count"] == len(expected) > 0


def test_newest_papers_come_first(ds, papers):
    data = get_json(ds, "/papershelf/papers.json?_size=5")
    expected = sorted(papers, key=lambda p: (p["added_at"], p["id"]), reverse=True)[:5]
    assert [r["added_at"] for r in _rows(data)] == [p["added_at"] for p in expected]


def test_search_finds_a_word_of_an_abstract(ds, papers):
    data = get_json(ds, f"/papershelf/papers.json?_search={RARE_WORD}&_size=max")
    expected = {p["id"] for p in papers if RARE_WORD in p["abstract"]}
    assert len(expected) >= 3
    assert {r["id"] for r in _rows(data)} == expected


@pytest.mark.parametrize("query, author", [("Lamport", "Leslie Lamport"),
                                           ("nunez", "José Núñez")])
def test_search_finds_an_author(ds, papers, query, author):
    data = get_json(ds, f"/papershelf/papers.json?_search={query}&_size=max")
    expected = {p["id"] for p in papers if author in p["authors"]}
    assert expected and {r["id"] for r in _rows(data)} == expected


@pytest.mark.parametrize("query, expected", [
    ("recently_added", lambda p: True),
    ("unread", lambda p: p["status"] == "unread"),
    ("by_tag?tag=NLP", lambda p: "nlp" in p["tags"]),
    ("by_author?author=lovelace", lambda p: "Ada Lovelace" in p["authors"]),
    ("by_author?author=", lambda p: False),
    ("with_code", lambda p: p["code_url"] is not None),
])
def test_canned_queries_select_their_papers(ds, papers, query, expected):
    path, _, args = query.partition("?")
    data = get_json(ds, f"/papershelf/{path}.json?_shape=objects&{args}")
    assert {r["id"] for r in data["rows"]} == {p["id"] for p in papers if expected(p)}


def test_duplicates_suspected_pairs_same_titles(ds, papers):
    data = get_json(ds, "/papershelf/duplicates_suspected.json?_shape=objects")
    assert [r["id"] for r in data["rows"]] == [papers[10]["id"], papers[11]["id"]]
    keys = {r["title_key"] for r in data["rows"]}
    assert keys == {"deep residual learning for image recognition"}


def test_feed_of_new_papers_is_atom(ds, papers):
    response = get(ds, "/papershelf/feed.atom")
    assert response.status_code == 200
    entries = ET.fromstring(response.text).findall("{http://www.w3.org/2005/Atom}entry")
    newest = sorted(papers, key=lambda p: (p["added_at"], p["id"]), reverse=True)[:50]
    titles = [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries]
    assert sorted(titles) == sorted(p["title"] for p in newest)


def test_an_empty_library_still_has_a_feed_and_exports(tmp_path):
    path = tmp_path / "papershelf.db"
    open_db(path).close()
    datasette = library_datasette(path)
    feed = ET.fromstring(get(datasette, "/papershelf/feed.atom").text)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles == ["papershelf — new papers", "Your papershelf library is empty"]
    response = get(datasette, "/papershelf/papers.bib")
    assert response.status_code == 200 and response.text == ""


def test_internal_tables_are_hidden(ds):
    tables = {t["name"]: t["hidden"] for t in get_json(ds, "/papershelf.json")["tables"]}
    assert not tables["papers"] and not tables["paper_authors"] and not tables["clips"]
    assert tables["papers_fts"] and tables["_sqlite_migrations"] and tables["papers_fts_data"]


def test_sql_cannot_write(ds, papers):
    response = get(ds, "/papershelf.json?sql=delete+from+papers")
    assert response.status_code == 400
    count = get_json(ds, "/papershelf/papers.json?_size=1")["filtered_table_rows_count"]
    assert count == len(papers)


def test_cells_are_links_and_lists(ds, papers):
    paper = papers[30]  # has a DOI, code, several authors and tags
    assert paper["doi"] and paper["code_url"] and len(paper["authors"]) > 1 and paper["tags"]
    html = get(ds, f"/papershelf/papers/{paper['id']}").text
    arxiv_id = paper["arxiv_id"]
    assert f'<a href="https://arxiv.org/abs/{arxiv_id}">arXiv:{arxiv_id}</a>' in html
    assert f'<a href="https://doi.org/{paper["doi"]}">{paper["doi"]}</a>' in html
    assert f'href="{paper["pdf_url"]}" title="{paper["pdf_url"]}">PDF</a>' in html
    assert f'href="{paper["code_url"]}"' in html
    assert f'<a href="/papershelf/papers/{paper["id"]}"><strong' in html
    assert f'>{paper["title"]}</strong></a>' in html
    for i, author in enumerate(paper["authors"]):
        link = f'/papershelf/papers?_author={author.replace(" ", "+")}'
        comma = "," if i < len(paper["authors"]) - 1 else ""
        assert f'<li style="display:inline"><a href="{link}">{author}</a>{comma}</li>' in html
    for tag in paper["tags"]:
        assert f'href="/papershelf/papers?_tag={tag}"' in html
    assert "[&#34;" not in html and '["' not in html  # no raw JSON arrays


def test_canned_query_rows_link_to_their_papers(ds, papers):
    html = get(ds, "/papershelf/duplicates_suspected").text
    for paper in papers[10:12]:
        assert f'<a href="/papershelf/papers/{paper["id"]}">{paper["id"]}</a>' in html


def test_author_link_lists_that_authors_papers(ds, papers):
    data = get_json(ds, "/papershelf/papers.json?_author=José+Núñez&_size=max")
    expected = {p["id"] for p in papers if "José Núñez" in p["authors"]}
    assert {r["id"] for r in _rows(data)} == expected


def test_unsafe_urls_are_not_links(tmp_path):
    path = tmp_path / "papershelf.db"
    build_library(path, [{"title": "A paper", "authors": ["A B"], "year": 2020}])
    # The store refuses such links now; a library written before it did may still hold them.
    db = open_db(path)
    db.execute("update papers set url = 'javascript:alert(1)', code_url = 'javascript:alert(2)'")
    db.close()
    html = get(library_datasette(path), "/papershelf/papers/1").text
    assert "javascript:alert(1)" in html and 'href="javascript:' not in html


def test_table_page_offers_bib(ds):
    html = get(ds, "/papershelf/papers?tags__arraycontains=rl").text
    assert 'href="/papershelf/papers.bib?tags__arraycontains=rl"' in html


@pytest.mark.parametrize("query, selects", [
    ("", lambda p: True),
    ("?tags__arraycontains=nlp", lambda p: "nlp" in p["tags"]),
    ("?tags__arraycontains=rl&venue=ACL", lambda p: "rl" in p["tags"] and p["venue"] == "ACL"),
    ("?_tag=rl&_tag=nlp&_author=Alan+Turing",
     lambda p: {"rl", "nlp"} <= set(p["tags"]) and "Alan Turing" in p["authors"]),
    (f"?_search={RARE_WORD}", lambda p: RARE_WORD in p["abstract"]),
    ("?_search=attention&year__gte=2018",
     lambda p: "attention" in (p["title"] + p["abstract"]).lower() and p["year"] >= 2018),
    ("?_sort=venue", lambda p: True),
    ("?_sort_desc=added_at&source=arxiv.org", lambda p: p["source"] == "arxiv.org"),
    ("?_where=year+%3C+2020&status=unread", lambda p: p["year"] < 2020 and p["status"] == "unread"),
    ("?year=2017&_size=3&_next=3", lambda p: p["year"] == 2017),  # a later page: still all
    ("?_col=title&venue=ACL", lambda p: p["venue"] == "ACL"),
])
def test_bib_exports_the_whole_filtered_view(library, query, selects):
    # Pages of 50 rows at most: the export has to read several pages.
    datasette = library_datasette(library[0], max_returned_rows=50)
    response = get(datasette, f"/papershelf/papers.bib{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    expected = sorted(p["citekey"] for p in library[1] if selects(p))
    assert len(expected) > 0
    assert sorted(parse_bib(response.text)) == expected


def test_table_pages_never_skip_a_paper(library):
    # Papers saved in one burst share added_at: the default order must still page exactly.
    datasette = library_datasette(library[0], max_returned_rows=50)
    keys = _all_citekeys(datasette, "/papershelf/papers.json?_size=30")
    assert sorted(keys) == sorted(p["citekey"] for p in library[1])


def test_bib_of_the_whole_library_has_every_paper(ds, papers):
    text = get(ds, "/papershelf/papers.bib").text  # 200 rows: four pages of 50
    assert sorted(parse_bib(text)) == sorted(p["citekey"] for p in papers)


def test_bib_of_a_truncated_query_has_every_row(library):
    datasette = library_datasette(library[0], max_returned_rows=50)
    data = get_json(datasette, "/papershelf/recently_added.json")
    assert data["truncated"]
    keys = parse_bib(get(datasette, "/papershelf/recently_added.bib").text)
    assert sorted(keys) == sorted(p["citekey"] for p in library[1])


def test_bib_of_canned_query_row_and_linked_tables(ds, papers):
    lovelace = {p["citekey"] for p in papers if "Ada Lovelace" in p["authors"]}
    assert set(parse_bib(get(ds, "/papershelf/by_author.bib?author=Lovelace").text)) == lovelace
    by_table = get(ds, "/papershelf/paper_authors.bib?name=Ada+Lovelace").text
    assert set(parse_bib(by_table)) == lovelace
    assert parse_bib(get(ds, f"/papershelf/papers/{papers[3]['id']}.bib").text) == [
        papers[3]["citekey"]]
    sql = "select citekey from papers where year = 2016"
    keys = parse_bib(get(ds, f"/papershelf.bib?sql={sql.replace(' ', '+')}").text)
    assert sorted(keys) == sorted(p["citekey"] for p in papers if p["year"] == 2016)


@pytest.mark.parametrize("path", [
    "/papershelf/_sqlite_migrations.bib",
    "/papershelf.bib?sql=select+1+as+x",
    "/papershelf.bib?sql=select+nonsense+from+nowhere",
])
def test_bib_without_paper_columns_is_400(ds, path):
    response = get(ds, path)
    assert response.status_code == 400
    assert "BibTeX export needs rows of papers" in response.text


def test_bib_download_names_the_file(ds):
    response = get(ds, "/papershelf/unread.bib?_dl=1")
    assert response.headers["content-disposition"] == 'attachment; filename="unread.bib"'


def test_library_metadata_applies_to_any_database_name(tmp_path, papers):
    path = tmp_path / "my-library.db"
    build_library(path, library_papers(20))
    data = get_json(library_datasette(path), "/my-library/papers.json")
    assert set(data["facet_results"]) == {"tags", "year", "venue", "source", "authors"}
    assert data["facet_results"]["tags"]["type"] == "list"
    assert get_json(library_datasette(path), "/my-library/papers.json?_tag=nlp")[
        "human_description_en"] == 'where tagged "nlp" sorted by id descending'
    assert data["human_description_en"] == "sorted by id descending"
    assert get(library_datasette(path), "/my-library/unread.json").status_code == 200


@pytest.mark.parametrize("host, port, allowed", [
    ("localhost", None, True),
    ("evil.example", None, False),
    ("localhost.evil.example", None, False),
])
def test_in_process_client_host_check(ds, host, port, allowed):
    response = get(ds, "/papershelf/papers.json?_size=1", headers={"host": host})
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.status_code == 403 and "another host" in response.text


@pytest.mark.parametrize("path", ["/papershelf/papers?_search=secret+topic", "/-/search?q=x",
                                  "/papershelf/papers.bib?_tag=nlp"])
def test_pages_keep_the_library_private(ds, path):
    headers = get(ds, path).headers
    assert headers.get_list("referrer-policy") == ["no-referrer"]
    assert headers.get_list("x-frame-options") == ["DENY"]
    assert headers.get_list("x-content-type-options") == ["nosniff"]


@pytest.mark.parametrize("header, expected", [
    ("localhost:5179", ("localhost", 5179)),
    ("LOCALHOST", ("localhost", None)),
    ("[::1]:5179", ("[::1]", 5179)),
    ("[::1]", ("[::1]", None)),
    ("127.0.0.1:80", ("127.0.0.1", 80)),
    ("[::1]x", None),
    ("localhost:port", None),
    ("", None),
    (":5179", None),
])
def test_split_host(header, expected):
    assert split_host(header) == expected


def _rows(data):
    return [dict(zip(data["columns"], row)) for row in data["rows"]]


def _all_citekeys(datasette, path):
    """Follow a table's JSON pages to the end; return every row's citation key."""
    keys = []
    while path:
        data = get_json(datasette, path)
        keys += [row["citekey"] for row in _rows(data)]
        path = data["next_url"] and data["next_url"].replace("http://localhost", "")
    return keys


def test_bibtex_entries_hold_the_stored_fields(ds, papers):
    paper = papers[30]
    text = get(ds, f"/papershelf/papers/{paper['id']}.bib").text
    entry = bibtexparser.parse_string(text).entries[0]
    assert entry.key == paper["citekey"]
    assert entry["doi"] == paper["doi"]
    assert entry["year"] == str(paper["year"])


def test_bib_in_biblatex_mode_keeps_utf8_and_writes_online_preprints(ds):
    bibtex = get(ds, "/papershelf/papers.bib?_search=diffusion")
    biblatex = get(ds, "/papershelf/papers.bib?_search=diffusion&_mode=biblatex")
    assert (bibtex.status_code, biblatex.status_code) == (200, 200)
    assert "@online{" in biblatex.text and "@online{" not in bibtex.text
    assert len(parse_bib(biblatex.text)) == len(parse_bib(bibtex.text)) > 0
    assert get(ds, "/papershelf/papers.bib?_mode=word").status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/papershelf/unread", "/papershelf/papers", "/papershelf/papers.bib",
                                  "/papershelf/papers/1", "/papershelf", "/-/versions.json"])
def test_the_library_view_is_read_only_and_says_so(ds, method, path):
    response = asyncio.run(getattr(ds.client, method)(path))
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert "read-only" in response.text
    assert get(ds, path.replace(".bib", ".json") if path.endswith(".bib") else path).status_code == 200
