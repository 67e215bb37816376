"""`.bib` and `.csljson` on any view of papers: the whole filtered result as BibTeX,
BibLaTeX or CSL-JSON.

Column contract: the rows name papers through a `citekey` or `paper_id` column (or are
rows of the papers table, `id`). A table page exports the WHOLE filtered result, not
only the page shown; rows that name no papers get a 400 with a message. (CSL-JSON is
`.csljson`: Datasette reads an extension of word characters only, so `.csl.json` cannot be.)
"""

import asyncio
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError

from papershelf.exports.bibtex import MODES, render_bibtex
from papershelf.exports.csljson import render_csl_json
from papershelf.server.store import row_to_paper

# Query-string arguments of a table page that choose the page or its look, not the rows.
NOT_FILTERS = {"_next", "_size", "_shape", "_col", "_nocol", "_labels", "_label", "_facet",
               "_facet_array", "_facet_date", "_facet_list", "_facet_size", "_nocount",
               "_nofacet", "_nosuggest", "_dl", "_mode", "_json", "_trace", "_timelimit"}
LOAD_CHUNK = 500
BIB_COLUMNS_MESSAGE = (
    "BibTeX export needs rows of papers: a citekey or paper_id column, "
    "or the papers table itself")
CSL_COLUMNS_MESSAGE = BIB_COLUMNS_MESSAGE.replace("BibTeX", "CSL-JSON")


# --- .bib: any view of papers, whole -----------------------------------------------------


@hookimpl
def register_output_renderer(datasette):
    return [{"extension": "bib", "render": render_bib, "can_render": can_render_bib},
            {"extension": "csljson", "render": render_csljson, "can_render": can_render_bib}]


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
    papers = await papers_of_view(datasette, request, columns, rows, sql, query_name,
                                  database, table, view_name, data, BIB_COLUMNS_MESSAGE)
    # Thousands of entries take a second to write: keep the server answering meanwhile.
    text = await asyncio.to_thread(render_bibtex, papers, mode=mode)
    return Response(text, content_type="text/plain; charset=utf-8",
                    headers=_download(request, table or query_name or database, "bib"))


async def render_csljson(datasette, request, columns, rows, sql, query_name, database, table,
                         view_name, data):
    papers = await papers_of_view(datasette, request, columns, rows, sql, query_name,
                                  database, table, view_name, data, CSL_COLUMNS_MESSAGE)
    text = await asyncio.to_thread(render_csl_json, papers)
    return Response(text, content_type="application/json; charset=utf-8",
                    headers=_download(request, table or query_name or database, "json"))


def _download(request, name, suffix):
    """Return the headers that make a browser save the answer as a file (?_dl=1), or none."""
    if not request.args.get("_dl"):
        return {}
    return {"content-disposition": f'attachment; filename="{name}.{suffix}"'}


async def papers_of_view(datasette, request, columns, rows, sql, query_name, database, table,
                         view_name, data, message):
    """Return the stored papers a view's rows name: every row of it, not only the page shown."""
    if paper_reference(columns, table) is None:
        raise DatasetteError(message, status=400)
    if view_name == "table" and table and not query_name:
        column, refs = await _whole_table_view(datasette, request, database, table, message)
    else:
        if data.get("truncated"):
            rows = await _rerun_without_limit(datasette, database, sql, data)
        column = paper_reference(columns, table)
        refs = [row[column] for row in rows]
    return await _load_papers(datasette.get_database(database), column, refs)


async def _whole_table_view(datasette, request, database, table, message):
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
            raise DatasetteError(message, status=400)
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
