"""Helpers for the extension's real-browser tests: fixture sites, extension pages, the database."""

import sqlite3
from pathlib import Path

from tests.site_proxy import FixturePage

REPO = Path(__file__).resolve().parent.parent
EXTENSION_DIR = REPO / "extension"
ARTIFACTS = REPO / "test-artifacts"

# Public addresses the tests visit, answered from the recorded fixture pages.
SITE = {
    "https://arxiv.org/abs/1706.03762v7": "arxiv_abs_1706.03762v7_2026.html",
    "https://arxiv.org/abs/1706.03762": "arxiv_abs_1706.03762v7_2026.html",
    "https://huggingface.co/papers": "hf_daily_papers_constructed.html",
    "https://huggingface.co/papers/2407.07061": "hf_paper_2407.07061_constructed.html",
}
PDFS = {"https://arxiv.org/pdf/1706.03762v7"}
# The project's own saved pages (tests/fixtures/pages), for the listings #12 reads.
PROJECT_PAGES = REPO / "tests" / "fixtures" / "pages"
PROJECT_SITE = {
    "https://dl.acm.org/doi/abs/10.1145/3371158.3371232":
        "acm_article_10.1145-3371158.3371232.html",
    "https://dl.acm.org/action/doSearch": "acm_search_ml-nlp.html",
    "https://dblp.uni-trier.de/pers/hd/c/Clauset:Aaron": "dblp_person_aaron-clauset.html",
}


def _minimal_pdf():
    """Return a valid one-page PDF (the browser's viewer opens it)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


MINIMAL_PDF = _minimal_pdf()


def fixture_site_pages(pages_dir, site=None, pdfs=None):
    """Return the fixture-site proxy's table: SITE answered from pages_dir, PDFS with a PDF."""
    table = {url: FixturePage("text/html; charset=utf-8", path=pages_dir / name)
             for url, name in (SITE if site is None else site).items()}
    if site is None:
        table.update({url: FixturePage("text/html; charset=utf-8", path=PROJECT_PAGES / name)
                      for url, name in PROJECT_SITE.items()})
    pdf = FixturePage("application/pdf", body=MINIMAL_PDF)
    table.update({url: pdf for url in (PDFS if pdfs is None else pdfs)})
    return table


# Waits until the background answers messages (its listeners are registered).
_BACKGROUND_READY = """async () => {
    try { await chrome.runtime.sendMessage({type: "queue"}); return true; } catch { return false; }
}"""


class Extension:
    """The extension in one browser: its pages, and a page of its own to call extension APIs in.

    `driver` is a browser driver of tests/browser_support.py; `name` is its browser's name.
    """

    def __init__(self, driver):
        self.driver = driver
        self.name = driver.name
        self._page = None

    def url(self, path):
        return self.driver.extension_url(path)

    @property
    def page(self):
        """An extension page (the options page) in which chrome.* APIs can be evaluated."""
        if self._page is None or self._page.is_closed():
            self._page = self.open_options()
            self._page.wait_for_function(_BACKGROUND_READY)
        return self._page

    def open_options(self):
        """Open the options page and wait until it has loaded the settings."""
        page = self.driver.open_extension_page("options/options.html")
        page.locator("body[data-ready]").wait_for(state="attached")
        return page

    def evaluate(self, script, arg=None):
        return self.page.evaluate(script, arg)

    def configure(self, server_url, token):
        """Store the settings under the contract's keys, with an empty queue and no alarm."""
        self.evaluate("""async (s) => {
            await chrome.storage.local.clear();
            await chrome.storage.local.set(s);
            await chrome.alarms.clearAll();
        }""", {"serverUrl": server_url, "token": token})

    def queue(self):
        return self.evaluate("async () => (await chrome.storage.local.get('queue')).queue || []")

    def badge(self, tab_id):
        return self.evaluate("(tabId) => chrome.action.getBadgeText({tabId})", tab_id)

    def tab_id(self, url):
        """Return the id of the newest tab showing url."""
        newest = "async (url) => Math.max(...(await chrome.tabs.query({url})).map((t) => t.id))"
        return self.evaluate(newest, url)

    def open_tab(self, url):
        """Open url in a new tab; return (page, tab id)."""
        page = self.driver.new_page()
        page.goto(url)
        return page, self.tab_id(url)

    def popup_for(self, tab_id, width=380):
        """Open popup.html?tabId=N as a page: it acts on tab N as the toolbar popup does."""
        popup = self.driver.open_extension_page(f"popup/popup.html?tabId={tab_id}")
        popup.set_viewport_size({"width": width, "height": 600})
        return popup

    def close_tabs(self):
        """Close every tab but the extension page used for evaluating."""
        for page in self.driver.pages:
            if page != self._page:
                page.close()


def screenshot(page, name):
    """Save a screenshot of the page's content under test-artifacts/ (kept out of git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.locator("body").screenshot(path=str(path))
    return path


def rows(db_path, sql, params=()):
    """Return query results from the server's SQLite file as dicts."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()
