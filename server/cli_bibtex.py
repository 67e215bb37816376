"""CLI commands for BibTeX: export, import, rekey."""

import sys
from dataclasses import replace

import click

from papershelf.exports import bibtex
from papershelf.server.cli_filters import export_filters, output_option, say_if_empty
from papershelf.server.progress import progress_bar
from papershelf.server.terminal import count, printable


@click.command(name="bibtex")
@output_option("File to write (atomically; untouched when nothing changed). Default, or -: stdout.")
@click.option("--mode", type=click.Choice(bibtex.MODES), default="bibtex", show_default=True,
              help="bibtex: unicode as LaTeX escapes; biblatex: UTF-8 kept, @online preprints.")
@click.option("--alias-entries", is_flag=True,
              help="BibTeX mode: also write each paper under every alias (BibLaTeX has ids).")
@export_filters
@click.option("--with-files", is_flag=True,
              help="Name each paper's stored PDF in a `file` field (as JabRef writes it).")
@click.pass_obj
def export_bibtex(app, output, mode, alias_entries, selection, with_files):
    """Write the library, or part of it, as a .bib file sorted by citation key.

    Example: papershelf export bibtex -o refs.bib --mode biblatex --tag thesis --with-files
    """
    # --key, --aux and --cited-in give keys: export_bibtex selects by them and names the
    # BibTeX entries of the aliases among them.
    where, params = replace(selection, keys=None).as_where()
    try:
        result = bibtex.export_bibtex(app.db, output, mode=mode, tag=selection.tag, where=where,
                                      params=params, keys=selection.keys,
                                      alias_entries=alias_entries, with_files=with_files)
    except Exception as exc:  # a bad --where is the usual cause: say what SQLite said
        if isinstance(exc, click.ClickException):
            raise
        raise click.ClickException(f"export failed: {exc}")
    # Keys no paper has were reported with the filters (export_filters), aliases consulted.
    if result.aliases_left_out:
        their = "its" if result.aliases_left_out == 1 else "their"
        click.echo(f"note: {count(result.aliases_left_out, 'alias', 'aliases')} without an entry"
                   f" of {their} own (--alias-entries writes them; --aux or --cited-in those a"
                   " document cites)", err=True)
    say_if_empty(result.count, selection)
    if output is None:
        sys.stdout.write(result.text)
    else:
        state = "written" if result.written else "unchanged"
        click.echo(f"{count(result.count, 'entry', 'entries')} {state}: {printable(output)}", err=True)


@click.command(name="json")
@output_option("File to write (atomically). Default, or -: stdout.")
@export_filters
@click.pass_obj
def export_json(app, output, selection):
    """Write papers as JSON {"papers": [...]}, which `papershelf import` reads back losslessly.

    Example: papershelf export json -o library.json
    """
    from papershelf.exports.bibimport import export_json as write_json

    db = app.db
    where, params = selection.as_where()
    try:
        text, number = write_json(db, output, tag=selection.tag, where=where, params=params)
    except Exception as exc:  # a bad --where: say what SQLite said
        raise click.ClickException(f"export failed: {exc}") from exc
    say_if_empty(number, selection)
    if output is None:
        sys.stdout.write(text)
    else:
        click.echo(f"{count(number, 'paper')}: {printable(output)}", err=True)


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tag", "tags", multiple=True, help="Tag to add to every imported paper.")
@click.pass_obj
def import_(app, file, tags):
    """Import a .bib file (or papershelf JSON), merging papers already in the library.

    Example: papershelf import references.bib --tag thesis
    """
    from papershelf.exports import bibimport

    db = app.open_or_create()
    try:
        with progress_bar("Importing", bibimport.count_entries(file)) as advance:
            report = bibimport.import_file(db, file, tags=tags, progress=advance)
    except (ValueError, UnicodeError, OSError) as exc:
        raise click.ClickException(f"cannot import {file}: {exc}")
    # Keys and messages quote the file: printable() keeps its escape sequences off the terminal.
    for line, key, reason in report.failed:
        click.echo(printable(f"{file}:{line}: {key or 'block'}: {reason}"), err=True)
    for line, key, reason in report.warnings:
        click.echo(printable(f"{file}:{line}: {key}: warning: {reason}"), err=True)
    for line, key, new in report.renamed:
        click.echo(printable(f"{file}:{line}: {key}: created as {new}"
                             f" ({key} is another paper's key)"), err=True)
    for merge in report.merges:
        click.echo(printable(f"{file}:{merge.line}: {merge_line(merge)}"), err=True)
    click.echo(f"created {report.created}, merged {report.merged},"
               f" unchanged {report.unchanged}, failed {len(report.failed)}", err=True)
    if not (report.created or report.merged or report.unchanged):
        # A file of no entries (random bytes, the wrong file) is not a successful import.
        raise click.ClickException("nothing imported" if report.failed else
                                   f"no BibTeX entries in {file}: nothing imported")


def merge_line(merge):
    """Return what happened to a merged entry and its key, in one line."""
    if merge.key.casefold() == merge.into.casefold():
        return f"{merge.key}: merged ({merge.why})"
    head = f"{merge.key}: merged into {merge.into} ({merge.why})"
    if merge.alias in ("added", "own"):
        return head + "; both keys resolve"
    if merge.alias == "taken":
        return head + f"; {merge.key} stays the key of another paper"
    return head + f"; {merge.key} is not a key papershelf can keep"


@click.command()
@click.argument("keys", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Build the key of every paper again.")
@click.option("--dry-run", is_flag=True, help="Print the keys that would change; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask before rekeying --all on a terminal.")
@click.pass_obj
def rekey(app, keys, all_, dry_run, yes):
    """Build citation keys again by the key formula (only when asked: keys never change alone).

    Prints `old -> new` for every key that changes.

    Example: papershelf rekey --all --dry-run
    """
    from papershelf.server import rekey as rekeying

    if bool(keys) == all_:
        raise click.ClickException("give citation keys or --all")
    wanted = None if all_ else list(keys)
    try:
        if all_ and not dry_run and not yes and sys.stdin.isatty():
            planned = rekeying.rekey(app.db, wanted, dry_run=True)
            if not planned:
                click.echo(f"{count(0, 'key')} would change", err=True)
                return
            click.confirm(f"Change {count(len(planned), 'citation key')}? Every \\cite of an old"
                          " key must then be edited", abort=True, err=True)
        changed = rekeying.rekey(app.db, wanted, dry_run=dry_run)
    except KeyError as exc:
        raise click.ClickException(f"no paper with key {exc.args[0]}")
    for old, new in changed.items():
        click.echo(printable(f"{old} -> {new}"))
    verb = "would change" if dry_run else "changed"
    click.echo(f"{count(len(changed), 'key')} {verb}", err=True)


COMMANDS = [import_, rekey]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = [export_bibtex, export_json]  # click commands added under `papershelf export`
