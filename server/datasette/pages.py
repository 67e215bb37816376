"""The library's own pages: the paper page (a papers row) and the library home (/).

templates/row.html extends papershelf's paper template when papershelf_paper is set, and
Datasette's own otherwise (other databases, other tables). The home is a route of its own:
datasette-search-all overrides index.html too, and of two plugins' templates of one name
Datasette may pick either.
"""

from datasette import hookimpl
from datasette.utils.asgi import Response
from datasette.views.index import IndexView

from papershelf.server.datasette.home import library_summary
from papershelf.server.datasette.library import library_dashboards, library_names
from papershelf.server.datasette.paper_page import paper_context


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name == "row" and table == "papers" and database in library_names(datasette):
        async def paper_page():
            return await paper_context(datasette, database, request)
        return paper_page
    return None


@hookimpl
def register_routes():
    # The empty format group: Datasette's index view, the fallback, reads it.
    return [(r"^/(?P<format>)$", library_home)]


async def library_home(request, datasette):
    """Show the libraries' charts and summaries; without a library, Datasette's index."""
    if not library_names(datasette):
        return await IndexView.as_view(datasette)(request, None)
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    context = {"papershelf_home": await home_context(datasette), "metadata": datasette.metadata(),
               "databases": await _databases(datasette, request)}
    html = await datasette.render_template(["papershelf_home.html"], context, request=request,
                                           view_name="index")
    return Response.html(html)


async def home_context(datasette):
    """Return, per library database, its summary, its table's address and its dashboard."""
    dashboards = library_dashboards(datasette)
    libraries = []
    for name in library_names(datasette):
        summary = await library_summary(datasette.get_database(name))
        libraries.append({"name": name, "summary": summary,
                          "papers_url": datasette.urls.table(name, "papers"),
                          "dashboard_url": datasette.urls.path(f"-/dashboards/{name}"),
                          "dashboard": dashboards[name]})
    # datasette-dashboards' script fetches each chart's rows from {base}{database}.json.
    return {"libraries": libraries, "base_url": datasette.urls.instance()}


async def _databases(datasette, request):
    """Return [(name, [visible table names])] of the databases this reader may see."""
    listed = []
    for name, db in datasette.databases.items():
        visible, _ = await datasette.check_visibility(request.actor, "view-database", name)
        if visible and not name.startswith("_"):
            hidden = set(await db.hidden_table_names())
            listed.append((name, [t for t in await db.table_names() if t not in hidden]))
    return listed
