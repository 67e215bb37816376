"""`papershelf datasette`: browse the library in Datasette, without the API."""

import signal
import subprocess

import click

from papershelf.server.children import stop_process
from papershelf.server.datasette.launch import database_url, datasette_argv
from papershelf.server.serve import raise_keyboard_interrupt, require_free_port

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
    app.db  # noqa: B018 -- the library must exist; opening it migrates it for Datasette
    require_free_port(port, "Datasette", "--port PORT")
    click.echo(f"Datasette: {database_url(app.db_path, port)}", err=True)
    process = subprocess.Popen(datasette_argv(app.db_path, port), stdin=subprocess.DEVNULL)
    # A service manager stops us with SIGTERM: stop Datasette as on Ctrl-C, never orphan it.
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        stop_process(process)
        click.echo("Datasette stopped.", err=True)
        return
    if code != 0:
        raise click.ClickException(f"Datasette stopped with exit status {code}")


COMMANDS.append(datasette)
