"""Round trip: import real .bib files, export them, parse the export again.

The original is read by pybtex (an independent reader that resolves @string macros,
`#` concatenation and month macros); the export is read by bibtexparser 2 (0 failed
blocks) and by pybtex in strict mode. Field values are compared after turning LaTeX
into text on both sides (pylatexenc), so `{\\'E}` and `É` are the same value.
"""

import functools
import re
import unicodedata

import bibtexparser
import pybtex.database
import pybtex.errors
import pytest
from pybtex.bibtex.utils import split_name_list
from pylatexenc.latex2text import LatexNodes2Text

from papershelf.exports.bibimport import import_file
from papershelf.exports.bibtex import NAME_LIST_FIELDS, export_bibtex
from papershelf.server.schema import open_db

FIXTURES = ["xampl.bib", "biblatex-examples.bib", "tugboat_beebe.bib", "contextlab_cdl.bib"]
# Entries the import reports as failed, and why that is right: the store keeps papers,
# and a paper needs a title.
EXPECTED_FAILURES = {
    "xampl.bib": {
        "whole-journal": "entry has no title",  # a journal issue, no article in it
        "misc-minimal": "entry has no title",  # BibTeX's deliberately empty @misc
        "random-note-crossref": "entry has no title",  # only a key and a note
    },
    "biblatex-examples.bib": {
        "set": "entry has no title",  # @set: a list of other entries, not a work
        "stdmodel": "entry has no title",  # @set again
    },
    "tugboat_beebe.bib": {
        "program:TB24-3-306": "entry has no title",  # title = "{}"
        "program:TB25-1-4": "entry has no title",  # title = "{}"
    },
    "contextlab_cdl.bib": {},
}
# Fields compared under one name: BibLaTeX's and BibTeX's names for the same thing.
ALIASES = {"journaltitle": "journal", "eprinttype": "archiveprefix",
           "eprintclass": "primaryclass", "location": "address", "institution": "school"}
MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_TEXT = LatexNodes2Text(math_mode="verbatim")


@functools.cache
def text(value):
    """Return a LaTeX value as normalised text (a bare & and \\& are the same character)."""
    plain = _TEXT.latex_to_text(value.replace("\\&", "&"))
    return " ".join(unicodedata.normalize("NFC", plain).split())


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
    if isinstance(original, str):
        if " ".join(original.split()) == " ".join(exported.split()):
            return True
        original = normalised(field, original)
    return original == normalised(field, exported) or original in ("", ())


@pytest.fixture(scope="module", params=FIXTURES)
def imported(request, tmp_path_factory):
    from pathlib import Path

    from tests.conftest import _fixtures_dir

    path = _fixtures_dir() / "bib" / request.param
    if not path.exists():
        pytest.skip(f"fixture {path} not found")
    db = open_db(Path(tmp_path_factory.mktemp("rt")) / "papershelf.db")
    report = import_file(db, path)
    with pybtex.errors.capture():
        original = pybtex.database.parse_file(str(path))
    yield request.param, db, report, original
    db.close()


@pytest.mark.parametrize("mode", ["bibtex", "biblatex"])
def test_round_trip(imported, mode):
    name, db, report, original = imported
    assert {key: reason for _, key, reason in report.failed} == EXPECTED_FAILURES[name]
    export = export_bibtex(db, None, mode=mode).text

    parsed = bibtexparser.parse_string(export)
    assert parsed.failed_blocks == []
    assert pybtex.errors.strict
    strict = pybtex.database.parse_string(export, "bibtex")  # raises on any problem
    assert len(strict.entries) == len(parsed.entries)

    # Every entry is exported, merged into a paper it is (reported), or a reported failure.
    exported = {e.key: e for e in parsed.entries}
    assert report.created == len(exported)
    assert report.created + report.merged + len(report.failed) == len(original.entries)
    kept = {key for key, stored in report.keys.items() if key == stored}
    assert kept == set(exported)
    merged = {key: stored for key, stored in report.keys.items() if key != stored}
    assert set(merged.values()) <= set(exported)

    differences = []
    for key in kept:
        expected = original_fields(original.entries[key])
        fields = {ALIASES.get(f.key.lower(), f.key.lower()): f.value
                  for f in exported[key].fields}
        for field, value in expected.items():
            if field not in fields:
                if normalised(field, value) if isinstance(value, str) else value:
                    differences.append((key, field, value, None))  # an empty value may go
            elif not same(field, value, fields[field]):
                differences.append((key, field, value, fields[field]))
        date = original.entries[key].fields.get("date")
        if date and date[:4].isdigit():
            assert fields.get("year") == date[:4], key
    assert differences == []
