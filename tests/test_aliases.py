"""Aliases: a key merged into another paper keeps resolving, everywhere a key does."""

import bibtexparser
from click.testing import CliRunner
from datasette.app import Datasette

from papershelf.exports.bibimport import import_bibtex, import_file
from papershelf.exports.bibtex import export_bibtex
from papershelf.server import rekey, store
from papershelf.server.cli import cli

# Two entries of one paper (as in BibTeX's xampl.bib: a minimal and a full entry).
BIB = r"""@article{knuth-minimal, author = {Donald E. Knuth}, title = {The {\TeX}book},
  journal = {TUGboat}, year = 1984}
@article{knuth-full, author = {Knuth, Donald E.}, title = {The {\TeX}book},
  journal = {TUGboat}, year = 1984, volume = 5, pages = {1--10}}
@misc{other, author = {Leslie Lamport}, title = {Another Paper}, year = 1986}
"""


def keys_of(text):
    return [entry.key for entry in bibtexparser.parse_string(text).entries]


def test_a_merged_key_becomes_an_alias_that_resolves(db):
    report = import_bibtex(db, BIB)
    assert (report.created, report.merged, report.keys["knuth-full"]) == (2, 1, "knuth-minimal")
    merge = report.merges[0]
    assert (merge.line, merge.key, merge.into, merge.why, merge.alias) == (
        3, "knuth-full", "knuth-minimal", "same title, first author and year", "added")
    paper = store.get_paper_by_citekey(db, "KNUTH-FULL")  # case-insensitive, like keys
    assert (paper["citekey"], paper["aliases"], paper["extra"]["volume"]) == (
        "knuth-minimal", ["knuth-full"], "5")
    assert store.get_paper(db, paper["id"])["aliases"] == ["knuth-full"]
    again = import_bibtex(db, BIB)  # nothing new: the alias already resolves
    assert (again.created, again.merged, again.unchanged, again.merges) == (0, 0, 3, [])


def test_an_alias_is_never_given_to_another_paper(db):
    import_bibtex(db, BIB)
    created = store.save_paper(db, {"title": "A New One", "citekey": "knuth-full"}).paper
    assert created["citekey"] != "knuth-full"
    paper = store.get_paper_by_citekey(db, "knuth-minimal")
    assert store.add_alias(db, created, "Knuth-Full") == "taken"
    assert store.add_alias(db, paper, "knuth-full") == "own"
    assert store.add_alias(db, paper, "other") == "taken"  # another paper's key
    # rekey never takes an alias either: Knuth's formula key is free, the alias is not.
    lamport = store.get_paper_by_citekey(db, "other")
    store.add_alias(db, paper, "lamport1986another")
    assert rekey.rekey(db, ["other"]) == {"other": "lamport1986anothera"}
    assert store.get_paper(db, lamport["id"])["citekey"] == "lamport1986anothera"


def test_deleting_a_paper_frees_its_aliases(db):
    import_bibtex(db, BIB)
    paper = store.get_paper_by_citekey(db, "knuth-full")
    assert store.delete_paper(db, paper["id"]) == []  # found, and no files to remove
    assert store.get_paper_by_citekey(db, "knuth-full") is None
    assert store.save_paper(db, {"title": "Reuse", "citekey": "knuth-full"}).paper[
        "citekey"] == "knuth-full"


def test_biblatex_writes_ids_and_bibtex_an_entry_per_alias_asked_for(db, tmp_path):
    import_bibtex(db, BIB)
    biblatex = export_bibtex(db, None, mode="biblatex").text
    entry = bibtexparser.parse_string(biblatex).entries[0]
    assert (entry.key, entry["ids"]) == ("knuth-minimal", "knuth-full")
    whole = export_bibtex(db, None, mode="bibtex")
    assert (keys_of(whole.text), whole.aliases_left_out) == (["knuth-minimal", "other"], 1)
    assert "ids" not in whole.text  # BibTeX styles do not know ids
    flagged = export_bibtex(db, None, mode="bibtex", alias_entries=True).text
    assert keys_of(flagged) == ["knuth-full", "knuth-minimal", "other"]
    full, minimal = bibtexparser.parse_string(flagged).entries[:2]
    assert full.fields_dict.keys() == minimal.fields_dict.keys() and full["pages"] == "1--10"
    asked = export_bibtex(db, None, mode="bibtex", keys=["knuth-full", "nokey"])
    assert (keys_of(asked.text), asked.missing) == (["knuth-full"], ["nokey"])
    aux = tmp_path / "paper.aux"
    aux.write_text("\\relax\n\\citation{knuth-full,other}\n\\abx@aux@cite{0}{knuth-minimal}\n")
    assert keys_of(export_bibtex(db, None, mode="bibtex", aux=aux).text) == [
        "knuth-full", "knuth-minimal", "other"]
    assert keys_of(export_bibtex(db, None, mode="biblatex", aux=aux).text) == [
        "knuth-minimal", "other"]  # one entry; biber resolves knuth-full through ids


def test_json_export_and_import_keep_aliases(db, tmp_path):
    from papershelf.exports.bibimport import export_json
    from papershelf.server.schema import open_db

    import_bibtex(db, BIB)
    export_json(db, tmp_path / "library.json")
    copy = open_db(tmp_path / "copy.db")
    import_file(copy, tmp_path / "library.json")
    assert store.get_paper_by_citekey(copy, "knuth-full")["citekey"] == "knuth-minimal"
    copy.close()


def test_cli_reports_merges_and_exports_aliases(db_path, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(bib)])
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", (
        f"{bib}:3: knuth-full: merged into knuth-minimal (same title, first author and year);"
        " both keys resolve\ncreated 2, merged 1, unchanged 0, failed 0\n"))
    again = runner.invoke(cli, ["--db", str(db_path), "import", str(bib)])
    assert (again.stdout, again.stderr) == ("", "created 0, merged 0, unchanged 3, failed 0\n")
    out = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--key", "knuth-full"])
    assert (keys_of(out.stdout), out.exit_code) == (["knuth-full"], 0)
    whole = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex"])
    assert "note: 1 alias without an entry of its own" in whole.stderr
    flagged = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--alias-entries"])
    assert keys_of(flagged.stdout) == ["knuth-full", "knuth-minimal", "other"]
    # A key and its alias name one paper: one reference.
    cited = runner.invoke(cli, ["--db", str(db_path), "cite", "knuth-minimal", "knuth-full"])
    alone = runner.invoke(cli, ["--db", str(db_path), "cite", "knuth-minimal"])
    assert (cited.exit_code, cited.stdout) == (0, alone.stdout) and alone.stdout.count("\n") == 1


def test_a_manuscript_citing_an_alias_selects_the_merged_paper(db_path, tmp_path):
    bib, tex = tmp_path / "refs.bib", tmp_path / "paper.tex"
    bib.write_text(BIB)
    tex.write_text("\\documentclass{article}\\begin{document}\n"
                   "As shown \\cite{knuth-full}.\n\\end{document}\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db_path), "import", str(bib)]).exit_code == 0

    def export(*args):
        result = runner.invoke(cli, ["--db", str(db_path), "export", *args, "--cited-in", str(tex)])
        assert result.exit_code == 0, result.output
        assert "no paper with key" not in result.stderr  # the alias is a key of the library
        return result.stdout

    assert keys_of(export("bibtex")) == ["knuth-full"]  # BibTeX: the entry under the cited key
    biblatex = bibtexparser.parse_string(export("bibtex", "--mode", "biblatex")).entries
    assert [(e.key, e["ids"]) for e in biblatex] == [("knuth-minimal", "knuth-full")]
    import json

    papers = json.loads(export("json"))["papers"]
    assert [p["citekey"] for p in papers] == ["knuth-minimal"]
    # CSL-JSON has no aliases: Pandoc finds the cited key as an item of its own.
    items = json.loads(export("csl-json"))
    assert [item["id"] for item in items] == ["knuth-minimal", "knuth-full"]
    assert items[0] == {**items[1], "id": "knuth-minimal"}
    # A key the library has neither as key nor as alias is still reported.
    tex.write_text("\\cite{knuth-fullest}\n")
    missing = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--cited-in", str(tex)])
    assert f"{tex}:1: warning: no paper with key knuth-fullest" in missing.stderr


def test_datasette_bib_resolves_aliases(db, db_path):
    import_bibtex(db, BIB)
    datasette = Datasette([str(db_path)])

    def get(path):
        import asyncio

        return asyncio.run(datasette.client.get(path)).text

    sql = "select+alias+as+citekey+from+paper_aliases"
    assert keys_of(get(f"/papershelf.bib?sql={sql}")) == ["knuth-full"]
    biblatex = get(f"/papershelf.bib?sql={sql}&_mode=biblatex")
    assert [(e.key, e["ids"]) for e in bibtexparser.parse_string(biblatex).entries] == [
        ("knuth-minimal", "knuth-full")]
    assert keys_of(get("/papershelf/papers.bib")) == ["knuth-minimal", "other"]
    import json

    items = json.loads(get(f"/papershelf.csljson?sql={sql}"))
    assert [item["id"] for item in items] == ["knuth-minimal", "knuth-full"]
    assert [i["id"] for i in json.loads(get("/papershelf/papers.csljson"))] == [
        "knuth-minimal", "other"]
