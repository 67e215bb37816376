"""The stored PDFs in Datasette, in process: served by the plugin, linked, searchable, private."""

import re

import pytest

from papershelf.server import filestore, fulltext, store
from papershelf.server.schema import open_db
from tests.pdf_support import pdfs  # noqa: F401 (a fixture)
from tests.test_datasette import get, library_datasette

PDF_NAME = "1905.00506.pdf"


@pytest.fixture
def library(tmp_path, pdfs):
    path = tmp_path / "papershelf.db"
    db = open_db(path)
    paper = store.save_paper(db, {"title": "An equivariant isomorphism theorem", "year": 2019,
                                  "authors": ["Andrea Ferraguti"], "arxiv_id": "1905.00506",
                                  "pdf_url": "https://arxiv.org/pdf/1905.00506"}).paper
    store.save_paper(db, {"title": "Without a PDF", "authors": ["Ann Smith"], "year": 2020})
    saved = filestore.save_pdf(db, paper["id"], filestore.file_chunks(pdfs[PDF_NAME].path))
    fulltext.index_files(db, fulltext.pending_files(db))
    db.close()
    return path, paper, saved


@pytest.fixture
def ds(library):
    return library_datasette(library[0])


def file_links(html):
    return re.findall(r'href="(/-/papershelf/files/[^"]+)"', html)


def test_the_papers_table_links_the_saved_pdf_beside_the_web_one(ds, library, pdfs):
    _, paper, saved = library
    page = get(ds, "/papershelf/papers")
    assert page.status_code == 200
    assert file_links(page.text) == [f"/-/papershelf/files/papershelf/{saved.file_id}/ferraguti2019equivariant.pdf"]
    assert ">saved PDF</a> · <a href=\"https://arxiv.org/pdf/1905.00506\"" in page.text
    served = get(ds, file_links(page.text)[0])
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == 'inline; filename="ferraguti2019equivariant.pdf"'
    assert served.content == pdfs[PDF_NAME].path.read_bytes()
    assert served.headers["x-content-type-options"] == "nosniff"  # the host guard's headers


def test_the_files_table_links_each_file(ds, library):
    _, _, saved = library
    page = get(ds, "/papershelf/files")
    assert file_links(page.text) == [f"/-/papershelf/files/papershelf/{saved.file_id}/ferraguti2019equivariant.pdf"]


def test_search_inside_pdfs_marks_the_words_and_opens_the_page(ds, library, pdfs):
    _, paper, saved = library
    phrase = pdfs[PDF_NAME].phrase
    page = get(ds, "/papershelf/search_pdfs", params={"text": phrase})
    assert page.status_code == 200
    assert "<mark>dynamical</mark> <mark>inseparability</mark>" in page.text
    assert f"/-/papershelf/files/papershelf/{saved.file_id}/ferraguti2019equivariant.pdf#page=3" in page.text
    data = get(ds, "/papershelf/search_pdfs.json", params={"text": phrase, "_shape": "array"}).json()
    assert [(row["citekey"], row["page"]) for row in data][0] == ("ferraguti2019equivariant", 3)
    for text in ("", '"unbalanced', "state-of-the-art AND OR"):  # never an FTS syntax error
        assert get(ds, "/papershelf/search_pdfs.json", params={"text": text}).status_code == 200


@pytest.mark.parametrize("path", [
    "/-/papershelf/files/papershelf/999/ferraguti2019equivariant.pdf",  # no such row
    "/-/papershelf/files/papershelf/{id}/other.pdf",  # not its name
    "/-/papershelf/files/papershelf/{id}/..%2F..%2Fpapershelf.db.pdf",
    "/-/papershelf/files/nosuchdb/{id}/ferraguti2019equivariant.pdf",
])
def test_only_a_file_the_table_names_is_served(ds, library, path):
    response = get(ds, path.format(id=library[2].file_id))
    assert response.status_code == 404 and b"%PDF" not in response.content


def test_a_row_pointing_outside_the_files_folder_is_not_served(library):
    path, _, saved = library
    db = open_db(path)
    db.execute("update files set path = '../papershelf.db' where id = ?", [saved.file_id])
    db.close()
    response = get(library_datasette(path), f"/-/papershelf/files/papershelf/{saved.file_id}/papershelf.db")
    assert response.status_code == 404  # the route takes .pdf names only
    db = open_db(path)
    db.execute("update files set path = '../escape.pdf' where id = ?", [saved.file_id])
    db.close()
    (path.parent / "escape.pdf").write_bytes(b"%PDF-1.4 outside")
    response = get(library_datasette(path), f"/-/papershelf/files/papershelf/{saved.file_id}/escape.pdf")
    assert response.status_code == 404


def test_a_foreign_host_gets_no_pdf(ds, library):
    url = f"/-/papershelf/files/papershelf/{library[2].file_id}/ferraguti2019equivariant.pdf"
    response = get(ds, url, headers={"host": "evil.example"})
    assert response.status_code == 403 and b"%PDF" not in response.content


def test_the_paper_page_links_the_saved_pdf_first(ds, library):
    _, paper, saved = library
    page = get(ds, f"/papershelf/papers/{paper['id']}")
    assert page.status_code == 200
    links = re.findall(r'<a class="paper-link paper-link-([a-z-]+)" href="([^"]+)"', page.text)
    assert links[0] == ("saved-pdf", f"/-/papershelf/files/papershelf/{saved.file_id}/ferraguti2019equivariant.pdf")
    assert "Saved PDF (19 pages)" in page.text
    assert ("pdf", "https://arxiv.org/pdf/1905.00506") in links
