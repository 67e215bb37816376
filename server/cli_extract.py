"""CLI commands of the extractors area: `papershelf reextract`."""

import click

from papershelf.server import reextract as reextraction
from papershelf.server.progress import progress_bar
from papershelf.server.terminal import count


@click.command()
@click.option("--dry-run", is_flag=True, help="Show how many papers would improve; change nothing.")
@click.pass_obj
def reextract(app, dry_run):
    """Re-run today's extractors over stored clips and merge the improvements.

    Only metadata changes: tags, notes, status and citation keys are never touched.

    Example: papershelf reextract --dry-run
    """
    clips = reextraction.latest_clips(app.db)
    with progress_bar("Re-extracting", len(clips)) as advance:
        report = reextraction.reextract(app.db, clips, dry_run=dry_run, progress=advance)
    verb = "would improve" if dry_run else "improved"
    click.echo(f"{count(report.total, 'clip')} re-read: {verb} {count(len(report.improved), 'paper')},"
               f" {report.unchanged:,} unchanged, {report.skipped:,} skipped (no stored page to re-read)",
               err=True)


COMMANDS = [reextract]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
