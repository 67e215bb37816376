"""`papershelf datasette`: browse the library in Datasette, without the API."""

import subprocess

import click

from server.datasette_launch import database_url, datasette_argv

COMMANDS = []  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`


@click.command()
@click.option("--port", default=5179, show_default=True, type=click.IntRange(1, 65535),
              help="Port on 127.0.0.1.")
@click.pass_obj
def datasette(app, port):
    """Open the library in Datasette alone (read-only, on 127.0.0.1); Ctrl-C stops it.

    Example: papershelf datasette --port 5179
    """
    app.db  # noqa: B018 -- opening it creates and migrates the library for Datasette
    click.echo(f"Datasette: {database_url(app.db_path, port)}", err=True)
    process = subprocess.Popen(datasette_argv(app.db_path, port))
    try:
        code = process.wait()
    except KeyboardInterrupt:
        # The terminal sent Ctrl-C to Datasette too; give it a moment to finish cleanly.
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.terminate()
            code = process.wait()
    if code not in (0, -2, 130):
        raise click.ClickException(f"Datasette stopped with exit status {code}")


COMMANDS.append(datasette)
