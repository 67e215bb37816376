"""CLI commands for replication with Litestream: `papershelf restore`, `papershelf replicate status`."""

import json

import click

from papershelf.server import replication
from papershelf.server.cli_groups import LibraryGroup
from papershelf.server.replication import ReplicationError


@click.command()
@click.argument("url")
@click.option("--force", is_flag=True, help="Replace the library that is already there.")
@click.pass_obj
def restore(app, url, force):
    """Bring a library back from its replica (as written by serve --replicate).

    Restores into the default library, or --db PATH; an existing library is kept
    unless --force. The restored copy is checked (PRAGMA integrity_check) first.

    Example: papershelf restore file:///mnt/backup/papershelf
    """
    try:
        papers = replication.restore(url, app.db_path, force=force)
    except ReplicationError as exc:
        raise click.ClickException(str(exc))
    noun = "paper" if papers == 1 else "papers"
    click.echo(f"restored {papers} {noun} into {app.db_path}", err=True)


@click.group(cls=LibraryGroup)
def replicate():
    """Replication of the library with Litestream (see `papershelf serve --replicate`).

    Example: papershelf replicate status --wait
    """


@replicate.command(name="status")
@click.option("--replica", "url", metavar="URL",
              help="Replica URL (default: `replicate:` in config.yml).")
@click.option("--wait", is_flag=True,
              help="Have the running Litestream sync first; return once the replica has caught up.")
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds --wait waits at most.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
def replicate_status(app, url, wait, timeout, as_json):
    """Say how far the replica is behind the library.

    Example: papershelf replicate status --replica file:///mnt/backup/papershelf
    """
    try:
        url = url or replication.configured_replica()
        if not url:
            raise ReplicationError("no replica: give --replica URL or set `replicate: URL`"
                                   " in config.yml")
        found = replication.status(app.db_path, url, wait=wait, timeout=timeout)
    except ReplicationError as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps(found.as_dict()))
        return
    for line in describe(found):
        click.echo(line)


def describe(found):
    """Return the status as lines a reader understands."""
    lines = [f"replica      {replication.printable(found.url)}"]
    if found.replica_txid is None:
        lines.append("replica      empty: nothing replicated yet")
    else:
        lines.append(f"replica      transaction {found.replica_txid},"
                     f" written {found.replica_written}")
    if found.local_txid is not None:
        lines.append(f"library      transaction {found.local_txid} (as Litestream last read it)")
    if found.behind is not None:
        lines.append("behind       up to date" if found.behind == 0
                     else f"behind       {found.behind} transactions")
    lines.append(f"litestream   running (pid {found.pid})" if found.running
                 else "litestream   not running: changes made since are not replicated"
                      " (papershelf serve --replicate URL)")
    return lines


COMMANDS = [restore, replicate]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
