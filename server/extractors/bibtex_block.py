"""Read the one BibTeX entry a page embeds (ACL Anthology, PMLR) into a dict of fields."""

import codecs
import re

import latexcodec  # noqa: F401  (registers the "ulatex" codec)

from papershelf.server.extractors.fields import person

_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]*)\s*,", re.IGNORECASE)
_SPECIAL = re.compile(r'[\\{}"]')
_FIELD = re.compile(r"\s*,?\s*([A-Za-z][\w\-]*)\s*=\s*")
_JOIN = re.compile(r"\s*#\s*")
_BARE = re.compile(r"[\w\-.]+")
_AND = re.compile(r"\s+and\s+")
# A field whose value holds no quote, brace or backslash and is not joined by "#": read
# in one match. (The bare word is possessive: a shorter word before a "#" is no match.)
_PLAIN_FIELD = re.compile(r'\s*,?\s*([A-Za-z][\w\-]*)\s*=\s*'
                          r'(?:"([^"\\{}]*)"|\{([^"\\{}]*)\}|([\w\-.]++))(?!\s*#)')


def read_entry(source):
    """Return (entry type, key, {field: value}) of the first entry in source, or None."""
    match = _ENTRY.search(source or "")
    if not match:
        return None
    entry_type, key, values = match.group(1).lower(), match.group(2), {}
    position = match.end()
    while True:
        plain = _PLAIN_FIELD.match(source, position)
        if plain:  # most fields: one match reads name and value
            name, quoted, braced, bare = plain.groups()
            values[name.lower()] = decode(quoted if quoted is not None
                                          else braced if braced is not None else bare)
            position = plain.end()
            continue
        field = _FIELD.match(source, position)
        if not field:
            break
        value, position = _value(source, field.end())
        # "#" joins strings and macros: month = may # " 2 - " # may # " 7"
        # (Patterns match from a position: slicing would copy the rest of the entry.)
        while value is not None and (joined := _JOIN.match(source, position)):
            more, position = _value(source, joined.end())
            value = value + more if more is not None else value
        if value is None:
            break
        values[field.group(1).lower()] = decode(value)
    return entry_type, key, values


def _value(source, position):
    """Return (raw value, position after it): "quoted", {braced} or a bare word/number."""
    if position >= len(source):
        return None, position
    opener = source[position]
    if opener in '"{':
        depth, index = 0, position
        while True:
            # Jump to the next character that matters (a value can be a long abstract).
            found = _SPECIAL.search(source, index)
            if not found:
                return None, len(source)
            index = found.start()
            char = source[index]
            if char == "\\":
                index += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0 and opener == "{":
                    break
                depth -= 1
                if depth == 0 and opener == "{":
                    return source[position + 1:index], index + 1
            elif char == '"' and opener == '"' and depth == 0 and index > position:
                return source[position + 1:index], index + 1
            index += 1
        return None, index
    bare = _BARE.match(source, position)
    if not bare:
        return None, position
    return bare.group(0), bare.end()


def decode(value):
    """Return a BibTeX value as plain Unicode text (LaTeX accents decoded, braces dropped)."""
    if "\\" in value or "``" in value:  # LaTeX to decode; a plain "--" (pages) must stay
        try:
            value = codecs.decode(value, "ulatex")
        except Exception:  # odd LaTeX must not lose the value
            pass
    return " ".join(value.replace("{", "").replace("}", "").split())


def names(value):
    """Return "Given Family" names of a BibTeX author/editor value."""
    return [person(name) for name in _AND.split(value or "") if name.strip()]
