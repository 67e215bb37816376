"""Text for the terminal: what came from a file or a page with its control characters escaped; counts.

A title, a citation key or a parser's message can carry ESC or BEL: printed raw,
`\\x1b]0;…\\x07` retitles the terminal and OSC 52 can set the clipboard. Everything
papershelf prints that it did not write itself goes through printable().
"""

import json
import re

# C0 controls (newline and tab too: every message is one line), DEL, C1 (0x9b is CSI), and
# the bidirectional embeddings, overrides and isolates: printed raw, U+202E reverses the rest
# of the line, so a title can show one thing and hold another ("Trojan Source").
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text):
    """Return text with every control character shown as a visible escape (ESC as \\x1b)."""
    return _CONTROL.sub(_escape, str(text))


def _escape(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_line(value):
    """Return value as one line of JSON (UTF-8 kept) in which no control character is raw."""
    text = json.dumps(value, ensure_ascii=False)
    # json.dumps escapes C0 already; the others may only stand inside strings, where \\u is valid.
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def count(number, singular, plural=None):
    """Return "1 entry", "6,313 entries": the number with thousands separators and its noun."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{number:,} {noun}"
