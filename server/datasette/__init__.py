"""papershelf's Datasette plugin: a private, readable library that exports any view as BibTeX or CSL-JSON.

- asgi_wrapper: answers only requests whose Host is a loopback name on the port the
  server listens on (DNS rebinding protection: Datasette itself never checks Host).
- render_cell: arXiv ids, DOIs, PDF/code/page URLs as links; authors and tags (JSON
  arrays) as lists whose items filter the papers table.
- `.bib` and `.csljson` output renderers on table, row and query pages. Column contract: the rows name
  papers through a `citekey` or `paper_id` column (or are rows of the papers table, `id`).
  A table page exports the WHOLE filtered result, not only the page shown; otherwise 400.
- get_metadata: gives the shipped library metadata to a papershelf database of any file
  name (Datasette keys metadata by database name, i.e. the file's stem), and each library a
  datasette-dashboards dashboard (/-/dashboards/NAME).
- extra_template_vars + templates/: a papers row is a paper page (abstract, links, note,
  BibTeX, clips, similar papers).
- register_routes: the home page (/) shows each library's charts (datasette-dashboards), and
  the papers' stored PDFs are served (files.py), under the same Host guard.
"""

# Datasette registers the hooks it finds on this module: each is defined beside what it serves.
from datasette import hookimpl

from papershelf.server.datasette.bib_renderer import register_output_renderer
from papershelf.server.datasette.cells import extra_body_script, render_cell
from papershelf.server.datasette.facets import filters_from_request, register_facet_classes
from papershelf.server.datasette import files, pages
from papershelf.server.datasette.host_guard import asgi_wrapper
from papershelf.server.datasette.library import get_metadata, prepare_connection, startup
from papershelf.server.datasette.pages import extra_template_vars

__all__ = ["asgi_wrapper", "extra_body_script", "extra_template_vars", "filters_from_request",
           "get_metadata", "prepare_connection", "register_facet_classes",
           "register_output_renderer", "register_routes", "render_cell", "startup"]


@hookimpl
def register_routes():
    # One hook per name on this module: the home page's route and the stored files'.
    return [*pages.register_routes(), *files.file_routes()]
