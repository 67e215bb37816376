"""Read LaTeX as BibTeX files hold it (accents, escapes, dashes, quotes) into plain unicode."""

import re
import unicodedata

# A value without any of these is plain text already (the common case: decode costs nothing).
_NEEDS_DECODE = re.compile(r"[\\{}~$]|--|``|''")
_ACCENT_MARKS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", '"': "\u0308", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "r": "\u030a", "c": "\u0327",
    "k": "\u0328", "d": "\u0323", "b": "\u0331", "t": "\u0361",
}
_NAMED = {
    "ss": "ß", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "dj": "đ", "DJ": "Đ", "ng": "ŋ", "NG": "Ŋ",
    "textbackslash": "\\", "textbraceleft": "{", "textbraceright": "}", "textasciitilde": "~",
    "textasciicircum": "^", "textbar": "|",
    "textless": "<", "textgreater": ">", "textunderscore": "_", "ldots": "…", "dots": "…",
    "textellipsis": "…", "textendash": "–", "textemdash": "—", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "guillemotleft": "«", "guillemotright": "»", "textexclamdown": "¡",
    "textquestiondown": "¿", "S": "§", "P": "¶", "copyright": "©", "textcopyright": "©",
    "textregistered": "®", "texttrademark": "™", "textdegree": "°", "texteuro": "€",
    "pounds": "£", "textbullet": "•", "textperiodcentered": "·", "slash": "/", "relax": "",
}
# Font and grouping commands whose argument is the text; dropping them loses only styling.
_STYLE = frozenset(
    ["emph", "textit", "textbf", "textsc", "texttt", "textsf", "textrm", "textup", "textsl", "textmd", "textnormal", "mbox", "url", "enquote", "mkbibquote", "em", "it", "bf", "sc", "tt", "sf", "rm", "sl", "up", "md"]
)
_TOKEN = re.compile(
    r"(?P<math>\$[^$]*\$)"
    r"|\\(?P<acc>[`'^\"~=.])\s*(?:\{\s*(?P<acc_arg>\\?[A-Za-z]?)\s*\}|(?P<acc_bare>\\[ij](?![A-Za-z])|[A-Za-z]))"
    r"|\\(?P<lacc>[uvHrckdbt])(?:\s*\{\s*(?P<lacc_arg>\\?[A-Za-z]?)\s*\}|\s+(?P<lacc_bare>[A-Za-z]))"
    r"|\\(?P<word>[A-Za-z]+)(?P<ws>\s*)(?P<empty>\{\})?"
    r"|\\(?P<esc>[&%$#_{}])"
    r"|\\(?P<sym>[ ,;:!/\-\\@])"
    r"|(?P<dash>---?)|(?P<quote>``|'')|(?P<tilde>~)|(?P<brace>[{}])|\\(?P<other>.?)"
)


def decode(value, dashes=True):
    """Return (unicode text, lossless): lossless is False when commands were dropped.

    dashes=False keeps -- as written (page ranges: styles and biber read "--").
    """
    if not _NEEDS_DECODE.search(value):
        return " ".join(value.split()), True
    state = {"lossless": True, "dashes": dashes}
    text = _TOKEN.sub(lambda m: _replace(m, state), value)
    return " ".join(unicodedata.normalize("NFC", text).split()), state["lossless"]


def _replace(match, state):
    kind = match.lastgroup
    group = match.group
    if group("math") is not None:
        math = group("math")
        if not _keeps_as_math(math):
            state["lossless"] = False
        return math
    if group("acc") is not None or group("lacc") is not None:
        mark = _ACCENT_MARKS[group("acc") or group("lacc")]
        base = (group("acc_arg") if group("acc") is not None else group("lacc_arg")) \
            or group("acc_bare") or group("lacc_bare") or ""
        base = {"\\i": "i", "\\j": "j"}.get(base, base)
        if not base or base.startswith("\\"):
            state["lossless"] = False
            return base.lstrip("\\")
        return base + mark
    if group("word") is not None:
        word = group("word")
        if word in _NAMED:
            return _NAMED[word]
        state["lossless"] = False
        if word in _STYLE:
            return ""
        # An unknown macro (a logo such as \TeX, or a file's own \acro): keep its name readable.
        if group("empty") is None and _followed_by_brace(match):
            return ""  # \acro{TUG}: the argument that follows is the text
        return word + (" " if group("ws") else "")
    if group("esc") is not None:
        return group("esc")
    if group("sym") is not None:
        sym = group("sym")
        if sym in ",; ":
            return " "
        if sym in "-/@":
            return ""
        state["lossless"] = False
        return " "
    if group("dash") is not None:
        if not state["dashes"]:
            return group("dash")
        return "—" if len(group("dash")) == 3 else "–"
    if group("quote") is not None:
        return "“" if group("quote") == "``" else "”"
    if kind == "tilde":
        return " "
    if kind == "other":
        state["lossless"] = False  # a control symbol we do not know
        return group("other")
    return ""  # a grouping brace


def _followed_by_brace(match):
    rest = match.string[match.end():match.end() + 1]
    return rest == "{"


def _keeps_as_math(math):
    """Return True when the writer would emit this $…$ unchanged (see bibtex._MATH)."""
    from papershelf.exports.bibtex import _MATH

    return _MATH.fullmatch(math) is not None and math.count("{") == math.count("}")
