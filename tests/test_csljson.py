"""CSL-JSON export: the items, the official schema, the command, auto-export and Datasette."""

import json

import jsonschema
import pytest
from click.testing import CliRunner

from papershelf.exports.autoexport import parse_target, run_target
from papershelf.exports.csljson import csl_date, csl_item, csl_name, export_csl_json
from papershelf.server import store
from papershelf.server.cli import cli
from papershelf.server.schema import open_db
from tests.citing_support import CSL_SCHEMA, MANUSCRIPTS, build_library
from tests.test_datasette import build_library as build_datasette_library
from tests.test_datasette import get, library_datasette, library_papers

PREPRINT = {
    "citekey": "vaswani2017attention", "title": "Attention Is All You Need",
    "authors": ["Ashish Vaswani", "Ludwig van Beethoven", "van Zeppelin, Jr, Ferdinand",
                "Google DeepMind"],
    "year": 2017, "published": "2017-06-12", "arxiv_id": "1706.03762", "arxiv_category": "cs.CL",
    "url": "https://arxiv.org/abs/1706.03762", "entry_type": "preprint", "tags": ["nlp"],
    "status": "read", "code_url": "https://github.com/tensorflow/tensor2tensor",
    "abstract": "The dominant sequence transduction models...", "extra": {"comments": "15 pages"},
}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors_of(validator, items):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(items)]


@pytest.fixture(scope="module")
def fixture_library(tmp_path_factory, fixtures_dir):
    """Every fixture page, xampl.bib, biblatex-examples.bib and the manuscripts' .bib files."""
    path = tmp_path_factory.mktemp("csl") / "papershelf.db"
    db = build_library(open_db(path), fixtures_dir, extra_bibs=["biblatex-examples.bib"])
    yield path, db
    db.close()


def test_a_preprint_is_an_article_numbered_by_arxiv_with_our_fields_under_custom(validator):
    item = csl_item(PREPRINT)
    assert item == {
        "id": "vaswani2017attention", "type": "article", "title": "Attention Is All You Need",
        "author": [{"family": "Vaswani", "given": "Ashish"},
                   {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
                   {"family": "Zeppelin", "given": "Ferdinand", "non-dropping-particle": "van",
                    "suffix": "Jr"},
                   {"literal": "Google DeepMind"}],
        "issued": {"date-parts": [[2017, 6, 12]]},
        "number": "arXiv:1706.03762", "publisher": "arXiv",
        "URL": "https://arxiv.org/abs/1706.03762",
        "abstract": "The dominant sequence transduction models...",
        "custom": {"tags": ["nlp"], "status": "read",
                   "code_url": "https://github.com/tensorflow/tensor2tensor",
                   "arxiv_id": "1706.03762", "arxiv_category": "cs.CL"},
    }
    assert errors_of(validator, [item]) == []


def test_journal_and_conference_papers_carry_container_volume_issue_pages():
    article = csl_item({
        "citekey": "jumper2021highly", "title": "Highly accurate protein structure prediction",
        "authors": ["John Jumper"], "year": 2021, "published": "2021-07-15",
        "venue": "Nature", "entry_type": "article", "doi": "10.1038/s41586-021-03819-2",
        "extra": {"volume": "596", "number": "7873", "pages": "583--589",
                  "publisher": "Nature Publishing Group", "issn": "0028-0836"}})
    assert {k: article[k] for k in ("type", "container-title", "volume", "issue", "page",
                                    "publisher", "ISSN", "DOI", "issued")} == {
        "type": "article-journal", "container-title": "Nature", "volume": "596",
        "issue": "7873", "page": "583-589", "publisher": "Nature Publishing Group",
        "ISSN": "0028-0836", "DOI": "10.1038/s41586-021-03819-2",
        "issued": {"date-parts": [[2021, 7, 15]]}}
    paper = csl_item({"citekey": "k", "title": "T", "entry_type": "inproceedings", "year": 2021,
                      "venue": "Proceedings of NAACL", "extra": {"address": "Online",
                                                                  "editor": ["Anna Rogers"]}})
    assert (paper["type"], paper["container-title"], paper["publisher-place"],
            paper["editor"]) == ("paper-conference", "Proceedings of NAACL", "Online",
                                 [{"family": "Rogers", "given": "Anna"}])


@pytest.mark.parametrize("entry_type, extra, expected", [
    ("phdthesis", {"school": "MIT"}, {"type": "thesis", "genre": "PhD thesis", "publisher": "MIT"}),
    ("thesis", {"type": "mathesis", "institution": "ETH"},
     {"type": "thesis", "genre": "Master's thesis", "publisher": "ETH"}),
    ("techreport", {"institution": "CMU", "number": "TR-7"},
     {"type": "report", "publisher": "CMU", "number": "TR-7"}),
    ("incollection", {"booktitle": "Handbook"}, {"type": "chapter", "container-title": "Handbook"}),
    ("book", {"booktitle": "ignored for a book", "edition": "2"}, {"type": "book", "edition": "2"}),
    ("webpage", {}, {"type": "webpage"}),
    ("misc", {}, {"type": "document"}),
    ("unpublished", {}, {"type": "manuscript"}),
    ("", {}, {"type": "document"}),
])
def test_entry_types_map_onto_csl_types(entry_type, extra, expected, validator):
    item = csl_item({"citekey": "k", "title": "T", "entry_type": entry_type, "extra": extra})
    assert {k: item.get(k) for k in expected} == expected
    assert "container-title" in item or "container-title" not in expected
    assert errors_of(validator, [item]) == []


def test_an_article_without_journal_but_with_arxiv_id_is_a_preprint():
    item = csl_item({"citekey": "k", "title": "T", "entry_type": "article", "arxiv_id": "2401.1"})
    assert (item["type"], item["number"]) == ("article", "arXiv:2401.1")


def test_dates_and_names():
    assert csl_date("2024-03-05", 2024) == {"date-parts": [[2024, 3, 5]]}
    assert csl_date("2024-03", None) == {"date-parts": [[2024, 3]]}
    # A first arXiv version of 2016 does not date the 2017 publication.
    assert csl_date("2016-11-30", 2017) == {"date-parts": [[2017]]}
    assert csl_date(None, None) is None
    assert csl_name("Charles Louis de la Vallée Poussin") == {
        "family": "Vallée Poussin", "given": "Charles Louis", "non-dropping-particle": "de la"}
    assert csl_name("The ATLAS Collaboration") == {"literal": "The ATLAS Collaboration"}
    assert csl_name("Plato") == {"family": "Plato"}


def test_names_imported_from_bibtex_keep_their_braced_words(db, tmp_path):
    bib = tmp_path / "names.bib"
    bib.write_text("@book{vazques, author = {V{\\'a}zques{ de }Parga, Luis and "
                   "{Barnes and Noble}}, title = {Las Peregrinaciones}, year = 1993}\n")
    from papershelf.exports.bibimport import import_file

    import_file(db, bib)
    item = json.loads(export_csl_json(db).text)[0]
    assert item["author"] == [{"family": "Vázques de Parga", "given": "Luis"},
                              {"literal": "Barnes and Noble"}]


def test_the_whole_fixture_library_validates_against_the_csl_schema(fixture_library, validator):
    _, db = fixture_library
    result = export_csl_json(db)
    items = json.loads(result.text)
    count = db.execute("select count(*) from papers").fetchone()[0]
    assert result.count == len(items) == count >= 150
    assert errors_of(validator, items) == []
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), key=str.casefold)
    types = {i["type"] for i in items}
    assert {"article", "article-journal", "paper-conference", "book", "chapter", "thesis",
            "report"} <= types
    # One item per line, byte-identical on a second export.
    assert result.text.count("\n") == len(items) + 2
    assert export_csl_json(db).text == result.text


def test_export_command_writes_the_file_once_and_reports_unknown_keys(fixture_library,
                                                                      tmp_path, validator):
    path, _ = fixture_library
    manuscript = tmp_path / "draft.md"
    manuscript.write_text("---\ntitle: Draft\n---\n\nAs @vaswani2017attention showed"
                          " [@knuth:ct; @nosuch2020, p. 3].\n\nAgain @Knuth:ct.\n")
    out = tmp_path / "refs.json"
    runner = CliRunner()
    args = ["--db", str(path), "export", "csl-json", "-o", str(out), "--cited-in", str(manuscript)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    items = json.loads(out.read_text())
    assert [i["id"] for i in items] == ["knuth:ct", "vaswani2017attention"]
    assert errors_of(validator, items) == []
    assert result.stderr.splitlines() == [
        f"{manuscript}:5: warning: no paper with key nosuch2020",
        (f"{manuscript}:7: warning: key Knuth:ct is knuth:ct in the library"
         " (Pandoc and Biber match keys case by case)"),
        f"2 entries written: {out}"]
    mtime = out.stat().st_mtime_ns
    again = runner.invoke(cli, args)
    assert "2 entries unchanged" in again.stderr and out.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".refs.json.*"))  # no temporary file left behind


def test_every_export_takes_cited_in(fixture_library, tmp_path):
    path, _ = fixture_library
    manuscript = MANUSCRIPTS / "quarto_elsevier_template.qmd"
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["--db", str(path), "export", *args, "--cited-in",
                                     str(manuscript)])
        assert result.exit_code == 0, result.output
        assert "warning" not in result.stderr  # its @fig- and @tbl- are no citations
        return result.stdout

    cited = ["Dirac1953888", "Feynman1963118"]
    assert [i["id"] for i in json.loads(run("csl-json"))] == cited
    assert sorted(p["citekey"] for p in json.loads(run("json"))["papers"]) == cited
    assert run("bibtex").count("@article{") == 2
    vault = tmp_path / "vault"
    vault.mkdir()
    run("obsidian", str(vault))
    assert sorted(p.name for p in (vault / "Papers").glob("@*.md")) == [
        f"@{k}.md" for k in cited]


def test_other_filters_combine_with_cited_in(fixture_library, tmp_path):
    path, db = fixture_library
    runner = CliRunner()
    manuscript = tmp_path / "notes.typ"
    manuscript.write_text("@netwok2020 and @netwok2022 and #cite(<Dirac1953888>)\n")
    result = runner.invoke(cli, ["--db", str(path), "export", "csl-json", "--cited-in",
                                 str(manuscript), "--where", "year >= 2021"])
    assert [i["id"] for i in json.loads(result.stdout)] == ["netwok2022"]
    result = runner.invoke(cli, ["--db", str(path), "export", "csl-json", "--key", "netwok2020",
                                 "--since", "2999-01-01"])
    assert json.loads(result.stdout) == []
    paper = store.get_paper_by_citekey(db, "netwok2020")
    store.update_paper(db, paper["id"], tags=["thesis"])
    result = runner.invoke(cli, ["--db", str(path), "export", "csl-json", "--tag", "thesis"])
    assert [(i["id"], i["custom"]["tags"]) for i in json.loads(result.stdout)] == [
        ("netwok2020", ["thesis"])]


def test_export_errors_are_one_line(fixture_library, tmp_path):
    path, _ = fixture_library
    runner = CliRunner()
    bad = runner.invoke(cli, ["--db", str(path), "export", "csl-json", "--where", "nope ="])
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: export failed:")
    assert len(bad.stderr.strip().splitlines()) == 1
    (tmp_path / "notes.docx").write_text("x")
    bad = runner.invoke(cli, ["--db", str(path), "export", "bibtex", "--cited-in",
                              str(tmp_path / "notes.docx")])
    assert bad.exit_code == 1 and "give a .tex, .aux, .md, .qmd or .typ file" in bad.stderr
    empty = tmp_path / "empty.md"
    empty.write_text("No citations here, mail me@example.org.\n")
    result = runner.invoke(cli, ["--db", str(path), "export", "csl-json", "--cited-in",
                                 str(empty)])
    assert (result.exit_code, result.stdout) == (0, "[]\n")
    assert f"warning: {empty} cites no key" in result.stderr


def test_auto_export_target_csl(fixture_library, tmp_path):
    _, db = fixture_library
    target = parse_target(f"csl:{tmp_path / 'all.json'}?tag=nope")
    assert (target.kind, target.tag) == ("csl", "nope")
    assert run_target(db, target) is True and json.loads(target.path.read_text()) == []
    assert run_target(db, target) is False
    whole = parse_target(f"csl:{tmp_path / 'whole.json'}")
    run_target(db, whole)
    assert len(json.loads(whole.path.read_text())) == db.execute(
        "select count(*) from papers").fetchone()[0]


@pytest.fixture(scope="module")
def datasette_library(tmp_path_factory):
    path = tmp_path_factory.mktemp("ds") / "papershelf.db"
    return path, build_datasette_library(path, library_papers())


def test_datasette_csljson_of_a_view_is_the_whole_filtered_result(datasette_library, validator):
    path, papers = datasette_library
    datasette = library_datasette(path, max_returned_rows=50)  # four pages of 50 rows
    response = get(datasette, "/papershelf/papers.csljson")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    items = json.loads(response.text)
    assert sorted(i["id"] for i in items) == sorted(p["citekey"] for p in papers)
    assert errors_of(validator, items) == []
    filtered = json.loads(get(datasette, "/papershelf/papers.csljson?year=2017").text)
    assert sorted(i["id"] for i in filtered) == sorted(
        p["citekey"] for p in papers if p["year"] == 2017)
    one = papers[3]
    row = json.loads(get(datasette, f"/papershelf/papers/{one['id']}.csljson").text)
    assert row == [csl_item(store.get_paper_by_citekey(open_db(path), one["citekey"]))]
    download = get(datasette, "/papershelf/unread.csljson?_dl=1")
    assert download.headers["content-disposition"] == 'attachment; filename="unread.json"'
    refused = get(datasette, "/papershelf.csljson?sql=select+1+as+x")
    assert refused.status_code == 400 and "CSL-JSON export needs rows of papers" in refused.text


def test_aux_is_read_as_an_aux_file_whatever_its_name(fixture_library, tmp_path):
    path, _ = fixture_library
    aux = tmp_path / "build.log"
    aux.write_text("\\relax\n\\citation{netwok2020,gone2020}\n")
    result = CliRunner().invoke(cli, ["--db", str(path), "export", "csl-json", "--aux", str(aux)])
    assert result.exit_code == 0, result.output
    assert [i["id"] for i in json.loads(result.stdout)] == ["netwok2020"]
    assert result.stderr == f"{aux}:2: warning: no paper with key gone2020\n"


def test_terminal_control_characters_are_escaped_in_messages(fixture_library, tmp_path):
    path, _ = fixture_library
    manuscript = tmp_path / "evil.md"
    manuscript.write_text("See @{bad\x1b]0;pwned\x07key}.\n")
    result = CliRunner().invoke(cli, ["--db", str(path), "export", "csl-json", "--cited-in",
                                      str(manuscript)])
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "no paper with key bad\\x1b]0;pwned\\x07key" in result.stderr
