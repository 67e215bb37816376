"""`papershelf serve`: the API under waitress and Datasette beside it, both stopped together."""

import signal
import subprocess
import sys

import click
from waitress import create_server

from papershelf.server import filestore, paths
from papershelf.server.app import create_app
from papershelf.server.index_worker import IndexWorker

# Above the largest body the API takes (a PDF), so that Flask answers oversize bodies with
# its JSON 413; waitress' own cap only guards the disk it buffers bodies to.
WAITRESS_BODY_CAP = filestore.MAX_PDF_BYTES + 1024 * 1024


def run(db_path, port, datasette_port=None, threads=8, enrich=True, auto_export=()):
    """Serve the API on 127.0.0.1:port until Ctrl-C (or SIGTERM); Datasette too unless None."""
    app = create_app({"DB_PATH": str(db_path), "PORT": port, "ENRICH": enrich})
    targets = _auto_export_targets(auto_export)
    try:
        server = create_server(app, host="127.0.0.1", port=port, threads=threads,
                               max_request_body_size=WAITRESS_BODY_CAP,
                               ident="papershelf")
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): is papershelf already"
            " running? Choose another port with --port")
    datasette = _start_datasette(db_path, datasette_port) if datasette_port else None
    exporter = _start_auto_export(db_path, targets)
    indexer = app.extensions["papershelf_indexer"] = IndexWorker(db_path).start()
    # Tests and service managers stop us with SIGTERM: shut down as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    click.echo(f"papershelf API   http://127.0.0.1:{port}/api/ping")
    if datasette:
        click.echo(f"Datasette        http://127.0.0.1:{datasette_port}/")
    click.echo(f"database         {db_path}")
    for target in targets:
        click.echo(f"auto-export      {target}")
    click.echo(f"API token in     {paths.token_path()}  (print it: papershelf token)")
    click.echo("Press Ctrl-C to stop.", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while we clean up must not leave Datasette orphaned;
        # the cleanup is bounded (stop_process kills after a timeout).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.close()
        indexer.stop()
        if exporter is not None:
            exporter.stop()
        if datasette is not None:
            stop_process(datasette)
        click.echo("papershelf stopped.", err=True)


def _start_datasette(db_path, port):
    from papershelf.server.datasette.launch import datasette_argv

    return subprocess.Popen(datasette_argv(db_path, port), stdin=subprocess.DEVNULL)


def _auto_export_targets(explicit):
    """Return the auto-export targets of config.yml plus those given on the command line."""
    from papershelf.exports import autoexport

    try:
        return autoexport.configured_targets(explicit)
    except ValueError as exc:
        raise click.ClickException(str(exc))


def _start_auto_export(db_path, targets):
    if not targets:
        return None
    from papershelf.exports.autoexport import AutoExporter

    return AutoExporter(db_path, targets).start()


def stop_process(process, timeout=10):
    """Stop a child process: SIGTERM, then SIGKILL if it lingers past timeout seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def raise_keyboard_interrupt(signum, frame):
    """Turn SIGTERM into the KeyboardInterrupt that Ctrl-C raises, for one shutdown path."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit("run `papershelf serve`")
