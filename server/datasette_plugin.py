"""papershelf's Datasette plugin (placeholder until the Datasette issue lands)."""
