"""The escaping rules: every TeX special escaped in text, math kept only where TeX reads it,
verbatim fields as biber and url.sty read them, imported LaTeX written back as it came."""

import re
import unicodedata

import bibtexparser
import pytest

from papershelf.exports.bibentry import verbatim
from papershelf.exports.bibimport import import_bibtex, import_file
from papershelf.exports.bibtex import export_bibtex
from papershelf.exports.latex import decode, escape_text, escape_title, is_math
from papershelf.server import store
from tests.real_bibs import REAL_BIBS, require


@pytest.mark.parametrize("text, bibtex, biblatex", [
    ("50% of R&D #1 a_b ~x^2 \\ {x}",
     r"50\% of R\&D \#1 a\_b \textasciitilde{}x\textasciicircum{}2 \textbackslash{} \{x\}",
     r"50\% of R\&D \#1 a\_b \textasciitilde{}x\textasciicircum{}2 \textbackslash{} \{x\}"),
    ("a { b", r"a \textbraceleft{} b", r"a \textbraceleft{} b"),  # BibTeX counts \{ too
    ("}{", r"\textbraceright{}\textbraceleft{}", r"\textbraceright{}\textbraceleft{}"),
    ("--flag ''x''", "-{}-flag '{}'x'{}'", "-{}-flag '{}'x'{}'"),
    ("Ünïcödé — “q” …", r"{\"U}n{\"\i}c{\"o}d{\'e} --- ``q'' {\ldots}",
     "Ünïcödé — “q” …"),
    ("e\u0301t\u00e9", r"{\'e}t{\'e}", "\u00e9t\u00e9"),  # NFD text is written NFC
    # xampl.bib's Paul \={P}ot: unicode has no P with a macron, pdflatex no lone macron.
    ("Paul P\u0304ot", r"Paul {\=P}ot", r"Paul {\=P}ot"),
])
def test_text_fields_escape_every_tex_special(text, bibtex, biblatex):
    assert (escape_text(text, "bibtex"), escape_text(text, "biblatex")) == (bibtex, biblatex)
    for mode in ("bibtex", "biblatex"):  # and it reads back as the text it was
        assert decode(escape_text(text, mode))[0] == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("title, bibtex, biblatex", [
    ("$O(n \\log n)$ time", r"{$O(n \log n)$} time", r"{$O(n \log n)$} time"),
    ("$\\{a\\}$ sets", r"{$\{a\}$} sets", r"{$\{a\}$} sets"),
    ("$50%$ off", r"\$50\%\$ off", r"\$50\%\$ off"),  # % would end the line in the .bbl
    ("$a#b$ and $x&y$", r"\$a\#b\$ and \$x\&y\$", r"\$a\#b\$ and \$x\&y\$"),
    ("$x\\$ cost", r"\$x\textbackslash{}\$ cost", r"\$x\textbackslash{}\$ cost"),
    ("$\\{a$ b", r"\$\textbackslash{}\textbraceleft{}a\$ b",  # BibTeX counts \{ too
     r"\$\textbackslash{}\textbraceleft{}a\$ b"),
    ("$Æ$", r"\${\AE}\$", "{$Æ$}"),  # text accents are no math: text in BibTeX mode
    ("pay $5 or $6", r"pay \$5 or \$6", r"pay \$5 or \$6"),
])
def test_math_is_kept_only_where_tex_reads_it_as_math(title, bibtex, biblatex):
    assert (escape_title(title, "bibtex"), escape_title(title, "biblatex")) == (bibtex, biblatex)
    for mode in ("bibtex", "biblatex"):  # whatever is written reads back as the same title
        assert decode(escape_title(title, mode))[0] == " ".join(title.split())


def test_is_math_names_its_rules():
    assert is_math("$x^2$") and is_math("$\\%$") and is_math("$α$", "biblatex")
    assert not any(is_math(span) for span in ["$50%$", "$a&b$", "$#$", "$x\\$", "$}{$", "$α$"])


@pytest.mark.parametrize("value, name, written", [
    ("https://x.org/a_b%20c?q=1#frag", "url", "{https://x.org/a_b%20c?q=1#frag}"),
    ("https://x.org/a b{c}\\d", "url", "{https://x.org/a%20b%7Bc%7D%5Cd}"),
    ("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0", "doi",
     "{10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0}"),
    ("C:\\Users\\me\\my paper.pdf", "file", "{C:\\Users\\me\\my paper.pdf}"),  # a path as is
    ("a{b", "file", "{a%7Bb}"),
])
def test_verbatim_fields_are_written_as_biber_and_url_sty_read_them(value, name, written):
    assert verbatim(value, name) == written


def test_issn_and_isbn_are_text_never_url_encoded(db):
    paper = store.save_paper(db, {"title": "T", "extra": {
        "issn": "0001-0782 (print), 1557-7317 (electronic)", "isbn": "0-201-13447-0 (50% off)"}
    }).paper
    entry = bibtexparser.parse_string(export_bibtex(db, None, mode="biblatex").text).entries[0]
    assert (entry["issn"], entry["isbn"]) == (
        "0001-0782 (print), 1557-7317 (electronic)", r"0-201-13447-0 (50\% off)")
    assert paper["citekey"] == entry.key


def test_texgraph_issn_is_written_as_the_file_wrote_it(db):
    """The issue's example: texgraph.bib's ISSN came out as 0001-0782%20(print),%201557-..."""
    import_file(db, require(REAL_BIBS["texgraph.bib"]))
    text = export_bibtex(db, None, mode="biblatex").text
    assert "%20" not in text.replace("url ", "")  # addresses may; no text field does
    assert re.search(r"issn +=\s+\{0001-0782 \(print\), 1557-7317 \(electronic\)\}", text)


def test_imported_latex_is_written_back_exactly_until_the_field_changes(db):
    import_bibtex(db, r"""@article{k, author = {Gro{\ss}e, J{\"u}rgen}, journal = {J. {\TeX}},
  title = {{T}he {\em Bad} 50\% of {$\alpha$}-{DNA} Caf\'e}, year = 2001,
  note = {See \url{http://x.org/~a}}, keywords = {a_b}}""")
    for mode in ("bibtex", "biblatex"):
        entry = bibtexparser.parse_string(export_bibtex(db, None, mode=mode).text).entries[0]
        assert entry["title"] == r"{T}he {\em Bad} 50\% of {$\alpha$}-{DNA} Caf\'e"
        assert entry["note"] == r"See \url{http://x.org/~a}"
    paper = store.get_paper_by_citekey(db, "k")
    assert paper["title"] == "The Bad 50% of $\\alpha$-DNA Café"
    store.update_metadata(db, paper["id"], {"title": "A New Title_2"})
    entry = bibtexparser.parse_string(export_bibtex(db, None).text).entries[0]
    assert entry["title"] == r"A New Title\_2"  # changed: escaped from its new text
