"""Citation keys: built once when a paper is created, unique across the library.

The key formula is a template; the default `{auth}{year}{title}` gives
`vaswani2017attention`: the first author's family name ASCII-folded and
lower-cased, the year, and the first title word that is not a stop word.
Set another with `citekey_format:` in PAPERSHELF_HOME/config.yml or the
PAPERSHELF_CITEKEY_FORMAT environment variable. Placeholders:

    {auth}   first author's family name      vaswani     ({Auth}: Vaswani;
             an organisation whole: "Gemini Team" -> geminiteam)
    {auth2}  first two family names          vaswanishazeer (one author: vaswani)
    {authEtAl} family, or family + "EtAl"    vaswaniEtAl
    {year}   four-digit year                 2017        ({yy}: 17)
    {title}  first significant title word    attention   ({Title}: Attention)
    {shorttitle} first three such words      attentionallyou
    {venue}  first venue word                neurips

Anything else in the template is kept when it is a safe character (letters,
digits, - _ : .). Keys collide case-insensitively; a taken key gets a, b, ...,
z, aa, ab ... appended. A key is never recomputed when metadata changes; only
`papershelf rekey` builds keys again (server/rekey.py).
"""

import os
import re

from papershelf.server import config
from papershelf.server.identity import family_name, fold, is_corporate

DEFAULT_FORMAT = "{auth}{year}{title}"
# Words that never make a good key word (a key should name the paper, not "the").
STOP_WORDS = frozenset(
    ["a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at", "as", "is", "are", "be", "we", "our", "via", "towards", "toward", "using", "use", "how", "what", "why", "when", "do", "does", "can", "its", "it", "this", "that"]
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SAFE_KEY = re.compile(r"[A-Za-z0-9_\-:./+@]+\Z")


def key_format():
    """Return the configured key formula (environment, then config.yml, then the default).

    Raise config.ConfigError for a formula that is not text or names an unknown
    placeholder: keys made by a wrong formula would be kept for good.
    """
    value = os.environ.get("PAPERSHELF_CITEKEY_FORMAT")
    where = "PAPERSHELF_CITEKEY_FORMAT"
    if not value:
        value, where = _config_value("citekey_format"), f"{config.config_path()}: citekey_format"
    if value is None or value == "":
        return DEFAULT_FORMAT
    if not isinstance(value, str):
        raise config.ConfigError(f"{where} must be text such as {DEFAULT_FORMAT!r}")
    try:
        check_format(value)
    except ValueError as exc:
        raise config.ConfigError(f"{where}: {exc}") from None
    return value


def _config_value(name):
    """Return a setting of config.yml; a broken file is reported by `papershelf serve`, not here."""
    try:
        return config.read_config().get(name)
    except config.ConfigError:
        return None


def check_format(template):
    """Raise ValueError when template uses a placeholder this module does not know."""
    for name in _PLACEHOLDER.findall(template):
        if name not in _PARTS:
            raise ValueError(f"unknown citation key placeholder {{{name}}} in {template!r}")


def base_key(paper, template=None):
    """Return the key stem of a paper by the formula (default: family + year + title word)."""
    template = template or key_format()
    stem = _PLACEHOLDER.sub(lambda m: _part(m.group(1), paper), template)
    stem = re.sub(r"[^A-Za-z0-9_\-:.]", "", stem)
    return stem or "paper"


def _part(name, paper):
    make = _PARTS.get(name)
    return make(paper) if make else ""


def _families(paper):
    # An organisation is named whole ("Gemini Team" -> geminiteam), a person by family name.
    return [_ascii_word(a if is_corporate(a) else family_name(a))
            for a in paper.get("authors") or []]


def _title_words(paper):
    words = (_ascii_word(w) for w in re.findall(r"[\w']+", paper.get("title") or ""))
    return [w for w in words if w and w not in STOP_WORDS]


def _auth(paper):
    families = _families(paper)
    return families[0] if families and families[0] else "anon"


def _auth2(paper):
    families = [f for f in _families(paper)[:2] if f]
    return "".join(families) or "anon"


def _auth_et_al(paper):
    families = _families(paper)
    return _auth(paper) + ("EtAl" if len(families) > 1 else "")


def _year(paper):
    return str(paper.get("year") or "")


def _title(paper):
    words = _title_words(paper)
    return words[0] if words else ""


def _venue(paper):
    words = [_ascii_word(w) for w in re.findall(r"[\w']+", paper.get("venue") or "")]
    words = [w for w in words if w and w not in STOP_WORDS]
    return words[0] if words else ""


_PARTS = {
    "auth": _auth,
    "Auth": lambda p: _auth(p).capitalize(),
    "auth2": _auth2,
    "authEtAl": _auth_et_al,
    "year": _year,
    "yy": lambda p: _year(p)[-2:],
    "title": _title,
    "Title": lambda p: _title(p).capitalize(),
    "shorttitle": lambda p: "".join(_title_words(p)[:3]),
    "venue": _venue,
}


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
    """Return True when key holds only characters safe in BibTeX, LaTeX and URLs."""
    return bool(key) and len(key) <= 200 and _SAFE_KEY.match(key) is not None


# Letters that unicode does not decompose into an ASCII base (Łukasiewicz -> lukasiewicz).
_ASCII_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae",
                                "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d",
                                "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"})


def _ascii_word(text):
    return re.sub(r"[^a-z0-9]", "", fold((text or "").translate(_ASCII_LETTERS)))


def _letters(n):
    """Return the n-th suffix: a..z, then aa, ab, ... (bijective base 26)."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out
