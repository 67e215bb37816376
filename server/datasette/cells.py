"""How the papers' cells show: links for ids and URLs, lists that filter for authors and tags."""

import json
import re
import weakref
from urllib.parse import quote, urlencode, urlsplit

from datasette import hookimpl
from markupsafe import Markup

from papershelf.server.datasette.facets import LINKS
from papershelf.server.datasette.files import render_file_cell, saved_pdf_links

AUTHORS_SHOWN = 6
ABSTRACT_SHOWN = 220



# --- pages ---------------------------------------------------------------------------

# Datasette 0.65 lists every column description above the table; fold them away so the
# papers come first.
FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var details = document.createElement("details");
  var summary = document.createElement("summary");
  summary.textContent = "What the columns mean";
  list.parentNode.insertBefore(details, list);
  details.appendChild(summary);
  details.appendChild(list);
});
"""


@hookimpl
def extra_body_script(view_name):
    return FOLD_COLUMN_DESCRIPTIONS if view_name == "table" else None


# --- cells ---------------------------------------------------------------------------


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table in (None, "files"):
        html = render_file_cell(column, value, row, database, datasette)
        if html is not None:
            return html
    if table == "papers" and column == "pdf_url" and isinstance(row_value(row, "id"), int):
        # An awaitable: Datasette waits for it (one indexed look-up per row shown).
        return saved_pdf_links(datasette, database, row_value(row, "id"),
                               _url_renderer(lambda url: "PDF")(value) if value else None)
    if table not in (None, "papers") or value in (None, ""):
        return None
    if column == "id":
        return None if table else render_query_id(value, row, database, datasette)
    renderer = CELL_RENDERERS.get(column)
    if renderer is None:
        return None
    return renderer(value, row=row, database=database, datasette=datasette)


def _link(href, label, title=None):
    title_attr = Markup(' title="{}"').format(title) if title else ""
    return Markup('<a href="{}"{}>{}</a>').format(href, title_attr, label)


def _web_url(value):
    """Return value when it is an http(s) URL (never a javascript: link), else None."""
    text = str(value).strip()
    return text if urlsplit(text).scheme in ("http", "https") else None


def _json_list(value):
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    return items


def _filter_url(datasette, database, column, item):
    return f"{_papers_url(datasette, database)}?{urlencode({LINKS[column][2]: item})}"


_papers_urls = weakref.WeakKeyDictionary()  # Datasette -> {database: papers table path}


def _papers_url(datasette, database):
    # Asked for every author of every row: building it each time is a visible cost.
    urls = _papers_urls.setdefault(datasette, {})
    if database not in urls:
        urls[database] = datasette.urls.table(database, "papers")
    return urls[database]


def render_query_id(value, row, database, datasette):
    # In a canned query's rows an id beside a citekey is a paper's: link it to its row page.
    if row_value(row, "citekey") is None or not isinstance(value, int):
        return None
    return _link(f"{_papers_url(datasette, database)}/{value}", value)


def render_title(value, row, database, datasette):
    text = Markup('<strong style="display:inline-block;min-width:14em">{}</strong>').format(value)
    # A paper's title opens its page in the library; the page it was clipped from has a
    # column of its own (url).
    paper_id = row_value(row, "id")
    if isinstance(paper_id, int) and row_value(row, "citekey") is not None:
        return _link(f"{_papers_url(datasette, database)}/{paper_id}", text)
    url = _web_url(row_value(row, "url") or "")
    return _link(url, text) if url else text


def render_authors(value, row, database, datasette):
    authors = _json_list(value)
    if authors is None:
        return None
    links = [_link(_filter_url(datasette, database, "authors", a), a) for a in authors]
    items = [Markup('<li style="display:inline">{}{}</li>').format(
        link, "," if i < len(links) - 1 else "") for i, link in enumerate(links)]
    shown, rest = items[:AUTHORS_SHOWN], items[AUTHORS_SHOWN:]
    if rest:
        shown.append(Markup('<li style="display:inline"><details style="display:inline">'
                            '<summary style="display:inline;cursor:pointer">and {} more</summary>'
                            ' {}</details></li>').format(len(rest), Markup(" ").join(rest)))
    return Markup('<ul class="papershelf-authors" style="margin:0;padding:0;list-style:none;'
                  'min-width:12em">{}</ul>').format(Markup(" ").join(shown))


def render_tags(value, row, database, datasette):
    tags = _json_list(value)
    if tags is None:
        return None
    pills = Markup(" ").join(Markup(TAG_PILL).format(
        _filter_url(datasette, database, "tags", tag), tag) for tag in tags)
    return Markup('<span class="papershelf-tags" style="display:inline-block;min-width:9em">'
                  '{}</span>').format(pills)


TAG_PILL = ('<a class="papershelf-tag" href="{}" style="display:inline-block;margin:1px 2px;'
            'padding:0 6px;border-radius:8px;background:#e8eef7;white-space:nowrap">{}</a>')


def render_arxiv(value, **_):
    return _link(f"https://arxiv.org/abs/{quote(str(value), safe='/.')}", f"arXiv:{value}")


def render_doi(value, **_):
    return _link(f"https://doi.org/{quote(str(value), safe='/:;()._-')}", value)


def _url_renderer(label_for):
    def render(value, **_):
        url = _web_url(value)
        return _link(url, label_for(url), title=url) if url else None
    return render


def _short_location(url):
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def render_abstract(value, **_):
    text = str(value)
    box = Markup('<div style="min-width:22em">{}</div>')
    if len(text) <= ABSTRACT_SHOWN:
        return box.format(text)
    cut = text.rfind(" ", 0, ABSTRACT_SHOWN)
    cut = cut if cut > 0 else ABSTRACT_SHOWN
    return box.format(Markup("<details><summary>{}…</summary>{}</details>").format(
        text[:cut], text[cut:]))


def render_extra(value, **_):
    try:
        extra = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(extra, dict):
        return None
    if not extra:
        return Markup("<span></span>")  # an empty string would let Datasette show "{}"
    return Markup("<br>").join(
        Markup("<small>{}: {}</small>").format(k, v if isinstance(v, str) else json.dumps(v))
        for k, v in extra.items())


def render_timestamp(value, **_):
    text = str(value)
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", text):
        return None
    return Markup('<span title="{}" style="white-space:nowrap">{} {}</span>').format(
        text, text[:10], text[11:16])


def render_internal(value, **_):
    return Markup('<small style="color:#777">{}</small>').format(value)


def row_value(row, column):
    try:
        return row[column]
    except (IndexError, KeyError):
        return None


CELL_RENDERERS = {
    "title": render_title,
    "authors": render_authors,
    "tags": render_tags,
    "arxiv_id": render_arxiv,
    "doi": render_doi,
    "pdf_url": _url_renderer(lambda url: "PDF"),
    "code_url": _url_renderer(_short_location),
    "url": _url_renderer(lambda url: urlsplit(url).netloc),
    "abstract": render_abstract,
    "extra": render_extra,
    "added_at": render_timestamp,
    "updated_at": render_timestamp,
    "identity_key": render_internal,
}
