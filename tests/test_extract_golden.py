"""Golden tests: every saved page against the expected fields written by reading it.

A golden file holds the URL the page was clipped from and, per paper, the fields
the extractor must produce. Each listed field is compared exactly (None means
"must be absent"); long abstracts are checked by their first and last sentences,
long author lists by count, head and tail; `extra` is compared key by key.
tests/golden/*.json cover the shared pages (PAPERSHELF_FIXTURES); tests/golden/pages/
cover the project's own saved pages in tests/fixtures/pages/, read as the bytes saved.
"""

import hashlib
import json
import re
from pathlib import Path

import pytest

from papershelf.server.extractors import extract

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
PAGES = Path(__file__).parent / "fixtures" / "pages"
PAGE_GOLDEN_FILES = sorted((GOLDEN / "pages").glob("*.json"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def check_paper(actual, expected, where):
    for key, value in expected.items():
        if key == "abstract_starts":
            assert (actual.get("abstract") or "").startswith(value), f"{where}: abstract start"
        elif key == "abstract_ends":
            assert (actual.get("abstract") or "").endswith(value), f"{where}: abstract end"
        elif key == "authors_count":
            assert len(actual.get("authors") or []) == value, f"{where}: number of authors"
        elif key == "authors_head":
            assert actual["authors"][:len(value)] == value, f"{where}: first authors"
        elif key == "authors_tail":
            assert actual["authors"][-len(value):] == value, f"{where}: last authors"
        elif key == "extra":
            extra = actual.get("extra") or {}
            for name, wanted in value.items():
                assert extra.get(name) == wanted, f"{where}: extra.{name}"
        else:
            assert actual.get(key) == value, f"{where}: {key}"


def test_every_fixture_page_has_a_golden_file(pages_dir):
    pages = {p.name for p in pages_dir.glob("*.html")}
    covered = {load(path)["page"] for path in GOLDEN_FILES}
    assert pages == covered


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=lambda p: p.stem)
def test_golden_page(golden, pages_dir):
    expected = load(golden)
    check_page(expected, (pages_dir / expected["page"]).read_text(encoding="utf-8"))


def test_every_project_page_has_a_golden_file_and_a_source():
    pages = {p.name for p in PAGES.glob("*.html")}
    assert pages == {load(path)["page"] for path in PAGE_GOLDEN_FILES}
    listed = re.findall(r"^\| (\S+\.html) \|", (PAGES / "SOURCES.md").read_text(encoding="utf-8"),
                        re.MULTILINE)
    assert sorted(listed) == sorted(pages)


def test_project_pages_are_the_bytes_their_sources_hold():
    """Each page hashes to the git blob its SOURCES row names: nobody edited it."""
    rows = re.findall(r"^\| (\S+\.html) \|.*? \| (\d+) \| ([0-9a-f]{40}) \|",
                      (PAGES / "SOURCES.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(rows) == len(list(PAGES.glob("*.html")))
    for name, size, blob in rows:
        data = (PAGES / name).read_bytes()
        assert len(data) == int(size), name
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob, name


@pytest.mark.parametrize("golden", PAGE_GOLDEN_FILES, ids=lambda p: p.stem)
def test_project_golden_page(golden):
    expected = load(golden)
    html = (PAGES / expected["page"]).read_bytes()
    if "encoding" in expected:  # the saver re-encoded the page without fixing its <meta charset>
        html = html.decode(expected["encoding"])
    check_page(expected, html)


def check_page(expected, html):
    result = extract(expected["url"], html)
    assert result.error == expected.get("error", "")
    if "extractor" in expected:
        assert result.extractor == expected["extractor"]
    assert result.listing == expected.get("listing", False)
    if "count" in expected:
        assert len(result.papers) == expected["count"]
        for index, candidate in expected["candidates"].items():
            check_paper(result.papers[int(index)], candidate, f"candidate {index}")
        if "titles" in expected:  # every title the listing shows, in order
            assert [p.get("title") for p in result.papers] == expected["titles"]
        by_id = {p.get("arxiv_id"): p for p in result.papers}
        for arxiv_id, title in expected.get("titles_with_math", {}).items():
            assert by_id[arxiv_id]["title"] == title
        assert all(p.get("title") for p in result.papers)
        return
    assert len(result.papers) == len(expected["papers"])
    for actual, wanted in zip(result.papers, expected["papers"]):
        check_paper(actual, wanted, expected["page"])


def test_acl_pages_agree_with_papis(pages_dir):
    """Title, authors, year and DOI agree with papis's expected parse of the same pages."""
    for stem in ("acl_2021.naacl-main.208", "acl_N04-1001"):
        papis = json.loads((pages_dir / f"{stem}.papis_expected.json").read_text(encoding="utf-8"))
        html = (pages_dir / f"{stem}.html").read_text(encoding="utf-8")
        paper = extract(papis["url"], html).papers[0]
        assert paper["title"] == papis["title"]
        assert paper["authors"] == [f"{a['given']} {a['family']}" for a in papis["author_list"]]
        assert paper["year"] == int(papis["year"])
        assert paper.get("doi") == (papis["doi"].lower() if "doi" in papis else None)
        assert paper["pdf_url"] == papis["pdf_url"]
