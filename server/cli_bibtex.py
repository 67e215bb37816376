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
              help="Only the keys this LaTeX .aux file cites.")
@click.option("--with-files", is_flag=True,
              help="Name each paper's stored PDF in a `file` field (as JabRef writes it).")
@click.pass_obj
def export_bibtex(app, output, mode, tag, where, since, keys, aux, with_files):
    """Write the library, or part of it, as a .bib file sorted by citation key.

    Example: papershelf export bibtex -o refs.bib --mode biblatex --tag thesis --with-files
    """
    try:
        result = bibtex.export_bibtex(app.db, output, mode=mode, tag=tag, where=where,
                                      since=since, keys=keys, aux=aux, with_files=with_files)
    except Exception as exc:  # a bad --where is the usual cause: say what SQLite said
        if isinstance(exc, click.ClickException):
            raise
        raise click.ClickException(f"export failed: {exc}")
    for key in result.missing:
        click.echo(f"warning: no paper with key {key}", err=True)
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
        click.echo(f"{file}:{line}: {key or 'block'}: {reason}", err=True)
    for line, key, reason in report.warnings:
        click.echo(f"{file}:{line}: {key}: warning: {reason}", err=True)
    renamed = {old: new for old, new in report.keys.items() if old != new}
    for old, new in sorted(renamed.items()):
        click.echo(f"{old} -> {new}", err=True)
    click.echo(f"created {report.created}, merged {report.merged}, failed {len(report.failed)}")
    if report.failed and not (report.created or report.merged):
        raise click.ClickException("nothing imported")


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
