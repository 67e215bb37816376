"""Datasette as papershelf starts it, on a real port: Host checks, live writes, a real browser."""

import http.client
import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from papershelf.server import store
from papershelf.server.datasette.launch import datasette_argv
from papershelf.server.schema import open_db
from tests.browser_support import launch_browser
from tests.servers import free_port, running_datasette, running_papershelf, wait_for_url
from tests.test_datasette import build_library, library_papers

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Datasette started with datasette_argv over a 200-paper library; yields (port, db, papers)."""
    folder = tmp_path_factory.mktemp("served")
    db_path = folder / "papershelf.db"
    papers = build_library(db_path, library_papers())
    with running_datasette(db_path, folder) as port:
        yield port, db_path, papers


def raw_get(port, path, host):
    """GET path with exactly this Host header; return (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


def test_argv_serves_mutable_on_loopback(served):
    port, db_path, _ = served
    argv = datasette_argv(db_path, port)
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and "-i" not in argv
    databases = get_json(port, "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("papershelf", True)]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}",
                                  "[::1]:{port}"])
def test_loopback_hosts_are_served(served, host):
    port = served[0]
    status, body = raw_get(port, "/papershelf/papers.json?_size=1", host.format(port=port))
    assert status == 200 and json.loads(body)["filtered_table_rows_count"] == len(served[2])


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "localhost",
                                  "127.0.0.1:{other}", "localhost.evil.example:{port}",
                                  "127.0.0.1.nip.io:{port}", "0.0.0.0:{port}", ""])
def test_dns_rebinding_hosts_are_refused(served, host):
    port = served[0]
    status, body = raw_get(port, "/papershelf/papers.json", host.format(port=port, other=port + 1))
    assert status == 403
    assert "another host" in body and "rows" not in body


def test_writes_show_up_at_once(served):
    port, db_path, _ = served
    assert get_json(port, "/papershelf/papers.json?_search=ammonite")["rows"] == []
    db = open_db(db_path)
    try:
        paper = store.save_paper(db, {"title": "Ammonite shells as optimisers",
                                      "authors": ["Mary Anning"], "year": 1824}).paper
        found = get_json(port, "/papershelf/papers.json?_search=ammonite&_shape=objects")["rows"]
        assert [(r["id"], r["citekey"]) for r in found] == [(paper["id"], paper["citekey"])]
        store.update_paper(db, paper["id"], tags=["fossils"])
        row = get_json(port, f"/papershelf/papers/{paper['id']}.json?_shape=objects")["rows"][0]
        assert json.loads(row["tags"]) == ["fossils"]
    finally:
        db.close()


def test_clip_through_the_api_appears_in_datasette(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with running_papershelf(home, datasette=True) as server:
        status, body = server.request("POST", "/api/papers", {
            "title": "Trilobite vision revisited", "authors": ["Riccardo Levi-Setti"],
            "year": 1993, "arxiv_id": "9301.00001", "tags": ["fossils"]})
        assert status == 200, body
        paper = body["results"][0]["paper"]
        rows = get_json(server.datasette_port, "/papershelf/papers.json?_shape=objects")["rows"]
        assert [(r["id"], r["title"]) for r in rows] == [(paper["id"], paper["title"])]
        status, _ = raw_get(server.datasette_port, "/", f"evil.example:{server.datasette_port}")
        assert status == 403


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_papershelf_datasette_opens_the_library_alone(tmp_path, stop):
    db_path = tmp_path / "reading-list.db"
    papers = build_library(db_path, library_papers(5))
    port = free_port()
    log_path = tmp_path / "cli.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "papershelf.server.cli", "--db", str(db_path), "datasette", "--port",
             str(port)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_url(f"http://127.0.0.1:{port}/-/versions.json", process, log_path)
        rows = get_json(port, "/reading-list/papers.json?_shape=objects")["rows"]
        assert sorted(r["citekey"] for r in rows) == sorted(p["citekey"] for p in papers)
        process.send_signal(stop)  # to the command only: it must stop Datasette itself
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
    assert f"Datasette: http://127.0.0.1:{port}/reading-list/papers" in log_path.read_text()


@pytest.mark.browser
def test_browser_searches_and_facets_the_library(served):
    from playwright.sync_api import sync_playwright

    port, _, papers = served
    expected = [p for p in papers if "diffusion" in (p["title"] + p["abstract"]).lower()
                and "nlp" in p["tags"]]
    assert 0 < len(expected) < 50  # one page
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/papershelf/papers")
            page.fill("input#_search", "diffusion")
            page.press("input#_search", "Enter")
            page.wait_for_url("**_search=diffusion**")
            page.locator('#facet-tags a:text-is("nlp")').click()
            page.wait_for_url("**_tag=nlp**")
            page.screenshot(path=str(ARTIFACTS / "datasette-library.png"))
            rows = page.locator("table.rows-and-columns tbody tr")
            assert rows.count() == len(expected)
            shown_ids = {int(t) for t in rows.locator("td.col-id").all_inner_texts()}
            assert shown_ids == {p["id"] for p in expected}
            first = rows.first
            newest = max(expected, key=lambda p: p["id"])
            assert first.locator("td.col-title a").inner_text() == newest["title"]
            assert first.locator("td.col-authors li a").all_inner_texts() == newest["authors"]
            assert first.locator("td.col-tags a.papershelf-tag").all_inner_texts() == newest["tags"]
            assert '["' not in page.locator("table.rows-and-columns").inner_text()
            # The table is wider than the window: show its right-hand columns too.
            first.locator("td.col-tags").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "datasette-library-tags.png"))
        finally:
            browser.close()

