"""CLI command of the refresh area: `papershelf refresh`."""

from datetime import date

import click

from papershelf.server import refresh as refreshing
from papershelf.server import store
from papershelf.server.progress import progress_bar


@click.command()
@click.argument("keys", nargs=-1)
@click.option("--all", "everything", is_flag=True,
              help="Every paper with an arXiv id or a DOI.")
@click.option("--since", help="Only papers added on or after this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.pass_obj
def refresh(app, keys, everything, since, dry_run):
    """Look for newer arXiv versions, published versions and citation counts of papers.

    Asks the arXiv API, Semantic Scholar (or OpenAlex) and Crossref, politely and slowly
    (arXiv: one request per 3 s for 50 papers; Semantic Scholar: one per second). Prints
    one line per paper that changed. Tags, notes, status and citation keys are never
    touched.

    Example: papershelf refresh --all --since 2024-01-01 --dry-run
    """
    if keys and everything:
        raise click.ClickException("name papers (KEY ...) or use --all, not both")
    if not (keys or everything or since):
        raise click.ClickException("name papers to refresh (KEY ...) or use --all")
    if since is not None:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise click.ClickException(f"--since must be a date (YYYY-MM-DD), not {since!r}")
    papers, missing = refreshing.select_papers(app.db, keys, since)
    if missing:
        raise click.ClickException(f"no paper with key {missing[0]} (or it has no arXiv id"
                                   " nor DOI to look up)")
    if not papers:
        click.echo("nothing to refresh: no paper with an arXiv id or a DOI", err=True)
        return
    started = store.now()
    cache = refreshing.answer_cache()
    try:
        with progress_bar("Refreshing", len(papers)) as advance:
            report = refreshing.refresh(app.db, papers, dry_run=dry_run, progress=advance,
                                        cache=cache)
    finally:
        cache.close()
    if not dry_run:
        refreshing.record_run(app.db, report, "all" if everything and not since else
                              f"{len(papers)} papers", started)
    _print_report(report, dry_run)


def _print_report(report, dry_run):
    for change in report.changes:
        click.echo(f"{change.citekey}: {change.summary}")
    for service, problem in report.problems.items():
        click.echo(f"warning: {refreshing.printable(problem)}; {service} was not asked again",
                   err=True)
    if report.checked == 0:
        reasons = "; ".join(report.problems.values()) or "no service answered"
        raise click.ClickException(f"nothing could be checked: {refreshing.printable(reasons)}")
    counted = ", ".join(f"{n} from {s}" for s, n in report.counted.items()) or "none"
    verb = "would change" if dry_run else "changed"
    click.echo(f"{report.checked} papers checked, {len(report.changes)} {verb}, "
               f"{report.unchecked} could not be checked; citation counts: {counted}"
               + (" (dry run: nothing written)" if dry_run else ""), err=True)


COMMANDS = [refresh]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
