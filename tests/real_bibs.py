"""The real .bib files written by others that the import/export tests read, in place.

Two homes: the shared recorded fixtures (PAPERSHELF_FIXTURES) and the bib folder of TeX
Live's texmf-dist, where Debian's texlive-bibtex-extra installs them.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import _fixtures_dir

ARCHAEOLOGIE = "bibtex/bib/archaeologie/archaeologie-"


@dataclass(frozen=True)
class RealBib:
    where: str  # "fixtures" or "texlive"
    path: str  # relative to its home
    companions: tuple = ()  # strings files that define the macros it leaves undefined
    encoding: str = "utf8"  # inputenc's and biblatex's name for the file's encoding
    large: bool = False  # thousands of entries: minutes of TeX

    def file(self):
        return home(self.where) / self.path

    def companion_files(self):
        return [home(self.where) / c for c in self.companions]


REAL_BIBS = {
    "xampl.bib": RealBib("fixtures", "bib/xampl.bib"),
    "biblatex-examples.bib": RealBib("fixtures", "bib/biblatex-examples.bib"),
    "pybtex IEEEtran.bib": RealBib("fixtures", "bib/pybtex_tests/IEEEtran.bib"),
    "pybtex cyrillic.bib": RealBib("fixtures", "bib/pybtex_tests/cyrillic.bib"),
    "pybtex extrafields.bib": RealBib("fixtures", "bib/pybtex_tests/extrafields.bib"),
    "pybtex xampl_mixed.bib": RealBib("fixtures", "bib/pybtex_tests/xampl_mixed.bib"),
    "crossref content negotiation": RealBib(
        "fixtures", "bib/crossref_doi_contentneg_10.3847_1538-3881_aa9e09.bib"),
    "texgraph.bib": RealBib("texlive", "bibtex/bib/beebe/texgraph.bib"),
    "type.bib": RealBib("texlive", "bibtex/bib/beebe/type.bib"),
    "texnique.bib": RealBib("texlive", "bibtex/bib/beebe/texnique.bib"),
    "serif.bib": RealBib("texlive", "bibtex/bib/beebe/serif.bib"),
    # biblatex-archaeologie's style loads its strings files before the user's .bib.
    "archaeologie-examples.bib": RealBib("texlive", ARCHAEOLOGIE + "examples.bib", (
        ARCHAEOLOGIE + "lstabbrv.bib", ARCHAEOLOGIE + "lstlocations.bib",
        ARCHAEOLOGIE + "lstpublishers.bib")),
    "archaeologie-bibcorpora.bib": RealBib("texlive", ARCHAEOLOGIE + "bibcorpora.bib", (
        ARCHAEOLOGIE + "lstabbrv.bib",)),
    "oberdiek-bundle.bib": RealBib("texlive", "bibtex/bib/oberdiek/oberdiek-bundle.bib"),
    "jurabib jbtest.bib": RealBib("texlive", "bibtex/bib/jurabib/jbtest.bib", (), "latin1"),
    "harvard.bib": RealBib("texlive", "bibtex/bib/harvard/harvard.bib"),
    "typeset.bib": RealBib("texlive", "bibtex/bib/beebe/typeset.bib", large=True),
    "texbook2.bib": RealBib("texlive", "bibtex/bib/beebe/texbook2.bib", large=True),
    "font.bib": RealBib("texlive", "bibtex/bib/beebe/font.bib", large=True),
    "archaeologie-bibancient.bib": RealBib("texlive", ARCHAEOLOGIE + "bibancient.bib",
                                           large=True),
    "tugboat_beebe.bib": RealBib("fixtures", "bib/tugboat_beebe.bib", large=True),
    "contextlab_cdl.bib": RealBib("fixtures", "bib/contextlab_cdl.bib", large=True),
    "acl_anthology_P_acl_all_2019.bib": RealBib(
        "fixtures", "bib/acl_anthology_P_acl_all_2019.bib", large=True),
}


def home(where):
    if where == "fixtures":
        return _fixtures_dir()
    return texmf_dist()


def texmf_dist():
    """Return TeX Live's texmf-dist folder (`kpsewhich -var-value TEXMFDIST`)."""
    if shutil.which("kpsewhich") is None:
        return Path("/usr/share/texlive/texmf-dist")
    found = subprocess.run(["kpsewhich", "-var-value", "TEXMFDIST"], capture_output=True,
                           text=True, check=True)
    return Path(found.stdout.strip())


def require(bib):
    """Return the file of a RealBib; skip when absent (fail under CI, where it must be)."""
    path = bib.file()
    if path.is_file() and all(c.is_file() for c in bib.companion_files()):
        return path
    reason = (f"{path} not found: set PAPERSHELF_FIXTURES / install texlive-bibtex-extra")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
