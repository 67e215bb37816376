"""Whether a record another service found is the paper we asked about, or only looks like it.

A search by title answers with its best guess, and the best guess is often another paper:
Crossref answers "Attention Is All You Need" with "Self-Attention with Relative Position
Representations" (same authors, next year). A record is taken as the same paper when it
names the same arXiv id or DOI, or when its title is nearly the same, its first author has
the same family name and its year is plausible for a later version of the paper.
"""

import re
from difflib import SequenceMatcher

from papershelf.server import identity

# SequenceMatcher ratio of the normalised titles: a typo or a spelling passes ("optimisation"),
# an inserted "not" in a short title does not.
TITLE_SIMILARITY = 0.95
# A published version appears at most this many years before / after the preprint's year.
YEARS_BEFORE, YEARS_AFTER = 1, 5


def same_paper(ours, theirs):
    """Return True when the record theirs describes the paper ours (both paper field dicts)."""
    for key in ("arxiv_id", "doi"):
        mine, found = ours.get(key), theirs.get(key)
        if mine and found:
            if str(mine).lower() == str(found).lower():
                return True
            if key == "arxiv_id":
                return False  # two different arXiv ids are two papers
    return (similar_titles(ours.get("title"), theirs.get("title"))
            and same_first_author(ours.get("authors"), theirs.get("authors"))
            and plausible_year(ours.get("year"), theirs.get("year")))


def similar_titles(a, b):
    """Return True when two titles are the same but for case, punctuation or a name prefix.

    "ChemCrow: Augmenting large-language models with chemistry tools" became
    "Augmenting large language models with chemistry tools" in its journal.
    """
    first, second = _title_forms(a), _title_forms(b)
    if not first or not second:
        return False
    return any(SequenceMatcher(None, x, y).ratio() >= TITLE_SIMILARITY
               for x in first for y in second)


def _title_forms(title):
    """Return the normalised title, and without what precedes a colon (a system's name)."""
    if not title:
        return []
    forms = [identity.normalize_title(title)]
    head, colon, rest = title.partition(":")
    if colon and len(head.split()) <= 3 and rest.strip():
        forms.append(identity.normalize_title(rest))
    return [form for form in forms if form]


def same_first_author(ours, theirs):
    """Return True when both author lists start with the same family name."""
    if not ours or not theirs:
        return False
    return _surname(ours[0]) == _surname(theirs[0]) != ""


def _surname(author):
    # "Andres M. Bran" (given "Andres", family "M. Bran" at Crossref) and "Bran, Andrés":
    # the last word of the family name, without accents or punctuation.
    family = identity.family_name(author)
    words = re.findall(r"\w+", identity.fold(family))
    return words[-1] if words else ""


def plausible_year(ours, theirs):
    """Return True when theirs could be the year of a version of a paper of year ours."""
    if not ours or not theirs:
        return True  # nothing to contradict the title and the author
    return int(ours) - YEARS_BEFORE <= int(theirs) <= int(ours) + YEARS_AFTER
