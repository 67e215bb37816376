"""Progress of long CLI work: a bar on stderr when it is a terminal, nothing on a pipe."""

import contextlib
import sys

import click


@contextlib.contextmanager
def progress_bar(label, length=None):
    """Yield advance(n=1, total=None), which moves the bar on by n items (total: its length).

    Long operations take such a function as `progress`; one that learns its length only
    once it runs (how many notes an export selects) passes total before the first item.
    """
    if not sys.stderr.isatty():
        yield _ignore
        return
    with contextlib.ExitStack() as stack:
        bar = None

        def advance(n=1, total=None):
            nonlocal bar
            if bar is None and (total or length):
                bar = stack.enter_context(
                    click.progressbar(length=total or length, label=label, file=sys.stderr))
            if bar is not None and n:
                bar.update(n)

        yield advance


def _ignore(n=1, total=None):
    """Count nothing (output is not a terminal)."""
