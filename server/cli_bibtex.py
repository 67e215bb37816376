"""CLI commands for BibTeX: export, import, rekey."""

import sys

import click

from papershelf.exports import bibtex
from papershelf.server.progress import progress_bar


@click.command(name="bibtex")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (atomically; untouched when nothing changed). Default: stdout.")
@click.option("--mode", type=click.Choice(bibtex.MODES), default="bibtex", show_default=True,
              help="bibtex: unicode as LaTeX escapes; biblatex: UTF-8 kept, @online preprints.")
@click.option("--tag", help="Only papers with this tag.")
@click.option("--where", help="Only papers matching this SQL condition on the papers table.")
@click.option("--since", help="Only papers added on or after this date (YYYY-MM-DD).")
@click.option("--key", "keys", multiple=True, help="Only this citation key (repeatable).")
@click.option("--aux", type=click.Path(exists=True, dir_okay=False),
              help="Only the keys this LaTeX .aux file cites (aliases included).")
@click.option("--alias-entries", is_flag=True,
              help="BibTeX mode: also write each paper under every alias (BibLaTeX has ids).")
@click.pass_obj
def export_bibtex(app, output, mode, tag, where, since, keys, aux, alias_entries):
    """Write the library, or part of it, as a .bib file sorted by citation key.

    Example: papershelf export bibtex -o refs.bib --mode biblatex --tag thesis
    """
    try:
        result = bibtex.export_bibtex(app.db, output, mode=mode, tag=tag, where=where,
                                      since=since, keys=keys, aux=aux,
                                      alias_entries=alias_entries)
    except Exception as exc:  # a bad --where is the usual cause: say what SQLite said
        if isinstance(exc, click.ClickException):
            raise
        raise click.ClickException(f"export failed: {exc}")
    for key in result.missing:
        click.echo(f"warning: no paper with key {key}", err=True)
    if result.aliases_left_out:
        click.echo(f"note: {result.aliases_left_out} aliases have no entry of their own"
                   " (--alias-entries writes them; --aux writes those a document cites)",
                   err=True)
    if output is None:
        sys.stdout.write(result.text)
    else:
        state = "written" if result.written else "unchanged"
        click.echo(f"{result.count} entries {state}: {output}", err=True)


@click.command(name="json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (atomically). Default: stdout.")
@click.option("--tag", help="Only papers with this tag.")
@click.option("--where", help="Only papers matching this SQL condition on the papers table.")
@click.pass_obj
def export_json(app, output, tag, where):
    """Write papers as JSON {"papers": [...]}, which `papershelf import` reads back losslessly.

    Example: papershelf export json -o library.json
    """
    from papershelf.exports.bibimport import export_json as write_json

    try:
        text, count = write_json(app.db, output, tag=tag, where=where)
    except Exception as exc:  # a bad --where: say what SQLite said
        raise click.ClickException(f"export failed: {exc}") from exc
    if output is None:
        sys.stdout.write(text)
    else:
        click.echo(f"{count} papers: {output}", err=True)


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--tag", "tags", multiple=True, help="Tag to add to every imported paper.")
@click.pass_obj
def import_(app, file, tags):
    """Import a .bib file (or papershelf JSON), merging papers already in the library.

    Example: papershelf import references.bib --tag thesis
    """
    from papershelf.exports import bibimport

    db = app.db
    try:
        with progress_bar("Importing", bibimport.count_entries(file)) as advance:
            report = bibimport.import_file(db, file, tags=tags, progress=advance)
    except (ValueError, UnicodeError, OSError) as exc:
        raise click.ClickException(f"cannot import {file}: {exc}")
    for line, key, reason in report.failed:
        _say(f"{file}:{line}: {key or 'block'}: {reason}")
    for line, key, reason in report.warnings:
        _say(f"{file}:{line}: {key}: warning: {reason}")
    for line, key, new in report.renamed:
        _say(f"{file}:{line}: {key}: created as {new} ({key} is another paper's key)")
    for merge in report.merges:
        _say(f"{file}:{merge.line}: {merge_line(merge)}")
    click.echo(f"created {report.created}, merged {report.merged},"
               f" unchanged {report.unchanged}, failed {len(report.failed)}")
    if report.failed and not (report.created or report.merged or report.unchanged):
        raise click.ClickException("nothing imported")


def _say(message):
    """Write one line about the file to stderr; its text never reaches the terminal raw."""
    click.echo("".join(c if c.isprintable() else repr(c)[1:-1] for c in message), err=True)


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
@click.pass_obj
def rekey(app, keys, all_):
    """Build citation keys again by the key formula (only when asked: keys never change alone).

    Example: papershelf rekey vaswani2017attention
    """
    from papershelf.server import rekey as rekeying

    if bool(keys) == all_:
        raise click.ClickException("give citation keys or --all")
    try:
        changed = rekeying.rekey(app.db, None if all_ else list(keys))
    except KeyError as exc:
        raise click.ClickException(f"no paper with key {exc.args[0]}")
    for old, new in changed.items():
        click.echo(f"{old} -> {new}")
    click.echo(f"{len(changed)} keys changed", err=True)


COMMANDS = [import_, rekey]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = [export_bibtex, export_json]  # click commands added under `papershelf export`
