"""Find the citation keys a manuscript cites: LaTeX, .aux, Markdown/Quarto and Typst.

    citations = scan_manuscript("paper.qmd")   # [Citation(key, path, line), ...] in order

Each reader blanks what its language never reads as a citation (comments, code, math,
verbatim text, link targets) with spaces, keeping every newline, so that an offset in the
blanked text is still the offset, and the line, in the file. Files a manuscript pulls in
(\\input, \\include, #include, Quarto's include shortcode) are read too, once each.
"""

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

ALL_KEYS = "*"  # \nocite{*}, nocite: @*: every paper


@dataclass(frozen=True)
class Citation:
    key: str
    path: str
    line: int


class ManuscriptError(ValueError):
    """A manuscript that cannot be read."""


def _blank(match):
    """Return the match as spaces, newlines kept (offsets and lines stay where they were)."""
    return re.sub(r"[^\n]", " ", match.group())


def _line_starts(text):
    return [0] + [m.end() for m in re.finditer("\n", text)]


# --- LaTeX ----------------------------------------------------------------------------

_TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_TEX_VERBATIM = re.compile(
    r"\\begin\{(verbatim|Verbatim|BVerbatim|lstlisting|minted|comment|filecontents)(\*?)\}"
    r".*?\\end\{\1\2\}", re.DOTALL)
_TEX_VERB = re.compile(r"\\(?:verb|lstinline)\*?([^A-Za-z\s*{]).*?\1")
# Any command with "cite" in its name takes keys (\cite, \citep, \parencite, \textcites,
# \citeonline that a document declares...), except these that only configure citing.
_TEX_CITE = re.compile(r"\\([A-Za-z]*[Cc]ite[A-Za-z]*)\*?")
_TEX_NOT_CITING = re.compile(
    r"^(?:Declare|if|new|renew|provide|Require|Save|Restore|Undef|def|let)"
    r"|(?:delim|punct|style|setup|tracker|reset|counter|font|format|alias)$")
_TEX_KEY = re.compile(r"[^\s{}\\%#~,\"]+\Z")
_TEX_INCLUDE = re.compile(r"\\(?:input|include|subfile)\s*\{([^{}\\]+)\}")


def _latex_citations(text):
    """Yield (offset, key) of every key a LaTeX source cites."""
    for match in _TEX_CITE.finditer(text):
        name = match.group(1)
        if _TEX_NOT_CITING.search(name):
            continue
        repeats = name.endswith("cites")  # biblatex multicite: \cites[..][..]{a}[..]{b}
        position = match.end()
        while True:
            group = _tex_key_group(text, position)
            if group is None:
                break
            start, end = group
            yield from _tex_keys(text, start, end)
            position = end + 1
            if not repeats:
                break


def _tex_key_group(text, position):
    """Return (start, end) of the {keys} after a cite command's optional arguments, or None."""
    while True:
        while position < len(text) and text[position] in " \t\n":
            position += 1
        if position >= len(text):
            return None
        opening = text[position]
        if opening == "{":
            end = _closing(text, position, "{", "}")
            return None if end is None else (position + 1, end)
        if opening not in "[(":
            return None
        end = _closing(text, position, opening, "]" if opening == "[" else ")")
        if end is None:
            return None
        position = end + 1


def _closing(text, start, opening, closing):
    """Return the offset of the bracket closing the one at start (braces nest), or None."""
    depth = braces = 0
    for i in range(start, min(len(text), start + 2000)):
        char = text[i]
        if char == "{" and opening != "{":
            braces += 1
        elif char == "}" and opening != "{":
            braces -= 1
        elif braces == 0 and char == opening:
            depth += 1
        elif braces == 0 and char == closing:
            depth -= 1
            if depth == 0:
                return i
    return None


def _tex_keys(text, start, end):
    """Yield (offset, key) of a comma-separated key list; nothing when it is not one."""
    keys, offset = [], start
    for part in text[start:end].split(","):
        key = part.strip()
        if key:
            if not _TEX_KEY.match(key):
                return  # \DeclareCiteCommand{\citeonline}, {\bibstring{x}}: no keys here
            keys.append((offset + part.index(key), key))
        offset += len(part) + 1
    yield from keys


def _read_latex(text):
    text = _TEX_COMMENT.sub(_blank, text)
    text = _TEX_VERBATIM.sub(_blank, text)
    text = _TEX_VERB.sub(_blank, text)
    return list(_latex_citations(text)), [m.group(1).strip() for m in _TEX_INCLUDE.finditer(text)]


_AUX_CITE = re.compile(r"\\citation\{([^}]*)\}|\\abx@aux@cite\{[^}]*\}\{([^}]*)\}")


def _read_aux(text):
    """Return the keys an .aux file lists (BibTeX \\citation, biblatex \\abx@aux@cite)."""
    found = []
    for match in _AUX_CITE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        found.extend(_tex_keys(text, match.start(group), match.end(group)))
    return found, []


# --- Markdown and Quarto (Pandoc's citation syntax) ---------------------------------------

_MD_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_MD_LIST_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d+[.)]|#\.|\(?@\w*\)|[a-zA-Z][.)])\s")
_MD_MASKS = [
    re.compile(r"<!--.*?-->", re.DOTALL),  # HTML comments
    re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL),  # inline code
    re.compile(r"\$\$.+?\$\$", re.DOTALL),  # display math
    re.compile(r"(?<![\\$])\$(?=[^\s$])(?:[^$\\\n]|\\.|\n(?!\s*\n))+?(?<=[^\s\\])\$(?!\d)"),
    re.compile(r"(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"),  # (url)
    re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>"),  # <autolink>
    re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE),  # [label]: url "title"
    re.compile(r"\{\{<.*?>\}\}", re.DOTALL),  # Quarto shortcodes
]
# Pandoc: a key starts with a letter, digit, _ (or * in nocite) and may hold punctuation
# between word characters; @{...} takes anything without spaces. Never right after a letter
# or digit (an e-mail address) or a backslash (\@).
_MD_KEY = re.compile(
    r"(?<![^\W_])(?<!\\)@(?:\{(?P<braced>[^\s{}]+)\}|"
    r"(?P<key>[\w*](?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*))")
# Cross-references, not citations: Quarto's @fig-x, @tbl-x... and pandoc-crossref's @fig:x.
_CROSSREF = re.compile(
    r"(?:fig|tbl|lst|tip|nte|wrn|imp|cau|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|eq|sec|alg)-"
    r"|(?:fig|tbl|eq|sec|lst):")
_MD_INCLUDE = re.compile(r"\{\{<\s*include\s+[\"']?([^\s\"'>]+)[\"']?\s*>\}\}")


def _blank_code_blocks(text):
    """Return Markdown with fenced and indented code blocks blanked."""
    lines = text.split("\n")
    fence, in_list, after_blank, code = None, False, True, False
    for i, line in enumerate(lines):
        if fence:
            lines[i] = " " * len(line)
            if re.match(rf"^[ \t>]*{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
            continue
        opening = _MD_FENCE.match(line)
        if opening:
            fence, lines[i] = opening.group(1), " " * len(line)
            continue
        blank = not line.strip()
        indented = line.startswith(("    ", "\t"))
        code = indented and not blank and (code or (after_blank and not in_list))
        if code:  # an indented block after a paragraph break, not inside a list: code
            lines[i] = " " * len(line)
        elif not blank and not indented:
            in_list = bool(_MD_LIST_ITEM.match(line)) or (in_list and not after_blank)
        after_blank = blank or (code and after_blank)
    return "\n".join(lines)


def _read_markdown(text):
    includes = [m.group(1) for m in _MD_INCLUDE.finditer(text)]
    text = _blank_code_blocks(text)
    for mask in _MD_MASKS:
        text = mask.sub(_blank, text)
    found = []
    for match in _MD_KEY.finditer(text):
        braced = match.group("braced")
        key = braced if braced is not None else match.group("key")
        if braced is None and _CROSSREF.match(key):
            continue
        found.append((match.start(), key))
    return found, includes


# --- Typst ------------------------------------------------------------------------------

_TYP_MASKS = [
    re.compile(r"https?://[^\s<>\[\]()\"']+"),  # a link: its // is no comment
    re.compile(r"/\*.*?\*/", re.DOTALL),
    re.compile(r"//[^\n]*"),
    re.compile(r"(`{3,}).*?\1", re.DOTALL),  # raw blocks
    re.compile(r"`[^`]*`"),
    re.compile(r"(?<!\\)\$.*?(?<!\\)\$", re.DOTALL),  # math
]
_TYP_CITE = re.compile(
    r"#cite\(\s*(?:<(?P<label>[\w\-:.]+)>|label\(\s*\"(?P<string>[^\"]+)\"\s*\)"
    r"|\"(?P<old>[^\"]+)\")")
_TYP_REF_CALL = re.compile(r"#ref\(\s*<(?P<label>[\w\-:.]+)>")
_TYP_STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"")
_TYP_LABEL = re.compile(r"<([\w\-:.]+)>|\blabel\(\s*\"([^\"]+)\"\s*\)")
_TYP_REF = re.compile(r"(?<![\w\\])@([^\W\d][\w\-:.]*)")
_TYP_INCLUDE = re.compile(r"#include\s+\"([^\"]+)\"")
_TYP_CODE_BEFORE = ("(", ",", ":", "=", "+", "#import", "#include")


def _typst_code_string(text, match):
    """Return True when a "..." is a string in code (an argument, #import), not smart quotes."""
    i = match.start() - 1
    while i >= 0 and text[i] in " \t\n":
        i -= 1
    return text[max(0, i - 7):i + 1].endswith(_TYP_CODE_BEFORE)


def _read_typst(text):
    for mask in _TYP_MASKS:
        text = mask.sub(_blank, text)
    includes = [m.group(1) for m in _TYP_INCLUDE.finditer(text)]
    cites, refs = [], []
    for match in _TYP_CITE.finditer(text):  # #cite() names bibliography keys only
        name = next(g for g in ("label", "string", "old") if match.group(g))
        cites.append((match.start(name), match.group(name)))
    refs = [(m.start("label"), m.group("label")) for m in _TYP_REF_CALL.finditer(text)]
    text = _TYP_REF_CALL.sub(_blank, _TYP_CITE.sub(_blank, text))
    labels = {m.group(1) or m.group(2) for m in _TYP_LABEL.finditer(text)}
    text = _TYP_STRING.sub(lambda m: _blank(m) if _typst_code_string(text, m) else m.group(),
                           text)
    refs += [(m.start(1), m.group(1).rstrip(".:")) for m in _TYP_REF.finditer(text)]
    # @sec:methods and #ref(<fig>) name the document's own labels; the others cite.
    return sorted(cites + [(at, key) for at, key in refs if key not in labels]), includes


READERS = {
    ".tex": _read_latex, ".ltx": _read_latex, ".latex": _read_latex, ".aux": _read_aux,
    ".md": _read_markdown, ".markdown": _read_markdown, ".qmd": _read_markdown,
    ".rmd": _read_markdown, ".typ": _read_typst,
}
KINDS = "a .tex, .aux, .md, .qmd or .typ file"


def scan_manuscript(path, kind=None, _seen=None):
    """Return the Citations of a manuscript (and of the files it includes), in order.

    kind (".aux", ".md"...) reads the file as that kind whatever its name.
    """
    path = Path(path)
    reader = READERS.get(kind or path.suffix.lower())
    if reader is None:
        raise ManuscriptError(f"{path}: cannot tell which citations to look for: give {KINDS}")
    seen = _seen if _seen is not None else set()
    seen.add(path.resolve())
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ManuscriptError(f"cannot read {path}: {exc.strerror or exc}") from exc
    found, includes = reader(text)
    starts = _line_starts(text)
    citations = [Citation(key, str(path), bisect.bisect_right(starts, offset))
                 for offset, key in found]
    for name in includes:
        included = _included_file(path, name)
        if included is not None and included.resolve() not in seen:
            citations.extend(scan_manuscript(included, _seen=seen))
    return citations


def _included_file(path, name):
    """Return the file an include names (LaTeX adds .tex), relative to the manuscript, if any."""
    candidate = path.parent / name
    for option in (candidate, candidate.with_name(candidate.name + path.suffix)):
        if option.is_file() and option.suffix.lower() in READERS:
            return option
    return None


def cited_keys(citations):
    """Return the keys of citations, each once in first-cited order (ALL_KEYS when one is *)."""
    keys = list(dict.fromkeys(c.key for c in citations))
    return [ALL_KEYS] if ALL_KEYS in keys else keys
