"""?_author= matches what people type: a family name, any case, without accents, indexed."""

import pytest
from sqlite_utils import Database

from papershelf.server import store
from papershelf.server.author_names import author_keys, typed_name_key
from papershelf.server.schema import connect, migrations, open_db
from tests.test_datasette import get_json, library_datasette


@pytest.fixture(scope="module")
def shelf(tmp_path_factory):
    path = tmp_path_factory.mktemp("authors") / "papershelf.db"
    db = open_db(path)
    papers = [store.save_paper(db, fields).paper for fields in [
        {"title": "Attention is all you need", "year": 2017,
         "authors": ["Ashish Vaswani", "Noam Shazeer"]},
        {"title": "Self-attention with relative position representations", "year": 2018,
         "authors": ["Peter Shaw", "Jakob Uszkoreit", "Ashish Vaswani"]},
        {"title": "A different Vaswani", "year": 2020, "authors": ["Ravi Vaswani"]},
        {"title": "Ecuaciones en diferencias", "year": 1999, "authors": ["José Núñez"]},
        {"title": "Trilobite vision revisited", "year": 1993,
         "authors": ["Riccardo Levi-Setti"]},
        {"title": "Gemini: a family of models", "year": 2023, "authors": ["Gemini Team"]},
    ]]
    db.close()
    return library_datasette(path), {p["title"]: p["id"] for p in papers}


@pytest.mark.parametrize("typed, titles", [
    ("Vaswani", ["Attention is all you need",
                 "Self-attention with relative position representations", "A different Vaswani"]),
    ("vaswani", ["Attention is all you need",
                 "Self-attention with relative position representations", "A different Vaswani"]),
    ("Ashish Vaswani", ["Attention is all you need",
                        "Self-attention with relative position representations"]),
    ("ashish  vaswani", ["Attention is all you need",
                         "Self-attention with relative position representations"]),
    ("Vaswani, Ashish", ["Attention is all you need",
                         "Self-attention with relative position representations"]),
    ("Nunez", ["Ecuaciones en diferencias"]),
    ("Núñez", ["Ecuaciones en diferencias"]),
    ("levi-setti", ["Trilobite vision revisited"]),
    ("Team", []),  # an organisation's name is one name: not every "... Team"
    ("Gemini Team", ["Gemini: a family of models"]),
    ("Ashish", []),  # a given name alone is not a family name
    ("Vaswan", []),
])
def test_author_filter_matches_what_people_type(shelf, typed, titles):
    ds, ids = shelf
    data = get_json(ds, f"/papershelf/papers.json?_author={typed}&_shape=objects&_nofacet=1")
    assert sorted(r["id"] for r in data["rows"]) == sorted(ids[t] for t in titles)
    assert data["human_description_en"].startswith(f'where by "{typed}"')


def test_author_filter_combines_with_tags_and_facets(shelf):
    ds, ids = shelf
    data = get_json(ds, "/papershelf/papers.json?_author=Vaswani&_author=Uszkoreit")
    assert [r[0] for r in data["rows"]] == [
        ids["Self-attention with relative position representations"]]
    counts = {v["value"]: v["count"] for v in data["facet_results"]["authors"]["results"]}
    assert counts == {"Peter Shaw": 1, "Jakob Uszkoreit": 1, "Ashish Vaswani": 1}


def test_author_filter_uses_the_indexes(shelf):
    ds, _ = shelf
    path = ds.get_database("papershelf").path
    db = Database(path)
    plan = " ".join(row[3] for row in db.execute(
        "explain query plan select paper_id from paper_authors"
        " where name_key = 'vaswani' or family_key = 'vaswani'"))
    assert "idx_paper_authors_name_key" in plan and "idx_paper_authors_family_key" in plan
    assert "SCAN paper_authors" not in plan


@pytest.mark.parametrize("name, keys", [
    ("Ashish Vaswani", ("ashish vaswani", "vaswani")),
    ("José Núñez", ("jose nunez", "nunez")),
    ("Riccardo Levi-Setti", ("riccardo levi setti", "levi setti")),
    ("Vaswani, Ashish", ("vaswani ashish", "vaswani")),
    ("Gemini Team", ("gemini team", "gemini team")),
    ("", ("", "")),
])
def test_author_keys(name, keys):
    assert author_keys(name) == keys


def test_typed_family_comma_given_reads_as_given_family():
    assert typed_name_key("Vaswani, Ashish") == typed_name_key("Ashish Vaswani")


def test_migration_fills_the_keys_of_authors_stored_before_it(tmp_path):
    path = tmp_path / "old.db"

    db = connect(path)
    migrations.apply(db, stop_before="m007_author_keys_and_status_index")
    db.execute("insert into papers (id, citekey, title, authors, status, added_at, updated_at)"
               " values (1, 'k', 'T', '[\"José Núñez\"]', 'unread', 'x', 'x')")
    db.execute("insert into paper_authors (paper_id, position, name)"
               " values (1, 0, 'José Núñez')")
    db.close()
    db = open_db(path)
    assert list(db.query("select name, name_key, family_key from paper_authors")) == [
        {"name": "José Núñez", "name_key": "jose nunez", "family_key": "nunez"}]
    assert "status" in {tuple(i.columns)[0] for i in db["papers"].indexes}
    db.close()
