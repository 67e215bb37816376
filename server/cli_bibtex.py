"""CLI commands for BibTeX: export, import, rekey."""

import sys

import click

from exports import bibtex


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
@click.pass_obj
def export_bibtex(app, output, mode, tag, where, since, keys, aux):
    """Write the library, or part of it, as a .bib file sorted by citation key.

    Example: papershelf export bibtex -o refs.bib --mode biblatex --tag thesis
    """
    try:
        result = bibtex.export_bibtex(app.db, output, mode=mode, tag=tag, where=where,
                                      since=since, keys=keys, aux=aux)
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


COMMANDS = []  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = [export_bibtex]  # click commands added under `papershelf export`
