"""CLI commands of the Obsidian area, registered by papershelf.server.cli under `papershelf export`."""

import click

from papershelf.exports.obsidian import ObsidianExportError, export_obsidian
from papershelf.exports.obsidian.attachments import PDF_MODES
from papershelf.server.cli_filters import export_filters, say_if_empty
from papershelf.server.progress import progress_bar
from papershelf.server.terminal import printable


@click.command(name="obsidian")
@click.argument("vault_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--folder", default="Papers", show_default=True,
              help="Folder inside the vault that holds the notes.")
@click.option("--template", type=click.Path(exists=True, dir_okay=False),
              help="A Jinja2 note template to use instead of the default one.")
@click.option("--pdfs", type=click.Choice(PDF_MODES), default="link", show_default=True,
              help="The `pdf` property: link the stored PDF, copy it into the vault's attachment"
                   " folder, or none (the PDF's web address).")
@export_filters
@click.pass_obj
def obsidian(app, vault_dir, folder, template, selection, pdfs):
    """Write a literature note per paper, and index notes, into an Obsidian vault.

    Text you write in a note outside the %% papershelf %% regions is kept on
    every re-export; notes whose paper is unchanged are not rewritten.

    Example: papershelf export obsidian ~/Vault --folder Papers --tag nlp --pdfs copy
    """
    where, params = selection.as_where()
    try:
        with progress_bar("Writing notes") as advance:
            report = export_obsidian(app.db, vault_dir, folder=folder, tag=selection.tag,
                                     where=where, params=params, template=template,
                                     progress=advance, pdfs=pdfs)
    except ObsidianExportError as exc:
        raise click.ClickException(str(exc))
    # Names and YAML errors quote the vault's files: printable() keeps escapes off the terminal.
    for name in report.orphaned:
        click.echo(printable(f"orphaned (its paper or tag left the library; kept): {name}"), err=True)
    for name, reason in report.skipped:
        click.echo(printable(f"skipped (left as it was): {name}: {reason}"), err=True)
    click.echo(printable(report.summary()), err=True)
    say_if_empty(report.papers, selection)


COMMANDS = []  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = [obsidian]  # click commands added under `papershelf export`
