"""LaTeX as BibTeX files hold it, both ways: decode it into unicode text, escape text into it.

Decoding reads accents, escapes, dashes and quotes; escaping writes every character TeX
treats specially (`% # & ~ _ ^ \\ { }`, unbalanced braces) so that no text breaks a .bbl,
and keeps `$…$` math as written where it is math TeX can read (one rule, is_math, for both).
"""

import functools
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
    # biblatex's breakable hyphen; the em dash of Beebe's bibliographies' @preamble (\Dash).
    "hyphen": "-", "Dash": "—", "emdash": "—",
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
        return word  # TeX ends a command word at the spaces after it: {\TeX book} is TeXbook
    if group("esc") is not None:
        return group("esc")
    if group("sym") is not None:
        sym = group("sym")
        if sym in ",; ":
            return " "
        if sym in "-/@":  # a hyphenation point, an italic correction, a spacing mark
            state["lossless"] = False  # dropped: only the file's text keeps them
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
    """Return True when the writer would emit this $…$ unchanged, in either mode."""
    return is_math(math, "bibtex")


# --- text to LaTeX ---------------------------------------------------------------------

# A word to protect from case changes: an uppercase letter after its first character
# (LLM, DistServe, GPT4, 3D, iPhone). Not after a backslash: \OE, \L are commands.
_PROTECT = re.compile(r"(?<![0-9A-Za-z\\])[0-9A-Za-z][0-9A-Za-z]*?[A-Z][0-9A-Za-z]*(?![0-9A-Za-z])")
# Inline math as writers type it: $ then non-space ... non-space then $, not followed by a digit.
_MATH = re.compile(r"\$(?=[^\s$])[^$]*?(?<=[^\s$])\$(?!\d)")
# In math these break TeX unless escaped: % starts a comment, # and & are no math.
_MATH_BREAKERS = re.compile(r"(?<!\\)[%#&]")
# Characters that need more than an accent: their LaTeX command (BibTeX special char form).
_LETTERS = {
    "ß": r"{\ss}", "ø": r"{\o}", "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "æ": r"{\ae}",
    "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "å": r"{\aa}", "Å": r"{\AA}", "ı": r"{\i}",
    "ȷ": r"{\j}", "đ": r"{\dj}", "Đ": r"{\DJ}", "ð": r"{\dh}", "Ð": r"{\DH}", "þ": r"{\th}",
    "Þ": r"{\TH}", "¡": r"{\textexclamdown}", "¿": r"{\textquestiondown}",
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"{\ldots}",
    "\u00a0": "~", "«": r"{\guillemotleft}", "»": r"{\guillemotright}", "§": r"{\S}",
    "¶": r"{\P}", "©": r"{\textcopyright}", "®": r"{\textregistered}", "™": r"{\texttrademark}",
    "°": r"{\textdegree}", "€": r"{\texteuro}", "£": r"{\pounds}", "•": r"{\textbullet}",
    "\u2009": r"\,", "\u200b": "", "\u00ad": r"\-",
}
# Combining marks and the LaTeX accent command that draws each.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H", "\u030a": "r", "\u0327": "c",
    "\u0328": "k", "\u0323": "d", "\u0331": "b",
}


# A non-ASCII character, or any character with the combining accents after it that NFC
# could not fold into it (P̄): one LaTeX command each.
_NON_ASCII = re.compile(r".[\u0300-\u036f]+|[^\x00-\x7f]", re.DOTALL)
_COMBINING = re.compile(r".[\u0300-\u036f]+", re.DOTALL)
_DASH = re.compile("[–—]")


@functools.lru_cache(maxsize=4096)
def _latex_char(char):
    """Return the LaTeX for one non-ASCII character, or the character itself when none is known."""
    if char in _LETTERS:
        return _LETTERS[char]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and marks and all(m in _ACCENTS for m in marks):
        if base in "ij" and marks[0] not in "\u0327\u0328\u0323\u0331":
            base = "\\" + base  # dotless i/j under an accent above
        out = base
        for mark in marks:
            command = _ACCENTS[mark]
            # \'{\=a}: an accent on an accent takes braces; \'\i does not.
            braced = command.isalpha() or out not in (base, "\\i", "\\j")
            out = f"\\{command}{{{out}}}" if braced else f"\\{command}{out}"
        return "{" + out + "}"
    return char  # unknown: BibTeX copes with UTF-8 bytes; never guess a wrong command


def escape(text, mode="bibtex", ranges=False):
    """Return text with LaTeX specials escaped (and, in bibtex mode, unicode as LaTeX).

    Typed -- and '' become -{}- and '{}' so that TeX does not join them into a dash or
    a quote, except in ranges (pages 1--10).
    """
    # Chained `in` tests and str.replace run at C speed; str.translate with a dict
    # looks up every character and costs ten times more on a typical abstract.
    if ("\\" in text or "{" in text or "}" in text or "&" in text or "%" in text
            or "$" in text or "#" in text or "_" in text or "~" in text or "^" in text
            or ("--" in text and not ranges) or "''" in text or "``" in text):
        text = _escape_specials(text, ranges)
    if text.isascii():
        return text
    # A letter and its combining accent: one character (pdflatex reads no lone accent),
    # one command in bibtex mode.
    text = unicodedata.normalize("NFC", text)
    if mode == "bibtex":
        if "–" in text or "—" in text:
            text = _DASH.sub(_latex_dash, text)
        return _NON_ASCII.sub(_latex_of_match, text)
    # UTF-8 is kept, but a letter with an accent unicode has no character for: pdflatex
    # reads no lone combining accent.
    return _COMBINING.sub(_latex_of_match, text)


def _latex_dash(match):
    """Return -- or --- for a dash; braced when a hyphen beside it would join the ligature."""
    tex = "--" if match.group() == "–" else "---"
    around = match.string[max(match.start() - 1, 0):match.start()] + match.string[
        match.end():match.end() + 1]
    return "{" + tex + "}" if any(c in "-–—" for c in around) else tex


def _escape_specials(text, ranges=False):
    text = text.replace("\\", "\0")  # a placeholder: \textbackslash{} brings braces of its own
    if ("{" in text or "}" in text) and not _balanced(text):
        # BibTeX counts \{ as a brace too: a lone one must be a command without braces.
        text = text.replace("{", "\1").replace("}", "\2")
    for char in "{}&%$#_":
        if char in text:
            text = text.replace(char, "\\" + char)
    if "~" in text:
        text = text.replace("~", "\\textasciitilde{}")
    if "^" in text:
        text = text.replace("^", "\\textasciicircum{}")
    if "--" in text and not ranges:
        text = text.replace("--", "-{}-").replace("--", "-{}-")  # typed hyphens, not a dash
    if "''" in text or "``" in text:  # typed quotes, not TeX's curly ones
        text = text.replace("''", "'{}'").replace("''", "'{}'")
        text = text.replace("``", "`{}`").replace("``", "`{}`")
    if "\1" in text or "\2" in text:
        text = text.replace("\1", "\\textbraceleft{}").replace("\2", "\\textbraceright{}")
    return text.replace("\0", "\\textbackslash{}")


def _balanced(text):
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def unicode_to_latex(text):
    """Return LaTeX as written with only its non-ASCII characters as commands."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_latex_of_match, unicodedata.normalize("NFC", text))


def _latex_of_match(match):
    return _latex_char(match.group())


def escape_text(text, mode="bibtex", protect=False, ranges=False):
    """Return a text field escaped with $math$ kept as written; protect braces acronyms."""
    if "$" not in text:
        if not protect or text[1:].islower():  # no capital after the first letter: no regex
            return escape(text, mode, ranges)
        return _PROTECT.sub(r"{\g<0>}", escape(text, mode))
    out, last = [], 0
    for match in _MATH.finditer(text):
        math = match.group(0)
        if not is_math(math, mode):
            continue  # dollars around something TeX cannot read as math: text
        out.append(_escape_plain(text[last:match.start()], mode, protect, ranges))
        out.append("{" + math + "}" if protect else math)  # BibTeX would lowercase $O(n)$
        last = match.end()
    out.append(_escape_plain(text[last:], mode, protect, ranges))
    return "".join(out)


def is_math(span, mode="bibtex"):
    """Return True when a $…$ span of text is math that TeX reads as written.

    Not math: unbalanced braces (they would break the entry), an unescaped % # or &
    (a comment, a parameter, an alignment tab), a backslash before the closing $ (that
    escapes it), and in bibtex mode non-ASCII (text accents are no math commands; as
    text they are written as LaTeX and read back the same).
    """
    inner = span[1:-1]
    if not _balanced(inner) or _MATH_BREAKERS.search(inner):
        return False
    if (len(inner) - len(inner.rstrip("\\"))) % 2:
        return False
    return mode == "biblatex" or inner.isascii()


def _escape_plain(text, mode, protect, ranges=False):
    out = escape(text, mode, ranges)
    return _PROTECT.sub(r"{\g<0>}", out) if protect else out


def escape_title(text, mode="bibtex"):
    """Return a title escaped, $math$ kept as written, acronyms and mixed-case words braced."""
    return escape_text(text, mode, protect=True)


