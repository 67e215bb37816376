"""CLI commands for citing outside LaTeX: `export csl-json` and `cite`."""

import sys

import click

from papershelf.server import store
from papershelf.server.cli_filters import export_filters, output_option, say_if_empty
from papershelf.server.terminal import count, printable


@click.command(name="csl-json")
@output_option("File to write (atomically; untouched when nothing changed). Default, or -: stdout.")
@export_filters
@click.pass_obj
def export_csl_json(app, output, selection):
    """Write the library, or part of it, as CSL-JSON for Pandoc, Quarto, Typst and Zotero.

    Example: papershelf export csl-json -o refs.json --cited-in paper.qmd
    """
    from papershelf.exports.csljson import export_csl_json as write_csl_json

    db = app.db
    where, params = selection.as_where()
    try:
        result = write_csl_json(db, output, tag=selection.tag, where=where, params=params,
                                keys=selection.keys)  # an alias cited gets an item of its own
    except Exception as exc:  # a bad --where is the usual cause: say what SQLite said
        raise click.ClickException(f"export failed: {exc}") from exc
    say_if_empty(result.count, selection)
    if output is None:
        sys.stdout.write(result.text)
    else:
        state = "written" if result.written else "unchanged"
        click.echo(f"{count(result.count, 'entry', 'entries')} {state}: {printable(output)}",
                   err=True)


@click.command()
@click.argument("keys", nargs=-1, required=True)
@click.option("--style", default="apa", show_default=True,
              help="A CSL style name: apa, ieee, chicago-author-date, nature, "
                   "modern-language-association, ...")
@click.option("--html", "as_html", is_flag=True, help="Print HTML (<i>, <b>) instead of text.")
@click.pass_obj
def cite(app, keys, style, as_html):
    """Print formatted references for citation keys, in a citation style.

    Example: papershelf cite vaswani2017attention --style ieee
    """
    from papershelf.exports.references import StyleError, format_references, style_path

    try:
        style_path(style)  # a wrong style is the one mistake to report before anything else
    except StyleError as exc:
        raise click.ClickException(str(exc))
    papers, missing = {}, []
    for key in dict.fromkeys(keys):
        paper = store.get_paper_by_citekey(app.db, key)
        if paper:
            papers.setdefault(paper["id"], paper)  # a key and its alias name one reference
        else:
            missing.append(key)
    papers = list(papers.values())
    for key in missing:
        click.echo(f"warning: no paper with key {printable(key)}", err=True)
    if not papers:
        raise click.ClickException("none of these keys is in the library")
    try:
        references = format_references(papers, style)
    except StyleError as exc:
        raise click.ClickException(str(exc))
    for reference in references:
        click.echo(printable(reference.html if as_html else reference.text))
    if missing:
        raise click.ClickException(f"{len(missing)} of {len(missing) + len(papers)} keys are"
                                   " not in the library")


COMMANDS = [cite]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = [export_csl_json]  # click commands added under `papershelf export`
