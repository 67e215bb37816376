"""`papershelf serve`: the API under waitress and Datasette beside it, both stopped together."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import click
from waitress import create_server

from papershelf.server import citekeys, config, filestore, paths, replication
from papershelf.server.app import create_app
from papershelf.server.children import stop_process
from papershelf.server.index_worker import IndexWorker

# Above the largest body the API takes (a PDF), so that Flask answers oversize bodies with
# its JSON 413; waitress' own cap only guards the disk it buffers bodies to.
WAITRESS_BODY_CAP = filestore.MAX_PDF_BYTES + 1024 * 1024
DATASETTE_START_TIMEOUT = 60  # seconds; Datasette with its plugins starts in one or two


def run(db_path, port, datasette_port=None, threads=8, enrich=True, auto_export=(),
        replicate=None):
    """Serve the API on 127.0.0.1:port until Ctrl-C (or SIGTERM); Datasette too unless None."""
    app = create_app({"DB_PATH": str(db_path), "PORT": port, "ENRICH": enrich})
    targets = _auto_export_targets(auto_export)
    refresh_every = _refresh_interval() if enrich else None  # --offline: no network at all
    replicator = _replicator(db_path, replicate)
    citekeys.key_format()  # a wrong formula would make wrong keys for good: do not start
    try:
        server = create_server(app, host="127.0.0.1", port=port, threads=threads,
                               max_request_body_size=WAITRESS_BODY_CAP,
                               ident="papershelf")
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}): is papershelf already"
            " running? Choose another port with --port")
    try:
        datasette = _start_datasette(db_path, datasette_port) if datasette_port else None
    except click.ClickException:
        server.close()
        raise
    exporter = _start_auto_export(db_path, targets)
    indexer = app.extensions["papershelf_indexer"] = IndexWorker(db_path).start()
    refresher = _start_auto_refresh(db_path, refresh_every)
    if replicator is not None:
        replicator.start()
    # Tests and service managers stop us with SIGTERM: shut down as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    click.echo(f"papershelf API   http://127.0.0.1:{port}/api/ping")
    if datasette:
        click.echo(f"Datasette        http://127.0.0.1:{datasette_port}/")
    click.echo(f"database         {db_path}")
    for target in targets:
        click.echo(f"auto-export      {target}")
    if refresher is not None:
        click.echo(f"auto-refresh     every {refresh_every // 3600} hours (refresh: in config.yml)")
    if replicator is not None:
        click.echo(f"replicating to   {replication.printable(replicator.url)}  (Litestream)")
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
        if refresher is not None:
            refresher.stop(timeout=5)  # a daemon thread: a request in flight may be dropped
        if exporter is not None:
            exporter.stop()
        if replicator is not None:
            replicator.stop()
        if datasette is not None:
            stop_process(datasette)
        click.echo("papershelf stopped.", err=True)


def _start_datasette(db_path, port):
    """Start Datasette on port and return it once it serves db_path; a one-line error otherwise.

    Another library's Datasette may hold the port: then ours cannot bind and exits, and
    printing the port would send the reader to someone else's data.
    """
    from papershelf.server.datasette.launch import datasette_argv

    require_free_port(port, "Datasette", "--datasette-port PORT or --no-datasette")
    process = subprocess.Popen(datasette_argv(db_path, port), stdin=subprocess.DEVNULL)
    try:
        _wait_until_serving(process, db_path, port)
    except BaseException:
        stop_process(process)
        raise
    return process


def require_free_port(port, what, advice):
    """Raise a one-line error when something already listens on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a TIME_WAIT socket is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise click.ClickException(
                f"cannot start {what} on 127.0.0.1:{port} ({exc.strerror}): is another papershelf"
                f" serving there? Choose {advice}") from None


def _wait_until_serving(process, db_path, port):
    deadline = time.monotonic() + DATASETTE_START_TIMEOUT
    while True:
        code = process.poll()
        if code is not None:
            raise click.ClickException(
                f"Datasette could not start on 127.0.0.1:{port} (exit status {code}): choose"
                " --datasette-port PORT or --no-datasette")
        if _serves_database(port, db_path):
            return
        if time.monotonic() > deadline:
            raise click.ClickException(f"Datasette did not serve {db_path} on 127.0.0.1:{port}"
                                       f" within {DATASETTE_START_TIMEOUT} s")
        time.sleep(0.1)


def _serves_database(port, db_path):
    """Return True when the Datasette on 127.0.0.1:port serves the database file db_path."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)  # loopback, not net.py's
    try:
        connection.request("GET", "/-/databases.json")
        reply = connection.getresponse()
        databases = json.loads(reply.read()) if reply.status == 200 else []
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    paths = [entry.get("path") for entry in databases if isinstance(entry, dict)]
    return any(path and os.path.realpath(path) == os.path.realpath(db_path) for path in paths)


def _auto_export_targets(explicit):
    """Return the auto-export targets of config.yml plus those given on the command line."""
    from papershelf.exports import autoexport

    try:
        return autoexport.configured_targets(explicit)
    except ValueError as exc:
        raise click.ClickException(str(exc))


def _replicator(db_path, url):
    """Return the Litestream runner for --replicate (or config.yml's replicate:), or None."""
    try:
        url = url or replication.configured_replica()
        if not url:
            return None
        return replication.Replicator(db_path, url, report=lambda line: click.echo(line, err=True))
    except (replication.ReplicationError, config.ConfigError) as exc:
        raise click.ClickException(str(exc))


def _start_auto_export(db_path, targets):
    if not targets:
        return None
    from papershelf.exports.autoexport import AutoExporter

    return AutoExporter(db_path, targets).start()


def _refresh_interval():
    """Return the seconds between background refreshes config.yml asks for (None: off)."""
    from papershelf.server import autorefresh, config

    try:
        return autorefresh.configured_interval()
    except config.ConfigError as exc:
        raise click.ClickException(str(exc))


def _start_auto_refresh(db_path, interval):
    if interval is None:
        return None
    from papershelf.server.autorefresh import AutoRefresher

    return AutoRefresher(db_path, interval).start()


def raise_keyboard_interrupt(signum, frame):
    """Turn SIGTERM into the KeyboardInterrupt that Ctrl-C raises, for one shutdown path."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit("run `papershelf serve`")
