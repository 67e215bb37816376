"""How a typed author name matches stored ones: folded full names and family names as keys."""

import re

from papershelf.server.identity import family_name, fold, is_corporate


def name_key(text):
    """Return text as lower-case ASCII-folded words joined by spaces ("Núñez" -> "nunez")."""
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


def author_keys(name):
    """Return (full-name key, family-name key) of a stored "Given Family" author string."""
    full = name_key(name)
    # "Gemini Team" is one name: its last word would match every team.
    family = full if is_corporate(name) else name_key(family_name(name))
    return full, family


def typed_name_key(text):
    """Return the key of what a reader typed, "Family, Given" read as "Given Family"."""
    family, comma, given = (text or "").partition(",")
    return name_key(f"{given} {family}" if comma else text)
