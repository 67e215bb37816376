"""Reading the real fixture PDFs' text and finding a phrase of page 3 by full-text search."""

import os
import threading

import pytest

from papershelf.server import filestore, fulltext, pdftext, store
from papershelf.server.index_worker import IndexWorker
from tests.browser_support import wait_for
from tests.pdf_support import ENCRYPTED, OWNER_ONLY, OWNER_ONLY_TEXT, pdfs  # noqa: F401


def stored(db, path, title):
    paper = store.save_paper(db, {"title": title, "authors": ["A Writer"], "year": 2000}).paper
    return paper, filestore.save_pdf(db, paper["id"], filestore.file_chunks(path))


@pytest.mark.parametrize("name", [
    "9108004.pdf", "1001._0908.0054.pdf", "1905.00506.pdf", "0807.3577.pdf",
    "value-error-box-diff-page-3574574f60182fc886aa13ad9d9dd3efc4d0a081.pdf",
    "1996PRBAConfProc00507417Vos.pdf"])
def test_the_phrase_of_page_3_is_found_on_page_3_once_indexed(db, pdfs, name):
    pdf = pdfs[name]
    paper, saved = stored(db, pdf.path, f"Paper in {name}")
    assert saved.file["pages"] == pdf.pages  # PDFium counts what pdfinfo counts
    assert fulltext.search_text(db, pdf.phrase) == []  # not before its text is read
    assert fulltext.index_file(db, saved.file_id) == "indexed"
    [match] = fulltext.search_text(db, pdf.phrase)
    assert (match.paper_id, match.page) == (paper["id"], 3)
    words = [w for w in fulltext.MARK_START.join(match.snippet.split(fulltext.MARK_END)).split(
        fulltext.MARK_START)[1::2]]
    assert words and all(w.lower() in pdf.phrase.lower() for w in words)
    assert store.get_paper(db, paper["id"])["files"][0]["text"] == "indexed"


def test_an_image_only_scan_is_stored_and_marked_unreadable(db, pdfs):
    pdf = pdfs["small_ocr.pdf"]
    _, saved = stored(db, pdf.path, "A scan")
    assert saved.file["pages"] == pdf.pages == 8
    assert fulltext.index_file(db, saved.file_id) == "unreadable"
    assert db.execute("select count(*) from file_pages").fetchone()[0] == 0


def test_text_is_one_line_per_page_without_controls_and_joined_at_line_end_hyphens(pdfs):
    result = pdftext.extract(pdfs["1001._0908.0054.pdf"].path)
    assert (result.state, result.pages, [n for n, _ in result.texts]) == ("indexed", 4, [1, 2, 3, 4])
    text = result.texts[2][1]
    assert "\n" not in text and all(c.isprintable() for c in text)
    # "con-\ntents" in the two-column layout is one word again.
    assert "equilibrated" in text and "two contents equilibrated" in text


def test_encrypted_and_owner_only_pdfs(db):
    assert pdftext.extract(ENCRYPTED).state == "encrypted"
    _, saved = stored(db, OWNER_ONLY, "Owner password only")
    assert fulltext.index_file(db, saved.file_id) == "indexed"
    assert fulltext.search_text(db, OWNER_ONLY_TEXT)[0].page == 1


def test_indexing_twice_writes_the_pages_once_and_again_reads_afresh(db, pdfs):
    pdf = pdfs["1001._0908.0054.pdf"]
    _, saved = stored(db, pdf.path, "Twice")
    assert fulltext.index_files(db, [saved.file_id, saved.file_id]) == {"indexed": 2}
    assert db.execute("select count(*) from file_pages").fetchone()[0] == 4  # written once
    db.execute("update file_pages set text = 'stale' where page = 1")
    assert fulltext.index_files(db, [saved.file_id], again=True) == {"indexed": 1}
    assert db.execute("select count(*) from file_pages").fetchone()[0] == 4
    assert fulltext.search_text(db, "stale") == []
    assert fulltext.pending_files(db) == []


def test_a_file_gone_from_disk_is_marked_unreadable_not_a_crash(db, pdfs):
    _, saved = stored(db, pdfs["1001._0908.0054.pdf"].path, "Gone")
    os.unlink(saved.file["path"])
    assert fulltext.index_file(db, saved.file_id) == "unreadable"


def test_a_paper_matching_on_many_pages_shows_once_with_its_best_page(db, pdfs):
    paper, saved = stored(db, pdfs["9108004.pdf"].path, "Ground ring")
    other, more = stored(db, pdfs["1905.00506.pdf"].path, "Arboreal")
    fulltext.index_files(db, [saved.file_id, more.file_id])
    matches = fulltext.search_text(db, "the", limit=5)
    assert sorted(m.paper_id for m in matches) == sorted([paper["id"], other["id"]])


def test_the_worker_indexes_what_is_stored_while_it_runs_and_stops(db, db_path, pdfs):
    worker = IndexWorker(db_path, poll_seconds=60).start()
    try:
        _, saved = stored(db, pdfs["1001._0908.0054.pdf"].path, "Woken")
        worker.wake()
        wait_for(lambda: store.get_paper(db, saved.paper["id"])["files"][0]["text"] == "indexed",
                 what="the worker to index the PDF")
    finally:
        worker.stop()
    assert not any(t.name == "papershelf-indexer" and t.is_alive() for t in threading.enumerate())


def test_a_paper_deleted_while_its_pdf_is_read_is_not_brought_back(db, pdfs):
    paper, saved = stored(db, pdfs["1001._0908.0054.pdf"].path, "Deleted meanwhile")

    def read_then_delete(path):
        result = pdftext.extract(path)
        store.delete_paper(db, paper["id"])  # the reader deletes it during the reading
        return result

    assert fulltext.index_file(db, saved.file_id, extract=read_then_delete) is None
    assert db.execute("select count(*) from file_pages").fetchone()[0] == 0
    assert fulltext.search_text(db, "gravitational potential") == []


def test_pages_left_by_an_earlier_run_are_replaced_never_doubled(db, pdfs):
    _, saved = stored(db, pdfs["1001._0908.0054.pdf"].path, "Two indexers")

    def read_while_another_writes(path):
        result = pdftext.extract(path)
        db.execute("insert into file_pages (file_id, paper_id, page, text) values (?, ?, 2, 'x')",
                   [saved.file_id, saved.paper["id"]])
        return result

    # Our own delete runs before the pages are written: the other's page 2 is gone, ours land.
    assert fulltext.index_file(db, saved.file_id, extract=read_while_another_writes) == "indexed"
    assert [r[0] for r in db.execute("select page from file_pages order by page")] == [1, 2, 3, 4]


def test_another_indexer_writing_the_same_pages_meanwhile_stops_this_one_cleanly(db, pdfs):
    _, saved = stored(db, pdfs["1001._0908.0054.pdf"].path, "Racing indexers")
    # As soon as our page 1 is in, "the other indexer" writes page 2 of the same file.
    db.execute("create temp trigger other_indexer after insert on file_pages when new.page = 1"
               " begin insert into file_pages (file_id, paper_id, page, text)"
               " values (new.file_id, new.paper_id, 2, 'theirs'); end")
    assert fulltext.index_file(db, saved.file_id) == "pending"  # theirs to finish
    assert [r[0] for r in db.execute("select page from file_pages order by page")] == [1, 2]
    db.execute("drop trigger other_indexer")
    assert fulltext.index_file(db, saved.file_id) == "indexed"  # the next run completes it
    assert db.execute("select count(*) from file_pages").fetchone()[0] == 4


def test_a_sentence_found_as_such_is_not_looked_for_word_by_word(db):
    # Constructed pages (a unit test of the ranking rule): one holds the sentence, one its words.
    texts = {"Holds it": "we prove that the ground ring acts on the discrete states here",
             "Scatters it": "discrete values of a polynomial in one variable; a bell will ring"
                            " when the ground floor is reached; the states of matter; who acts"}
    ids = {}
    for title, text in texts.items():
        paper = store.save_paper(db, {"title": title, "authors": ["A Writer"], "year": 2001}).paper
        ids[title] = paper["id"]
        file_id = db.execute(
            "insert into files (paper_id, kind, path, size, sha256, pages, added_at, text)"
            " values (?, 'pdf', ?, 1, ?, 1, 'now', 'indexed')",
            [paper["id"], f"{title}.pdf", title]).lastrowid
        db.execute("insert into file_pages (file_id, paper_id, page, text) values (?, ?, 1, ?)",
                   [file_id, paper["id"], text])
    sentence = fulltext.search_text(db, "ground ring acts on the discrete states")
    assert [m.paper_id for m in sentence] == [ids["Holds it"]]
    assert fulltext.MARK_START + "ground" in sentence[0].snippet
    words = fulltext.search_text(db, "discrete ring")  # two words: close together, then anywhere
    assert sorted(m.paper_id for m in words) == sorted(ids.values())
    assert fulltext.search_text(db, "ground states nowhere") == []


def test_a_query_without_words_is_no_query():
    assert fulltext.text_queries("  \t ") == []
