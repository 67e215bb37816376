"""Index notes: "All papers" and one note per tag, each a managed region in a note of its own."""

import os

from papershelf.exports.atomic import write_if_changed
from papershelf.exports.filenames import assign_stems
from papershelf.exports.obsidian.merge import (
    BadNote,
    compose,
    merge_items,
    read_note,
    split_regions,
)
from papershelf.exports.obsidian.properties import obsidian_tags
from papershelf.exports.obsidian.render import link_alias, markdown_safe

INDEX_STEM = "All papers"
TAGS_FOLDER = "Tags"


def export_indexes(papers, stems, target, report):
    """Write the index of all exported papers and an index per tag."""
    entries = {p["id"]: f"- [[{stems[p['id']]}|{link_alias(p['title'])}]]{_byline(p)}\n"
               for p in papers}
    by_tag = {}
    for paper in papers:
        for tag in obsidian_tags(paper.get("tags") or []):
            by_tag.setdefault(tag.casefold(), (tag, []))[1].append(entries[paper["id"]])
    _export_index(target, f"{INDEX_STEM}.md", "All papers", list(entries.values()), report)
    tag_stems = assign_stems((key, tag.replace("/", "-")) for key, (tag, _) in by_tag.items())
    for key, (tag, lines) in sorted(by_tag.items()):
        name = f"{TAGS_FOLDER}/{tag_stems[key]}.md"
        _export_index(target, name, f"Papers tagged #{tag}", lines, report)
    return {f"{TAGS_FOLDER}/{stem}.md" for stem in tag_stems.values()}


def _export_index(target, name, title, entries, report):
    count = f"{len(entries)} paper" + ("" if len(entries) == 1 else "s")
    body = "".join(["%% papershelf:begin index %%\n", f"# {title}\n\n{count}.\n\n", *entries,
                    "%% papershelf:end index %%\n"])
    path = os.path.join(target, name)
    try:
        existing = read_note(path)
        if existing is not None:
            if existing.crlf:
                body = body.replace("\n", "\r\n")
            regions = merge_items(split_regions(existing.body), {"index": body})
            body = compose(existing.open_fence, existing.blocks, existing.close_fence,
                            "".join(t for _, t in regions))
    except BadNote as exc:
        report.skipped.append((name, str(exc)))
        return
    (report.written if write_if_changed(path, body) else report.unchanged).append(name)


def _byline(paper):
    """Return " — Family et al., year" for an index line, or "" when neither is known."""
    authors = paper.get("authors") or []
    who = ""
    if authors and authors[0].split():
        who = authors[0].split()[-1] + (" et al." if len(authors) > 1 else "")
    year = str(paper.get("year") or "")
    details = ", ".join(part for part in (who, year) if part)
    return markdown_safe(f" — {details}") if details else ""


def stale_tag_indexes(target, tag_notes):
    """Return the tag index notes papershelf wrote for tags that no paper has any more."""
    stale = []
    try:
        names = sorted(f"{TAGS_FOLDER}/{n}" for n in os.listdir(os.path.join(target, TAGS_FOLDER))
                       if n.endswith(".md") and f"{TAGS_FOLDER}/{n}" not in tag_notes)
    except FileNotFoundError:
        return stale
    for name in names:
        try:
            note = read_note(os.path.join(target, name))
        except BadNote:
            continue
        if note is not None and any(region == "index" for region, _ in split_regions(note.body)):
            stale.append(name)
    return stale
