"""Citation keys: built once when a paper is created, unique across the library."""

import re

from server.identity import family_name, fold

# Words that never make a good key word (a key should name the paper, not "the").
STOP_WORDS = frozenset(
    "a an the on of in for to and with from by at as is are be we our via towards toward"
    " using use how what why when do does can".split()
)


def base_key(paper):
    """Return the default key stem: family name + year + first significant title word."""
    authors = paper.get("authors") or []
    family = _ascii_word(family_name(authors[0])) if authors else ""
    year = str(paper.get("year") or "")
    words = [_ascii_word(w) for w in re.findall(r"[\w']+", paper.get("title") or "")]
    word = next((w for w in words if w and w not in STOP_WORDS), "")
    return (family or "anon") + year + word


def unique_key(stem, is_taken):
    """Return stem, or stem + a, b, ..., z, aa, ab ... — the first that is_taken rejects not."""
    if not is_taken(stem):
        return stem
    n = 0
    while True:
        candidate = stem + _letters(n)
        if not is_taken(candidate):
            return candidate
        n += 1


def is_safe_key(key):
    """Return True when key holds only characters safe in BibTeX and file names."""
    return bool(key) and re.fullmatch(r"[A-Za-z0-9_\-:.+]+", key) is not None


def _ascii_word(text):
    return re.sub(r"[^a-z0-9]", "", fold(text))


def _letters(n):
    """Return the n-th suffix: a..z, then aa, ab, ... (bijective base 26)."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out
