"""Shared by the citing tests: a library built from the shared fixtures, and Pandoc run for real."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from papershelf.exports.bibimport import import_file
from papershelf.server.clipping import clip_page

HERE = Path(__file__).resolve().parent
MANUSCRIPTS = HERE / "fixtures" / "manuscripts"
CSL_SCHEMA = HERE / "fixtures" / "csl" / "csl-data.json"
# Saved pages of single papers (arXiv, Hugging Face, ACL, publishers) and their addresses.
PAGES = {
    "arxiv_abs_1706.03762v7_2026.html": "https://arxiv.org/abs/1706.03762v7",
    "arxiv_abs_2106.09608v2_2021.html": "https://arxiv.org/abs/2106.09608v2",
    "arxiv_abs_2605.11638v1_versioned_2026.html": "https://arxiv.org/abs/2605.11638v1",
    "hf_paper_2407.07061_constructed.html": "https://huggingface.co/papers/2407.07061",
    "hf_paper_2407.09920_constructed.html": "https://huggingface.co/papers/2407.09920",
    "acl_2021.naacl-main.208.html": "https://aclanthology.org/2021.naacl-main.208/",
    "acl_N04-1001.html": "https://aclanthology.org/N04-1001/",
    "neurips_proceedings_2017_attention_3f5ee243.html":
        "https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
    "pmlr_v139_radford21a_CLIP.html": "https://proceedings.mlr.press/v139/radford21a.html",
    "nature_s41586-021-03819-2.html": "https://www.nature.com/articles/s41586-021-03819-2",
    "plosone_10.1371_journal.pone.0000001.html":
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0000001",
    "biorxiv_2020.03.22.002386v3.html":
        "https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3",
    "aps_PhysRevX.12.041027.html":
        "https://journals.aps.org/prx/abstract/10.1103/PhysRevX.12.041027",
    "springer_s10924-010-0192-1.html":
        "https://link.springer.com/article/10.1007/s10924-010-0192-1",
    "usenix_goyal.html": "https://www.usenix.org/conference/nsdi21/presentation/goyal",
    "hal_jpa-00235190.html": "https://hal.science/jpa-00235190",
    "sciencedirect_S2352485522001888.html":
        "https://www.sciencedirect.com/science/article/abs/pii/S2352485522001888",
}
# Real bibliographies: BibTeX's own example file and those of the sample manuscripts.
BIB_FILES = ["xampl.bib"]
MANUSCRIPT_BIBS = ["joss_tikhonovfenichel_paper.bib", "quarto_elsevier_bibliography.bib",
                   "typst_charged_ieee_refs.bib"]


def build_library(db, fixtures_dir, extra_bibs=()):
    """Clip every fixture page into db and import the real .bib files; return db."""
    for name, url in PAGES.items():
        html = (fixtures_dir / "pages" / name).read_text(encoding="utf-8", errors="replace")
        outcome = clip_page(db, url, html)
        assert outcome.kind == "saved", (name, outcome.error)
    bibs = [fixtures_dir / "bib" / n for n in [*BIB_FILES, *extra_bibs]]
    for path in bibs + [MANUSCRIPTS / n for n in MANUSCRIPT_BIBS]:
        report = import_file(db, path)
        assert report.created + report.merged > 0, path
    return db


def require_pandoc():
    """Return the pandoc executable; skip without it (fail under CI, where tests/run installs it)."""
    found = shutil.which("pandoc")
    if found is None:
        message = "pandoc not found: install Debian's pandoc (tests/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def pandoc(*args, stdin=None):
    """Run pandoc; return the finished process (stdout, stderr as text)."""
    return subprocess.run([require_pandoc(), *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)


def pandoc_citations(path, reader):
    """Return the citation keys Pandoc's own reader finds in a document, in its order."""
    result = pandoc("-f", reader, "-t", "json", path)
    assert result.returncode == 0, result.stderr
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("t") == "Cite":
                found.extend(c["citationId"] for c in node["c"][0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(result.stdout))
    return found
