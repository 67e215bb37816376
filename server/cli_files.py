"""CLI commands for the papers' PDFs: attach, pdfs fetch|index, open; the PDF step of `add`."""

import os
import re
import shlex
import subprocess
import sys

import click

from papershelf.server import filestore, fulltext, pdffetch, store
from papershelf.server.cli_groups import LibraryGroup
from papershelf.server.extract_process import TextExtractor
from papershelf.server.progress import progress_bar
from papershelf.server.terminal import printable

OPEN_TIMEOUT = 30


@click.command()
@click.argument("key")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def attach(app, key, pdf):
    """Store a PDF you have as the file of the paper with this citation key, and index its text.

    Example: papershelf attach vaswani2017attention ~/Downloads/1706.03762v7.pdf
    """
    paper = _paper_or_fail(app.db, key)
    try:
        saved = filestore.save_pdf(app.db, paper["id"], filestore.file_chunks(pdf))
    except (filestore.FileRefused, OSError) as error:
        raise click.ClickException(f"cannot attach {pdf}: {error}")
    if saved is None:
        raise click.ClickException(f"the paper {key} was deleted meanwhile")
    click.echo(printable(saved.file["path"]))
    click.echo(f"{saved.status}: {describe(_indexed(app.db, saved))}", err=True)


@click.group(cls=LibraryGroup)
def pdfs():
    """Fetch the papers' open-access PDFs, or read their text for search.

    Example: papershelf pdfs fetch --missing
    """


@pdfs.command(name="fetch")
@click.argument("keys", nargs=-1)
@click.option("--missing", is_flag=True, help="Every paper that has no PDF yet.")
@click.pass_obj
def pdfs_fetch(app, keys, missing):
    """Download open-access PDFs (arXiv, a page's PDF link) of stored papers, one per 3 s on arXiv.

    Example: papershelf pdfs fetch --missing
    """
    if bool(keys) == missing:
        raise click.ClickException("give citation keys or --missing")
    papers = [_paper_or_fail(app.db, key) for key in keys] or [
        paper for paper in store.iter_papers(app.db, order_by="id")
        if not pdffetch.has_pdf(paper) and pdffetch.pdf_sources(paper)]
    stored = failed = 0
    with progress_bar("Fetching PDFs", len(papers)) as advance:
        for paper in papers:
            outcome = pdffetch.fetch_pdf(app.db, paper)
            if outcome.saved is None:
                failed += 1
                click.echo(printable(f"{paper['citekey']}: not stored: {outcome.reason}"), err=True)
            else:
                stored += 1
                click.echo(printable(paper["citekey"]) + ": " + describe(_indexed(app.db, outcome.saved)),
                           err=True)
            advance(1)
    click.echo(f"{stored} PDFs stored, {failed} not")


@pdfs.command(name="index")
@click.option("--again", is_flag=True, help="Read every file again, not only those waiting.")
@click.pass_obj
def pdfs_index(app, again):
    """Read the text of stored PDFs into the search index (`papershelf serve` does it by itself).

    Example: papershelf pdfs index --again
    """
    if again:
        ids = [row[0] for row in app.db.execute("select id from files order by id")]
    else:
        ids = fulltext.pending_files(app.db)
    with progress_bar("Reading PDFs", len(ids)) as advance, TextExtractor() as extractor:
        states = fulltext.index_files(app.db, ids, again=again, progress=advance,
                                      extract=extractor.extract)
    click.echo(", ".join(f"{states[state]} {state}" for state in ("indexed", "unreadable",
                                                                   "encrypted")))


@click.command(name="open")
@click.argument("key")
@click.pass_obj
def open_(app, key):
    """Open the paper's PDF in your PDF viewer.

    Example: papershelf open vaswani2017attention
    """
    paper = _paper_or_fail(app.db, key)
    stored = next((f for f in paper["files"] if f["kind"] == "pdf"), None)
    if stored is None:
        raise click.ClickException(f"{key} has no stored PDF: papershelf pdfs fetch {key},"
                                   f" or papershelf attach {key} FILE.pdf")
    if not os.path.exists(stored["path"]):
        raise click.ClickException(f"the PDF of {key} is missing from {stored['path']}")
    command = opener(stored["path"])
    try:
        if command is None:
            os.startfile(stored["path"])  # noqa: S606 (Windows: the file's own application)
        else:
            subprocess.run(command, check=True, timeout=OPEN_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        raise click.ClickException(f"cannot open {stored['path']}: {error}")


def opener(path):
    """Return the command that opens path in its viewer (None: Windows' os.startfile).

    PAPERSHELF_OPENER, when set, is the command to use instead (the path is added).
    """
    override = os.environ.get("PAPERSHELF_OPENER")
    if override:
        return [*shlex.split(override), str(path)]
    if sys.platform == "darwin":
        return ["open", str(path)]
    if sys.platform.startswith("win"):
        return None
    return ["xdg-open", str(path)]


def fetch_after_add(db, paper):
    """Fetch and index the open-access PDF of a paper just added; say what happened on stderr."""
    if pdffetch.has_pdf(paper) or not pdffetch.pdf_sources(paper):
        return
    outcome = pdffetch.fetch_pdf(db, paper)
    if outcome.saved is None:
        click.echo(f"pdf: not stored: {printable(outcome.reason)}", err=True)
    else:
        click.echo(f"pdf: {describe(_indexed(db, outcome.saved))}", err=True)


_MARKS = re.compile(f"[{fulltext.MARK_START}{fulltext.MARK_END}]")


def echo_text_match(match):
    """Print a body-text match under its paper: page number and snippet, matched words bold."""
    # Between the marks (odd parts) are the matched words.
    parts = _MARKS.split(match.snippet)
    text = "".join(click.style(printable(part), bold=True) if i % 2 else printable(part)
                   for i, part in enumerate(parts))
    click.echo(f"    p. {match.page}: {text}")  # click drops the style on a pipe


def plain_snippet(match):
    """Return the snippet of a match without its marks, safe to print."""
    return printable(_MARKS.sub("", match.snippet))


def describe(stored):
    """Return "path (12 pages, text indexed)" for a file object."""
    pages = f"{stored['pages']} pages, " if stored.get("pages") is not None else ""
    return printable(f"{stored['path']} ({pages}text {stored['text']})")


def _indexed(db, saved):
    """Index a saved file now if its text waits (the CLI has no background indexer).

    Return its file object as it is then.
    """
    stored = saved.file
    if stored["text"] == "pending":
        with TextExtractor() as extractor:  # a PDF that crashes PDFium fails alone
            state = fulltext.index_file(db, saved.file_id, extract=extractor.extract)
        stored = {**stored, "text": state or stored["text"]}
    return stored


def _paper_or_fail(db, key):
    paper = store.get_paper_by_citekey(db, key)
    if paper is None:
        raise click.ClickException(f"no paper with key {key}")
    return paper


COMMANDS = [attach, pdfs, open_]  # click commands added to the top-level `papershelf` group
EXPORT_COMMANDS = []  # click commands added under `papershelf export`
