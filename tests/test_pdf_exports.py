"""Every export reaches the stored PDF: BibTeX's `file` field, the Obsidian note's `pdf` property."""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import bibtexparser
import pybtex.database
import pytest
from click.testing import CliRunner

from papershelf.exports.bibtex import export_bibtex, file_field
from papershelf.exports.obsidian import ObsidianExportError, export_obsidian
from papershelf.server import filestore, store
from papershelf.server.cli import cli
from tests.pdf_support import pdfs  # noqa: F401 (a fixture)
from tests.test_obsidian import frontmatter, snapshot

WITH_PDF = {"title": "Ultra light bosonic dark matter and CMB", "year": 2009,
            "authors": ["Ivan Rodriguez Montoya"], "arxiv_id": "0908.0054",
            "pdf_url": "https://arxiv.org/pdf/0908.0054"}
WITHOUT = {"title": "Ground ring of two dimensional string theory", "year": 1991,
           "authors": ["Edward Witten"], "pdf_url": "https://arxiv.org/pdf/hep-th/9108004"}
KEY, OTHER = "montoya2009ultra", "witten1991ground"


@pytest.fixture
def library(db, pdfs):
    paper = store.save_paper(db, WITH_PDF).paper
    store.save_paper(db, WITHOUT)
    saved = filestore.save_pdf(db, paper["id"],
                               filestore.file_chunks(pdfs["1001._0908.0054.pdf"].path))
    return db, saved.file["path"]


def entries(text):
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    return {entry.key: entry for entry in parsed.entries}


@pytest.mark.parametrize("mode", ["bibtex", "biblatex"])
def test_with_files_gives_each_stored_pdf_a_jabref_file_field(library, mode):
    db, path = library
    text = export_bibtex(db, mode=mode, with_files=True).text
    found = entries(text)
    assert found[KEY]["file"] == f":{path.replace(':', chr(92) + ':')}:PDF"
    assert "file" not in found[OTHER].fields_dict
    assert pybtex.database.parse_string(text, "bibtex").entries[KEY].fields["file"]
    assert "file" not in entries(export_bibtex(db, mode=mode).text)[KEY].fields_dict


def test_the_file_field_escapes_what_jabref_escapes():
    assert file_field([r"C:\Users\ann\a;b.pdf", "/home/ann/x.pdf"]) == (
        r"{:C\:\\Users\\ann\\a\;b.pdf:PDF;:/home/ann/x.pdf:PDF}")
    assert file_field(["/odd/{brace.pdf"]) is None


def test_the_cli_writes_the_file_field_on_request(library, db_path, tmp_path):
    _, path = library
    out = tmp_path / "refs.bib"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "export", "bibtex", "-o", str(out),
                                      "--with-files"], catch_exceptions=False)
    assert result.exit_code == 0
    assert entries(out.read_text())[KEY]["file"].endswith(":PDF")


def test_link_mode_points_the_pdf_property_at_the_library_file(library, tmp_path):
    db, path = library
    vault = tmp_path / "vault"
    vault.mkdir()
    export_obsidian(db, vault)
    link = frontmatter(vault / "Papers" / f"@{KEY}.md")["pdf"]
    assert urlsplit(link).scheme == "file" and url2pathname(urlsplit(link).path) == path
    assert frontmatter(vault / "Papers" / f"@{OTHER}.md")["pdf"] == WITHOUT["pdf_url"]
    before = snapshot(vault)
    report = export_obsidian(db, vault)
    assert report.written == [] and snapshot(vault) == before


@pytest.mark.parametrize("setting, folder", [
    (None, ""),  # Obsidian's default: the vault's root
    ("/", ""),
    ("Attachments/PDFs", "Attachments/PDFs"),
    ("./", "Papers"),  # beside the note
    ("./files", "Papers/files"),
])
def test_copy_mode_copies_into_the_vaults_attachment_folder(library, tmp_path, setting, folder):
    db, path = library
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    if setting is not None:
        (vault / ".obsidian" / "app.json").write_text(json.dumps({"attachmentFolderPath": setting}))
    export_obsidian(db, vault, pdfs="copy")
    copy = vault / folder / f"{KEY}.pdf"
    assert copy.read_bytes() == Path(path).read_bytes()
    relative = f"{folder}/{KEY}.pdf".lstrip("/")
    assert frontmatter(vault / "Papers" / f"@{KEY}.md")["pdf"] == f"[[{relative}]]"
    assert frontmatter(vault / "Papers" / f"@{OTHER}.md")["pdf"] == WITHOUT["pdf_url"]


def test_copy_mode_never_overwrites_the_readers_copy(library, tmp_path):
    db, _ = library
    vault = tmp_path / "vault"
    vault.mkdir()
    export_obsidian(db, vault, pdfs="copy")
    annotated = vault / f"{KEY}.pdf"
    annotated.write_bytes(annotated.read_bytes() + b"\n% the reader's annotations\n")
    kept = annotated.read_bytes()
    export_obsidian(db, vault, pdfs="copy")
    assert annotated.read_bytes() == kept
    assert [p.name for p in vault.iterdir() if p.suffix == ".pdf"] == [f"{KEY}.pdf"]


def test_none_mode_keeps_the_web_address_and_a_bad_attachment_folder_is_refused(library, tmp_path):
    db, _ = library
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    export_obsidian(db, vault, pdfs="none")
    assert frontmatter(vault / "Papers" / f"@{KEY}.md")["pdf"] == WITH_PDF["pdf_url"]
    (vault / ".obsidian" / "app.json").write_text(json.dumps({"attachmentFolderPath": "../../x"}))
    with pytest.raises(ObsidianExportError, match="outside the vault"):
        export_obsidian(db, vault, pdfs="copy")
    assert not os.path.exists(tmp_path / "x")


def test_the_cli_takes_pdfs_copy(library, db_path, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "export", "obsidian", str(vault),
                                      "--pdfs", "copy"], catch_exceptions=False)
    assert result.exit_code == 0 and (vault / f"{KEY}.pdf").is_file()
    wrong = CliRunner().invoke(cli, ["--db", str(db_path), "export", "obsidian", str(vault),
                                     "--pdfs", "embed"])
    assert wrong.exit_code == 2 and "'embed' is not one of 'link', 'copy', 'none'" in wrong.output
