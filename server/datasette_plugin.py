"""papershelf's Datasette plugin: a private, readable library view that exports any view as BibTeX.

- asgi_wrapper: answers only requests whose Host is a loopback name on the port the
  server listens on (DNS rebinding protection: Datasette itself never checks Host).
- render_cell: arXiv ids, DOIs, PDF/code/page URLs as links; authors and tags (JSON
  arrays) as lists whose items filter the papers table.
- `.bib` output renderer on table, row and query pages. Column contract: the rows name
  papers through a `citekey` or `paper_id` column (or are rows of the papers table, `id`).
  A table page exports the WHOLE filtered result, not only the page shown; otherwise 400.
- get_metadata: gives the shipped library metadata to a papershelf database of any file
  name (Datasette keys metadata by database name, i.e. the file's stem).
"""

import asyncio
import copy
import json
import re
import weakref
from functools import lru_cache
from urllib.parse import quote, urlencode, urlsplit

import yaml
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from exports.bibtex import MODES, render_bibtex
from server.datasette_launch import METADATA_PATH
from server.identity import normalize_title
from server.store import row_to_paper

LIBRARY_BLOCK = "papershelf"  # the database block of the shipped metadata
LIBRARY_TABLES = {"papers", "papers_fts", "paper_authors", "paper_tags"}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
# The library is private: no search terms in the Referer of links to arXiv and the like
# (Datasette sets this on its data pages only), no framing by other sites, no sniffing an
# export into a script.
PRIVATE_HEADERS = [(b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                   (b"x-content-type-options", b"nosniff")]
# Query-string arguments of a table page that choose the page or its look, not the rows.
NOT_FILTERS = {"_next", "_size", "_shape", "_col", "_nocol", "_labels", "_label", "_facet",
               "_facet_array", "_facet_date", "_facet_list", "_facet_size", "_nocount",
               "_nofacet", "_nosuggest", "_dl", "_mode", "_json", "_trace", "_timelimit"}
LOAD_CHUNK = 500
AUTHORS_SHOWN = 6
ABSTRACT_SHOWN = 220
BIB_COLUMNS_MESSAGE = (
    "BibTeX export needs rows of papers: a citekey or paper_id column, "
    "or the papers table itself")


# --- privacy: refuse foreign Host headers --------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def only_loopback_hosts(scope, receive, send):
            if scope["type"] in ("http", "websocket") and not host_allowed(scope):
                await _refuse(scope, send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_private(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers") or [])
                    present = {key.lower() for key, _ in headers}
                    headers += [h for h in PRIVATE_HEADERS if h[0] not in present]
                    message = {**message, "headers": headers}
                await send(message)

            await app(scope, receive, send_private)

        return only_loopback_hosts

    return wrap


def host_allowed(scope):
    """Return True when the request's Host is a loopback name with the port being served."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    parsed = split_host(host)
    if parsed is None:
        return False
    name, port = parsed
    served_port = (scope.get("server") or (None, None))[1]
    # No port on either side means HTTP's default (Datasette's in-process client has none).
    return name in LOOPBACK_NAMES and (port or 80) == (served_port or 80)


def split_host(host):
    """Return (lower-case name, port or None) of a Host header value, or None if malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host.partition("]")
        name, port_text = name + bracket, rest
        if port_text and not port_text.startswith(":"):
            return None
        port_text = port_text[1:]
    else:
        name, _, port_text = host.partition(":")
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit():
        return None
    return name, int(port_text)


async def _refuse(scope, send):
    body = (b"papershelf's Datasette answers only to http://127.0.0.1, localhost or [::1]"
            b" on its own port; this request named another host.\n")
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# --- metadata for a library database of any name --------------------------------------


@lru_cache(maxsize=1)
def shipped_metadata():
    """Return the metadata shipped with the package (title, tables, canned queries)."""
    return yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))


# Datasette instance -> {name of a database holding a library: its metadata block}.
_library_databases = weakref.WeakKeyDictionary()


@hookimpl
def startup(datasette):
    async def find_libraries():
        block = shipped_metadata()["databases"][LIBRARY_BLOCK]
        libraries = {}
        for name, database in datasette.databases.items():
            if not name.startswith("_") and LIBRARY_TABLES <= set(await database.table_names()):
                # One copy per database: Datasette merges local metadata into it in place.
                libraries[name] = copy.deepcopy(block)
        _library_databases[datasette] = libraries

    return find_libraries


@hookimpl
def get_metadata(datasette, key, database, table):
    # Called for every cell of a page: no copying here.
    libraries = _library_databases.get(datasette, {})
    return {"databases": {name: block for name, block in libraries.items()
                          if name != LIBRARY_BLOCK}}


@hookimpl
def prepare_connection(conn):
    # The "duplicates suspected" canned query compares titles the way the store does.
    conn.create_function("papershelf_normalize_title", 1, normalize_title, deterministic=True)


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


# --- tags and authors: facets and filters through the indexed link tables -------------

# A JSON-array column of papers, the link table that mirrors it, and the filter argument.
LINKS = {
    "tags": ("paper_tags", "tag", "_tag", "tagged"),
    "authors": ("paper_authors", "name", "_author", "by"),
}


def _is_library(datasette, database):
    return database in _library_databases.get(datasette, {})


@hookimpl
def filters_from_request(request, database, table, datasette):
    # Datasette's own tags__arraycontains parses the JSON of every paper (a full scan per
    # query); ?_tag= and ?_author= use the link tables' indexes instead.
    if table != "papers" or not _is_library(datasette, database):
        return None
    clauses, params, descriptions = [], {}, []
    for link_table, column, argument, verb in LINKS.values():
        for i, value in enumerate(request.args.getlist(argument)):
            name = f"papershelf{argument}{i}"
            clauses.append(f"id in (select paper_id from {link_table} where {column} = :{name})")
            params[name] = value
            descriptions.append(f'{verb} "{value}"')
    return FilterArguments(clauses, params=params, human_descriptions=descriptions)


class ListFacet(Facet):
    """Facet on tags or authors counted from their link table, selecting with ?_tag=/?_author=."""

    type = "list"

    async def facet_results(self):
        results, timed_out = [], []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for item in self.get_configs():
            column = item["config"].get("column") or item["config"]["simple"]
            if self.table != "papers" or column not in LINKS:
                continue
            link_table, value_column, argument, _ = LINKS[column]
            # An unfiltered table needs no join: count the link table alone.
            filtered = not self.sql.rstrip().endswith(f"from {escape_sqlite(self.table)}")
            where = f"where paper_id in (select id from ({self.sql}))" if filtered else ""
            # count(*): the store writes each tag once per paper, and an author once per place.
            sql = (f"select {value_column} as value, count(*) as count from {link_table} {where}"
                   f" group by {value_column} order by count desc, value limit {size + 1}")
            try:
                rows = (await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append({
                "name": column, "type": self.type, "hideable": item["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_list": column})),
                "truncated": len(rows) > size,
                "results": [self._value(row, argument, pairs) for row in rows[:size]],
            })
        return results, timed_out

    def _value(self, row, argument, pairs):
        value = row["value"]
        selected = (argument, value) in pairs
        change = path_with_removed_args if selected else path_with_added_args
        return {"value": value, "label": value, "count": row["count"], "selected": selected,
                "toggle_url": self.ds.absolute_url(
                    self.request, change(self.request, {argument: value}))}


@hookimpl
def register_facet_classes():
    return [ListFacet]


# --- cells ---------------------------------------------------------------------------


@hookimpl
def render_cell(row, value, column, table, database, datasette):
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
    if _row_value(row, "citekey") is None or not isinstance(value, int):
        return None
    return _link(f"{_papers_url(datasette, database)}/{value}", value)


def render_title(value, row, **_):
    url = _web_url(_row_value(row, "url") or "")
    text = Markup('<strong style="display:inline-block;min-width:14em">{}</strong>').format(value)
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


def _row_value(row, column):
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


# --- .bib: any view of papers, whole -----------------------------------------------------


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "bib", "render": render_bib, "can_render": can_render_bib}


def paper_reference(columns, table):
    """Return the column that names papers in these rows, or None when they do not."""
    if "citekey" in columns:
        return "citekey"
    if "paper_id" in columns:
        return "paper_id"
    if table == "papers" and "id" in columns:
        return "id"
    return None


def can_render_bib(columns, table):
    return paper_reference(columns, table) is not None


async def render_bib(datasette, request, columns, rows, sql, query_name, database, table,
                     view_name, data):
    if paper_reference(columns, table) is None:
        raise DatasetteError(BIB_COLUMNS_MESSAGE, status=400)
    mode = request.args.get("_mode") or "bibtex"
    if mode not in MODES:
        raise DatasetteError(f"_mode must be one of {', '.join(MODES)}", status=400)
    if view_name == "table" and table and not query_name:
        column, refs = await _whole_table_view(datasette, request, database, table)
    else:
        if data.get("truncated"):
            rows = await _rerun_without_limit(datasette, database, sql, data)
        column = paper_reference(columns, table)
        refs = [row[column] for row in rows]
    papers = await _load_papers(datasette.get_database(database), column, refs)
    headers = {}
    if request.args.get("_dl"):
        name = table or query_name or database
        headers["content-disposition"] = f'attachment; filename="{name}.bib"'
    # Thousands of entries take a second to write: keep the server answering meanwhile.
    text = await asyncio.to_thread(render_bibtex, papers, mode=mode)
    return Response(text, content_type="text/plain; charset=utf-8",
                    headers=headers)


async def _whole_table_view(datasette, request, database, table):
    """Page through the table's JSON with the same filters; return (column, references)."""
    args = [(k, v) for k in request.args for v in request.args.getlist(k) if k not in NOT_FILTERS]
    args += [("_shape", "objects"), ("_size", "max"), ("_nocount", "1"), ("_nofacet", "1"),
             ("_nosuggest", "1")]
    # Export order does not matter, but paging does: Datasette 0.65 pages a sort with tied
    # values wrongly, so read in primary-key order instead of the view's sort.
    pks = await datasette.get_database(database).primary_keys(table)
    args = [(k, v) for k, v in args if k not in ("_sort", "_sort_desc")]
    if len(pks) == 1:
        args.append(("_sort", pks[0]))
    if table == "papers":
        args.append(("_col", "citekey"))  # the id comes along as the primary key
    path = datasette.urls.table(database, table, format="json")
    refs, column, next_token = [], None, None
    while True:
        page_args = args + ([("_next", next_token)] if next_token else [])
        response = await datasette.client.get(f"{path}?{urlencode(page_args)}",
                                              cookies=request.cookies)
        page = response.json()
        if response.status_code != 200:
            raise DatasetteError(page.get("error") or "could not read the table", status=400)
        column = column or paper_reference(page.get("columns") or [], table)
        if column is None:
            raise DatasetteError(BIB_COLUMNS_MESSAGE, status=400)
        refs.extend(row[column] for row in page["rows"])
        next_token = page.get("next")
        if not next_token:
            return column, refs


async def _rerun_without_limit(datasette, database, sql, data):
    params = (data.get("query") or {}).get("params") or {}
    try:
        results = await datasette.get_database(database).execute(sql, params, truncate=False)
    except QueryInterrupted:
        raise DatasetteError("the query took too long to export in full", status=400)
    return results.rows


async def _load_papers(db, column, refs):
    """Return the stored papers named by refs, in their order, each once."""
    wanted = list(dict.fromkeys(r for r in refs if r is not None))
    by_ref = {}
    key_column = "id" if column == "paper_id" else column
    for start in range(0, len(wanted), LOAD_CHUNK):
        chunk = wanted[start:start + LOAD_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        results = await db.execute(
            f"select * from papers where {key_column} in ({marks})", chunk)
        for row in results.rows:
            by_ref[row[key_column]] = row_to_paper(dict(row))
    return [by_ref[r] for r in wanted if r in by_ref]
