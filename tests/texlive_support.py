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
import unicodedata
from collections import Counter
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
# A pdflatex error (with -file-line-error: "./doc.bbl:12: message") and the lines after it.
_TEX_ERROR = re.compile(r"^(?:! |\S+:\d+: )(.*)\n(?=((?:.*\n){0,6}))", re.MULTILINE)
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
    tex_errors: list = field(default_factory=list)  # error_signature() of each pdflatex error
    seconds: float = 0.0

    def brief(self):
        return (f"{self.engine}: pdf={self.pdf} undefined={len(self.undefined)}"
                f" errors={self.errors} tex_errors={len(self.tex_errors)} ({self.seconds:.0f} s)")


def error_signature(message, context):
    """Return what a pdflatex error is about: the undefined command, the character, or its text.

    "undefined \\psq" and "character U+0306" name something a .bib file can hold itself.
    """
    if message.startswith("Undefined control sequence"):
        line = next((ln for ln in context.splitlines() if re.match(r"l\.\d+ ", ln)), "")
        commands = re.findall(r"\\[A-Za-z@]+|\\.", line)
        return "undefined " + (commands[-1] if commands else "?")
    character = re.search(r"Unicode character .*\(U\+([0-9A-F]{4,6})\)", message + context)
    if character:
        return "character U+" + character.group(1)
    return " ".join(message.split())


def introduced_errors(before, after, sources):
    """Return the pdflatex errors after brings beyond before, less those of the sources' text.

    A command the .bib files use themselves (biblatex's \\psq in a file compiled with
    plain.bst) or a character they hold is the data's error, shown wherever a style prints
    that field; anything else is the exporter's.
    """
    text = unicodedata.normalize("NFD", "".join(
        Path(s).read_text(encoding="utf-8", errors="replace") for s in sources))
    allowed, introduced = Counter(before), []
    for signature, count in Counter(after).items():
        if count <= allowed[signature]:
            continue
        subject = signature.split(" ", 1)[-1]
        if signature.startswith("undefined ") and subject in text:
            continue
        if signature.startswith("character U+") and chr(int(subject[2:], 16)) in text:
            continue
        introduced.append(signature)
    return introduced


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


def input_keys(path):
    """Return every entry key of a .bib file, read the way BibTeX finds them."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    keys = {}
    for key in _ENTRY_KEY.findall(text):
        keys.setdefault(key.casefold(), key)  # BibTeX keys are case-insensitive
    return list(keys.values())


def document(keys, bibs, engine, encoding="utf8"):
    """Return a LaTeX document citing every key, its bibliography drawn from bibs in order.

    encoding: the .bib files' (inputenc's and biblatex's name for it: utf8, latin1).
    """
    cites = "".join("\\cite{" + ",".join(keys[i:i + 20]) + "}\n" for i in range(0, len(keys), 20))
    preamble = _PREAMBLE.replace("[utf8]", f"[{encoding}]")
    if engine == "bibtex":
        names = ",".join(str(b)[:-4] if str(b).endswith(".bib") else str(b) for b in bibs)
        return (preamble + "\\usepackage{url}\n\\begin{document}\n" + cites
                + "\\bibliographystyle{plain}\n\\bibliography{" + names + "}\n\\end{document}\n")
    resources = "".join(f"\\addbibresource{{{b}}}\n" for b in bibs)
    options = f"backend=biber,sorting=none,bibencoding={encoding}"
    return (preamble + f"\\usepackage[{options}]{{biblatex}}\n" + resources
            + "\\begin{document}\n" + cites + "\\printbibliography\n\\end{document}\n")


def _run(command, folder):
    return subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          errors="replace", timeout=TIMEOUT, check=False)


def compile_document(folder, keys, bibs, engine, before_bibliography=None, encoding="utf8"):
    """Compile a document citing keys from bibs in folder; return its Outcome.

    before_bibliography(folder) runs after the first pdflatex run, when doc.aux exists
    (an export driven by the citations writes its .bib then).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.tex").write_text(document(keys, bibs, engine, encoding), encoding="utf-8")
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
                   errors=errors,
                   tex_errors=[error_signature(*m.groups()) for m in _TEX_ERROR.finditer(log)],
                   seconds=time.monotonic() - start)
