"""The papers' stored PDFs in Datasette: served by the plugin, linked from papers and searches.

- GET /-/papershelf/files/<database>/<file id>/<name>.pdf serves a stored PDF inline,
  behind the same loopback Host guard as every page (host_guard.asgi_wrapper) and the
  view-table permission on `files`; only a file the files table names, only from the
  files folder beside that database.
- The paper page lists the saved PDFs first among its links (paper_page_links).
- Cells: the papers table's pdf_url shows the saved copy beside the web link; the files
  table's path links to the file; the "Search inside PDFs" query's pdf_file column opens
  the PDF at the page found, and its text_snippet column shows the matched words marked.
"""

from pathlib import Path

from datasette.utils.asgi import AsgiFileDownload, Response
from markupsafe import Markup, escape

from papershelf.server import paths
from papershelf.server.datasette.library import is_library

ROUTE = r"^/-/papershelf/files/(?P<database>[^/]+)/(?P<file_id>\d+)/(?P<name>[^/]+\.pdf)$"
MARK_START, MARK_END = "\x02", "\x03"  # the snippet marks of papershelf.server.fulltext


def file_routes():
    """Return the plugin's routes for stored files (registered in the package's __init__)."""
    return [(ROUTE, serve_file)]


async def serve_file(datasette, request):
    database = request.url_vars["database"]
    if not is_library(datasette, database):
        return _not_found("no such library")
    allowed = await datasette.permission_allowed(
        request.actor, "view-table", (database, "files"), default=True)
    if not allowed:
        return Response.text("you may not read the files of this library", status=403)
    db = datasette.get_database(database)
    rows = (await db.execute("select path from files where id = ?",
                             [int(request.url_vars["file_id"])])).rows
    if not rows or Path(rows[0]["path"]).name != request.url_vars["name"]:
        return _not_found("no such file")
    folder = paths.files_dir(db.path).resolve()
    target = (folder / rows[0]["path"]).resolve()
    if target.parent != folder or not target.is_file():
        return _not_found("the file is missing from the library's files folder")
    return AsgiFileDownload(target, content_type="application/pdf", headers={
        "content-disposition": f'inline; filename="{target.name}"', "cache-control": "private"})


def _not_found(message):
    return Response.text(message, status=404)


def file_url(datasette, database, file_id, path, page=None):
    """Return the address at which the plugin serves a stored file (at a page, if given)."""
    url = datasette.urls.path(f"/-/papershelf/files/{database}/{file_id}/{Path(path).name}")
    return f"{url}#page={page}" if page else url


async def saved_pdf_links(datasette, database, paper_id, web_link):
    """Return the pdf_url cell of a paper: its saved copy (when stored), then the web link."""
    db = datasette.get_database(database)
    rows = (await db.execute("select id, path, pages from files where paper_id = ?"
                             " and kind = 'pdf' order by id limit 1", [paper_id])).rows
    if not rows:
        return web_link
    saved = Markup('<a href="{}" title="the copy in your library ({} pages)">saved PDF</a>').format(
        file_url(datasette, database, rows[0]["id"], rows[0]["path"]), rows[0]["pages"] or "?")
    return Markup("{} · {}").format(saved, web_link) if web_link else saved


async def paper_page_links(datasette, database, paper_id):
    """Return the paper page's links to the paper's stored PDFs ({kind, label, url})."""
    rows = (await datasette.get_database(database).execute(
        "select id, path, pages from files where paper_id = ? and kind = 'pdf' order by id",
        [paper_id])).rows
    return [{"kind": "saved-pdf", "url": file_url(datasette, database, row["id"], row["path"]),
             "label": f"Saved PDF ({row['pages']} pages)" if row["pages"] else "Saved PDF"}
            for row in rows]


def render_file_cell(column, value, row, database, datasette):
    """Return the HTML of a files table or "Search inside PDFs" cell, or None for the default."""
    if column == "path" and _value(row, "id") is not None and _value(row, "paper_id") is not None:
        return Markup('<a href="{}">{}</a>').format(
            file_url(datasette, database, row["id"], value), Path(str(value)).name)
    if column == "pdf_file" and isinstance(value, int):
        path = _value(row, "pdf_name") or "paper.pdf"
        return Markup('<a href="{}">open at p. {}</a>').format(
            file_url(datasette, database, value, path, _value(row, "page")), _value(row, "page"))
    if column == "text_snippet" and isinstance(value, str):
        marked = str(escape(value)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        return Markup('<div style="min-width:22em">{}</div>').format(Markup(marked))
    return None


def _value(row, column):
    try:
        return row[column]
    except (IndexError, KeyError):
        return None
