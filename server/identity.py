"""Identity and merge rules: when two records are the same paper, and how they combine.

DESIGN.md: the same arXiv id (any version), the same DOI, or the same normalised
title with the same first author and year is the same paper. A second clip merges
into the first: empty fields are filled, a newer arXiv version updates the record,
the reader's tags and notes are never lost.
"""

import re
import unicodedata

# Metadata an extractor or importer may supply; everything else on the paper
# object belongs to the library (id, citekey, timestamps) or to the reader.
METADATA_FIELDS = (
    "title", "authors", "abstract", "year", "published", "arxiv_id", "arxiv_version",
    "arxiv_category", "doi", "url", "pdf_url", "code_url", "venue", "entry_type",
    "source",
)
# extra keys holding what an imported file wrote for each field (the exporter writes it back
# while the field still holds the value it gave).
SOURCE_KEYS = ("_latex", "_bibtex")
# Fields a newer arXiv version may replace (the preprint itself changed).
VERSIONED_FIELDS = ("title", "authors", "abstract", "published", "year", "pdf_url", "url")

# arXiv numbers versions from 1; no paper has reached three digits.
MAX_ARXIV_VERSION = 9999
_NEW_ARXIV = re.compile(r"^(\d{4}\.\d{4,5})(?:v(\d+))?$")
_OLD_ARXIV = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:)", re.IGNORECASE)
# Words that mark an author string as an organisation ("Gemini Team"), named whole.
CORPORATE_WORDS = frozenset(
    ["team", "group", "consortium", "collaboration", "project", "committee", "institute", "university", "lab", "laboratory", "laboratories", "inc", "ltd", "llc", "corporation", "corp", "association", "society", "foundation", "organization", "organisation", "council", "agency", "commission", "community", "contributors", "authors", "workshop", "deepmind"]
)
_CORPORATE = re.compile(r"\b(?:" + "|".join(sorted(CORPORATE_WORDS)) + r")\b|\d|&| and ",
                        re.IGNORECASE).search


def split_arxiv_id(value):
    """Return (id without version, version or None) for an arXiv identifier, or (None, None)."""
    if not value:
        return None, None
    text = str(value).strip()
    if ":" in text:  # a listing asks this of every entry: the prefix search only when it may be
        text = _ARXIV_PREFIX.sub("", text).strip()
    for pattern in (_NEW_ARXIV, _OLD_ARXIV):
        match = pattern.match(text)
        if match:
            return match.group(1), arxiv_version(match.group(2))
    return None, None


def arxiv_version(value):
    """Return an arXiv version (int or digits) as an int from 1 to MAX_ARXIV_VERSION, or None."""
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,4}\s*", value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ARXIV_VERSION:
        return value
    return None


def normalize_doi(value):
    """Return a DOI lower-cased without resolver prefix, or None when there is none."""
    if not value:
        return None
    match = _DOI.search(str(value).strip())
    if not match:
        return None
    return match.group(0).rstrip(".,;)").lower()


def fold(text):
    """Return text without accents, case-folded, for comparisons."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalize_title(title):
    """Return the title reduced to lower-case ASCII-folded words joined by single spaces."""
    words = re.findall(r"\w+", fold(title))
    return " ".join(words)


def family_name(author):
    """Return the family name of a "Given Family" author string (or "Family, Given")."""
    author = (author or "").strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    return parts[-1] if parts else ""


def is_corporate(name):
    """Return True when an author string names an organisation rather than a person."""
    if " " not in name or "," in name:
        return False
    return _CORPORATE(name) is not None or " AI" in name


def identity_key(paper):
    """Return the title/first-author/year key, or None when any part is missing."""
    title = normalize_title(paper.get("title"))
    authors = paper.get("authors") or []
    year = paper.get("year")
    if not (title and authors and year):
        return None
    return f"{title}|{fold(family_name(authors[0]))}|{year}"


def clean_metadata(fields):
    """Return only known metadata fields, normalised (ids, DOI, year, authors)."""
    paper = {k: fields[k] for k in METADATA_FIELDS if fields.get(k) not in (None, "", [])}
    arxiv_id, version = split_arxiv_id(paper.get("arxiv_id"))
    paper.pop("arxiv_id", None)
    # A version means something only beside its id, and only as a whole number.
    version = arxiv_version(paper.pop("arxiv_version", None)) or version
    if arxiv_id:
        paper["arxiv_id"] = arxiv_id
        if version:
            paper["arxiv_version"] = version
    if paper.get("doi"):
        doi = normalize_doi(paper["doi"])
        if doi:
            paper["doi"] = doi
        else:
            del paper["doi"]
    if "year" in paper:
        try:
            paper["year"] = int(str(paper["year"])[:4])
        except ValueError:
            del paper["year"]
    if "published" in paper and "year" not in paper:
        year = str(paper["published"])[:4]
        if year.isdigit():
            paper["year"] = int(year)
    if "authors" in paper:
        paper["authors"] = [" ".join(str(a).split()) for a in paper["authors"] if str(a).strip()]
    for key in ("title", "abstract", "venue"):
        if isinstance(paper.get(key), str):
            paper[key] = " ".join(paper[key].split())
    extra = fields.get("extra")
    if isinstance(extra, dict) and extra:
        paper["extra"] = dict(extra)
    return paper


def _entry_rank(entry_type):
    """Return how much an entry type says: none < webpage < preprint < any published type."""
    return {None: 0, "": 0, "webpage": 1, "preprint": 2, "misc": 2}.get(entry_type, 3)


def merge(existing, incoming):
    """Return the fields of existing that change when incoming is merged into it.

    Empty fields are filled; a newer arXiv version replaces the versioned fields;
    extra fields are filled key by key. Reader fields (tags, note, status) are not
    handled here: the store unions tags and keeps notes.
    """
    changes = {}
    newer = (
        incoming.get("arxiv_version") is not None
        and existing.get("arxiv_id")
        and incoming.get("arxiv_id") == existing.get("arxiv_id")
        and incoming["arxiv_version"] > (existing.get("arxiv_version") or 0)
    )
    for key in METADATA_FIELDS:
        value = incoming.get(key)
        if value in (None, "", []):
            continue
        current = existing.get(key)
        if current in (None, "", []):
            changes[key] = value
        elif newer and (key in VERSIONED_FIELDS or key == "arxiv_version") and current != value:
            changes[key] = value
    # The published version of a preprint (or of a page kept as a webpage) makes it
    # an article or a conference paper: otherwise BibTeX would still say @misc.
    if _entry_rank(incoming.get("entry_type")) > _entry_rank(existing.get("entry_type")):
        changes["entry_type"] = incoming["entry_type"]
    extra = dict(existing.get("extra") or {})
    added = {k: v for k, v in (incoming.get("extra") or {}).items()
             if v not in (None, "", []) and extra.get(k) in (None, "", [])}
    for name in SOURCE_KEYS:  # what a file wrote for each field: united, the stored one first
        theirs, ours = (incoming.get("extra") or {}).get(name), extra.get(name)
        if isinstance(theirs, dict) and isinstance(ours, dict) and theirs.keys() - ours.keys():
            added[name] = {**theirs, **ours}
    if added:
        changes["extra"] = {**extra, **added}
    return changes
