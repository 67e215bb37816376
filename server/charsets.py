"""Decode a web page's bytes as a browser does: BOM, HTTP charset, <meta charset>, then detection.

w3lib (Scrapy's) applies that order with the browsers' encoding aliases, so a page
labelled ISO-8859-1 is read as windows-1252 (its curly quotes at 0x93/0x94 included),
as the WHATWG Encoding standard says. A page that declares nothing is UTF-8 when its
bytes are, else what charset_normalizer detects.
"""

import codecs

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom, resolve_encoding

FALLBACK = "cp1252"  # what browsers in Western locales assume for an undeclared page
DETECT_BYTES = 256 * 1024  # enough text to tell encodings apart; detection is slow on more


def decode_html(data, content_type=None):
    """Return the text of page bytes (str passes through); content_type is the HTTP header."""
    if isinstance(data, str):
        return data
    if not read_bom(data)[0] and _declares_utf16(content_type, data):
        # An ASCII-readable <meta> cannot truthfully declare UTF-16: the standard reads UTF-8.
        content_type = "text/html; charset=utf-8"
    _, text = html_to_unicode(content_type, data, default_encoding=FALLBACK, auto_detect_fun=_detect)
    return text


def _declares_utf16(content_type, data):
    if content_type and "charset=" in content_type.lower():
        return False  # the server's word comes first
    declared = html_body_declared_encoding(data)
    return bool(declared) and _codec(declared).startswith("utf-16")


def _detect(data):
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:DETECT_BYTES]).best()
    return best.encoding if best is not None else None


def _codec(label):
    try:
        return codecs.lookup(resolve_encoding(label) or label).name
    except LookupError:
        return ""
