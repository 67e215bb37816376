"""Citation keys read from manuscripts: real LaTeX, Markdown, Quarto and Typst, checked
against Pandoc's own readers where Pandoc reads the language."""

from collections import Counter

import bibtexparser
import pytest

from papershelf.exports.manuscripts import (
    ALL_KEYS,
    Citation,
    ManuscriptError,
    cited_keys,
    scan_manuscript,
)
from tests.citing_support import MANUSCRIPTS, pandoc_citations

# Quarto's cross-references (@fig-x, @tbl-x) are citations to Pandoc, not to Quarto.
QUARTO_PREFIXES = ("fig-", "tbl-")


def keys(path):
    return [c.key for c in scan_manuscript(path)]


def bib_keys(name):
    return {e.key for e in bibtexparser.parse_file(str(MANUSCRIPTS / name)).entries}


@pytest.mark.parametrize("name", ["joss_tikhonovfenichel_paper.md",
                                  "constructed_markdown_traps.md"])
def test_markdown_keys_are_the_ones_pandoc_reads(name):
    # The traps: e-mail addresses, code (fenced, indented, inline), math, link targets,
    # comments, \@, trailing punctuation, @{braced} keys, YAML front matter, nocite.
    assert Counter(keys(MANUSCRIPTS / name)) == Counter(
        pandoc_citations(MANUSCRIPTS / name, "markdown"))


def test_real_joss_paper_cites_only_what_its_bib_holds_in_order():
    found = keys(MANUSCRIPTS / "joss_tikhonovfenichel_paper.md")
    assert found == pandoc_citations(MANUSCRIPTS / "joss_tikhonovfenichel_paper.md", "markdown")
    assert set(found) <= bib_keys("joss_tikhonovfenichel_paper.bib") and len(set(found)) >= 15


def test_quarto_cross_references_are_not_citations():
    path = MANUSCRIPTS / "quarto_elsevier_template.qmd"
    pandoc_keys = pandoc_citations(path, "markdown")
    crossrefs = [k for k in pandoc_keys if k.startswith(QUARTO_PREFIXES)]
    assert crossrefs  # the template refers to its figure and table
    assert keys(path) == [k for k in pandoc_keys if k not in crossrefs]
    assert set(keys(path)) == bib_keys("quarto_elsevier_bibliography.bib")


@pytest.mark.parametrize("name", ["biblatex_30-style-numeric.tex", "biblatex_82-style-debug.tex",
                                  "biblatex_18-numeric-hybrid.tex",
                                  "constructed_latex_traps.tex"])
def test_latex_keys_include_every_one_pandoc_reads(name):
    found = Counter(keys(MANUSCRIPTS / name))
    pandoc_found = Counter(pandoc_citations(MANUSCRIPTS / name, "latex"))
    # Pandoc knows biblatex's and natbib's usual commands only; the rest are commands the
    # document defines (\DeclareCiteCommand{\citeonline}) or natbib's capitalised \Citet.
    beyond_pandoc = {"biblatex_18-numeric-hybrid.tex": Counter(["ctan", "markey"]),
                     "constructed_latex_traps.tex": Counter(["capital"])}.get(name, Counter())
    assert found == pandoc_found + beyond_pandoc


def test_latex_keys_carry_the_line_they_are_on():
    citations = scan_manuscript(MANUSCRIPTS / "constructed_latex_traps.tex")
    lines = (MANUSCRIPTS / "constructed_latex_traps.tex").read_text().splitlines()
    for citation in citations:
        assert citation.key in lines[citation.line - 1], citation
    # A key list that runs over two lines: each key on its own line.
    assert [(c.key, c.line) for c in citations if c.key in ("spaced", "keys", "across")] == [
        ("spaced", 15), ("keys", 15), ("across", 16)]
    assert "commented" not in keys(MANUSCRIPTS / "constructed_latex_traps.tex")


@pytest.mark.parametrize("name, bib", [
    ("typst_charged_ieee_main.typ", "typst_charged_ieee_refs.bib"),
    ("typst_unequivocal_ams_main.typ", "typst_unequivocal_ams_refs.bib"),
])
def test_typst_templates_cite_exactly_their_bibliography(name, bib):
    # Not cited: the e-mail strings, the "@preview/..." import, @sec:methods and @fig:sun
    # (the document's own labels).
    assert set(keys(MANUSCRIPTS / name)) == bib_keys(bib)


def test_typst_traps():
    found = [(c.key, c.line) for c in scan_manuscript(MANUSCRIPTS / "constructed_typst_traps.typ")]
    assert found == [
        ("smith2020", 4), ("jones2021", 4),  # @key and @key[supplement]; @intro, @fig:one: labels
        ("cited", 11), ("withsup", 11),  # #cite(<key>) and with arguments; not in $math$
        ("labelled", 12), ("oldstyle", 12), ("refkey", 12),  # label("k"), "k", #ref(<not a label>)
        ("endkey", 13),  # the URL's @user is no reference; the trailing dot is text
        ("incaption", 14), ("inquotes", 15),  # in content and in smart quotes, not in strings
    ]


def test_aux_files_give_bibtex_and_biblatex_citations(tmp_path):
    aux = tmp_path / "paper.aux"
    aux.write_text("\\relax\n\\citation{vaswani2017attention,godel1931uber}\n"
                   "\\abx@aux@cite{0}{zhong2024distserve}\n\\citation{*}\n")
    assert scan_manuscript(aux) == [
        Citation("vaswani2017attention", str(aux), 2), Citation("godel1931uber", str(aux), 2),
        Citation("zhong2024distserve", str(aux), 3), Citation("*", str(aux), 4)]
    assert cited_keys(scan_manuscript(aux)) == [ALL_KEYS]


def test_included_files_are_read_once_each(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "main.tex").write_text("\\input{chapters/one}\n\\include{chapters/two.tex}\n"
                                       "\\cite{inmain}\n\\input{main}\n")
    (tmp_path / "chapters" / "one.tex").write_text("\\cite{inone}\n")
    (tmp_path / "chapters" / "two.tex").write_text("x\n\\citep{intwo}\n")
    found = [(c.key, c.path, c.line) for c in scan_manuscript(tmp_path / "main.tex")]
    assert found == [("inmain", str(tmp_path / "main.tex"), 3),
                     ("inone", str(tmp_path / "chapters" / "one.tex"), 1),
                     ("intwo", str(tmp_path / "chapters" / "two.tex"), 2)]
    (tmp_path / "book.qmd").write_text("{{< include _intro.qmd >}}\n")
    (tmp_path / "_intro.qmd").write_text("As @smith2020 says.\n")
    (tmp_path / "thesis.typ").write_text("#include \"ch1.typ\"\n")
    (tmp_path / "ch1.typ").write_text("See @jones2021.\n")
    assert keys(tmp_path / "book.qmd") == ["smith2020"]
    assert keys(tmp_path / "thesis.typ") == ["jones2021"]


def test_unreadable_or_unknown_manuscripts_are_errors(tmp_path):
    (tmp_path / "notes.docx").write_text("@key")
    with pytest.raises(ManuscriptError, match="give a .tex, .aux, .md, .qmd or .typ file"):
        scan_manuscript(tmp_path / "notes.docx")
    with pytest.raises(ManuscriptError, match="cannot read"):
        scan_manuscript(tmp_path / "missing.md")


def test_cited_keys_keep_first_citing_order():
    citations = [Citation(k, "p.md", i) for i, k in enumerate(["b", "a", "b", "c"])]
    assert cited_keys(citations) == ["b", "a", "c"]
