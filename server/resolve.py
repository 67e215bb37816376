"""Turn an identifier typed by the reader (arXiv id, DOI, URL) into a stored paper.

Placeholder until the extractors issue lands enrichment over the network.
"""

from server.clipping import ClipOutcome, clip_page


def enrich(fields):
    """Return fields with missing values filled from the network (not yet: unchanged)."""
    return fields


def add_identifier(db, text, tags=(), note=None, offline=False):
    """Store the paper an identifier names; needs the network unless it is a URL we can read."""
    if text.startswith(("http://", "https://")):
        return clip_page(db, text, None, tags=tags, note=note)
    return ClipOutcome("empty", error=f"cannot add {text!r} without --html yet")
