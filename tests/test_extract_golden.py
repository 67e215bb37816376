"""Golden tests: every saved page against the expected fields written by reading it.

A golden file holds the URL the page was clipped from and, per paper, the fields
the extractor must produce. Each listed field is compared exactly (None means
"must be absent"); long abstracts are checked by their first and last sentences,
long author lists by count, head and tail; `extra` is compared key by key.
"""

import json
from pathlib import Path

import pytest

from papershelf.server.extractors import extract

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))


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
    html = (pages_dir / expected["page"]).read_text(encoding="utf-8")
    result = extract(expected["url"], html)
    assert result.error == expected.get("error", "")
    assert result.listing == expected.get("listing", False)
    if "count" in expected:
        assert len(result.papers) == expected["count"]
        for index, candidate in expected["candidates"].items():
            check_paper(result.papers[int(index)], candidate, f"candidate {index}")
        by_id = {p["arxiv_id"]: p for p in result.papers}
        for arxiv_id, title in expected.get("titles_with_math", {}).items():
            assert by_id[arxiv_id]["title"] == title
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
