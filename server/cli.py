"""The `papershelf` command line."""

import sys
from pathlib import Path

import click

from papershelf.server import __version__, paths, store
from papershelf.server.charsets import decode_html
from papershelf.server.cli_groups import LibraryGroup
from papershelf.server.clipping import clip_page
from papershelf.server.schema import ForeignDatabase, open_db
from papershelf.server.terminal import count, json_line, printable


class AppContext:
    """What every command needs: the database path, opened on first use."""

    def __init__(self, db_path=None, source=None):
        self.db_path = paths.default_db_path()
        self.source = None  # how the path was chosen: "--db", "PAPERSHELF_DB" or None (default)
        self._db = None
        if db_path:
            self.choose(db_path, source or "--db")

    def choose(self, db_path, source):
        self.db_path, self.source = Path(db_path).expanduser(), source

    @property
    def db(self):
        """The library, which must exist: a command that only reads never creates one."""
        return self._open(create=False)

    def open_or_create(self):
        """The library, created owner-only when missing: for add, import and serve."""
        return self._open(create=True)

    def check_path(self, create):
        """Raise a one-line error when the path is a folder, or missing and not to be created."""
        named = {"--db": f"--db {self.db_path}", "PAPERSHELF_DB": f"PAPERSHELF_DB={self.db_path}"}.get(
            self.source, str(self.db_path))
        if self.db_path.is_dir():
            raise click.ClickException(f"{named} is a folder: give the path of a database file")
        if not create and not self.db_path.exists():
            where = f" ({self.source})" if self.source else ""
            raise click.ClickException(
                f"no library at {self.db_path}{where}: check the path; `papershelf add`, `import`"
                " or `serve` creates one")

    def _open(self, create):
        if self._db is None:
            self.check_path(create)
            try:
                self._db = open_db(self.db_path)
            except ForeignDatabase as exc:
                raise click.ClickException(f"{exc}: give another --db")
            except Exception as exc:
                raise click.ClickException(f"cannot open database {self.db_path}: {exc}")
        return self._db


pass_app = click.make_pass_decorator(AppContext)


@click.group(cls=LibraryGroup)
@click.version_option(__version__, prog_name="papershelf")
@click.option("--db", "db_path", metavar="PATH", envvar="PAPERSHELF_DB",
              help="Database file (default: papershelf.db in PAPERSHELF_HOME; env PAPERSHELF_DB).")
@click.pass_context
def cli(ctx, db_path):
    """papershelf: your research-paper library, on your own machine.

    Example: papershelf add 1706.03762 --tag transformers
    """
    from_env = ctx.get_parameter_source("db_path") == click.core.ParameterSource.ENVIRONMENT
    ctx.obj = AppContext(db_path, "PAPERSHELF_DB" if from_env else "--db")


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

    db = app.open_or_create()
    try:
        if html_file:
            # A saved page is bytes in its own charset: read it as the browser that saved it did.
            html = decode_html(Path(html_file).read_bytes())
            outcome = clip_page(db, id_or_url, html, tags=tags, note=note,
                                enrich=None if offline else resolve.enrich)
        else:
            outcome = resolve.add_identifier(db, id_or_url, tags=tags, note=note, offline=offline)
    except store.StoreError as exc:
        raise click.ClickException(f"cannot add {id_or_url}: {exc}")
    if outcome.kind == "listing":
        raise click.ClickException(f"{id_or_url} is a listing of"
                                   f" {count(len(outcome.candidates), 'paper')}; add them one by one")
    if outcome.kind != "saved":
        raise click.ClickException(outcome.error or "no paper found")
    paper = outcome.result.paper
    click.echo(printable(paper["citekey"]))
    click.echo(f"{outcome.result.status}: {printable(paper['title'])}", err=True)
    if not (offline or no_pdf):
        from papershelf.server.cli_files import fetch_after_add

        fetch_after_add(db, paper)


@cli.command(name="list")
@click.option("--tag", help="Only papers with this tag.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print paper objects as JSON lines.")
@pass_app
def list_(app, tag, limit, as_json):
    """List papers, newest first.

    Example: papershelf list --tag transformers --limit 100
    """
    shown = 0
    for paper in store.iter_papers(app.db, tag=tag):
        if shown >= limit:
            break
        _print_paper(paper, as_json)
        shown += 1
    total = store.count_papers(app.db, tag=tag)
    if not total:
        click.echo(f"no papers with tag {printable(tag)}" if tag else "the library holds no papers",
                   err=True)
    _say_if_cut(shown, total)


MAX_SEARCH_LIMIT = 1_000_000  # SQLite ranks a few times as many pages: within 64 bits


@cli.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(min=0, max=MAX_SEARCH_LIMIT), default=20,
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print paper objects as JSON lines.")
@pass_app
def search(app, query, limit, as_json):
    """Full-text search over titles, abstracts, authors, notes and the text of stored PDFs.

    A paper found in its PDF shows the page and the words around the match.

    Example: papershelf search "sequence transduction" --limit 50
    """
    from papershelf.server import cli_files, fulltext

    if not query.split():
        raise click.ClickException("give words to search for")
    papers = store.search(app.db, query, limit=limit)
    shown = len(papers)  # those whose metadata matches; then those found in their PDFs
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
    if not papers:
        click.echo(f"no papers match {printable(query)!r}", err=True)
    _say_if_cut(shown, store.count_matches(app.db, query))


def _say_if_cut(shown, total):
    if shown < total:
        click.echo(f"{shown:,} of {total:,} shown (--limit)", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_app
def stats(app, as_json):
    """Show how many papers, tags and clips the library holds.

    Example: papershelf stats
    """
    numbers = store.stats(app.db)
    if as_json:
        click.echo(json_line(numbers))
        return
    for key, value in numbers.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        click.echo(printable(f"{key:>12}: {value}"))


@cli.command()
@click.option("--port", default=5178, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the HTTP API.")
@click.option("--datasette-port", default=5179, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-datasette", is_flag=True, help="Start the API only.")
@click.option("--threads", default=8, show_default=True, help="API worker threads.")
@click.option("--offline", is_flag=True, help="Never use the network to fill missing fields.")
@click.option("--auto-export", "auto_export", multiple=True, metavar="KIND:PATH",
              help="Keep an export up to date: bibtex, biblatex, csl or obsidian:PATH,"
                   " e.g. csl:~/notes/refs.json (repeatable).")
@click.option("--replicate", "replicate_url", metavar="URL",
              help="Replicate the library with Litestream to URL, e.g. file:///mnt/backup"
                   " (default: `replicate:` in config.yml).")
@pass_app
def serve(app, port, datasette_port, no_datasette, threads, offline, auto_export,
          replicate_url):
    """Start the API on 127.0.0.1 and Datasette beside it; Ctrl-C stops both.

    Example: papershelf serve
    """
    from papershelf.server.serve import run

    app.check_path(create=True)
    run(app.db_path, port=port, datasette_port=None if no_datasette else datasette_port,
        threads=threads, enrich=not offline, auto_export=auto_export,
        replicate=replicate_url)


def _print_paper(paper, as_json):
    if as_json:
        click.echo(json_line(paper))
        return
    first = paper["authors"][0] if paper["authors"] else "?"
    more = " et al." if len(paper["authors"]) > 1 else ""
    click.echo(printable(f"{paper['citekey']:<28} {paper.get('year') or '':<5} {paper['title']}"
                         f" — {first}{more}"))


@cli.group(cls=LibraryGroup)
def export():
    """Write the library (or part of it) as BibTeX, CSL-JSON, JSON or Obsidian notes.

    Example: papershelf export bibtex -o refs.bib
    """


def _register_area_commands():
    from papershelf.server import (
        cli_bibtex,
        cli_cite,
        cli_datasette,
        cli_extract,
        cli_files,
        cli_obsidian,
        cli_refresh,
        cli_replicate,
    )

    for module in (cli_extract, cli_bibtex, cli_cite, cli_obsidian, cli_datasette, cli_replicate,
                   cli_refresh, cli_files):
        for command in getattr(module, "COMMANDS", []):
            cli.add_command(command)
        for command in getattr(module, "EXPORT_COMMANDS", []):
            export.add_command(command)


_register_area_commands()


def main():
    cli(prog_name="papershelf")


if __name__ == "__main__":
    sys.exit(main())
