"""The filters every `papershelf export` command shares, as one click decorator.

    @click.command()
    @export_filters
    @click.pass_obj
    def export_x(app, selection): ...   # selection: papershelf.exports.selection.Selection

--tag, --where, --since, --key, --aux and --cited-in become one Selection; keys that a
manuscript cites but the library lacks are reported on stderr, one line each, with the
file and line that cites them.
"""

import functools
from datetime import date

import click

from papershelf.exports.manuscripts import KINDS, ManuscriptError
from papershelf.exports.selection import Selection
from papershelf.server.terminal import printable


def output_option(help_text):
    """The exports' -o/--output FILE option; `-o -` (or none) is stdout, as in most tools."""
    return click.option("-o", "--output", callback=_dash_is_stdout, help=help_text,
                        type=click.Path(dir_okay=False, writable=True, allow_dash=True))


def _dash_is_stdout(ctx, param, value):
    return None if value == "-" else value


def a_date(ctx, param, value):
    """Check --since is a date (YYYY-MM-DD, or YYYY-MM, YYYY) and pass it on as written."""
    if value is None:
        return None
    padded = {4: value + "-01-01", 7: value + "-01"}.get(len(value), value)
    try:
        date.fromisoformat(padded)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


_OPTIONS = [
    click.option("--tag", help="Only papers with this tag."),
    click.option("--where", help="Only papers matching this SQL condition on the papers table."),
    click.option("--since", callback=a_date,
                 help="Only papers added on or after this date (YYYY-MM-DD)."),
    click.option("--key", "keys", multiple=True, help="Only this citation key (repeatable)."),
    click.option("--aux", type=click.Path(exists=True, dir_okay=False),
                 help="Only the keys this LaTeX .aux file cites."),
    click.option("--cited-in", "cited_in", multiple=True,
                 type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                 help=f"Only the keys this manuscript cites: {KINDS} (repeatable)."),
]


def export_filters(command):
    """Add the shared filter options to a command and pass it `selection` instead."""
    @functools.wraps(command)
    def with_selection(*args, tag, where, since, keys, aux, cited_in, **kwargs):
        try:
            selection = Selection.of(tag=tag, where=where, since=since, keys=keys,
                                     manuscripts=cited_in, aux=aux)
        except ManuscriptError as exc:
            raise click.ClickException(str(exc))
        for path in selection.citing_nothing:
            click.echo(f"warning: {printable(path)} cites no key", err=True)
        report_unknown_keys(click.get_current_context().obj.db, selection)
        return command(*args, selection=selection, **kwargs)

    for option in reversed(_OPTIONS):
        with_selection = option(with_selection)
    return with_selection


def report_unknown_keys(db, selection):
    """Write one stderr line per key asked for or cited that no paper has."""
    try:
        unknown = selection.unknown_keys(db)
    except Exception as exc:  # noqa: BLE001  (a broken database: the export says what)
        raise click.ClickException(f"cannot look up citation keys: {exc}")
    for problem in unknown:
        where = "warning"
        if problem.citation is not None:
            where = f"{printable(problem.citation.path)}:{problem.citation.line}: warning"
        if problem.library_key:
            click.echo(f"{where}: key {printable(problem.key)} is"
                       f" {printable(problem.library_key)} in the library (Pandoc and Biber"
                       " match keys case by case)", err=True)
        else:
            click.echo(f"{where}: no paper with key {printable(problem.key)}", err=True)


def say_if_empty(number, selection):
    """Tell stderr when the filters selected no paper: an empty export is rarely what was meant."""
    if number:
        return
    filters = [f"--tag {selection.tag}" if selection.tag else "",
               f"--where {selection.where}" if selection.where else "",
               f"--since {selection.since}" if selection.since else ""]
    chosen = ", ".join(f for f in filters if f)
    click.echo(printable(f"no papers selected{f' ({chosen})' if chosen else ''}"), err=True)
