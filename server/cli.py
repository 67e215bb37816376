"""The `papershelf` command line."""

import json
import sys
from pathlib import Path

import click

from papershelf.server import __version__, paths, store
from papershelf.server.clipping import clip_page
from papershelf.server.schema import open_db


class AppContext:
    """What every command needs: the database path, opened on first use."""

    def __init__(self, db_path):
        self.db_path = Path(db_path) if db_path else paths.default_db_path()
        self._db = None

    @property
    def db(self):
        if self._db is None:
            try:
                self._db = open_db(self.db_path)
            except Exception as exc:
                raise click.ClickException(f"cannot open database {self.db_path}: {exc}")
        return self._db


pass_app = click.make_pass_decorator(AppContext)


@click.group()
@click.version_option(__version__, prog_name="papershelf")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="PAPERSHELF_DB",
              help="Database file (default: papershelf.db in PAPERSHELF_HOME).")
@click.pass_context
def cli(ctx, db_path):
    """papershelf: your research-paper library, on your own machine.

    Example: papershelf add 1706.03762 --tag transformers
    """
    ctx.obj = AppContext(db_path)


@cli.command()
def token():
    """Print the API token the browser extension needs (created on first use).

    Example: papershelf token
    """
    click.echo(paths.read_or_create_token())


@cli.command()
@click.argument("id_or_url")
@click.option("--html", "html_file", type=click.Path(exists=True, dir_okay=False),
              help="Extract from this saved page instead of fetching.")
@click.option("--tag", "tags", multiple=True, help="Tag to add (repeatable).")
@click.option("--note", help="A note to keep with the paper.")
@click.option("--offline", is_flag=True, help="Do not use the network to fill missing fields.")
@click.option("--no-pdf", is_flag=True, help="Do not fetch the open-access PDF.")
@pass_app
def add(app, id_or_url, html_file, tags, note, offline, no_pdf):
    """Add a paper by arXiv id, DOI or URL with its open-access PDF; print its citation key.

    Example: papershelf add https://arxiv.org/abs/1706.03762 --html page.html --tag nlp
    """
    from papershelf.server import resolve

    try:
        if html_file:
            html = Path(html_file).read_text(encoding="utf-8", errors="replace")
            outcome = clip_page(app.db, id_or_url, html, tags=tags, note=note,
                                enrich=None if offline else resolve.enrich)
        else:
            outcome = resolve.add_identifier(app.db, id_or_url, tags=tags, note=note,
                                             offline=offline)
    except store.StoreError as exc:
        raise click.ClickException(f"cannot add {id_or_url}: {exc}")
    if outcome.kind == "listing":
        raise click.ClickException(
            f"{id_or_url} is a listing of {len(outcome.candidates)} papers; add them one by one")
    if outcome.kind != "saved":
        raise click.ClickException(outcome.error or "no paper found")
    paper = outcome.result.paper
    click.echo(f"{paper['citekey']}")
    click.echo(f"{outcome.result.status}: {paper['title']}", err=True)
    if not (offline or no_pdf):
        from papershelf.server.cli_files import fetch_after_add

        fetch_after_add(app.db, paper)


@cli.command(name="list")
@click.option("--tag", help="Only papers with this tag.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print paper objects as JSON lines.")
@pass_app
def list_(app, tag, limit, as_json):
    """List papers, newest first.

    Example: papershelf list --tag transformers
    """
    for i, paper in enumerate(store.iter_papers(app.db, tag=tag)):
        if i >= limit:
            break
        _print_paper(paper, as_json)


@cli.command()
@click.argument("query")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print paper objects as JSON lines.")
@pass_app
def search(app, query, limit, as_json):
    """Full-text search over titles, abstracts, authors, notes and the text of stored PDFs.

    A paper found in its PDF shows the page and the words around the match.

    Example: papershelf search "sequence transduction"
    """
    from papershelf.server import cli_files, fulltext

    papers = store.search(app.db, query, limit=limit)
    matches = {m.paper_id: m for m in fulltext.search_text(app.db, query, limit=limit)}
    found = {paper["id"] for paper in papers}
    papers += [p for p in (store.get_paper(app.db, i) for i in matches if i not in found) if p]
    for paper in papers[:limit]:
        match = matches.get(paper["id"])
        if as_json:
            text_match = match and {"page": match.page, "snippet": cli_files.plain_snippet(match)}
            _print_paper({**paper, "text_match": text_match}, as_json)
            continue
        _print_paper(paper, as_json)
        if match:
            cli_files.echo_text_match(match)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats(app, as_json):
    """Show how many papers, tags and clips the library holds.

    Example: papershelf stats
    """
    numbers = store.stats(app.db)
    if as_json:
        click.echo(json.dumps(numbers))
        return
    for key, value in numbers.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        click.echo(f"{key:>12}: {value}")


@cli.command()
@click.option("--port", default=5178, show_default=True, help="Port of the HTTP API.")
@click.option("--datasette-port", default=5179, show_default=True)
@click.option("--no-datasette", is_flag=True, help="Start the API only.")
@click.option("--threads", default=8, show_default=True, help="API worker threads.")
@click.option("--offline", is_flag=True, help="Never use the network to fill missing fields.")
@click.option("--auto-export", "auto_export", multiple=True, metavar="KIND:PATH",
              help="Keep an export up to date, e.g. bibtex:~/thesis/refs.bib (repeatable).")
@pass_app
def serve(app, port, datasette_port, no_datasette, threads, offline, auto_export):
    """Start the API on 127.0.0.1 and Datasette beside it; Ctrl-C stops both.

    Example: papershelf serve
    """
    from papershelf.server.serve import run

    run(app.db_path, port=port, datasette_port=None if no_datasette else datasette_port,
        threads=threads, enrich=not offline, auto_export=auto_export)


def _print_paper(paper, as_json):
    if as_json:
        click.echo(json.dumps(paper, ensure_ascii=False))
        return
    first = paper["authors"][0] if paper["authors"] else "?"
    more = " et al." if len(paper["authors"]) > 1 else ""
    click.echo(f"{paper['citekey']:<28} {paper.get('year') or '':<5} {paper['title']}"
               f" — {first}{more}")


@cli.group()
def export():
    """Write the library (or part of it) as BibTeX, JSON or Obsidian notes.

    Example: papershelf export bibtex -o refs.bib
    """


def _register_area_commands():
    from papershelf.server import cli_bibtex, cli_datasette, cli_extract, cli_files, cli_obsidian

    for module in (cli_extract, cli_bibtex, cli_obsidian, cli_datasette, cli_files):
        for command in getattr(module, "COMMANDS", []):
            cli.add_command(command)
        for command in getattr(module, "EXPORT_COMMANDS", []):
            export.add_command(command)


_register_area_commands()


def main():
    cli(prog_name="papershelf")


if __name__ == "__main__":
    sys.exit(main())
