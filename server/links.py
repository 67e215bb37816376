"""Which links a paper keeps: web links (http, https) only, and file: where the reader asked.

A `javascript:` or `data:` link stored as a paper's url becomes a clickable link in
Obsidian notes and Datasette, and a `file:` path leaks a local folder into a shared
.bib: every link that enters the store passes through here.
"""

import re
from urllib.parse import urlsplit

LINK_FIELDS = ("url", "pdf_url", "code_url")
WEB_SCHEMES = ("http", "https")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A plain web link starts with a scheme and an ASCII host, an optional port, no user or
# brackets: urlsplit would find its scheme and host too; a listing's thousand links skip its work.
_WEB_START = r"(https?)://[A-Za-z0-9.-]+(?::\d*)?"
_PLAIN_WEB = re.compile(_WEB_START + r"(?:[/?#]|$)")
# The whole of such a link, with no control character (a listing's links, as extractors make them).
_PLAIN_WEB_LINK = re.compile(_WEB_START + r"(?:[/?#][^\x00-\x1f\x7f-\x9f]*)?")


def is_web_link(value):
    """Return True for an absolute http(s) URL with a host and no control characters."""
    return _scheme(value) in WEB_SCHEMES


def is_kept_link(value, allow_file=False):
    """Return True for a link papershelf keeps: a web link, or a file: link when allowed."""
    scheme = _scheme(value)
    return scheme in WEB_SCHEMES or (allow_file and scheme == "file")


def refused_links(fields, allow_file=False):
    """Return the names of the link fields of fields whose value papershelf does not keep."""
    return [key for key in LINK_FIELDS
            if fields.get(key) not in (None, "") and not is_kept_link(fields[key], allow_file)]


def without_refused_links(fields, allow_file=False):
    """Return (fields without the links papershelf does not keep, the names dropped)."""
    dropped = refused_links(fields, allow_file)
    if not dropped:
        return fields, []
    return {k: v for k, v in fields.items() if k not in dropped}, dropped


def _scheme(value):
    """Return the lower-case scheme of a well-formed absolute link, or None."""
    if not isinstance(value, str):
        return None
    plain = _PLAIN_WEB_LINK.fullmatch(value)  # most links: one scan, nothing to strip
    if plain:
        return plain.group(1)
    if _CONTROL.search(value):
        return None
    value = value.strip()
    plain = _PLAIN_WEB.match(value)
    if plain:
        return plain.group(1)
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket, say
        return None
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES and not parts.hostname:
        return None
    return scheme
