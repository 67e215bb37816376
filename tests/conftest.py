"""Shared test fixtures: the recorded fixtures folder, databases, the Flask app."""

import os
from pathlib import Path

import pytest

from papershelf.server import net
from papershelf.server.schema import open_db
from tests.browser_support import BROWSERS

REPO = Path(__file__).resolve().parent.parent


def _fixtures_dir():
    return Path(os.environ.get("PAPERSHELF_FIXTURES") or REPO.parent / "shared" / "fixtures")


@pytest.fixture(scope="session")
def fixtures_dir():
    """The shared recorded fixtures (pages, API responses, .bib files); required under CI."""
    path = _fixtures_dir()
    if not (path / "pages").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"fixtures folder {path} is missing (set PAPERSHELF_FIXTURES)")
        pytest.skip(f"fixtures folder {path} not found: set PAPERSHELF_FIXTURES to run this test")
    return path


@pytest.fixture
def pages_dir(fixtures_dir):
    return fixtures_dir / "pages"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh PAPERSHELF_HOME for the test."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("PAPERSHELF_HOME", str(path))
    return path


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "papershelf.db"


@pytest.fixture
def db(db_path):
    """A migrated database in a temporary file (WAL, like the real one)."""
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def upstream(fixtures_dir, monkeypatch):
    """Recorded arXiv, Crossref, Semantic Scholar and OpenAlex on 127.0.0.1 (tests/upstream.py).

    No rate-limit waits; retry waits are recorded in upstream.waits instead of slept.
    """
    from tests.upstream import UpstreamStub, serving

    stub = UpstreamStub(fixtures_dir)
    stub.waits = []
    with serving(stub) as url:
        monkeypatch.setenv("PAPERSHELF_UPSTREAM", url)
        monkeypatch.setattr(net, "MIN_INTERVAL", {})
        monkeypatch.setattr(net, "_sleep", stub.waits.append)
        yield stub


# ---- the real browsers with the extension (see tests/browser_support.py) ----------------

@pytest.fixture(scope="session")
def fixture_site(fixtures_dir):
    """The proxy both browsers use: arxiv.org, huggingface.co... answered from fixture pages."""
    from tests.extension_support import fixture_site_pages
    from tests.site_proxy import FixtureSiteProxy

    with FixtureSiteProxy(fixture_site_pages(fixtures_dir / "pages")) as proxy:
        yield proxy


@pytest.fixture(scope="module", params=BROWSERS)
def browser(request, tmp_path_factory, fixture_site):
    """One browser with the extension for the module, once in Chromium and once in Firefox.

    An Extension (tests/extension_support.py); `browser.name` is "chromium" or "firefox".
    """
    from tests.browser_support import start_browser
    from tests.extension_support import EXTENSION_DIR, Extension

    profile = tmp_path_factory.mktemp(f"profile-{request.param}")
    driver = start_browser(request.param, profile, EXTENSION_DIR, proxy=fixture_site.address)
    try:
        yield Extension(driver)
    finally:
        driver.stop()


@pytest.fixture
def papershelf(home):
    """A running `papershelf serve` (offline, no Datasette) with this test's home."""
    from tests.servers import running_papershelf

    with running_papershelf(home) as server:
        yield server


@pytest.fixture
def extension(browser, papershelf):
    """The browser's extension set up for this test's server; its tabs are closed afterwards."""
    browser.configure(papershelf.api_url, papershelf.token)
    yield browser
    browser.close_tabs()
