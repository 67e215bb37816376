"""pybtex as BibTeX: run plain.bst and IEEEtran.bst over exports, as LaTeX would via an .aux.

No TeX installation is needed: pybtex interprets the .bst itself. The .bst files come
from TeX Live (Debian packages texlive-base: plain.bst, texlive-publishers: IEEEtran.bst)
or from PAPERSHELF_BST_DIR (e.g. the tests/data folder of pybtex's source release).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pybtex.auxfile
import pybtex.errors
import pytest
from pybtex.bibtex import BibTeXEngine

from papershelf.exports.bibimport import import_file
from papershelf.exports.bibtex import export_bibtex
from papershelf.server.clipping import clip_page

STYLES = ["plain", "IEEEtran"]
TEXLIVE = Path("/usr/share/texlive/texmf-dist/bibtex/bst")
# Fixture pages of single papers and the address each was saved from.
PAGES = {
    "arxiv_abs_1706.03762v7_2026.html": "https://arxiv.org/abs/1706.03762v7",
    "arxiv_abs_2106.09608v2_2021.html": "https://arxiv.org/abs/2106.09608v2",
    "arxiv_abs_2605.11638v1_versioned_2026.html": "https://arxiv.org/abs/2605.11638v1",
    "acl_2021.naacl-main.208.html": "https://aclanthology.org/2021.naacl-main.208/",
    "acl_N04-1001.html": "https://aclanthology.org/N04-1001/",
    "pmlr_v139_radford21a_CLIP.html": "https://proceedings.mlr.press/v139/radford21a.html",
    "springer_s10924-010-0192-1.html":
        "https://link.springer.com/article/10.1007/s10924-010-0192-1",
    "nature_s41586-021-03819-2.html": "https://www.nature.com/articles/s41586-021-03819-2",
    "plosone_10.1371_journal.pone.0000001.html":
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0000001",
    "biorxiv_2020.03.22.002386v3.html":
        "https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3",
    "usenix_goyal.html": "https://www.usenix.org/conference/nsdi21/presentation/goyal",
    "aps_PhysRevX.12.041027.html":
        "https://journals.aps.org/prx/abstract/10.1103/PhysRevX.12.041027",
    "hf_paper_2407.07061_constructed.html": "https://huggingface.co/papers/2407.07061",
    "hal_jpa-00235190.html": "https://hal.science/jpa-00235190",
    "iopscience_ab007b.html": "https://iopscience.iop.org/article/10.1088/1361-6528/ab007b",
    "pmc_PMC3531190.html": "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3531190/",
    "sciencedirect_S2352485522001888.html":
        "https://www.sciencedirect.com/science/article/abs/pii/S2352485522001888",
}


def find_bst(name):
    """Return the path of name.bst (without the suffix, as pybtex wants it), or None."""
    folders = [Path(os.environ["PAPERSHELF_BST_DIR"])] if os.environ.get("PAPERSHELF_BST_DIR") else []
    folders += [TEXLIVE / "base", TEXLIVE / "ieeetran"]
    for folder in folders:
        if (folder / f"{name}.bst").is_file():
            return folder / name
    if shutil.which("kpsewhich"):
        found = subprocess.run(["kpsewhich", f"{name}.bst"], capture_output=True, text=True,
                               check=False)
        if found.returncode == 0 and found.stdout.strip():
            return Path(found.stdout.strip()).with_suffix("")
    return None


def require_bst(name):
    """Return the style's path; skip without it (fail under CI, where it must be installed)."""
    path = find_bst(name)
    if path is None:
        message = (f"{name}.bst not found: install texlive-base and texlive-publishers"
                   " or set PAPERSHELF_BST_DIR")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(params=STYLES)
def style(request):
    return require_bst(request.param)


def run_bibtex(bib, style, tmp_path, capsys):
    """Write an .aux citing every key of bib, run the style on it; return (bbl, warnings)."""
    import bibtexparser

    keys = [e.key for e in bibtexparser.parse_string(Path(bib).read_text()).entries]
    aux = tmp_path / f"{style.name}-{Path(bib).stem}.aux"
    aux.write_text("\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys)
                   + f"\\bibstyle{{{style.name}}}\n\\bibdata{{{Path(bib).stem}}}\n")
    data = pybtex.auxfile.parse_file(str(aux))
    assert (list(data.citations), data.style) == (keys, style.name)
    bbl = aux.with_suffix(".bbl")
    with pybtex.errors.capture() as errors:
        BibTeXEngine().format_from_files([str(bib)], style=str(style),
                                         citations=data.citations, output_filename=str(bbl))
    capsys.readouterr()  # IEEEtran.bst prints its banner
    return bbl.read_text(), [str(e) for e in errors]


@pytest.fixture(scope="module")
def clipped_library(tmp_path_factory):
    from papershelf.server.schema import open_db
    from tests.conftest import _fixtures_dir

    pages = _fixtures_dir() / "pages"
    if not pages.is_dir():
        pytest.skip("fixture pages not found")
    db = open_db(tmp_path_factory.mktemp("clip") / "papershelf.db")
    for name, url in PAGES.items():
        outcome = clip_page(db, url, (pages / name).read_text(encoding="utf-8", errors="replace"))
        assert outcome.kind == "saved", (name, outcome.error)
    yield db
    db.close()


def test_clipped_library_formats_without_warnings(clipped_library, style, tmp_path, capsys):
    bib = tmp_path / "clipped.bib"
    result = export_bibtex(clipped_library, bib, mode="bibtex")
    assert result.count >= 15
    bbl, warnings = run_bibtex(bib, style, tmp_path, capsys)
    assert warnings == []
    assert bbl.count("\\bibitem") == result.count
    assert "\\bibitem{vaswani2017attention}" in bbl


@pytest.mark.parametrize("name", ["xampl.bib", "biblatex-examples.bib"])
def test_imported_file_warns_no_more_than_the_original(name, style, tmp_path, capsys, db,
                                                       fixtures_dir):
    assert_no_more_warnings(fixtures_dir / "bib" / name, style, tmp_path, capsys, db)


def test_large_imported_file_warns_no_more_than_the_original(tmp_path, capsys, db,
                                                             fixtures_dir):
    """The 2,700-entry TUGboat file, with plain.bst only (a style costs 5 s here)."""
    style = require_bst("plain")
    assert_no_more_warnings(fixtures_dir / "bib" / "tugboat_beebe.bib", style, tmp_path,
                            capsys, db)


def assert_no_more_warnings(original, style, tmp_path, capsys, db):
    report = import_file(db, original)
    bib = tmp_path / "exported.bib"
    export_bibtex(db, bib, mode="bibtex")
    _, before = run_bibtex(original, style, tmp_path, capsys)
    bbl, after = run_bibtex(bib, style, tmp_path, capsys)
    assert bbl.count("\\bibitem") == report.created
    # Fewer is expected: entries merged or refused, BibLaTeX types and fields mapped.
    assert len(after) <= len(before), sorted(set(after) - set(before))
