"""Import loses nothing, proven by TeX Live: every key of real .bib files still compiles.

Each file written by others is imported into a fresh library and exported in both modes;
a document citing every key of the input is compiled with pdflatex + bibtex (plain.bst,
the BibTeX export selected by the document's .aux, as `--aux` does) and with pdflatex +
biber (the whole BibLaTeX export). The same document over the input file itself is the
baseline, compiled in the same run: the export must give a PDF, leave no citation
undefined (but one that a note in the input cites under a key the input does not have),
bring no more bibtex/biber errors than the input did, and no pdflatex error of its own
(an undefined command or a character the input files hold themselves is theirs: a
BibTeX-mode export prints fields plain.bst ignored in the input, such as biblatex's
journaltitle, renamed journal). The
compiles run in parallel processes, as many as there are cores.

PAPERSHELF_TEX_LARGE=1 adds the large files (thousands of entries, minutes each).
"""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from papershelf.exports.bibimport import import_file
from papershelf.exports.bibtex import export_bibtex
from papershelf.server import store
from papershelf.server.schema import open_db
from tests.real_bibs import REAL_BIBS, require
from tests.texlive_support import (
    ENGINES,
    compile_document,
    input_keys,
    introduced_errors,
    texlive_or_skip,
)

# The real files (tests/real_bibs.py); the large ones with PAPERSHELF_TEX_LARGE=1.
FILES = {name: bib for name, bib in REAL_BIBS.items()
         if not bib.large or os.environ.get("PAPERSHELF_TEX_LARGE") == "1"}


@dataclass
class FileResult:
    keys: list  # every key of the input
    resolved: list  # the keys the library resolves (as a key or an alias)
    sources: list  # the input and its companion strings files
    entries_out: dict = field(default_factory=dict)  # mode -> entries exported
    baseline: dict = field(default_factory=dict)  # engine -> Outcome for the input itself
    export: dict = field(default_factory=dict)  # engine -> Outcome for papershelf's export


def _exporter(db_path, mode, result):
    """Return the hook that writes refs.bib once the first pdflatex run wrote doc.aux."""
    def write(folder):
        db = open_db(db_path)
        try:
            aux = folder / "doc.aux" if mode == "bibtex" else None  # biblatex: the whole library
            done = export_bibtex(db, folder / "refs.bib", mode=mode, aux=aux)
            result.entries_out[mode] = done.count
        finally:
            db.close()
    return write


def _selected(session):
    """Return the FILES the session runs (all, or those -k chose), in FILES order."""
    chosen = {item.callspec.params.get("name") for item in session.items
              if item.module.__name__ == __name__ and hasattr(item, "callspec")}
    return {name: spec for name, spec in FILES.items() if name in chosen}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, request):
    texlive_or_skip()
    root = tmp_path_factory.mktemp("texlive")
    results, jobs = {}, []
    files = _selected(request.session)
    for number, (name, bib) in enumerate(files.items()):
        source, strings = require(bib), bib.companion_files()
        db_path = root / f"{number}.db"
        db = open_db(db_path)
        import_file(db, source)
        keys = input_keys(source)
        result = results[name] = FileResult(
            keys, [k for k in keys if store.get_paper_by_citekey(db, k) is not None],
            [*strings, source])
        db.close()
        for engine in ENGINES:
            mode = "bibtex" if engine == "bibtex" else "biblatex"
            jobs.append((result.baseline, engine, root / f"{number}-input-{engine}", keys,
                         [*strings, source], None, bib.encoding))
            jobs.append((result.export, engine, root / f"{number}-export-{engine}", keys,
                         [*strings, root / f"{number}-export-{engine}" / "refs.bib"],
                         _exporter(db_path, mode, result), "utf8"))

    def run(job):
        outcomes, engine, folder, keys, bibs, hook, encoding = job
        outcomes[engine] = compile_document(folder, keys, bibs, engine, hook, encoding)

    # Longest first, so that the large files do not finish last on one core.
    jobs.sort(key=lambda job: -len(job[3]))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(run, jobs))
    return results


@pytest.mark.parametrize("name", FILES)
def test_every_key_of_a_real_file_compiles_after_import_and_export(compiled, name):
    result = compiled[name]
    print(f"{name}: {len(result.keys)} keys in, {len(result.resolved)} resolve; entries out"
          f" {result.entries_out}; input " + "; ".join(o.brief() for o in result.baseline.values())
          + " | export " + "; ".join(o.brief() for o in result.export.values()))
    assert result.resolved == result.keys  # every key of the input names a paper
    for engine in ENGINES:
        before, after = result.baseline[engine], result.export[engine]
        assert before.pdf, before.brief()  # the input itself compiles: the baseline is real
        assert after.pdf, after.brief()
        # Every key the document cites is defined. xampl_mixed.bib's own note cites
        # \cite{book-full}, a key it spells boOK-Full: LaTeX keys are case-sensitive, and
        # the input leaves that citation undefined too.
        assert set(after.undefined) <= set(before.undefined) - set(result.keys), after.brief()
        assert after.errors <= before.errors, (before.brief(), after.brief())
        assert introduced_errors(before.tex_errors, after.tex_errors, result.sources) == [], (
            before.brief(), after.brief())


# Text as clips and the API bring it (no LaTeX of its own): every special TeX has.
NASTY = [
    {"title": "50% of R&D: #1 a_b ~x^2 \\ {x} and $O(n \\log n)$ time",
     "venue": "J & Co #2", "entry_type": "article", "year": 2020,
     "authors": ["José Núñez", "The R&D Team", "Ana de la Cruz"],
     "url": "https://example.org/a b{c}%20#x",
     "doi": "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0",
     "extra": {"issn": "0001-0782 (print), 1557-7317 (electronic)", "pages": "1--10",
               "note": "50% _done_ ~ok^ \\end{document} }{", "publisher": "A&B"}},
    {"title": "Unbalanced } and { braces, $50%$ off, pay $5 or $6, $x\\$ cost",
     "authors": ["Zoë Ünal"], "year": 2021, "entry_type": "misc"},
    {"title": "Über naïve Łódź — “quotes” … Æsop œuvre ı İ Š, $Æ$ and e\u0301",
     "authors": ["Åsa Ørsted"], "year": 2022, "entry_type": "misc",
     "extra": {"note": "--flag ''quoted'' ``x'' \\textbf{not a command} 100%"}},
    {"title": "An arXiv preprint with a_b in it", "arxiv_id": "2401.00001v2",
     "arxiv_category": "cs.LG", "authors": ["Li Wei"], "year": 2024},
]


@pytest.mark.parametrize("engine", ENGINES)
def test_text_with_every_tex_special_compiles_without_an_error(engine, tmp_path):
    texlive_or_skip()
    db_path = tmp_path / "papershelf.db"
    db = open_db(db_path)
    keys = [store.save_paper(db, paper).paper["citekey"] for paper in NASTY]
    db.close()
    result = FileResult(keys, keys, [])
    mode = "bibtex" if engine == "bibtex" else "biblatex"
    outcome = compile_document(tmp_path / engine, keys, [tmp_path / engine / "refs.bib"],
                               engine, _exporter(db_path, mode, result))
    assert result.entries_out == {mode: len(NASTY)}
    assert (outcome.pdf, outcome.undefined, outcome.errors, outcome.tex_errors) == (
        True, [], 0, []), outcome.brief()
