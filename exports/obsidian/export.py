"""The export run: choose the papers and the folder, bring each note up to date, report."""

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from papershelf.exports.atomic import AtomicBatch
from papershelf.exports.filenames import assign_stems, safe_stem
from papershelf.exports.obsidian.attachments import PdfLinker
from papershelf.exports.obsidian.cache import FORMAT, digest, fingerprint, load_cache, save_cache
from papershelf.exports.obsidian.errors import ObsidianExportError
from papershelf.exports.obsidian.indexes import export_indexes, stale_tag_indexes
from papershelf.exports.obsidian.merge import (
    BadNote,
    decode,
    merge_note,
    parse_note,
    read_bytes,
    read_note,
    split_regions,
)
from papershelf.exports.obsidian.render import NoteRenderer
from papershelf.server import store


@dataclass
class ExportReport:
    folder: Path
    # Notes by their path inside folder ("@key.md", "Tags/nlp.md").
    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    orphaned: list = field(default_factory=list)  # notes of papers no longer in the library
    skipped: list = field(default_factory=list)  # (name, reason): notes left as they were
    papers: int = 0  # how many papers the selection holds

    def summary(self):
        """Return a one-line account of the export."""
        return (f"{len(self.written)} written, {len(self.unchanged)} unchanged,"
                f" {len(self.orphaned)} orphaned, {len(self.skipped)} skipped in {self.folder}")


def export_obsidian(db, vault_dir, folder="Papers", tag=None, where=None, params=None,
                    template=None, progress=None, pdfs="link"):
    """Write a note per selected paper plus index notes into vault_dir/folder; return a report.

    progress, if given, is called with total= the number of notes, then once per note.
    pdfs: how the `pdf` property reaches a stored PDF (attachments.PDF_MODES).
    """
    target = _target_folder(vault_dir, folder)
    renderer = NoteRenderer(template)
    linker = PdfLinker(pdfs, vault_dir, target)
    papers = _select(db, tag, where, params)
    stems = assign_stems((row["id"], "@" + row["citekey"])
                         for row in db.query("select id, citekey from papers order by id"))
    papers = [p for p in papers if p["id"] in stems]  # one deleted since the first query
    cache = load_cache(target)
    report = ExportReport(target, papers=len(papers))
    def changed_meanwhile(path):
        name = os.path.basename(path)
        report.written.remove(name)
        report.skipped.append((name, "the note changed during the export"))
        cache.pop(name, None)

    try:
        with AtomicBatch(changed_meanwhile) as batch:
            if progress:
                progress(0, total=len(papers))
            for paper in papers:
                _export_paper(paper, f"{stems[paper['id']]}.md", target, renderer, cache, report,
                              batch, linker.pdf_value(paper))
                if progress:
                    progress(1)
        tag_notes = export_indexes(papers, stems, target, report)
        names = {f"{stem}.md" for stem in stems.values()}
        report.orphaned = _find_orphans(target, names, cache)
        if tag is None and where is None:  # every tag was exported: the others have no paper
            report.orphaned += stale_tag_indexes(target, tag_notes)
        save_cache(target, {name: cache[name] for name in sorted(cache) if name in names})
    except OSError as exc:  # disk full, no permission...: one clear line, notes written so far stay
        raise ObsidianExportError(f"cannot write the notes in {target}: {exc}") from exc
    return report


def _export_paper(paper, name, target, renderer, cache, report, batch, pdf):
    """Bring the paper's note up to date; record in report what happened to it."""
    path = os.path.join(target, name)
    inputs = fingerprint(FORMAT, renderer.digest, name, paper, pdf)
    fresh = None
    for _attempt in range(3):
        data = read_bytes(path)
        if data is not None and cache.get(name) == [inputs, digest(data)]:
            report.unchanged.append(name)  # same paper, same template, note untouched since
            return
        try:
            fresh = fresh or renderer.render(paper, pdf)
            text = merge_note(None if data is None else parse_note(decode(data)), *fresh)
        except BadNote as exc:
            report.skipped.append((name, str(exc)))
            return
        if read_bytes(path) == data:  # else Obsidian saved the reader's typing meanwhile
            break
    else:
        report.skipped.append((name, "the note kept changing during the export"))
        return
    encoded = text.encode("utf-8")
    if encoded == data:
        report.unchanged.append(name)
    else:
        # Written with the batch's one sync; a note the reader saves before the
        # batch lands is kept and reported (data is what we merged with).
        batch.add(path, encoded, expected=data)
        report.written.append(name)
    cache[name] = [inputs, digest(encoded)]


def _target_folder(vault_dir, folder):
    """Return the folder the notes go to, after checking it is a safe path in the vault."""
    vault = Path(vault_dir)
    if not vault.is_dir():
        raise ObsidianExportError(f"vault folder {vault} does not exist")
    relative = PurePosixPath(str(folder or "").replace("\\", "/"))
    if relative.is_absolute() or ".." in relative.parts:
        raise ObsidianExportError(f"folder {folder!r} must be a path inside the vault")
    bad = [part for part in relative.parts if safe_stem(part) != part]
    if bad:
        raise ObsidianExportError(f"folder name {bad[0]!r} is not safe on every system")
    return vault.joinpath(*relative.parts)


def _select(db, tag, where, params):
    """Return the papers to export, newest first."""
    try:
        return list(store.iter_papers(db, where=where, params=params, tag=tag))
    except sqlite3.Error as exc:
        raise ObsidianExportError(f"cannot select papers: {exc}") from exc


def _find_orphans(target, names, cache):
    """Return the notes papershelf wrote in target whose paper is not in the library.

    A note counts as papershelf's when it holds a papershelf region or was in the last
    export's fingerprints; another tool's @citekey notes are none of our business.
    """
    orphans = []
    with os.scandir(target) as entries:  # the folder exists: "All papers.md" was written
        candidates = sorted(entry.name for entry in entries if entry.name.startswith("@")
                            and entry.name.endswith(".md") and entry.name not in names)
    for name in candidates:
        try:
            note = read_note(os.path.join(target, name))
        except BadNote:
            continue
        if note is not None and (
                name in cache or any(region for region, _ in split_regions(note.body))):
            orphans.append(name)
    return orphans
