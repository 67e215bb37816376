"""The papers' stored files: one copy per content, named by key, refused when not a PDF."""

import hashlib
import os
import stat

import pytest

from papershelf.server import filestore, fulltext, store
from tests.pdf_support import ENCRYPTED, OWNER_ONLY, pdfs  # noqa: F401 (a fixture)

PAPER = {"title": "Ultra light bosonic dark matter and CMB", "authors": ["Ivan Rodriguez Montoya"],
         "year": 2009, "arxiv_id": "0908.0054"}
OTHER = {"title": "Apparent and average accelerations of the Universe",
         "authors": ["Krzysztof Bolejko", "Lars Andersson"], "year": 2008}


@pytest.fixture
def paper(db):
    return store.save_paper(db, PAPER).paper


def save(db, paper_id, path, **kwargs):
    return filestore.save_pdf(db, paper_id, filestore.file_chunks(path), **kwargs)


def folder_names(db):
    return sorted(os.listdir(store.files_dir(db)))


def test_a_pdf_is_stored_beside_the_database_named_by_key_with_its_facts(db, db_path, paper, pdfs):
    pdf = pdfs["1001._0908.0054.pdf"]
    saved = save(db, paper["id"], pdf.path, url="https://arxiv.org/pdf/0908.0054")
    target = db_path.parent / "files" / "montoya2009ultra.pdf"
    assert saved.status == "created"
    assert saved.file == {"kind": "pdf", "path": str(target), "size": pdf.path.stat().st_size,
                          "pages": pdf.pages, "text": "pending"}
    assert target.read_bytes() == pdf.path.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a private library
    assert store.get_paper(db, paper["id"])["files"] == [saved.file]
    [row] = db.query("select paper_id, sha256, url, added_at from files")
    assert (row["paper_id"], row["sha256"], row["url"]) == (
        paper["id"], hashlib.sha256(pdf.path.read_bytes()).hexdigest(),
        "https://arxiv.org/pdf/0908.0054")
    assert row["added_at"].endswith("Z")


def test_every_way_to_read_a_paper_gives_its_files(db, paper, pdfs):
    saved = save(db, paper["id"], pdfs["1001._0908.0054.pdf"].path)
    again = store.save_paper(db, PAPER)  # the merge answer ("unchanged") too
    assert again.status == "unchanged" and again.paper["files"] == [saved.file]
    assert store.lookup(db, arxiv="0908.0054")["files"] == [saved.file]
    assert store.get_paper_by_citekey(db, paper["citekey"])["files"] == [saved.file]
    assert [p["files"] for p in store.iter_papers(db)] == [[saved.file]]
    assert store.search(db, "bosonic")[0]["files"] == [saved.file]
    store.save_paper(db, OTHER)
    assert store.get_paper_by_citekey(db, "bolejko2008apparent")["files"] == []


def test_the_same_bytes_twice_are_stored_once(db, paper, pdfs):
    path = pdfs["1001._0908.0054.pdf"].path
    first = save(db, paper["id"], path)
    second = save(db, paper["id"], path)
    assert (second.status, second.file, second.file_id) == ("unchanged", first.file, first.file_id)
    assert folder_names(db) == ["montoya2009ultra.pdf"]  # no temporary file left either
    assert db.execute("select count(*) from files").fetchone()[0] == 1


def test_the_same_bytes_for_another_paper_are_refused_naming_the_first(db, paper, pdfs):
    save(db, paper["id"], pdfs["1001._0908.0054.pdf"].path)
    other = store.save_paper(db, OTHER).paper
    with pytest.raises(filestore.FileRefused, match="already stored as the file of montoya2009ultra"):
        save(db, other["id"], pdfs["1001._0908.0054.pdf"].path)
    assert store.get_paper(db, other["id"])["files"] == []


def test_a_second_pdf_of_a_paper_is_kept_beside_the_first(db, paper, pdfs):
    first = save(db, paper["id"], pdfs["1001._0908.0054.pdf"].path)
    second = save(db, paper["id"], pdfs["0807.3577.pdf"].path)
    assert second.file["path"].endswith("montoya2009ultra-2.pdf")
    assert store.get_paper(db, paper["id"])["files"] == [first.file, second.file]


def test_a_file_no_row_names_is_never_replaced(db, paper, pdfs):
    folder = store.files_dir(db)
    folder.mkdir()
    (folder / "montoya2009ultra.pdf").write_bytes(b"the reader's own file")
    saved = save(db, paper["id"], pdfs["1001._0908.0054.pdf"].path)
    assert saved.file["path"].endswith("montoya2009ultra-2.pdf")
    assert (folder / "montoya2009ultra.pdf").read_bytes() == b"the reader's own file"


def test_a_key_with_characters_unsafe_in_file_names_gives_a_safe_name(db, pdfs):
    paper = store.save_paper(db, {**OTHER, "citekey": "Bolejko:2008/acc"}).paper
    assert paper["citekey"] == "Bolejko:2008/acc"
    saved = save(db, paper["id"], pdfs["0807.3577.pdf"].path)
    assert os.path.basename(saved.file["path"]) == "Bolejko_2008_acc.pdf"


@pytest.mark.parametrize("make, message", [
    (lambda pdf: b"", "the file is empty (0 bytes)"),
    (lambda pdf: b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>",
     "this is a web page, not a PDF (the publisher returned a login page?)"),
    (lambda pdf: b"\xef\xbb\xbf  <html><body>Institutional login</body></html>",
     "this is a web page, not a PDF"),
    (lambda pdf: b"PK\x03\x04 a zip archive", "this is not a PDF (it does not start with %PDF-)"),
    (lambda pdf: pdf[: len(pdf) // 2], "the PDF is damaged or incomplete"),
    (lambda pdf: pdf[:-200], "the PDF is damaged or incomplete"),
])
def test_bytes_that_are_no_readable_pdf_are_refused_and_leave_nothing(db, paper, pdfs, make,
                                                                      message):
    data = make(pdfs["1001._0908.0054.pdf"].path.read_bytes())
    with pytest.raises(filestore.FileRefused, match="^" + message.replace("(", r"\(").replace(
            ")", r"\)").replace("?", r"\?")):
        filestore.save_pdf(db, paper["id"], [data])
    assert folder_names(db) == []
    assert db.execute("select count(*) from files").fetchone()[0] == 0


def test_over_the_limit_stops_reading_and_leaves_nothing(db, paper):
    chunks_read = []

    def endless():  # a body that would never end: the limit must stop it
        while True:
            chunks_read.append(1)
            yield b"%PDF-1.4\n" + b"0" * 65527

    with pytest.raises(filestore.TooLarge, match="larger than 1 MB"):
        filestore.save_pdf(db, paper["id"], endless(), limit=1024 * 1024)
    assert len(chunks_read) == 17  # 16 chunks fit in 1 MB; the 17th is one too many
    assert folder_names(db) == []


def test_an_encrypted_pdf_is_stored_and_marked_and_one_that_opens_is_indexed(db, paper):
    locked = save(db, paper["id"], ENCRYPTED)
    assert (locked.file["text"], locked.file["pages"]) == ("encrypted", None)
    readable = save(db, paper["id"], OWNER_ONLY)
    assert (readable.file["text"], readable.file["pages"]) == ("pending", 1)
    assert fulltext.index_file(db, readable.file_id) == "indexed"
    assert fulltext.index_file(db, locked.file_id) == "encrypted"  # not pending: left alone
    assert [m.paper_id for m in fulltext.search_text(db, "encryption test")] == [paper["id"]]


def test_no_such_paper_stores_nothing(db, pdfs):
    assert save(db, 4242, pdfs["1001._0908.0054.pdf"].path) is None
    assert folder_names(db) == []


def test_deleting_a_paper_removes_its_files_and_their_text_and_says_which(db, paper, pdfs):
    first = save(db, paper["id"], pdfs["1001._0908.0054.pdf"].path)
    second = save(db, paper["id"], pdfs["0807.3577.pdf"].path)
    fulltext.index_files(db, fulltext.pending_files(db))
    other = store.save_paper(db, OTHER).paper
    kept = save(db, other["id"], pdfs["9108004.pdf"].path)
    assert store.delete_paper(db, paper["id"]) == [first.file["path"], second.file["path"]]
    assert folder_names(db) == [os.path.basename(kept.file["path"])]
    assert db.execute("select count(*) from files").fetchone()[0] == 1
    assert db.execute("select count(*) from file_pages where paper_id = ?",
                      [paper["id"]]).fetchone()[0] == 0
    assert fulltext.search_text(db, "gravitational potential") == []
    assert store.delete_paper(db, paper["id"]) is None
