"""Find the library databases Datasette serves and give them the shipped metadata."""

import copy
import weakref
from functools import lru_cache

import yaml
from datasette import hookimpl

from papershelf.server.datasette.home import SQL_FUNCTIONS, library_dashboard
from papershelf.server.datasette.launch import METADATA_PATH
from papershelf.server.identity import normalize_title

LIBRARY_BLOCK = "papershelf"  # the database block of the shipped metadata
LIBRARY_TABLES = {"papers", "papers_fts", "paper_authors", "paper_tags"}


@lru_cache(maxsize=1)
def shipped_metadata():
    """Return the metadata shipped with the package (title, tables, canned queries)."""
    return yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))


# Datasette instance -> {name of a database holding a library: its metadata block}.
library_databases = weakref.WeakKeyDictionary()
# Datasette instance -> the plugins block: a datasette-dashboards dashboard per library.
library_plugins = weakref.WeakKeyDictionary()


@hookimpl
def startup(datasette):
    async def find_libraries():
        block = shipped_metadata()["databases"][LIBRARY_BLOCK]
        libraries = {}
        for name, database in datasette.databases.items():
            if not name.startswith("_") and LIBRARY_TABLES <= set(await database.table_names()):
                # One copy per database: Datasette merges local metadata into it in place.
                libraries[name] = copy.deepcopy(block)
        library_databases[datasette] = libraries
        library_plugins[datasette] = {"datasette-dashboards": {
            name: library_dashboard(name, datasette.urls.table(name, "papers"))
            for name in libraries}}

    return find_libraries


@hookimpl
def get_metadata(datasette, key, database, table):
    # Called for every cell of a page: no copying here.
    libraries = library_databases.get(datasette, {})
    return {"databases": {name: block for name, block in libraries.items()
                          if name != LIBRARY_BLOCK},
            "plugins": library_plugins.get(datasette, {})}


@hookimpl
def prepare_connection(conn):
    # The "duplicates suspected" canned query compares titles the way the store does.
    conn.create_function("papershelf_normalize_title", 1, normalize_title, deterministic=True)
    # The home's charts link each bar to the papers table filtered to its value.
    for name, function in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)


def is_library(datasette, database):
    return database in library_databases.get(datasette, {})


def library_names(datasette):
    """Return the names of the databases that hold a papershelf library."""
    return list(library_databases.get(datasette, {}))


def library_dashboards(datasette):
    """Return {library database name: its datasette-dashboards dashboard}."""
    return library_plugins.get(datasette, {}).get("datasette-dashboards", {})
