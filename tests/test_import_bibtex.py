"""Import of .bib and JSON files: macros, crossref, accents, names, merging, reports, CLI."""

import json

import pytest
from click.testing import CliRunner

from papershelf.exports.bibimport import import_bibtex, import_file
from papershelf.exports.bibparse import split_names
from papershelf.exports.bibtex import export_bibtex
from papershelf.server import store
from papershelf.server.cli import cli

BIB = r"""@string{acm = "ACM Press"}
@preamble{"\newcommand{\noop}[1]{}"}

@article{good1,
  title = {Good {DNA} Paper about Caf\'e},
  author = {M{\"u}ller, J{\"o}rg and {The LLaMA Team} and de la Cruz, Jr., Ana},
  year = 2020, month = jul,
  journal = acm # " Journal",
  volume = 3, pages = {1--10}, keywords = {a, b}, note = {Printed},
}

@article{broken, title = {Missing brace, year = 2020

@article{notitle, author = {A B}, year = 2021}

@misc{arx, title = {An arXiv Paper}, author={Kim, Y.}, eprint = {2401.00001v2},
  archivePrefix = {arXiv}, primaryClass = {cs.LG}, year = 2024, month = {March}}

@inproceedings{child, title = {Child}, author = {Li, Wei}, crossref = {parent},
  pages = {1--10}}
@proceedings{parent, title = {Proc. of Things}, year = 2019, publisher = {ACM}}
"""


def stored(db, key):
    paper = store.get_paper_by_citekey(db, key)
    return {k: paper[k] for k in ("title", "authors", "year", "published", "venue", "arxiv_id",
                                  "arxiv_version", "arxiv_category", "entry_type", "extra",
                                  "note", "tags")}


def test_import_reads_macros_crossref_accents_and_names(db):
    report = import_bibtex(db, BIB, tags=["imported"])
    assert report.failed == [
        (12, "broken", ("Unexpected block start: `@article`. Was still looking for field-value"
                        " closing `}`")),
        (14, "notitle", "entry has no title"),
    ]
    assert (report.created, report.merged) == (4, 0)
    assert stored(db, "good1") == {
        "title": "Good DNA Paper about Café",
        "authors": ["Jörg Müller", "The LLaMA Team", "de la Cruz, Jr., Ana"],
        "year": 2020, "published": "2020-07", "venue": "ACM Press Journal",
        "arxiv_id": None, "arxiv_version": None, "arxiv_category": None,
        "entry_type": "article",
        "extra": {"volume": "3", "pages": "1--10", "keywords": "a, b", "note": "Printed"},
        "note": "", "tags": ["imported"],  # a BibTeX note is not the reader's note
    }
    arx = stored(db, "arx")
    assert (arx["arxiv_id"], arx["arxiv_version"], arx["arxiv_category"], arx["entry_type"],
            arx["published"]) == ("2401.00001", 2, "cs.LG", "preprint", "2024-03")
    child = stored(db, "child")
    assert (child["venue"], child["year"], child["extra"]) == (
        "Proc. of Things", 2019, {"pages": "1--10", "publisher": "ACM"})


def test_names_and_organisations_survive_export(db):
    import_bibtex(db, BIB + "@misc{odd, title = {Odd}, author = {{Kristoffer H\\o{}gsbro Rose}}}")
    text = export_bibtex(db, None, mode="biblatex", keys=["good1", "odd"]).text
    assert "author       = {Jörg Müller and {The LLaMA Team} and de la Cruz, Jr., Ana}" in text
    # Not an organisation by its words: the name is written as the file wrote it.
    assert "author = {{Kristoffer H\\o{}gsbro Rose}}" in text
    assert "pages        = {1--10}" in text


@pytest.mark.parametrize("raw, names, exact", [
    ("Donald E. Knuth and Leslie Lamport", ["Donald E. Knuth", "Leslie Lamport"], True),
    ("van Beethoven, Ludwig", ["Ludwig van Beethoven"], True),
    ("{\\'E}douard Masterly", ["Édouard Masterly"], True),
    ("García Márquez, Gabriel", ["García Márquez, Gabriel"], True),
    ("{European Commission}", ["European Commission"], True),
    ("{Kristoffer H\\o{}gsbro Rose}", ["Kristoffer Høgsbro Rose"], False),
    ("{\\LaTeX} project team", ["LaTeX project team"], False),
])
def test_names_split_with_braces_respected(raw, names, exact):
    assert split_names(raw) == (names, exact)


def test_keys_kept_when_free_renamed_when_taken(db):
    other = store.save_paper(db, {"title": "Something Else", "citekey": "Good1",
                                  "authors": ["Z Z"]}).paper
    report = import_bibtex(db, BIB)
    assert report.keys["good1"] == "muller2020good"  # "good1" is taken (case-insensitively)
    assert report.keys["arx"] == "arx"
    assert store.get_paper(db, other["id"])["citekey"] == "Good1"


def test_merges_through_identity_and_never_duplicates(db):
    clipped = store.save_paper(db, {"title": "An arXiv paper", "authors": ["Yoon Kim"],
                                    "arxiv_id": "2401.00001", "tags": ["mine"]}).paper
    first = import_bibtex(db, BIB)
    assert first.keys["arx"] == clipped["citekey"]  # the stored key never changes
    merged = store.get_paper(db, clipped["id"])
    assert (merged["tags"], merged["arxiv_category"], merged["year"]) == (["mine"], "cs.LG", 2024)
    count = store.stats(db)["papers"]
    again = import_bibtex(db, BIB)
    assert (again.created, again.merged, store.stats(db)["papers"]) == (0, 4, count)


def test_same_title_author_year_but_other_issue_is_another_paper(db):
    text = "".join(f"@article{{ed{n}, title = {{Editorial}}, author = {{Beeton, Barbara}},"
                   f" journal = {{TUGboat}}, year = 1990, number = {n}}}\n" for n in (1, 2, 3))
    text += ("@article{ed1again, title = {Editorial}, author = {Beeton, Barbara},"
             " journal = {TUGboat}, year = 1990, number = 1, pages = {5}}\n")
    report = import_bibtex(db, text)
    assert (report.created, report.merged, report.keys["ed1again"]) == (3, 1, "ed1")
    assert store.get_paper_by_citekey(db, "ed1")["extra"] == {"number": "1", "pages": "5"}


def test_repeated_blocks_are_merged_once(db):
    block = "@misc{k, title = {Only Once}, author = {A B}, year = 2001}\n"
    report = import_bibtex(db, block * 5)
    assert (report.created, report.merged, report.failed) == (1, 4, [])


def test_undefined_macro_is_a_reported_failure(db):
    report = import_bibtex(db, "@article{k, title = {T}, journal = nosuchmacro, year = 2000}\n")
    assert report.failed == [(1, "k", "journal: undefined string macro 'nosuchmacro'")]


def test_json_round_trip_is_lossless(db, tmp_path):
    from papershelf.exports.bibimport import export_json
    from papershelf.server.schema import open_db

    import_bibtex(db, BIB, tags=["x"])
    paper = store.get_paper_by_citekey(db, "arx")
    store.update_paper(db, paper["id"], note="my note", status="read")
    first, count = export_json(db, tmp_path / "a.json")
    copy = open_db(tmp_path / "copy.db")
    report = import_file(copy, tmp_path / "a.json")
    assert (report.created, report.failed, count) == (4, [], 4)
    assert export_json(copy)[0] == first
    assert json.loads(first)["papers"][0].keys() >= {"citekey", "added_at", "extra", "note"}
    copy.close()


def test_import_command(db_path, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(bib), "--tag", "t"])
    assert result.exit_code == 0
    assert (result.stdout, result.stderr.splitlines()[-1]) == ("", "created 4, merged 0, failed 2")
    assert f"{bib}:12: broken: Unexpected block start" in result.stderr
    assert f"{bib}:14: notitle: entry has no title" in result.stderr
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(bib)])
    assert result.stderr.splitlines()[-1] == "created 0, merged 4, failed 2"
    bad = tmp_path / "bad.json"
    bad.write_text('{"papers": 3}')
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(bad)])
    assert result.exit_code == 1 and "cannot import" in result.stderr
    empty = tmp_path / "empty.bib"
    empty.write_text("@article{x, author = {A}}\n")
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(empty)])
    assert result.exit_code == 1 and "nothing imported" in result.stderr


def test_latin1_file_is_read(db, tmp_path):
    bib = tmp_path / "old.bib"
    bib.write_bytes("@book{k, title = {Ökonomie}, author = {Jürgen Habermas}, year = 1970}\n"
                    .encode("latin-1"))
    import_file(db, bib)
    assert store.get_paper_by_citekey(db, "k")["title"] == "Ökonomie"


@pytest.mark.parametrize("latex, text, lossless", [
    ("plain words", "plain words", True),
    ("Schr{\\\"o}dinger's caf\\'e", "Schrödinger's café", True),
    ("\\c{C}etino{\\u{g}}lu D{\\'\\i}az \\v{S}najder", "Çetinoğlu Díaz Šnajder", True),
    ("Gro\\ss e \\O{}rsted \\L{}ukasz \\aa", "Große Ørsted Łukasz å", True),
    ("R\\&D at 50\\% \\$5 \\#1 a\\_b \\{x\\}", "R&D at 50% $5 #1 a_b {x}", True),
    ("pages 1--10 --- done ``quoted''", "pages 1–10 — done “quoted”", True),
    ("An {$O(n \\log n)$} sort", "An $O(n \\log n)$ sort", True),
    ("{DNA} and {\\em emphasis}", "DNA and emphasis", False),  # the emphasis is lost
    ("The \\TeX{}book by \\acro{TUG}", "The TeXbook by TUG", False),
    ("a\\\\b", "a b", False),
])
def test_latex_decoding(latex, text, lossless):
    from papershelf.exports.latex import decode

    assert decode(latex) == (text, lossless)


def test_a_clipped_paper_and_its_bib_entry_are_one_paper(db):
    clipped = store.save_paper(db, {"title": "Attention is all you need", "year": 2017,
                                    "authors": ["Ashish Vaswani", "Noam Shazeer"],
                                    "venue": "Advances in Neural Information Processing Systems",
                                    "extra": {"pages": "5998-6008"}}).paper
    report = import_bibtex(db, "@inproceedings{vas17, title = {Attention Is All You Need},"
                               " author = {Vaswani, Ashish and others}, year = 2017,"
                               " booktitle = {NeurIPS}, pages = {5998--6008}, volume = 30}\n")
    assert (report.created, report.merged, report.keys) == (0, 1, {"vas17": clipped["citekey"]})
    assert store.get_paper(db, clipped["id"])["extra"] == {"pages": "5998-6008", "volume": "30"}


def test_json_import_into_a_library_that_has_the_paper_keeps_both_notes_and_all_tags(db, tmp_path):
    store.save_paper(db, {"title": "Attention Is All You Need", "arxiv_id": "1706.03762"},
                     tags=["mine"], note="my own note")
    library = tmp_path / "library.json"
    library.write_text(json.dumps({"papers": [{
        "title": "Attention Is All You Need", "arxiv_id": "1706.03762", "tags": ["theirs"],
        "note": "a colleague's note"}]}))
    import_file(db, library)
    paper = store.lookup(db, arxiv="1706.03762")
    assert (paper["tags"], paper["note"]) == (["mine", "theirs"], "my own note\n\na colleague's note")
