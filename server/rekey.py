"""Rebuild citation keys by the formula: the one way a key changes, and only when the reader asks."""

from papershelf.server import citekeys, store


class _DryRun(Exception):
    """Raised to roll the transaction back after a dry run computed every change."""


def rekey(db, keys=None, dry_run=False):
    """Build keys again by the formula for the given keys (or every paper); return {old: new}.

    dry_run: compute the same {old: new} (collisions between new keys included) and
    roll it all back.
    """
    try:
        return _rekey(db, keys, dry_run)
    except _DryRun as planned:
        return planned.args[0]


def _rekey(db, keys, dry_run):
    if keys is None:
        papers = list(store.iter_papers(db, order_by="id"))
    else:
        papers = []
        for key in keys:
            paper = store.get_paper_by_citekey(db, key)
            if paper is None:
                raise KeyError(key)
            papers.append(paper)
    template = citekeys.key_format()
    changed = {}
    with store.write_transaction(db):
        for paper in papers:
            stem = citekeys.base_key(paper, template)
            own = paper["citekey"]

            def taken(candidate, own=own):
                if candidate.casefold() == own.casefold():
                    return False  # its own key is free for it
                return db.execute("select 1 from papers where citekey = ? collate nocase",
                                  [candidate]).fetchone() is not None
            new = citekeys.unique_key(stem, taken)
            if new != own:
                db.execute("update papers set citekey = ?, updated_at = ? where id = ?",
                           [new, store.now(), paper["id"]])
                changed[own] = new
        if dry_run:
            raise _DryRun(changed)
    return changed

