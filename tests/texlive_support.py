"""TeX Live for the tests: compile a document citing every key of a .bib file, count what broke.

Two pipelines, as a LaTeX user runs them: pdflatex + bibtex (plain.bst) + pdflatex twice,
and pdflatex + biber (biblatex) + pdflatex. An Outcome says whether a PDF came out, which
citations LaTeX left undefined, and how many errors bibtex or biber and pdflatex reported.
"""

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ENGINES = ("bibtex", "biber")
PROGRAMS = ("pdflatex", "bibtex", "biber", "kpsewhich")
TIMEOUT = 1200  # seconds for one program run; biber takes about 10 ms an entry
# An entry as BibTeX sees one: @type{key, or @type(key, — not @string, @preamble, @comment.
_ENTRY_KEY = re.compile(r"^[ \t]*@[ \t]*(?!string\b|preamble\b|comment\b)[A-Za-z]+[ \t]*[{(]"
                        r"[ \t\n]*([^,\s{}()]+)[ \t]*,", re.IGNORECASE | re.MULTILINE)
_UNDEFINED = re.compile(r"Citation [`'](.+?)' on page \S+ undefined")
_BIBTEX_ERRORS = re.compile(r"\(There (?:were|was) (\d+) error message")
_PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
"""


@dataclass
class Outcome:
    engine: str
    pdf: bool
    undefined: list = field(default_factory=list)  # cited keys LaTeX reports undefined
    errors: int = 0  # error messages of bibtex or biber
    tex_errors: int = 0  # errors of the last pdflatex run ("! " lines in its log)
    seconds: float = 0.0

    def brief(self):
        return (f"{self.engine}: pdf={self.pdf} undefined={len(self.undefined)}"
                f" errors={self.errors} tex_errors={self.tex_errors} ({self.seconds:.0f} s)")


def texlive_or_skip():
    """Skip when TeX Live is missing (fail under CI, where tests/run installs it)."""
    missing = [p for p in PROGRAMS if shutil.which(p) is None]
    if not missing:
        return
    reason = (f"TeX Live programs missing: {', '.join(missing)} (apt-get install"
              " texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber)")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def texmf_dist():
    """Return TeX Live's texmf-dist folder (where texlive-bibtex-extra's .bib files live)."""
    found = subprocess.run(["kpsewhich", "-var-value", "TEXMFDIST"], capture_output=True,
                           text=True, check=True)
    return Path(found.stdout.strip())


def input_keys(path):
    """Return every entry key of a .bib file, read the way BibTeX finds them."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    keys = {}
    for key in _ENTRY_KEY.findall(text):
        keys.setdefault(key.casefold(), key)  # BibTeX keys are case-insensitive
    return list(keys.values())


def document(keys, bibs, engine):
    """Return a LaTeX document citing every key, its bibliography drawn from bibs in order."""
    cites = "".join("\\cite{" + ",".join(keys[i:i + 20]) + "}\n" for i in range(0, len(keys), 20))
    if engine == "bibtex":
        names = ",".join(str(b)[:-4] if str(b).endswith(".bib") else str(b) for b in bibs)
        return (_PREAMBLE + "\\usepackage{url}\n\\begin{document}\n" + cites
                + "\\bibliographystyle{plain}\n\\bibliography{" + names + "}\n\\end{document}\n")
    resources = "".join(f"\\addbibresource{{{b}}}\n" for b in bibs)
    return (_PREAMBLE + "\\usepackage[backend=biber,sorting=none]{biblatex}\n" + resources
            + "\\begin{document}\n" + cites + "\\printbibliography\n\\end{document}\n")


def _run(command, folder):
    return subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          errors="replace", timeout=TIMEOUT, check=False)


def compile_document(folder, keys, bibs, engine, before_bibliography=None):
    """Compile a document citing keys from bibs in folder; return its Outcome.

    before_bibliography(folder) runs after the first pdflatex run, when doc.aux exists
    (an export driven by the citations writes its .bib then).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.tex").write_text(document(keys, bibs, engine), encoding="utf-8")
    start = time.monotonic()
    latex = ["pdflatex", "-interaction=nonstopmode", "-file-line-error"]
    _run([*latex, "-draftmode", "doc.tex"], folder)
    if before_bibliography is not None:
        before_bibliography(folder)
    _run([engine, "doc"], folder)
    if engine == "bibtex":  # bibitems write \bibcite to the .aux; the next run reads them
        _run([*latex, "-draftmode", "doc.tex"], folder)
    _run([*latex, "doc.tex"], folder)  # biblatex reads the .bbl at \begin{document}
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    blg = folder / "doc.blg"
    blg = blg.read_text(encoding="utf-8", errors="replace") if blg.exists() else ""
    if engine == "bibtex":
        counted = _BIBTEX_ERRORS.search(blg)
        errors = int(counted.group(1)) if counted else 0
    else:
        errors = len(re.findall(r"> ERROR - ", blg))
    pdf = folder / "doc.pdf"
    return Outcome(engine=engine, pdf=pdf.exists() and pdf.stat().st_size > 0,
                   undefined=sorted(set(_UNDEFINED.findall(log))),
                   errors=errors, tex_errors=len(re.findall(r"^(?:! |\S+:\d+: )", log, re.M)),
                   seconds=time.monotonic() - start)
