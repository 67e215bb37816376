"""The store: identity, merge, citation keys, reader fields, FTS sync, transactions."""

import sqlite3

import pytest

from papershelf.server import identity, store
from papershelf.server.schema import SCHEMA_VERSION, migrations, open_db

ATTENTION = {
    "title": "Attention Is All You Need",
    "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
    "abstract": "The dominant sequence transduction models...",
    "year": 2017,
    "published": "2017-06-12",
    "arxiv_id": "1706.03762",
    "arxiv_version": 1,
    "url": "https://arxiv.org/abs/1706.03762v1",
}


def test_create_returns_the_whole_paper_object(db):
    result = store.save_paper(db, ATTENTION, tags=["nlp"], note="classic")
    paper = result.paper
    assert result.status == "created"
    assert {k: paper[k] for k in ("citekey", "title", "authors", "year", "arxiv_id",
                                  "arxiv_version", "tags", "note", "status")} == {
        "citekey": "vaswani2017attention", "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"], "year": 2017,
        "arxiv_id": "1706.03762", "arxiv_version": 1, "tags": ["nlp"], "note": "classic",
        "status": "unread"}
    assert paper["added_at"] == paper["updated_at"] and paper["added_at"].endswith("Z")
    assert list(db.query("select position, name from paper_authors order by position")) == [
        {"position": 0, "name": "Ashish Vaswani"}, {"position": 1, "name": "Noam Shazeer"},
        {"position": 2, "name": "Niki Parmar"}]
    assert list(db.query("select tag from paper_tags")) == [{"tag": "nlp"}]


@pytest.mark.parametrize("same", [
    {"title": "Attention Is All You Need", "arxiv_id": "arXiv:1706.03762v1"},
    {"title": "Something else entirely", "arxiv_id": "1706.03762"},
    {"title": "Attention is all you need.", "authors": ["A. Vaswani"], "year": 2017},
    {"title": "ATTENTION IS ALL YOU NEED", "authors": ["Vaswani, Ashish"], "year": "2017"},
])
def test_same_paper_is_never_stored_twice(db, same):
    store.save_paper(db, ATTENTION)
    result = store.save_paper(db, same)
    assert result.status in ("unchanged", "updated")
    assert db["papers"].count == 1


def test_same_doi_in_any_case_or_form_is_the_same_paper(db):
    store.save_paper(db, {"title": "A", "doi": "10.1103/PhysRevX.12.041027"})
    result = store.save_paper(db, {"title": "B", "doi": "https://doi.org/10.1103/physrevx.12.041027"})
    assert (result.status, db["papers"].count, result.paper["doi"]) == (
        "unchanged", 1, "10.1103/physrevx.12.041027")


def test_different_year_or_first_author_is_another_paper(db):
    store.save_paper(db, ATTENTION)
    store.save_paper(db, {**ATTENTION, "arxiv_id": None, "year": 2018})
    store.save_paper(db, {**ATTENTION, "arxiv_id": None, "authors": ["Someone Else"]})
    assert db["papers"].count == 3


def test_merge_fills_empty_fields_and_keeps_existing_ones(db):
    store.save_paper(db, {"title": "Attention Is All You Need", "arxiv_id": "1706.03762",
                          "abstract": "original abstract"})
    result = store.save_paper(db, {**ATTENTION, "abstract": "other abstract",
                                   "doi": "10.5555/3295222.3295349", "arxiv_version": None})
    assert result.status == "updated"
    assert (result.paper["abstract"], result.paper["doi"], result.paper["authors"][0]) == (
        "original abstract", "10.5555/3295222.3295349", "Ashish Vaswani")


def test_newer_arxiv_version_updates_older_does_not(db):
    store.save_paper(db, {**ATTENTION, "arxiv_version": 5, "title": "Attention v5"})
    newer = store.save_paper(db, {**ATTENTION, "arxiv_version": 7, "title": "Attention v7"})
    older = store.save_paper(db, {**ATTENTION, "arxiv_version": 1, "title": "Attention v1"})
    assert (newer.status, newer.paper["arxiv_version"], newer.paper["title"]) == (
        "updated", 7, "Attention v7")
    assert (older.status, older.paper["title"]) == ("unchanged", "Attention v7")


def test_merge_unions_tags_and_never_drops_a_note(db):
    first = store.save_paper(db, ATTENTION, tags=["nlp", "transformers"], note="my reading notes")
    second = store.save_paper(db, ATTENTION, tags=["Transformers", "seminal"], note="from the clip")
    assert second.paper["tags"] == ["nlp", "transformers", "seminal"]
    assert second.paper["note"] == "my reading notes\n\nfrom the clip"
    assert second.paper["citekey"] == first.paper["citekey"]


def test_citekey_is_unique_case_insensitively_and_never_changes(db):
    keys = [store.save_paper(db, {"title": f"Study {n}", "authors": ["Wei Chen"],
                                  "year": 2024}).paper["citekey"] for n in range(30)]
    assert len({k.lower() for k in keys}) == 30
    assert keys[:3] == ["chen2024study", "chen2024studya", "chen2024studyb"]
    paper = store.get_paper_by_citekey(db, "CHEN2024STUDY")
    updated = store.save_paper(db, {"title": "Study 0", "authors": ["Wei Chen"], "year": 2024,
                                    "abstract": "now with an abstract"})
    assert updated.paper["citekey"] == paper["citekey"] == "chen2024study"
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("update papers set citekey = 'Chen2024StudyA' where id = ?", [paper["id"]])


def test_a_wanted_citekey_is_kept_when_free(db):
    first = store.save_paper(db, {"title": "X", "citekey": "knuth84"})
    second = store.save_paper(db, {"title": "Y", "citekey": "KNUTH84"})
    # The second wanted key clashes case-insensitively, so the formula decides.
    assert (first.paper["citekey"], second.paper["citekey"]) == ("knuth84", "anony")


def test_update_reader_fields_and_validation(db):
    paper = store.save_paper(db, ATTENTION).paper
    updated = store.update_paper(db, paper["id"], tags=["a", " a ", "b"], note="n", status="read")
    assert (updated["tags"], updated["note"], updated["status"]) == (["a", "b"], "n", "read")
    assert updated["updated_at"] >= paper["updated_at"]
    with pytest.raises(store.StoreError):
        store.update_paper(db, paper["id"], status="finished")
    assert store.update_paper(db, 999, note="x") is None


def test_fts_stays_in_sync_with_inserts_updates_and_deletes(db):
    paper = store.save_paper(db, ATTENTION).paper
    assert [p["id"] for p in store.search(db, "transduction")] == [paper["id"]]
    assert [p["id"] for p in store.search(db, "Shazeer")] == [paper["id"]]
    store.update_paper(db, paper["id"], note="remember the positional encodings")
    assert [p["id"] for p in store.search(db, "positional")] == [paper["id"]]
    store.delete_paper(db, paper["id"])
    assert store.search(db, "transduction") == []
    assert db["paper_authors"].count == 0 and db["paper_tags"].count == 0


def test_search_treats_user_text_as_words_not_syntax(db):
    store.save_paper(db, {"title": "Self-Supervised Learning: a survey"})
    assert len(store.search(db, 'self-supervised "survey')) == 1


def test_a_failed_write_leaves_nothing_behind(db):
    store.save_paper(db, ATTENTION)
    with pytest.raises(store.StoreError):
        store.save_papers(db, [{"title": "Fine paper"}, {"title": ""}])
    assert [p["title"] for p in store.iter_papers(db)] == ["Attention Is All You Need"]


def test_lookup_by_url_arxiv_and_doi(db):
    paper = store.save_paper(db, {**ATTENTION, "doi": "10.5555/ABC.1"}, clip={
        "url": "https://huggingface.co/papers/1706.03762", "extractor": "t", "fields": {}}).paper
    assert store.lookup(db, arxiv="1706.03762v3")["id"] == paper["id"]
    assert store.lookup(db, doi="https://doi.org/10.5555/abc.1")["id"] == paper["id"]
    assert store.lookup(db, url="https://arxiv.org/abs/1706.03762v1")["id"] == paper["id"]
    assert store.lookup(db, url="https://huggingface.co/papers/1706.03762")["id"] == paper["id"]
    assert store.lookup(db, url="https://example.org/") is None


def test_clips_record_provenance(db):
    store.save_paper(db, ATTENTION, clip={"url": "https://arxiv.org/abs/1706.03762",
                                          "extractor": "arxiv", "fields": {"title": "T"}})
    store.save_paper(db, ATTENTION, clip={"url": "https://arxiv.org/pdf/1706.03762",
                                          "extractor": "arxiv", "fields": {}})
    rows = list(db.query("select url, extractor, status, fields from clips order by id"))
    assert [(r["url"], r["status"]) for r in rows] == [
        ("https://arxiv.org/abs/1706.03762", "created"), ("https://arxiv.org/pdf/1706.03762", "unchanged")]
    assert rows[0]["fields"] == '{"title": "T"}'


def test_schema_is_versioned_and_migrations_are_idempotent(db_path):
    db = open_db(db_path)
    open_db(db_path)
    applied = [m.name for m in migrations.applied(db)]
    # Migration numbers are shared out between pieces of work, so they may have gaps.
    assert max(int(name[1:4]) for name in applied) == SCHEMA_VERSION
    assert applied[0] == "m001_initial" and len(applied) == len(set(applied))
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("text, expected", [
    ("1706.03762v7", ("1706.03762", 7)), ("arXiv:2407.07061", ("2407.07061", None)),
    ("hep-th/9901001v2", ("hep-th/9901001", 2)), ("math.GT/0309136", ("math.GT/0309136", None)),
    ("not an id", (None, None)),
])
def test_split_arxiv_id(text, expected):
    assert identity.split_arxiv_id(text) == expected


def test_published_version_upgrades_a_preprint_but_never_the_reverse(db):
    store.save_paper(db, {**ATTENTION, "entry_type": "preprint"})
    published = store.save_paper(db, {"title": "Attention is All you Need", "year": 2017,
                                      "authors": ["Ashish Vaswani"], "entry_type": "inproceedings",
                                      "venue": "Advances in Neural Information Processing Systems"})
    assert (published.status, published.paper["entry_type"], published.paper["venue"]) == (
        "updated", "inproceedings", "Advances in Neural Information Processing Systems")
    again = store.save_paper(db, {**ATTENTION, "entry_type": "preprint", "arxiv_version": 7})
    assert again.paper["entry_type"] == "inproceedings"


def test_a_file_link_is_kept_only_from_a_clip_of_that_local_file(db):
    with pytest.raises(store.StoreError, match="url must be an http"):
        store.save_paper(db, {"title": "T", "url": "file:///home/me/p.html"})
    kept = store.save_paper(db, {"title": "T", "url": "file:///home/me/p.html"},
                            clip={"url": "file:///home/me/p.html", "extractor": "generic"})
    assert kept.paper["url"] == "file:///home/me/p.html"
    with pytest.raises(store.StoreError, match="pdf_url must be an http"):
        store.save_paper(db, {"title": "U", "pdf_url": "javascript:x"}, clip={"url": "file:///p.html"})


def test_opening_an_older_library_removes_refused_links_and_junk_versions(db_path):
    db = open_db(db_path)
    for i, (link, version) in enumerate([("javascript:alert(1)", "1234x"), ("https://ok.org/a", 3),
                                         ("data:text/html,x", 0), ("file:///home/me/a.pdf", 12)]):
        db.execute("insert into papers (citekey, title, status, added_at, updated_at, url, pdf_url,"
                   " arxiv_id, arxiv_version) values (?, 'T', 'unread', 'a', 'a', ?, ?, ?, ?)",
                   [f"k{i}", link, link, f"2101.0000{i}", version])
    db.execute("delete from _sqlite_migrations where name = 'm008_safe_links_and_versions'")
    db.close()
    healed = open_db(db_path)
    rows = [tuple(r) for r in healed.execute("select url, pdf_url, arxiv_version from papers order by id")]
    assert rows == [(None, None, None), ("https://ok.org/a", "https://ok.org/a", 3), (None, None, None),
                    ("file:///home/me/a.pdf", "file:///home/me/a.pdf", 12)]
    # The paper that could no longer be updated takes versioned clips again.
    result = store.save_paper(healed, {"title": "T v2", "arxiv_id": "2101.00000v2"})
    assert (result.status, result.paper["arxiv_version"]) == ("updated", 2)
