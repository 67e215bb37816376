"""CLI commands of the extractors area: `papershelf reextract`."""

import sys

import click

from server import reextract as reextraction


@click.command()
@click.option("--dry-run", is_flag=True, help="Show how many papers would improve; change nothing.")
@click.pass_obj
def reextract(app, dry_run):
    """Re-run today's extractors over stored clips and merge the improvements.

    Only metadata changes: tags, notes, status and citation keys are never touched.

    Example: papershelf reextract --dry-run
    """
    clips = reextraction.latest_clips(app.db)
    if sys.stderr.isatty():
        with click.progressbar(length=len(clips), label="Re-extracting", file=sys.stderr) as bar:
            report = reextraction.reextract(app.db, clips, dry_run=dry_run, progress=bar.update)
    else:
        report = reextraction.reextract(app.db, clips, dry_run=dry_run)
    verb = "would improve" if dry_run else "improved"
    click.echo(f"{report.total} clips re-read: {verb} {len(report.improved)} papers, "
               f"{report.unchanged} unchanged, {report.skipped} skipped (no stored page to re-read)")


COMMANDS = [reextract]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
