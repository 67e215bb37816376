"""Re-run today's extractors over the clips already stored, and merge what they do better.

Each paper's latest clip is re-extracted from its stored page (clips.html) or,
when no page was kept, from its URL alone where that says something (arXiv).
A field is filled when the paper lacks it, and replaced only when the paper
still holds exactly what this clip's previous extraction gave it: values that
came from elsewhere (another clip, an import) stay. Tags, note, status and the
citation key are never touched.
"""

import json
from dataclasses import dataclass, field

from papershelf.server import identity, store
from papershelf.server.extractors import extract

# Replacing these would change the paper's identity; they are only ever filled.
IDENTITY_FIELDS = ("arxiv_id", "doi")


@dataclass
class Report:
    improved: list = field(default_factory=list)  # ids of papers that changed
    unchanged: int = 0
    skipped: int = 0  # clips with nothing to re-read (no page kept, URL says nothing)

    @property
    def total(self):
        return len(self.improved) + self.unchanged + self.skipped


def latest_clips(db, paper_ids=None):
    """Return the latest clip of each paper (preferring one with a stored page)."""
    sql = ("select * from clips where paper_id is not null"
           " order by paper_id, html is not null, clipped_at, id")
    latest = {}
    for row in db.query(sql):
        if paper_ids is None or row["paper_id"] in paper_ids:
            latest[row["paper_id"]] = row
    return list(latest.values())


def reextract(db, clips=None, dry_run=False, progress=None):
    """Re-extract clips (default: each paper's latest); return a Report."""
    clips = latest_clips(db) if clips is None else clips
    report = Report()
    for clip in clips:
        changed = reextract_clip(db, clip, dry_run)
        if changed is None:
            report.skipped += 1
        elif changed:
            report.improved.append(clip["paper_id"])
        else:
            report.unchanged += 1
        if progress is not None:
            progress(1)
    return report


def reextract_clip(db, clip, dry_run=False):
    """Re-extract one clip and merge; return True (improved), False (same) or None (skipped)."""
    result = extract(clip["url"], store.decompress_page(clip.get("html")))
    paper = store.get_paper(db, clip["paper_id"])
    if result.listing or len(result.papers) != 1 or paper is None:
        return None
    new = identity.clean_metadata(result.papers[0])
    old = identity.clean_metadata(_json(clip.get("fields")))
    changes = _improvements(paper, old, new)
    if not changes:
        return False
    if not dry_run:
        with store.write_transaction(db):
            store.update_metadata(db, paper["id"], changes)
            db.execute("update clips set fields = ?, extractor = ? where id = ?",
                       [json.dumps(result.papers[0], ensure_ascii=False, default=str),
                        result.extractor, clip["id"]])
    return True


def _improvements(paper, old, new):
    """Return the metadata changes new brings: filled gaps and this clip's own values updated."""
    changes = {}
    for key in identity.METADATA_FIELDS:
        value, current = new.get(key), paper.get(key)
        if value in (None, "", []) or value == current:
            continue
        if current in (None, "", []):
            changes[key] = value
        elif key not in IDENTITY_FIELDS and current == old.get(key):
            changes[key] = value
    extra = _extra_improvements(paper, old, new)
    if extra:
        changes["extra"] = {**(paper.get("extra") or {}), **extra}
    return changes


def _extra_improvements(paper, old, new):
    current = paper.get("extra") or {}
    previous = old.get("extra") or {}
    added = {}
    for key, value in (new.get("extra") or {}).items():
        if value in (None, "", []) or current.get(key) == value:
            continue
        if current.get(key) in (None, "", []) or current.get(key) == previous.get(key):
            added[key] = value
    return added


def _json(text):
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
