"""Render a paper's note (its properties and body) from a Jinja2 template."""

import hashlib
import re
from pathlib import Path

import jinja2

from papershelf.exports.obsidian.errors import ObsidianExportError
from papershelf.exports.obsidian.properties import note_properties, one_line

DEFAULT_TEMPLATE = Path(__file__).parent.parent / "templates" / "note.md.j2"
_ALIAS_SAFE = str.maketrans({"[": "(", "]": ")", "|": "-"})
_PERCENT_RUN = re.compile(r"%(?=%)")


class NoteRenderer:
    """Render the properties and the body of a paper's note from a Jinja2 template."""

    def __init__(self, template=None):
        path = Path(template) if template else DEFAULT_TEMPLATE
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ObsidianExportError(f"cannot read template {path}: {exc}") from exc
        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True, finalize=markdown_safe,
                                 autoescape=False)
        env.filters["callout"] = _callout
        try:
            self.template = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ObsidianExportError(f"template {path}, line {exc.lineno}: {exc.message}") from exc
        self.path = path
        self.digest = hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()

    def render(self, paper, pdf=None):
        """Return (properties dict, body text) of the paper's note (pdf: see note_properties)."""
        props = note_properties(paper, pdf)
        context = {"paper": paper, "props": props, "title": one_line(paper["title"]),
                   "authors": props["authors"], "links": paper_links(paper)}
        try:
            body = self.template.render(context)
        except Exception as exc:  # a reader's template may fail in any way; name it
            raise ObsidianExportError(f"template {self.path} failed: {exc}") from exc
        return props, body


def paper_links(paper):
    """Return the paper's links as dicts with label, url and a Markdown link."""
    links = []
    if paper.get("arxiv_id"):
        links.append(("arXiv", paper["arxiv_id"], f"https://arxiv.org/abs/{paper['arxiv_id']}"))
    if paper.get("doi"):
        links.append(("DOI", paper["doi"], f"https://doi.org/{paper['doi']}"))
    seen = {url for _, _, url in links}
    for label, key in (("Page", "url"), ("PDF", "pdf_url"), ("Code", "code_url")):
        url = paper.get(key)
        if url and url not in seen:
            links.append((label, url, url))
            seen.add(url)
    return [{"label": label, "url": url, "markdown": f"[{_link_text(text)}](<{_link_url(url)}>)"}
            for label, text, url in links]


def markdown_safe(value):
    """Keep template output from opening an Obsidian comment: "%%" would hide what follows."""
    if value is None:
        return ""
    if isinstance(value, str) and "%%" in value:
        return _PERCENT_RUN.sub(r"%\\", value)  # %% -> %\% (shows as %%, opens nothing)
    return value


def _callout(text):
    """Return text as the lines of a callout (each line behind "> ")."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(text).split("\n"))


def link_alias(title):
    """Return title as the shown text of a [[link|text]]: no brackets, no pipe."""
    return markdown_safe(one_line(title)).translate(_ALIAS_SAFE)


def _link_text(text):
    return re.sub(r"([\[\]\\])", r"\\\1", one_line(text))


def _link_url(url):
    return one_line(url).replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
