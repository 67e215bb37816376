"""The paper page and the library home in real Chromium: charts drawn, copy works, screenshots."""


import pytest

from tests.browser_support import launch_browser
from tests.library_of_fixtures import build_fixture_library
from tests.servers import running_datasette
from tests.test_datasette_live import ARTIFACTS, get_json

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}
CHARTS = ["added", "status", "year", "source", "venue"]
DRAWN = ("() => [...document.querySelectorAll('.dashboard-card-chart')]"
         ".every(chart => chart.querySelector('svg .mark-rect, svg .mark-arc'))")


@pytest.fixture(scope="module")
def served(tmp_path_factory, fixtures_dir):
    """Datasette as papershelf starts it, over the fixture library; yields (port, library)."""
    folder = tmp_path_factory.mktemp("served-pages")
    db_path = folder / "papershelf.db"
    built = build_fixture_library(db_path, fixtures_dir)
    with running_datasette(db_path, folder) as port:
        yield port, built


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url, **context_options):
    """Open url in a fresh 1400x1000 page; return (page, console errors seen)."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, errors


def test_the_home_draws_every_chart(served, browser):
    port, built = served
    page, errors = open_page(browser, f"http://127.0.0.1:{port}/")
    page.wait_for_function(DRAWN, timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "datasette-home.png"))
    for chart in CHARTS:
        assert page.locator(f"#chart-1-{chart} svg").count() == 1, chart
    rows = get_json(port, "/papershelf.json?_shape=objects&sql="
                    "select+count(distinct+year)+as+n+from+papers")["rows"]
    assert page.locator("#chart-1-year svg .mark-rect path").count() == rows[0]["n"]
    # unread, reading, read: one slice each
    assert page.locator("#chart-1-status svg .mark-arc path").count() == 3
    assert errors == []
    page.context.close()


def test_a_bar_opens_the_papers_it_counts(served, browser):
    port, _ = served
    page, errors = open_page(browser, f"http://127.0.0.1:{port}/")
    page.wait_for_function(DRAWN, timeout=20_000)
    page.locator("#chart-1-source svg .mark-rect path").first.click()
    page.wait_for_url("**/papershelf/papers?source=arxiv.org")
    count = get_json(port, "/papershelf/papers.json?source=arxiv.org&_size=1")[
        "filtered_table_rows_count"]
    assert f"{count:,} rows" in page.locator("h3").first.inner_text()
    assert errors == []
    page.context.close()


def test_the_paper_page_copies_its_bibtex(served, browser):
    port, built = served
    paper = built["attention"]
    page, errors = open_page(browser, f"http://127.0.0.1:{port}/papershelf/papers/{paper['id']}",
                             permissions=["clipboard-read", "clipboard-write"])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "datasette-paper.png"))
    assert page.locator("h1").inner_text() == paper["title"]
    assert page.locator(".paper-abstract p").is_visible()
    assert page.locator(".paper-similar li").count() > 0
    page.locator("button[data-copy='paper-bibtex']").click()
    page.wait_for_function("document.querySelector(\"button[data-copy='paper-bibtex']\")"
                           ".textContent == 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#paper-bibtex").text_content()
    assert copied.startswith(f"@inproceedings{{{paper['citekey']},")
    assert errors == []
    page.context.close()
