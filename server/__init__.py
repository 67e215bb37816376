"""papershelf's local server: store, extractors, HTTP API, CLI and Datasette plugin."""

__version__ = "0.1.0"
