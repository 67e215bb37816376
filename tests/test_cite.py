"""Formatted references: `papershelf cite` and GET /api/papers/<id>/cite, through citeproc-py."""

import pytest
from click.testing import CliRunner

from papershelf.exports.references import StyleError, format_references, style_path
from papershelf.server import store
from papershelf.server.app import create_app
from papershelf.server.cli import cli

BASE = "http://127.0.0.1:5178"
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PAPERS = [
    {"title": "Attention Is All You Need", "authors": ["Ashish Vaswani", "Noam Shazeer"],
     "year": 2017, "published": "2017-06-12", "arxiv_id": "1706.03762",
     "url": "https://arxiv.org/abs/1706.03762", "entry_type": "preprint"},
    {"title": "Highly accurate protein structure prediction with AlphaFold",
     "authors": ["John Jumper", "Richard Evans"], "year": 2021, "venue": "Nature",
     "entry_type": "article", "doi": "10.1038/s41586-021-03819-2",
     "extra": {"volume": "596", "number": "7873", "pages": "583--589"}},
]


@pytest.fixture
def stored(db):
    return [store.save_paper(db, dict(fields)).paper for fields in PAPERS]


def test_apa_lists_by_author_and_ieee_as_cited(stored):
    vaswani, jumper = stored
    apa = format_references([vaswani, jumper], "apa")
    assert [r.citekey for r in apa] == [jumper["citekey"], vaswani["citekey"]]
    assert apa[0].text == ("Jumper, J., & Evans, R. (2021). Highly accurate protein structure"
                           " prediction with AlphaFold. Nature, 596(7873), 583–589."
                           " https://doi.org/10.1038/s41586-021-03819-2")
    assert apa[0].html.count("<i>") == 2  # the journal and its volume
    assert apa[1].text.startswith("Vaswani, A., & Shazeer, N. (2017). Attention Is All You Need")
    assert apa[1].text == ("Vaswani, A., & Shazeer, N. (2017). Attention Is All You Need"
                           " (arXiv:1706.03762). arXiv. https://arxiv.org/abs/1706.03762")
    ieee = format_references([vaswani, jumper], "ieee")
    assert [r.citekey for r in ieee] == [vaswani["citekey"], jumper["citekey"]]
    assert ieee[0].text.startswith("[1] A. Vaswani and N. Shazeer, “Attention Is All You Need”")


def test_html_is_escaped(db):
    paper = store.save_paper(db, {"title": "Why <script>alert(1)</script> & co",
                                  "authors": ["Ada Lovelace"], "year": 1843}).paper
    reference = format_references([paper], "apa")[0]
    assert "<script>" not in reference.html and "&lt;script&gt;" in reference.html
    assert "Why <script>alert(1)</script> & co" in reference.text


def test_dependent_styles_and_names_in_any_case(stored):
    nature_physics = format_references(stored[1:], "Nature-Physics")[0].text
    assert nature_physics.startswith("1. Jumper, J. & Evans, R. Highly accurate protein")
    for bad in ["", "no-such-style", "../apa", "apa.csl", None]:
        with pytest.raises(StyleError, match="unknown citation style"):
            style_path(bad)


def test_cite_command(db_path, stored):
    runner = CliRunner()
    vaswani, jumper = stored
    result = runner.invoke(cli, ["--db", str(db_path), "cite", vaswani["citekey"].upper(),
                                 jumper["citekey"], "--style", "chicago-author-date"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # citeproc-py initialises given names where Chicago itself would not.
    assert len(lines) == 2 and lines[0].startswith("Jumper, J., and R. Evans. 2021.")
    assert lines[1] == ("Vaswani, A., and N. Shazeer. 2017. “Attention Is All You Need”."
                        " arXiv:1706.03762. Preprint, arXiv, June 12."
                        " https://arxiv.org/abs/1706.03762.")
    html = runner.invoke(cli, ["--db", str(db_path), "cite", jumper["citekey"], "--html"])
    assert "<i>Nature</i>" in html.stdout
    partly = runner.invoke(cli, ["--db", str(db_path), "cite", jumper["citekey"], "nosuch\x1b[2J"])
    assert partly.exit_code == 1 and partly.stdout.startswith("Jumper, J.")
    assert partly.stderr.splitlines() == [
        "warning: no paper with key nosuch\\x1b[2J",
        "Error: 1 of 2 keys are not in the library"]
    bad = runner.invoke(cli, ["--db", str(db_path), "cite", jumper["citekey"], "--style", "x"])
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr.startswith("Error: unknown citation style 'x'")
    none = runner.invoke(cli, ["--db", str(db_path), "cite", "nosuch"])
    assert none.exit_code == 1 and none.stderr.endswith(
        "Error: none of these keys is in the library\n")


@pytest.fixture
def client(db_path, home):
    return create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "PORT": 5178,
                       "ENRICH": False}).test_client()


def test_api_cite(client, stored):
    jumper = stored[1]
    response = client.get(f"/api/papers/{jumper['id']}/cite", base_url=BASE, headers=AUTH)
    assert response.status_code == 200
    assert response.json == {
        "citekey": jumper["citekey"], "style": "apa",
        "text": format_references([jumper], "apa")[0].text,
        "html": format_references([jumper], "apa")[0].html}
    ieee = client.get(f"/api/papers/{jumper['id']}/cite?style=ieee", base_url=BASE, headers=AUTH)
    assert ieee.json["text"].startswith("[1] J. Jumper and R. Evans,")


@pytest.mark.parametrize("path, status, error", [
    ("/api/papers/{id}/cite?style=nope", 422, "unknown citation style 'nope'"),
    ("/api/papers/{id}/cite?style=../../etc/passwd", 422, "unknown citation style"),
    ("/api/papers/999999/cite", 404, "no paper with id 999999"),
])
def test_api_cite_errors_are_json(client, stored, path, status, error):
    response = client.get(path.format(id=stored[0]["id"]), base_url=BASE, headers=AUTH)
    assert response.status_code == status
    assert error in response.json["error"]


def test_api_cite_needs_the_token(client, stored):
    response = client.get(f"/api/papers/{stored[0]['id']}/cite", base_url=BASE)
    assert response.status_code == 401
