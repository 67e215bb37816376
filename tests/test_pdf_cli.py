"""The PDF commands as a user runs them: attach, search, open, pdfs fetch|index, add's PDF."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from papershelf.server import filestore, net, store
from papershelf.server.cli import cli
from papershelf.server.schema import open_db
from tests.pdf_support import ENCRYPTED, pdfs, web  # noqa: F401 (fixtures)

ARXIV_PAGE = "arxiv_abs_1706.03762v7_2026.html"
KEY = "vaswani2017attention"
PHRASE_FILE = "1905.00506.pdf"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def library(home, pages_dir):
    """A library holding the arXiv fixture paper, added offline from its saved page."""
    result = run("add", "--offline", "--html", str(pages_dir / ARXIV_PAGE),
                 "https://arxiv.org/abs/1706.03762v7")
    assert result.stdout.strip() == KEY
    return home


def test_attach_then_search_finds_the_key_by_a_phrase_of_page_3(library, pdfs):
    pdf = pdfs[PHRASE_FILE]
    attached = run("attach", KEY, str(pdf.path))
    stored = library / "files" / f"{KEY}.pdf"
    assert attached.exit_code == 0
    assert attached.stdout == f"{stored}\n"
    assert attached.stderr == f"created: {stored} ({pdf.pages} pages, text indexed)\n"
    found = run("search", pdf.phrase)
    lines = found.stdout.splitlines()
    assert lines[0].startswith(f"{KEY} ")
    assert lines[1].startswith("    p. 3: …") and "dynamical inseparability" in lines[1]
    assert "\x1b" not in found.stdout  # no terminal styles on a pipe
    [as_json] = [json.loads(line) for line in run("search", "--json", pdf.phrase).stdout.splitlines()]
    assert as_json["citekey"] == KEY and as_json["text_match"]["page"] == 3
    assert pdf.phrase in as_json["text_match"]["snippet"]
    assert as_json["files"] == [{"kind": "pdf", "path": str(stored), "size": pdf.path.stat().st_size,
                                 "pages": pdf.pages, "text": "indexed"}]
    again = run("attach", KEY, str(pdf.path))
    assert again.exit_code == 0 and again.stderr.startswith("unchanged: ")


def test_a_metadata_match_lists_no_snippet_and_body_matches_follow(library, pdfs):
    run("attach", KEY, str(pdfs[PHRASE_FILE].path))
    lines = run("search", "transduction").stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(KEY)  # the abstract, not the PDF


@pytest.mark.parametrize("args, message", [
    (["attach", "nokey2020", "{pdf}"], "Error: no paper with key nokey2020"),
    (["attach", KEY, "{html}"], "Error: cannot attach {html}: this is a web page, not a PDF"),
    (["open", KEY], f"Error: {KEY} has no stored PDF: papershelf pdfs fetch {KEY}"),
    (["pdfs", "fetch"], "Error: give citation keys or --missing"),
])
def test_errors_are_one_line_on_stderr(library, pdfs, pages_dir, args, message):
    values = {"pdf": str(pdfs[PHRASE_FILE].path), "html": str(pages_dir / ARXIV_PAGE)}
    result = run(*[a.format(**values) for a in args])  # an exception would fail the test
    assert result.exit_code == 1
    assert result.stderr.startswith(message.format(**values))
    assert len(result.stderr.splitlines()) == 1


def test_an_error_of_a_real_run_is_one_line_without_a_traceback(library, pages_dir):
    html = str(pages_dir / ARXIV_PAGE)
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "attach", KEY, html],
                            capture_output=True, text=True, env={"PAPERSHELF_HOME": str(library)})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"Error: cannot attach {html}: this is a web page, not a PDF"
                             " (the publisher returned a login page?)\n")


def test_an_encrypted_pdf_is_attached_and_said_so(library):
    result = run("attach", KEY, str(ENCRYPTED))
    assert result.exit_code == 0 and result.stderr.endswith("(text encrypted)\n")


def test_open_runs_the_viewer_on_the_stored_file(library, pdfs, tmp_path, monkeypatch):
    run("attach", KEY, str(pdfs[PHRASE_FILE].path))
    record = tmp_path / "opened.json"
    viewer = f"{sys.executable} -c \"import json,sys; json.dump(sys.argv[1:], open(r'{record}', 'w'))\""
    monkeypatch.setenv("PAPERSHELF_OPENER", viewer)
    result = run("open", KEY)
    assert result.exit_code == 0
    assert json.loads(record.read_text()) == [str(library / "files" / f"{KEY}.pdf")]
    monkeypatch.setenv("PAPERSHELF_OPENER", "/nonexistent/viewer")
    failed = run("open", KEY)
    assert failed.exit_code == 1 and "cannot open" in failed.stderr


def test_the_viewer_command_of_each_platform(monkeypatch):
    from papershelf.server import cli_files

    monkeypatch.delenv("PAPERSHELF_OPENER", raising=False)
    for platform, expected in (("linux", ["xdg-open", "/f.pdf"]), ("darwin", ["open", "/f.pdf"]),
                               ("win32", None)):
        monkeypatch.setattr(cli_files.sys, "platform", platform)
        assert cli_files.opener("/f.pdf") == expected


def test_pdfs_index_reads_what_waits(library, pdfs):
    db = open_db(library / "papershelf.db")
    paper = store.get_paper_by_citekey(db, KEY)
    filestore.save_pdf(db, paper["id"], filestore.file_chunks(pdfs["small_ocr.pdf"].path))
    filestore.save_pdf(db, paper["id"], filestore.file_chunks(pdfs[PHRASE_FILE].path))
    assert run("pdfs", "index").stdout == "1 indexed, 1 unreadable, 0 encrypted\n"
    assert run("pdfs", "index").stdout == "0 indexed, 0 unreadable, 0 encrypted\n"
    assert run("pdfs", "index", "--again").stdout == "1 indexed, 1 unreadable, 0 encrypted\n"


# --- over the network (the stub web) ----------------------------------------------------


def arxiv_answers(web, fixtures_dir, pdf):
    atom = (fixtures_dir / "arxiv-api" / "arxiv_api_idlist_1706.03762_newformat_2026.xml").read_bytes()
    web.answers["https://export.arxiv.org/api/query?id_list=1706.03762&max_results=1"] = (
        200, "application/atom+xml", atom)
    web.answers["https://arxiv.org/pdf/1706.03762"] = (200, "application/pdf", pdf.read_bytes())


def test_add_by_arxiv_id_fetches_its_pdf_and_no_pdf_skips_it(home, web, fixtures_dir, pdfs):
    pdf = pdfs[PHRASE_FILE]
    arxiv_answers(web, fixtures_dir, pdf.path)
    skipped = run("add", "1706.03762", "--no-pdf")
    assert skipped.stdout == f"{KEY}\n" and "pdf:" not in skipped.stderr
    assert "https://arxiv.org/pdf/1706.03762" not in web.asked()
    added = run("add", "1706.03762")
    assert added.stdout == f"{KEY}\n"
    assert f"pdf: {home / 'files' / (KEY + '.pdf')} ({pdf.pages} pages, text indexed)" in added.stderr
    assert web.asked().count("https://arxiv.org/pdf/1706.03762") == 1
    assert KEY in run("search", pdf.phrase).stdout
    again = run("add", "1706.03762")  # it has its PDF: not fetched again
    assert "pdf:" not in again.stderr and web.asked().count("https://arxiv.org/pdf/1706.03762") == 1


def test_a_pdf_link_answering_a_login_page_stores_nothing_and_add_succeeds(home, web, pages_dir):
    page = (pages_dir / "neurips_proceedings_2017_attention_3f5ee243.html").read_bytes()
    url = "https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html"
    web.answers[url] = (200, "text/html; charset=utf-8", page)
    db_before = run("add", url)
    assert db_before.exit_code == 0, db_before.stderr
    [pdf_url] = [u for u in web.asked() if u.endswith(".pdf")]
    assert "pdf: not stored:" in db_before.stderr and "404" in db_before.stderr
    web.answers[pdf_url] = (200, "text/html", b"<!doctype html><title>Sign in</title>")
    again = run("pdfs", "fetch", "--missing")
    assert "not stored:" in again.stderr and "web page, not a PDF (a login page?)" in again.stderr
    assert again.stdout == "0 PDFs stored, 1 not\n"
    assert not (home / "files").exists() or list((home / "files").iterdir()) == []


def test_arxiv_pdfs_are_asked_for_once_every_3_seconds_as_arxiv_asks():
    assert net.MIN_INTERVAL["arxiv.org"] == net.MIN_INTERVAL["export.arxiv.org"] == 3.0


def test_pdfs_fetch_missing_waits_between_arxiv_requests(home, web, pdfs, monkeypatch):
    monkeypatch.setattr(net, "MIN_INTERVAL", {"arxiv.org": 0.6})  # the same rule, quicker
    db = open_db(home / "papershelf.db")
    for arxiv_id, name in (("0908.0054", "1001._0908.0054.pdf"), ("1905.00506", PHRASE_FILE)):
        store.save_paper(db, {"title": f"Paper {arxiv_id}", "authors": ["A Writer"],
                              "year": 2009, "arxiv_id": arxiv_id})
        web.answers[f"https://arxiv.org/pdf/{arxiv_id}"] = (
            200, "application/pdf", pdfs[name].path.read_bytes())
    result = run("pdfs", "fetch", "--missing")
    assert result.stdout == "2 PDFs stored, 0 not\n"
    times = [t for url, t in web.requests if url.startswith("https://arxiv.org/pdf/")]
    # Measured on arrival at the stub: the first request arrives a little after it was sent.
    assert len(times) == 2 and times[1] - times[0] >= 0.55
    assert run("pdfs", "fetch", "--missing").stdout == "0 PDFs stored, 0 not\n"
    assert len(web.requests) == 2


def test_a_pages_text_never_reaches_the_terminal_raw(library, pdfs):
    run("attach", KEY, str(pdfs[PHRASE_FILE].path))
    db = open_db(library / "papershelf.db")
    # Text the reader never cleaned (a PDF's text layer can hold anything): ESC, BEL, CSI.
    db.execute("update file_pages set text = ? where page = 3",
               ["see \x1b]0;retitled\x07 zanzibarite \x9b31m here"])
    out = run("search", "zanzibarite").stdout
    assert "zanzibarite" in out
    assert not any(c in out for c in "\x1b\x07\x9b") and "\\x1b" in out
