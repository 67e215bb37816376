"""The paper's PDF saved in the same click, in real Chromium and Firefox ESR against `papershelf serve`.

The arXiv abs fixture page is clipped; its PDF address (https://arxiv.org/pdf/1706.03762,
what the server gives an arXiv paper) is answered by the fixture-site proxy with one of the
real fixture PDFs, so the file stored must have that PDF's page count and its body text
must be found by `papershelf search`. A publisher's login page, the offline queue and a PDF
tab follow. The browser, the proxy and the server are conftest.py's fixtures.
"""

import subprocess
import sys

import pytest

from tests.browser_support import wait_for
from tests.extension_support import rows, screenshot
from tests.pdf_support import pdfs  # noqa: F401 (a fixture)
from tests.site_proxy import FixturePage

pytestmark = pytest.mark.browser

ABS = "https://arxiv.org/abs/1706.03762v7"
PDF_URL = "https://arxiv.org/pdf/1706.03762"
PDF_TAB = "https://arxiv.org/pdf/1706.03762v7"
KEY = "vaswani2017attention"
PDF_NAME = "1905.00506.pdf"  # 19 pages; its phrase of page 3 is in pdfs/README.md
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Institution</body></html>"


class CountedPage(FixturePage):
    """A fixture-site answer that records each time it is sent."""

    def __init__(self, content_type, body, sent):
        super().__init__(content_type, body=body)
        self.sent = sent

    def body(self):
        self.sent.append(1)
        return super().body()


class Publisher:
    """The PDF addresses of the fixture site, for one test: what each answers, how often."""

    def __init__(self, pages):
        self.pages = pages
        self.sent = {}
        self._before = dict(pages)

    def answer(self, url, content_type, body):
        self.sent[url] = []
        self.pages[url] = CountedPage(content_type, body, self.sent[url])

    def downloads(self, url):
        return len(self.sent.get(url, []))

    def restore(self):
        self.pages.clear()
        self.pages.update(self._before)


@pytest.fixture
def publisher(fixture_site, pdfs):
    publisher = Publisher(fixture_site.pages)
    publisher.answer(PDF_URL, "application/pdf", pdfs[PDF_NAME].path.read_bytes())
    yield publisher
    publisher.restore()


def stored_files(server):
    return rows(server.db_path, "select paper_id, pages, text, url from files order by id")


def pdf_line(popup, text):
    """Wait until the popup's PDF line starts with text; return the line."""
    popup.wait_for_function(
        "(text) => document.querySelector('#pdf-status').textContent.startsWith(text)", arg=text)
    return popup.locator("#pdf-status").inner_text()


def search(server, phrase):
    return subprocess.run([sys.executable, "-m", "papershelf.server.cli", "search", phrase],
                          capture_output=True, text=True, timeout=60,
                          env={"PAPERSHELF_HOME": str(server.home)})


def test_a_clip_saves_the_pdf_and_its_text_is_searchable(extension, publisher, papershelf, pdfs):
    pdf = pdfs[PDF_NAME]
    _, tab = extension.open_tab(ABS)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert pdf_line(popup, "PDF saved") == f"PDF saved ({pdf.pages} pages)"
    screenshot(popup, f"{extension.name}_popup_pdf_saved.png")
    [paper] = rows(papershelf.db_path, "select id, citekey from papers")
    assert paper["citekey"] == KEY
    assert stored_files(papershelf) == [
        {"paper_id": paper["id"], "pages": pdf.pages, "text": stored_files(papershelf)[0]["text"],
         "url": PDF_URL}]
    assert publisher.downloads(PDF_URL) == 1
    stored = papershelf.home / "files" / f"{KEY}.pdf"
    assert stored.read_bytes() == pdf.path.read_bytes()
    wait_for(lambda: stored_files(papershelf)[0]["text"] == "indexed", timeout=60,
             what="the server to index the PDF")
    found = search(papershelf, pdf.phrase)
    assert found.returncode == 0 and found.stdout.startswith(KEY), found.stdout + found.stderr
    assert "p. 3:" in found.stdout


def test_a_login_page_instead_of_the_pdf_is_said_and_nothing_is_stored(extension, publisher, papershelf):
    publisher.answer(PDF_URL, "text/html", LOGIN_PAGE)
    _, tab = extension.open_tab(ABS)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert pdf_line(popup, "PDF not saved") == "PDF not saved: the publisher returned a login page"
    screenshot(popup, f"{extension.name}_popup_pdf_login_page.png")
    assert stored_files(papershelf) == []
    assert extension.queue() == []


def test_offline_the_pdf_follows_its_clip_once_the_server_is_back(extension, publisher, papershelf, pdfs):
    papershelf.stop()
    page, tab = extension.open_tab(ABS)
    popup = extension.popup_for(tab)
    popup.locator("#queued:not([hidden])").wait_for()
    assert publisher.downloads(PDF_URL) == 0  # no paper yet, no PDF address yet

    papershelf.start()
    page.reload()  # the next visit drains the queue: the clip, then its PDF
    wait_for(lambda: extension.queue() == [] and len(stored_files(papershelf)) == 1,
             timeout=30, what="the clip and its PDF to arrive")
    extension.evaluate("() => chrome.runtime.sendMessage({type: 'drain'})")
    assert len(stored_files(papershelf)) == 1 and publisher.downloads(PDF_URL) == 1

    again = extension.popup_for(extension.open_tab(ABS)[1])
    again.locator("#saved:not([hidden])").wait_for()
    assert pdf_line(again, "PDF already") == f"PDF already in your library ({pdfs[PDF_NAME].pages} pages)"
    assert publisher.downloads(PDF_URL) == 1  # not downloaded again
    assert len(rows(papershelf.db_path, "select id from papers")) == 1


def test_a_pdf_tab_of_a_known_paper_saves_that_pdf(extension, publisher, papershelf, pdfs, pages_dir):
    html = (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")
    assert papershelf.request("POST", "/api/clip", {"url": ABS, "html": html})[0] == 201
    pdf = pdfs["1001._0908.0054.pdf"]
    publisher.answer(PDF_TAB, "application/pdf", pdf.path.read_bytes())
    _, tab = extension.open_tab(PDF_TAB)
    popup = extension.popup_for(tab)
    popup.locator("#saved:not([hidden])").wait_for()
    assert popup.locator("#saved-headline").inner_text() == "Already in your library"
    assert pdf_line(popup, "PDF saved") == f"PDF saved ({pdf.pages} pages)"
    assert [(f["pages"], f["url"]) for f in stored_files(papershelf)] == [(pdf.pages, PDF_TAB)]
