"""The click group every papershelf command group uses: --db after a command's name, safe errors."""

import sqlite3

import click

from papershelf.server import config
from papershelf.server.terminal import printable


def _db_after_command(ctx, param, value):
    if value is not None:
        ctx.find_root().obj.choose(value, "--db")  # the root's object is the AppContext
    return value


class LibraryGroup(click.Group):
    """Commands that take --db after their name too, and whose errors are safe to print.

    An error message may quote a file or a page (a .bib key, a title): its control
    characters are escaped before click prints it.
    """

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None and not any(p.name == "db_after" for p in command.params):
            command.params.append(click.Option(
                ["--db", "db_after"], metavar="PATH", expose_value=False, callback=_db_after_command,
                help="Database file (as `papershelf --db PATH COMMAND`)."))
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = printable(error.message)
            raise
        except config.ConfigError as error:  # a setting a command needs is wrong
            raise click.ClickException(printable(str(error))) from None
        except sqlite3.Error as error:  # a read-only, locked or damaged database, a full disk
            where = getattr(ctx.find_root().obj, "db_path", "the library")
            raise click.ClickException(printable(f"{where}: {error}")) from None
