"""JSON a page embeds in its scripts: `name = {...}` assignments and `<script id=...>` blocks."""

import json

from papershelf.server.charsets import decode_html


def assigned(page, name):
    """Return the JSON object a script assigns to name (`name = {...};`), or None.

    The page source is searched as text (fast, no tree walk); the object is decoded from
    where the assignment starts, so the rest of the script does not matter.
    """
    source = decode_html(page.html)  # bytes as a browser reads them; text as it is
    start = 0
    while True:
        at = source.find(name, start)
        if at < 0:
            return None
        start = at + len(name)
        rest = source[start:start + 40].lstrip()
        if rest.startswith("=") and not rest.startswith("=="):
            brace = source.find("{", start)
            if brace >= 0:
                value = _decode_at(source, brace)
                if isinstance(value, dict):
                    return value


def script(page, element_id):
    """Return the JSON held by `<script id=element_id>` (Next.js `__NEXT_DATA__`), or None."""
    root = page.root
    if root is None or not page.contains(element_id):
        return None
    for node in root.iter("script"):
        if node.get("id") == element_id:
            return _decode_at(node.text or "", 0)
    return None


def _decode_at(source, index):
    try:
        value, _ = json.JSONDecoder().raw_decode(source, index)
    except (ValueError, RecursionError):
        return None
    return value
