"""Similar papers by the abstract's distinctive terms: ranking, bounds, and no writes."""

import hashlib
import sqlite3

import pytest

from papershelf.server import store
from papershelf.server.datasette import similar
from papershelf.server.schema import open_db
from tests.test_datasette import RARE_WORD, build_library, library_papers


@pytest.fixture
def library(tmp_path):
    path = tmp_path / "papershelf.db"
    return path, build_library(path, library_papers())


def read_only(path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row  # as Datasette's connections
    return conn


def neighbours_of(conn, paper):
    return similar.similar_papers(conn, paper["id"], f"{paper['title']} {paper['abstract']}")


def test_papers_sharing_a_rare_word_come_first(library):
    path, papers = library
    rare = [p for p in papers if RARE_WORD in p["abstract"]]
    found = neighbours_of(read_only(path), rare[0])
    assert RARE_WORD in found.terms
    assert {p["id"] for p in found.papers[:len(rare) - 1]} == {p["id"] for p in rare[1:]}
    assert rare[0]["id"] not in {p["id"] for p in found.papers}


def test_a_small_library_of_common_words_still_ranks_by_topic(library):
    path, papers = library
    paper = papers[20]  # "... diffusion and sparsity ..." in every fourth abstract or so
    found = neighbours_of(read_only(path), paper)
    assert found.papers and set(found.terms) <= {"diffusion", "sparsity", "study", "ways",
                                                 "scale", "part", "agents", "attention",
                                                 "graphs", "retrieval", "quantisation"}
    for other in found.papers:
        text = (other["title"]).lower() + " " + next(
            p["abstract"] for p in papers if p["id"] == other["id"]).lower()
        assert any(word in text for word in found.terms)


def test_the_words_ranked_by_share_a_bounded_number_of_postings(library, monkeypatch):
    path, papers = library
    monkeypatch.setattr(similar, "RANKED_POSTINGS", 100)
    conn = read_only(path)
    found = neighbours_of(conn, papers[20])
    papers_using = [similar._papers_using(conn, word, 10_000) for word in found.terms]
    assert found.terms and sum(papers_using) <= 100


def test_nothing_is_written_and_no_read_is_left_open(library):
    path, papers = library
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    conn = read_only(path)
    neighbours_of(conn, papers[5])
    assert not conn.in_transaction
    assert conn.execute("select count(*) from temp.papershelf_words").fetchone()[0] == 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # A clip saved meanwhile shows to the same connection at once.
    db = open_db(path)
    added = store.save_paper(db, {"title": "Ammonite shells", "authors": ["Mary Anning"],
                                  "year": 1824}).paper
    db.close()
    assert conn.execute("select title from papers where id = ?", [added["id"]]).fetchone()[0]


def test_counts_kept_are_counted_again_once_the_library_has_grown(library):
    path, papers = library
    conn = read_only(path)
    first = {"title": "Ammonite shells as optimisers", "authors": ["Mary Anning"],
             "year": 1824, "abstract": "Ammonite sutures resemble fractal optimisers."}
    db = open_db(path)
    alone = store.save_paper(db, first).paper
    db.close()
    assert "ammonite" not in neighbours_of(conn, alone).terms  # in no other paper yet
    db = open_db(path)
    later = [store.save_paper(db, {**first, "title": f"Ammonite sutures, part {i}",
                                   "year": 1830 + i}).paper for i in range(6)]
    db.close()  # 7 papers more: over 2% of the library
    found = neighbours_of(conn, alone)
    assert "ammonite" in found.terms
    assert {p["id"] for p in found.papers} == {p["id"] for p in later}


def test_an_abstract_without_words_has_no_neighbours(library):
    path, _ = library
    found = similar.similar_papers(read_only(path), 1, "42 — 7 ∞")
    assert (found.terms, found.papers) == ([], [])
