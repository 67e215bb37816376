"""Round trip: import real .bib files, export them, parse the export again: every field of
every entry comes back.

The original is read by pybtex (an independent reader that resolves @string macros,
`#` concatenation and month macros, with the file's companion strings files first); the
export is read by bibtexparser 2 (0 failed blocks) and by pybtex in strict mode, after the
same companions (the export leaves their macros for them to define). Field values are
compared after turning LaTeX into text on both sides (pylatexenc), so `{\\'E}` and `É` are
the same value. Every key of the input names an entry of the export: its own, or (merged
into another paper) its alias's entry in BibTeX mode and an `ids` in BibLaTeX mode.
"""

import functools
import os
import re
import unicodedata

import bibtexparser
import pybtex.database
import pybtex.database.input.bibtex
import pybtex.errors
import pytest
from pybtex.bibtex.utils import split_name_list
from pybtex.database.input.bibtex import UndefinedMacro
from pylatexenc.latex2text import LatexNodes2Text

from papershelf.exports.bibimport import import_file
from papershelf.exports.bibtex import NAME_LIST_FIELDS, export_bibtex
from papershelf.server.schema import open_db
from tests.real_bibs import REAL_BIBS, require

# Every real file, the largest (tens of thousands of lines) only with PAPERSHELF_TEX_LARGE=1
# but tugboat_beebe and contextlab_cdl, which ran here before.
ROUND_TRIP = [name for name, bib in REAL_BIBS.items()
              if not bib.large or name in ("tugboat_beebe.bib", "contextlab_cdl.bib")
              or os.environ.get("PAPERSHELF_TEX_LARGE") == "1"]
# Fields compared under one name: BibLaTeX's and BibTeX's names for the same thing.
ALIASES = {"journaltitle": "journal", "eprinttype": "archiveprefix",
           "eprintclass": "primaryclass", "location": "address", "institution": "school"}
MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_TEXT = LatexNodes2Text(math_mode="verbatim")


@functools.cache
def text(value):
    """Return a LaTeX value as normalised text (a bare & and \\& are the same character)."""
    plain = _TEXT.latex_to_text(value.replace("\\&", "&")).translate(_QUOTES)
    return " ".join(unicodedata.normalize("NFC", plain).split())


# TeX sets ' as ’ and ` as ‘: a BibTeX-mode export writes the typed form.
_QUOTES = str.maketrans({"’": "'", "‘": "`", "“": '"', "”": '"'})


def person_parts(persons):
    return [tuple(text(" ".join(words)) for words in (
        p.first_names + p.middle_names, p.prelast_names, p.last_names, p.lineage_names))
        for p in persons]


@functools.cache
def normalised(name, value):
    if name in NAME_LIST_FIELDS or name in ("author", "editor"):
        return tuple(person_parts([pybtex.database.Person(p) for p in split_name_list(value)]))
    if name == "month":
        word = value.strip().lower()[:3]
        return MONTHS.get(word) or (int(word) if word.isdigit() else text(value))
    if name in ("url", "doi"):
        return " ".join(value.split()).lower()  # DOIs are case-insensitive; stored lower
    if name == "eprint":
        return re.sub(r"v\d+$", "", value.strip())  # the version lives in arxiv_version
    if name == "archiveprefix":
        return value.lower()
    return text(value)


def original_fields(entry):
    """Return {field: (raw value, normalised value or None)} of a pybtex entry."""
    fields = {ALIASES.get(k.lower(), k.lower()): v for k, v in entry.fields.items()
              if k.lower() not in ("crossref", "date") and v.strip()}
    if "date" in {k.lower() for k in entry.fields}:
        fields.pop("year", None)  # a biblatex date becomes year (+ month): compared below
    for role, persons in entry.persons.items():
        fields[role.lower()] = tuple(person_parts(persons))
    return fields


def same(field, original, exported):
    """Return True when two values of a field mean the same (cheap when they are equal)."""
    if isinstance(exported, tuple):  # names, read into their parts by pybtex
        return original == exported or original == ()
    if isinstance(original, str):
        if " ".join(original.split()) == " ".join(exported.split()):
            return True
        original = normalised(field, original)
    return original == normalised(field, exported) or original in ("", ())


def parse(bib, path=None, text=None):
    """Return (pybtex's BibliographyData, its errors) of path or text, after the companions."""
    parser = pybtex.database.input.bibtex.Parser(
        encoding="latin-1" if bib.encoding == "latin1" else "UTF-8")
    with pybtex.errors.capture() as errors:
        for companion in bib.companion_files():
            parser.parse_file(str(companion))
        data = parser.parse_file(str(path)) if path else parser.parse_string(text)
    return data, errors


def undefined_macros(errors):
    return {e.args[0] for e in errors if isinstance(e, UndefinedMacro)}


@pytest.fixture(scope="module", params=ROUND_TRIP)
def imported(request, tmp_path_factory):
    bib = REAL_BIBS[request.param]
    path = require(bib)
    db = open_db(tmp_path_factory.mktemp("rt") / "papershelf.db")
    report = import_file(db, path)
    yield bib, db, report, *parse(bib, path=path)
    db.close()


def exported_fields(entry):
    fields = {ALIASES.get(k.lower(), k.lower()): v for k, v in entry.fields.items()}
    for role, persons in entry.persons.items():
        fields[role.lower()] = tuple(person_parts(persons))
    return fields


@pytest.mark.parametrize("mode", ["bibtex", "biblatex"])
def test_round_trip(imported, mode):
    bib, db, report, original, original_errors = imported
    assert report.failed == []  # every readable entry is imported
    export = export_bibtex(db, None, mode=mode, alias_entries=True).text

    assert bibtexparser.parse_string(export).failed_blocks == []
    back, errors = parse(bib, text=export)
    # No problem but those of the input's own: a macro it leaves undefined (written back as
    # the file wrote it), a syntax error pybtex finds in its companion strings file.
    assert undefined_macros(errors) <= undefined_macros(original_errors)
    assert {str(e) for e in errors if not isinstance(e, UndefinedMacro)} <= {
        str(e) for e in original_errors}

    by_key = {key.casefold(): entry for key, entry in back.entries.items()}
    for entry in back.entries.values():
        for alias in filter(None, map(str.strip, entry.fields.get("ids", "").split(","))):
            by_key.setdefault(alias.casefold(), entry)
    differences, unresolved = [], []
    for key, entry in original.entries.items():
        got = by_key.get(key.casefold())
        if got is None:
            unresolved.append(key)
            continue
        expected, fields = original_fields(entry), exported_fields(got)
        merged = report.keys.get(key, key).casefold() != key.casefold()
        for field, value in expected.items():
            if field not in fields:
                if normalised(field, value) if isinstance(value, str) else value:
                    differences.append((key, field, value, None))  # an empty value may go
            elif merged:
                continue  # merged into a paper with its own value for this field
            elif not same(field, value, fields[field]):
                differences.append((key, field, value, fields[field]))
        date = entry.fields.get("date")
        if date and date[:4].isdigit() and not merged:
            assert fields.get("date") == date or fields.get("year") == date[:4], key
    assert unresolved == []
    assert differences == []
