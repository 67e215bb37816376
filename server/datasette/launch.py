"""How papershelf starts Datasette: the command line, its settings and its metadata."""

import sys
from pathlib import Path

METADATA_PATH = Path(__file__).with_name("metadata.yml")
# Datasette settings for the library view; the same ones serve tests and benchmarks.
SETTINGS = {
    # Suggesting facets scans every column of a large table on each page; the metadata
    # already names the useful facets.
    "suggest_facets": False,
    # Facets over 100,000 papers need more than the default 200 ms on a slow disk.
    "facet_time_limit_ms": 1000,
    "sql_time_limit_ms": 2000,
    # A clip must show on the next page load: no caching of pages in the browser.
    "default_cache_ttl": 0,
    # Only immutable databases can be downloaded; say so explicitly for a private library.
    "allow_download": False,
}


def datasette_argv(db_path, port):
    """Return the command line that serves db_path with Datasette on 127.0.0.1:port."""
    argv = [sys.executable, "-m", "datasette", "serve", str(db_path),
            "--host", "127.0.0.1", "--port", str(port),
            "--metadata", str(METADATA_PATH)]
    # Served mutable (never -i): an immutable WAL database would hide un-checkpointed writes.
    for name, value in SETTINGS.items():
        text = ("on" if value else "off") if isinstance(value, bool) else str(value)
        argv += ["--setting", name, text]
    return argv


def database_url(db_path, port):
    """Return the address of the papers table once Datasette serves db_path on port."""
    return f"http://127.0.0.1:{port}/{Path(db_path).stem}/papers"
