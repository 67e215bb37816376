"""BibTeX/BibLaTeX export: golden files of a small library, escaping, filters, atomic writes."""

import bibtexparser
import pybtex.database
import pybtex.errors
import pytest
from click.testing import CliRunner

from papershelf.exports import bibtex
from papershelf.exports.bibtex import escape_title, export_bibtex, format_name, render_bibtex
from papershelf.server import store
from papershelf.server.cli import cli

LIBRARY = [
    {"title": "Attention Is All You Need", "year": 2017, "published": "2017-06-12",
     "authors": ["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"], "arxiv_id": "1706.03762v7",
     "arxiv_category": "cs.CL", "url": "https://arxiv.org/abs/1706.03762",
     "entry_type": "preprint", "tags": ["nlp"],
     "abstract": "The dominant models cost $O(n^2)$ & more than 50% of the compute_budget.",
     "extra": {"upvotes": 120, "comments": "15 pages, 5 figures"}},
    {"title": "DistServe: Disaggregating Prefill and Decoding for LLM Serving", "year": 2024,
     "published": "2024-07-10", "authors": ["Yinmin Zhong", "Xin Jin", "Hao Zhang"],
     "venue": "18th USENIX Symposium on Operating Systems Design and Implementation (OSDI 24)",
     "entry_type": "inproceedings", "tags": ["systems", "nlp"],
     "url": "https://www.usenix.org/conference/osdi24/presentation/zhong-yinmin",
     "extra": {"pages": "193--210", "publisher": "USENIX Association",
               "isbn": "978-1-939133-40-3"}},
    {"title": "Highly accurate protein structure prediction with AlphaFold", "year": 2021,
     "published": "2021-07-15", "authors": ["John Jumper", "Richard Evans", "DeepMind Team"],
     "doi": "10.1038/S41586-021-03819-2", "venue": "Nature", "entry_type": "article",
     "url": "https://www.nature.com/articles/s41586-021-03819-2",
     "extra": {"volume": "596", "number": "7873", "pages": "583--589"}},
    {"title": "Über die Gödel'sche Lücke: #1 in {curly} ~ ^ \\ _ tricks", "year": 1931,
     "authors": ["Kurt Gödel", "García Márquez, Juan Pablo"], "entry_type": "article",
     "url": "https://example.org/a_b%20c?x={y}", "published": "1931"},
    {"title": "Gemini: A Family of Highly Capable Multimodal Models", "year": 2023,
     "published": "2023-12-19", "authors": ["Gemini Team"], "arxiv_id": "2312.11805",
     "arxiv_category": "cs.CL", "entry_type": "preprint",
     "url": "https://arxiv.org/abs/2312.11805", "doi": "10.48550/arXiv.2312.11805"},
]

GOLDEN_BIBTEX = r"""@misc{geminiteam2023gemini,
  author        = {{Gemini Team}},
  title         = {Gemini: A Family of Highly Capable Multimodal Models},
  year          = {2023},
  month         = dec,
  eprint        = {2312.11805},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CL},
  doi           = {10.48550/arxiv.2312.11805},
  url           = {https://arxiv.org/abs/2312.11805}
}

@misc{godel1931uber,
  author = {Kurt G{\"o}del and Garc{\'\i}a M{\'a}rquez, Juan Pablo},
  title  = {{\"U}ber die G{\"o}del'sche L{\"u}cke: \#1 in \{curly\} \textasciitilde{} \textasciicircum{} \textbackslash{} \_ tricks},
  year   = {1931},
  url    = {https://example.org/a_b%20c?x=%7By%7D}
}

@article{jumper2021highly,
  author  = {John Jumper and Richard Evans and {DeepMind Team}},
  title   = {Highly accurate protein structure prediction with {AlphaFold}},
  journal = {Nature},
  year    = {2021},
  month   = jul,
  doi     = {10.1038/s41586-021-03819-2},
  url     = {https://www.nature.com/articles/s41586-021-03819-2},
  number  = {7873},
  pages   = {583--589},
  volume  = {596}
}

@misc{vaswani2017attention,
  author        = {Ashish Vaswani and Noam Shazeer and {\L}ukasz Kaiser},
  title         = {Attention Is All You Need},
  year          = {2017},
  month         = jun,
  eprint        = {1706.03762},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CL},
  url           = {https://arxiv.org/abs/1706.03762},
  abstract      = {The dominant models cost $O(n^2)$ \& more than 50\% of the compute\_budget.},
  comments      = {15 pages, 5 figures}
}

@inproceedings{zhong2024distserve,
  author    = {Yinmin Zhong and Xin Jin and Hao Zhang},
  title     = {{DistServe}: Disaggregating Prefill and Decoding for {LLM} Serving},
  booktitle = {18th USENIX Symposium on Operating Systems Design and Implementation (OSDI 24)},
  year      = {2024},
  month     = jul,
  url       = {https://www.usenix.org/conference/osdi24/presentation/zhong-yinmin},
  isbn      = {978-1-939133-40-3},
  pages     = {193--210},
  publisher = {USENIX Association}
}
"""

GOLDEN_BIBLATEX = r"""@online{geminiteam2023gemini,
  author      = {{Gemini Team}},
  title       = {Gemini: A Family of Highly Capable Multimodal Models},
  year        = {2023},
  month       = dec,
  eprint      = {2312.11805},
  eprinttype  = {arxiv},
  eprintclass = {cs.CL},
  pubstate    = {prepublished},
  doi         = {10.48550/arxiv.2312.11805},
  url         = {https://arxiv.org/abs/2312.11805}
}

@misc{godel1931uber,
  author = {Kurt Gödel and García Márquez, Juan Pablo},
  title  = {Über die Gödel'sche Lücke: \#1 in \{curly\} \textasciitilde{} \textasciicircum{} \textbackslash{} \_ tricks},
  year   = {1931},
  url    = {https://example.org/a_b%20c?x=%7By%7D}
}

@article{jumper2021highly,
  author       = {John Jumper and Richard Evans and {DeepMind Team}},
  title        = {Highly accurate protein structure prediction with {AlphaFold}},
  journaltitle = {Nature},
  year         = {2021},
  month        = jul,
  doi          = {10.1038/s41586-021-03819-2},
  url          = {https://www.nature.com/articles/s41586-021-03819-2},
  number       = {7873},
  pages        = {583--589},
  volume       = {596}
}

@online{vaswani2017attention,
  author      = {Ashish Vaswani and Noam Shazeer and Łukasz Kaiser},
  title       = {Attention Is All You Need},
  year        = {2017},
  month       = jun,
  eprint      = {1706.03762},
  eprinttype  = {arxiv},
  eprintclass = {cs.CL},
  pubstate    = {prepublished},
  url         = {https://arxiv.org/abs/1706.03762},
  abstract    = {The dominant models cost $O(n^2)$ \& more than 50\% of the compute\_budget.},
  comments    = {15 pages, 5 figures}
}

@inproceedings{zhong2024distserve,
  author    = {Yinmin Zhong and Xin Jin and Hao Zhang},
  title     = {{DistServe}: Disaggregating Prefill and Decoding for {LLM} Serving},
  booktitle = {18th USENIX Symposium on Operating Systems Design and Implementation (OSDI 24)},
  year      = {2024},
  month     = jul,
  url       = {https://www.usenix.org/conference/osdi24/presentation/zhong-yinmin},
  isbn      = {978-1-939133-40-3},
  pages     = {193--210},
  publisher = {USENIX Association}
}
"""


@pytest.fixture
def library(db):
    for paper in LIBRARY:
        store.save_paper(db, paper)
    return db


@pytest.mark.parametrize("mode, golden", [("bibtex", GOLDEN_BIBTEX),
                                          ("biblatex", GOLDEN_BIBLATEX)])
def test_golden_export(library, mode, golden):
    assert export_bibtex(library, None, mode=mode).text == golden


@pytest.mark.parametrize("golden", [GOLDEN_BIBTEX, GOLDEN_BIBLATEX])
def test_golden_exports_parse_cleanly(golden):
    parsed = bibtexparser.parse_string(golden)
    assert (len(parsed.entries), len(parsed.failed_blocks)) == (5, 0)
    assert pybtex.errors.strict  # pybtex raises on anything it would only warn about
    data = pybtex.database.parse_string(golden, "bibtex")
    assert sorted(data.entries) == [e.key for e in parsed.entries]
    assert [str(p) for p in data.entries["godel1931uber"].persons["author"]][1] == (
        "Garc{\\'\\i}a M{\\'a}rquez, Juan Pablo" if "\\\"" in golden else
        "García Márquez, Juan Pablo")


def test_render_takes_paper_objects_in_any_order(library):
    papers = list(store.iter_papers(library))
    assert render_bibtex(reversed(papers)) == render_bibtex(papers) == GOLDEN_BIBTEX
    with pytest.raises(ValueError, match="mode must be one of"):
        render_bibtex(papers, mode="ris")


@pytest.mark.parametrize("title, expected", [
    ("LLM Serving with DistServe and JAX", "{LLM} Serving with {DistServe} and {JAX}"),
    ("Attention Is All You Need", "Attention Is All You Need"),
    ("GPT-4 on iPhone in 3D", "{GPT}-4 on {iPhone} in {3D}"),
    ("Costs $O(n \\log n)$ for $x$", "Costs {$O(n \\log n)$} for {$x$}"),
    ("From $5 to $10 & 50% #1_a", "From \\$5 to \\$10 \\& 50\\% \\#1\\_a"),
    ("Œuvre Ørsted", "{\\OE}uvre {\\O}rsted"),
])
def test_titles_escape_once_keep_math_and_protect_only_odd_capitals(title, expected):
    assert escape_title(title, "bibtex") == expected


def test_names():
    assert format_name("Ludwig van Beethoven") == "Ludwig van Beethoven"
    assert format_name("Johnson & Johnson Research Lab") == "{Johnson \\& Johnson Research Lab}"
    assert format_name("The LaTeX3 Project") == "{The LaTeX3 Project}"
    assert format_name("Wei Ai") == "Wei Ai"
    assert format_name("Łukasz Kaiser", "biblatex") == "Łukasz Kaiser"


def test_entry_types():
    base = {"citekey": "k", "title": "T", "authors": ["A B"], "year": 2020}
    cases = [
        ({"entry_type": "article", "venue": "J"}, "article", "article"),
        ({"entry_type": "article"}, "misc", "misc"),  # no journal: not an @article
        ({"entry_type": "article", "arxiv_id": "2001.00001"}, "misc", "online"),
        ({"entry_type": "inproceedings", "venue": "C"}, "inproceedings", "inproceedings"),
        ({"entry_type": "preprint", "arxiv_id": "2001.00001"}, "misc", "online"),
        ({"entry_type": "webpage"}, "misc", "online"),
        ({"entry_type": "phdthesis"}, "phdthesis", "phdthesis"),
        ({"entry_type": "report"}, "techreport", "report"),
        ({"entry_type": "dataset"}, "misc", "dataset"),
        ({}, "misc", "misc"),
    ]
    for fields, in_bibtex, in_biblatex in cases:
        paper = {**base, **fields}
        assert (bibtex.entry_type(paper, "bibtex"), bibtex.entry_type(paper, "biblatex")) == (
            in_bibtex, in_biblatex), fields


def test_unchanged_library_rewrites_nothing(library, tmp_path):
    path = tmp_path / "out" / "refs.bib"
    first = export_bibtex(library, path)
    stamp = path.stat().st_mtime_ns
    again = export_bibtex(library, path)
    assert (first.written, again.written, path.read_text()) == (True, False, GOLDEN_BIBTEX)
    assert path.stat().st_mtime_ns == stamp
    paper = store.get_paper_by_citekey(library, "jumper2021highly")
    store.update_paper(library, paper["id"], tags=["biology"])  # tags are not in the .bib
    assert export_bibtex(library, path).written is False
    store.save_paper(library, {"doi": "10.1038/s41586-021-03819-2", "title": "x",
                               "extra": {"issn": "0028-0836"}})
    assert export_bibtex(library, path).written is True
    assert "issn    = {0028-0836}" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["refs.bib"]  # no temporary file left


def test_filters(library, tmp_path):
    def keys(**filters):
        text = export_bibtex(library, None, **filters).text
        return [e.key for e in bibtexparser.parse_string(text).entries]

    assert keys(tag="nlp") == ["vaswani2017attention", "zhong2024distserve"]
    assert keys(where="year >= ?", params=[2021]) == [
        "geminiteam2023gemini", "jumper2021highly", "zhong2024distserve"]
    assert keys(since="2000-01-01") == keys() and keys(since="2999-01-01") == []
    assert keys(keys=["JUMPER2021HIGHLY", "godel1931uber"]) == [
        "godel1931uber", "jumper2021highly"]
    aux = tmp_path / "paper.aux"
    aux.write_text("\\relax\n\\citation{vaswani2017attention,godel1931uber}\n"
                   "\\abx@aux@cite{0}{zhong2024distserve}\n\\citation{missing2020}\n")
    result = export_bibtex(library, None, aux=aux)
    assert [e.key for e in bibtexparser.parse_string(result.text).entries] == [
        "godel1931uber", "vaswani2017attention", "zhong2024distserve"]
    assert result.missing == ["missing2020"]
    aux.write_text("\\citation{*}\n")
    assert len(keys(aux=aux)) == 5


def test_export_command(library, db_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--mode", "biblatex"])
    assert (result.exit_code, result.stdout) == (0, GOLDEN_BIBLATEX)
    out = tmp_path / "out.bib"
    result = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "-o", str(out),
                                 "--tag", "systems"])
    assert result.exit_code == 0 and "1 entry written" in result.stderr
    assert out.read_text().startswith("@inproceedings{zhong2024distserve,")
    result = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--where", "nope ="])
    assert result.exit_code == 1 and result.stderr.startswith("Error: export failed:")
    result = runner.invoke(cli, ["--db", str(db_path), "export", "bibtex", "--key", "nope"])
    assert (result.exit_code, result.stdout) == (0, "")
    assert "no paper with key nope" in result.stderr


def test_page_details_in_extra_are_not_exported_but_bibliographic_ones_are():
    from papershelf.exports.bibtex import render_bibtex

    paper = {"citekey": "vaswani2017attention", "title": "Attention Is All You Need",
             "authors": ["Ashish Vaswani"], "year": 2017, "arxiv_id": "1706.03762",
             "entry_type": "preprint", "extra": {"version_date": "2023-08-02", "upvotes": 12,
                                                 "comments": "15 pages, 5 figures"}}
    text = render_bibtex([paper], mode="bibtex")
    assert "version_date" not in text and "upvotes" not in text
    assert "comments = {15 pages, 5 figures}" in " ".join(text.split())
