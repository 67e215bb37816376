"""Normalisers for the values pages carry: dates, author names, DOIs, entry types."""

import re
from functools import lru_cache

from papershelf.server import identity

MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?(?:$|[T\s])")
_BARE_YEAR = re.compile(r"^\d{4}$")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{1,2}))?")
_MONTH_YEAR = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{4})")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>]+")
_PREPRINT_VENUES = ("arxiv", "biorxiv", "medrxiv", "chemrxiv", "ssrn", "research square",
                    "preprints.org", "techrxiv", "psyarxiv", "osf preprints", "hal preprint")
_CONFERENCE_WORDS = re.compile(
    r"proceedings|conference|symposium|workshop|congress|advances in neural information"
    r"|annual meeting", re.IGNORECASE)


def date(value):
    """Return YYYY-MM-DD, YYYY-MM or YYYY from the date formats pages use, or None."""
    return _date(" ".join(str(value or "").split()))


@lru_cache(maxsize=4096)  # a listing repeats the same few dates hundreds of times
def _date(value):
    if not value:
        return None
    match = _ISO.match(value)
    if match and (match.group(2) or _BARE_YEAR.match(value)):
        return _join(match.group(1), match.group(2), match.group(3))
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy"),
                           (_YEAR_MONTH_DAY, "ymd"), (_MONTH_YEAR, "my")):
        match = pattern.search(value)
        if not match:
            continue
        parts = dict(zip(order, match.groups()))
        month = MONTHS.get((parts.get("m") or "")[:3].lower())
        if month:
            return _join(parts["y"], str(month), parts.get("d"))
    match = _YEAR.search(value)
    return match.group(1) if match else None


def _join(year, month=None, day=None):
    if not month or not 1 <= int(month) <= 12:
        return year
    if not day or not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def person(name):
    """Return "Given Family" for "Family, Given" (and tidy spacing)."""
    name = " ".join(str(name or "").split()).strip(" ,;")
    if name.count(",") == 1:
        family, _, given = name.partition(",")
        family, given = family.strip(), given.strip()
        if family and given and not given.lower().startswith(("jr", "sr", "ii", "iii")):
            return f"{given} {family}"
    return name


def authors(values):
    """Return a list of "Given Family" names from citation_author-like values.

    Some sites (OpenReview) put every author in one tag, joined by ";" or ",".
    """
    values = [v for v in values if v and v.strip()]
    if len(values) == 1:
        values = _split_joined(values[0])
    # No de-duplication: two authors may share a name.
    return [name for name in (person(value) for value in values) if name]


def _split_joined(value):
    if ";" in value:
        return [part for part in value.split(";") if part.strip()]
    if re.search(r"\s+and\s+", value) and "," not in value:
        return re.split(r"\s+and\s+", value)
    parts = [part.strip() for part in value.split(",")]
    # "Family, Given" has one comma between single names; a list has more, or multi-word parts.
    if len(parts) > 2 or (len(parts) == 2 and all(" " in part for part in parts)):
        return parts
    return [value]


def page_range(value):
    """Return "12--34" (or "12") from the ways pages show a range: "pp 12–34", "Pages 12 - 34"."""
    found = re.search(r"(\w*\d\w*)(?:\s*[-\u2010-\u2015]+\s*(\w*\d\w*))?", value or "")
    if not found:
        return None
    first, last = found.groups()
    return f"{first}--{last}" if last and last != first else first


def doi_in(text):
    """Return the first DOI in text, normalised (lower case), or None."""
    match = _DOI_IN_TEXT.search(text or "")
    return identity.normalize_doi(match.group(0)) if match else None


def entry_type(venue=None, conference=None, journal=None, preprint=False, thesis=False,
               report=False):
    """Return the BibTeX-like entry type a page's metadata implies."""
    if thesis:
        return "phdthesis"
    if report:
        return "techreport"
    name = (venue or journal or conference or "").lower()
    if preprint or (name and any(server in name for server in _PREPRINT_VENUES)):
        return "preprint"
    if conference or (name and _CONFERENCE_WORDS.search(name)):
        return "inproceedings"
    if journal or venue:
        return "article"
    return None


# Built once: written inline, the tuple's list and dict would be built for every value.
_EMPTY = (None, "", [], {})


def prune(paper):
    """Return paper without empty values (extra pruned too, dropped when empty)."""
    # Most values are true: they are kept without the four comparisons with _EMPTY.
    result = {k: v for k, v in paper.items() if v or v not in _EMPTY}
    if isinstance(result.get("extra"), dict):
        extra = {k: v for k, v in result["extra"].items() if v or v not in _EMPTY}
        if extra:
            result["extra"] = extra
        else:
            del result["extra"]
    return result


def year_of(published):
    """Return the int year of a published date string, or None."""
    text = str(published or "")[:4]
    return int(text) if text.isdigit() else None
