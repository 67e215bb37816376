"""Obsidian export: a literature note per paper, an index note per tag and one for all.

What lands in VAULT_DIR/FOLDER:

    @citekey.md        one note per paper. The "@" follows Pandoc's citation syntax
                       ([@key]) and the Zotero Integration plugin, so [[@key]] reads as a
                       citation and literature notes never clash with the reader's own
                       notes. Keys with characters a file name cannot hold are made safe
                       (see exports.filenames); the note's `citekey` property keeps the key.
    All papers.md      an index of the exported papers, newest first.
    Tags/<tag>.md      an index per tag of the exported papers (tag a/b: Tags/a-b.md).
    .papershelf.json   fingerprints that let a re-export skip notes that would not change
                       (a dot file: Obsidian does not show it).

Who owns what. papershelf manages the frontmatter keys in MANAGED_KEYS and the body
regions between `%% papershelf:begin NAME %%` and `%% papershelf:end NAME %%` lines
(Obsidian hides %% comments in reading view). Everything else belongs to the reader:
text anywhere outside the regions, and frontmatter keys they add, which keep their
place and their exact lines. A re-export replaces managed parts and nothing else; a
managed key or region the reader deleted comes back after its predecessor. The
template's text outside regions (the "Notes" section) is written only when a note is
created; a region a new template no longer has stays as the reader's text. The tags
and status properties mirror the library: change them with papershelf (a tag typed
into a note's tags property is replaced at its next export). An @citekey.md another
tool wrote (Zotero Integration names notes the same way) is adopted the same way:
papershelf adds its keys and region and keeps the rest.

Re-export. A note is rewritten only when its text would change (mtime untouched
otherwise), and always atomically. A note whose paper, template and own bytes are as
they were at the last export (.papershelf.json) is not even rendered. A note whose
frontmatter is not valid YAML, or that is not UTF-8, is skipped and reported, never
rewritten; so is one the reader keeps saving during the export (papershelf writes only
over the text it read). Notes of papers no longer in the library, and tag index notes
of tags no paper has any more, are reported as orphaned, never deleted.

Properties (one type each, in every note; a missing value is null for a scalar and
[] for a list, and the key is always present):
    title text · aliases list (the title first, so [[Title]] links resolve; aliases the
    reader added and former titles stay) · authors list ·
    year number · published date (YYYY-MM-DD; null when only a year or month is known)
    · venue, arxiv, doi, url, pdf, code, citekey, status text · tags list ·
    added datetime (UTC, to the second).
Every string is double-quoted by PyYAML, so no title can turn into another type.

Tags follow Obsidian's rules (see obsidian_tag): whitespace and every character other
than letters, digits, "_", "-" and "/" become "-" (cs.LG -> cs-LG, "deep learning" ->
deep-learning), runs of "-" collapse, and a tag of digits only gets a leading "_"
(2024 -> _2024).
"""

from papershelf.exports.obsidian.cache import CACHE_NAME
from papershelf.exports.obsidian.errors import ObsidianExportError
from papershelf.exports.obsidian.export import ExportReport, export_obsidian
from papershelf.exports.obsidian.properties import (
                                                    MANAGED_KEYS,
                                                    PROPERTY_TYPES,
                                                    note_properties,
                                                    obsidian_tag,
                                                    obsidian_tags,
)

__all__ = ["CACHE_NAME", "MANAGED_KEYS", "PROPERTY_TYPES", "ExportReport", "ObsidianExportError",
           "export_obsidian", "note_properties", "obsidian_tag", "obsidian_tags"]
