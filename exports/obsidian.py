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

import functools
import hashlib
import json
import os
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

import jinja2
import yaml

from exports.atomic import AtomicBatch, write_if_changed
from exports.filenames import assign_stems, safe_stem
from server import store

FORMAT = 1  # bump when rendering changes, so stored fingerprints stop matching
MANAGED_KEYS = (
    "title", "aliases", "authors", "year", "published", "venue", "arxiv", "doi", "url",
    "pdf", "code", "citekey", "tags", "added", "status",
)
# The type of each property; tests check every note against it. None is always allowed.
PROPERTY_TYPES = {
    "title": str, "aliases": list, "authors": list, "year": int, "published": date,
    "venue": str, "arxiv": str, "doi": str, "url": str, "pdf": str, "code": str,
    "citekey": str, "tags": list, "added": datetime, "status": str,
}
DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "note.md.j2"
CACHE_NAME = ".papershelf.json"
INDEX_STEM = "All papers"
TAGS_FOLDER = "Tags"

_ALIAS_SAFE = str.maketrans({"[": "(", "]": ")", "|": "-"})
_PERCENT_RUN = re.compile(r"%(?=%)")
_BEGIN = re.compile(r"%% papershelf:begin ([\w.-]+) %%")
_END = re.compile(r"%% papershelf:end ([\w.-]+) %%")
_KEY = re.compile(r"""(["']?)([A-Za-z_][\w-]*)\1[ \t]*:(?:[ \t]|\r?$)""")


class ObsidianExportError(ValueError):
    """An export that cannot run (bad folder, template or filter); the message is for the user."""


@dataclass
class ExportReport:
    folder: Path
    # Notes by their path inside folder ("@key.md", "Tags/nlp.md").
    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    orphaned: list = field(default_factory=list)  # notes of papers no longer in the library
    skipped: list = field(default_factory=list)  # (name, reason): notes left as they were

    def summary(self):
        """Return a one-line account of the export."""
        return (f"{len(self.written)} written, {len(self.unchanged)} unchanged,"
                f" {len(self.orphaned)} orphaned, {len(self.skipped)} skipped in {self.folder}")


class _BadNote(Exception):
    """An existing note papershelf must not touch; the message says why."""


def export_obsidian(db, vault_dir, folder="Papers", tag=None, where=None, params=None,
                    template=None, progress=None):
    """Write a note per selected paper plus index notes into vault_dir/folder; return a report.

    progress, if given, wraps the list of papers (e.g. in a progress bar) and yields them.
    """
    target = _target_folder(vault_dir, folder)
    renderer = NoteRenderer(template)
    papers = _select(db, tag, where, params)
    stems = assign_stems((row["id"], "@" + row["citekey"])
                         for row in db.query("select id, citekey from papers order by id"))
    papers = [p for p in papers if p["id"] in stems]  # one deleted since the first query
    cache = _load_cache(target)
    report = ExportReport(target)
    def changed_meanwhile(path):
        name = os.path.basename(path)
        report.written.remove(name)
        report.skipped.append((name, "the note changed during the export"))
        cache.pop(name, None)

    try:
        with AtomicBatch(changed_meanwhile) as batch:
            for paper in progress(papers) if progress else papers:
                _export_paper(paper, f"{stems[paper['id']]}.md", target, renderer, cache, report,
                              batch)
        tag_notes = _export_indexes(papers, stems, target, report)
        names = {f"{stem}.md" for stem in stems.values()}
        report.orphaned = _find_orphans(target, names, cache)
        if tag is None and where is None:  # every tag was exported: the others have no paper
            report.orphaned += _stale_tag_indexes(target, tag_notes)
        _save_cache(target, {name: cache[name] for name in sorted(cache) if name in names})
    except OSError as exc:  # disk full, no permission...: one clear line, notes written so far stay
        raise ObsidianExportError(f"cannot write the notes in {target}: {exc}") from exc
    return report


class NoteRenderer:
    """Render the properties and the body of a paper's note from a Jinja2 template."""

    def __init__(self, template=None):
        path = Path(template) if template else DEFAULT_TEMPLATE
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ObsidianExportError(f"cannot read template {path}: {exc}") from exc
        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True, finalize=_markdown_safe,
                                 autoescape=False)
        env.filters["callout"] = _callout
        try:
            self.template = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ObsidianExportError(f"template {path}, line {exc.lineno}: {exc.message}") from exc
        self.path = path
        self.digest = hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()

    def render(self, paper):
        """Return (properties dict, body text) of the paper's note."""
        props = note_properties(paper)
        context = {"paper": paper, "props": props, "title": _one_line(paper["title"]),
                   "authors": props["authors"], "links": paper_links(paper)}
        try:
            body = self.template.render(context)
        except Exception as exc:  # a reader's template may fail in any way; name it
            raise ObsidianExportError(f"template {self.path} failed: {exc}") from exc
        return props, body


def note_properties(paper):
    """Return the frontmatter properties of a paper's note, in their documented types."""
    title = paper["title"]
    return {
        "title": title,
        "aliases": [_one_line(title)],
        "authors": list(paper.get("authors") or []),
        "year": int(paper["year"]) if paper.get("year") is not None else None,
        "published": _full_date(paper.get("published")),
        "venue": paper.get("venue") or None,
        "arxiv": paper.get("arxiv_id") or None,
        "doi": paper.get("doi") or None,
        "url": paper.get("url") or None,
        "pdf": paper.get("pdf_url") or None,
        "code": paper.get("code_url") or None,
        "citekey": paper["citekey"],
        "tags": obsidian_tags(paper.get("tags") or []),
        "added": _datetime(paper["added_at"]),
        "status": paper.get("status") or "unread",
    }


@functools.lru_cache(maxsize=4096)  # a library has few tags, each on many papers
def obsidian_tag(tag):
    """Return tag in a form Obsidian accepts as a tag, or "" when nothing is left."""
    text = unicodedata.normalize("NFC", tag).strip().lstrip("#")
    text = re.sub(r"[^\w/-]+", "-", text)
    text = re.sub(r"-{2,}", "-", re.sub(r"/{2,}", "/", text)).strip("-/")
    if text and text.replace("/", "").isdigit():
        text = "_" + text
    return text


def obsidian_tags(tags):
    """Return the Obsidian forms of tags, without empties or case-insensitive duplicates."""
    seen = {}
    for tag in tags:
        converted = obsidian_tag(tag)
        if converted and converted.casefold() not in seen:
            seen[converted.casefold()] = converted
    return list(seen.values())


def paper_links(paper):
    """Return the paper's links as dicts with label, url and a Markdown link."""
    links = []
    if paper.get("arxiv_id"):
        links.append(("arXiv", paper["arxiv_id"], f"https://arxiv.org/abs/{paper['arxiv_id']}"))
    if paper.get("doi"):
        links.append(("DOI", paper["doi"], f"https://doi.org/{paper['doi']}"))
    seen = {url for _, _, url in links}
    for label, key in (("Page", "url"), ("PDF", "pdf_url"), ("Code", "code_url")):
        url = paper.get(key)
        if url and url not in seen:
            links.append((label, url, url))
            seen.add(url)
    return [{"label": label, "url": url, "markdown": f"[{_link_text(text)}](<{_link_url(url)}>)"}
            for label, text, url in links]


def dump_properties(props):
    """Return props as YAML frontmatter lines: block style, every string double-quoted."""
    return yaml.dump(props, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=2**31 - 1, default_flow_style=False)


# --- one note -----------------------------------------------------------------------

def _export_paper(paper, name, target, renderer, cache, report, batch):
    """Bring the paper's note up to date; record in report what happened to it."""
    path = os.path.join(target, name)
    inputs = _fingerprint(FORMAT, renderer.digest, name, paper)
    fresh = None
    for _attempt in range(3):
        data = _read_bytes(path)
        if data is not None and cache.get(name) == [inputs, _digest(data)]:
            report.unchanged.append(name)  # same paper, same template, note untouched since
            return
        try:
            fresh = fresh or renderer.render(paper)
            text = _merge_note(None if data is None else _parse_note(_decode(data)), *fresh)
        except _BadNote as exc:
            report.skipped.append((name, str(exc)))
            return
        if _read_bytes(path) == data:  # else Obsidian saved the reader's typing meanwhile
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
    cache[name] = [inputs, _digest(encoded)]


def _merge_note(existing, props, body):
    """Return the note's new text: existing (parsed, or None) with managed parts replaced."""
    if existing is None:
        return f"---\n{dump_properties(props)}---\n{body}"
    props = _keep_aliases(props, _check_yaml(existing).get("aliases"))
    frontmatter = dump_properties(props)
    if existing.crlf:  # a note kept with Windows line endings keeps them
        frontmatter, body = frontmatter.replace("\n", "\r\n"), body.replace("\n", "\r\n")
    fresh_blocks = _split_blocks(frontmatter)
    fresh_regions = {name: text for name, text in _split_regions(body) if name}
    blocks = _merge_items(existing.blocks, {k: t for k, t in fresh_blocks if k})
    regions = _merge_items(_split_regions(existing.body), fresh_regions)
    text = _compose(existing.open_fence, blocks, existing.close_fence,
                    "".join(t for _, t in regions))
    _check_yaml(_parse_note(text), props)
    return text


@dataclass
class _Note:
    open_fence: str | None  # None: the note has no frontmatter
    blocks: list  # [(key or None, lines)] of the frontmatter
    close_fence: str | None
    body: str
    crlf: bool = False  # its first line ends in "\r\n"


def _read_note(path):
    """Return the parsed note at path, or None when there is none."""
    data = _read_bytes(path)
    return None if data is None else _parse_note(_decode(data))


def _read_bytes(path):
    """Return the bytes of the file at path, or None when there is none."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _decode(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadNote("not UTF-8 text")


def _parse_note(text):
    """Return text split into frontmatter fences, frontmatter entries and body."""
    lines = _lines(text)
    crlf = bool(lines) and lines[0].endswith("\r\n")
    if not lines or lines[0].rstrip("\r\n") != "---":
        return _Note(None, [], None, text, crlf)
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") == "---":
            close = lines[i] if lines[i].endswith("\n") else lines[i] + lines[0][3:]
            return _Note(lines[0], _split_blocks("".join(lines[1:i])), close,
                         "".join(lines[i + 1:]), crlf)
    raise _BadNote("frontmatter has no closing ---")


def _compose(open_fence, blocks, close_fence, body):
    """Return a note's text; with no fences and no properties, the body alone."""
    frontmatter = "".join(text for _, text in blocks)
    if frontmatter and not frontmatter.endswith("\n"):
        frontmatter += "\n"
    if open_fence is None and not frontmatter:
        return body
    return (open_fence or "---\n") + frontmatter + (close_fence or "---\n") + body


def _split_blocks(frontmatter):
    """Split frontmatter into top-level entries [(key or None, text)]; comments stand alone."""
    blocks = []
    for line in _lines(frontmatter):
        if blocks and line[:1] in (" ", "\t", "-"):  # indented lines and list items continue
            blocks[-1][1] += line
            continue
        match = _KEY.match(line)  # a comment or a blank line matches no key: it stands alone
        blocks.append([match.group(2) if match else None, line])
    return [tuple(block) for block in blocks]


def _split_regions(body):
    """Split a body into [(region name or None, text)]; an unclosed begin is plain text."""
    items, free, region = [], [], None
    for line in _lines(body):
        bare = line.rstrip("\r\n")
        begin = _BEGIN.fullmatch(bare)
        if region is not None and begin:
            free.extend(region[1])  # the earlier begin had no end: it is the reader's text
            region = None
        if region is None:
            if begin:
                if free:
                    items.append((None, "".join(free)))
                    free = []
                region = (begin.group(1), [line])
            else:
                free.append(line)
            continue
        region[1].append(line)
        end = _END.fullmatch(bare)
        if end and end.group(1) == region[0]:
            text = "".join(region[1])
            items.append((region[0], text if text.endswith("\n") else text + "\n"))
            region = None
    if region is not None:
        free.extend(region[1])
    if free:
        items.append((None, "".join(free)))
    return items


def _merge_items(existing, fresh):
    """Replace the managed items of existing by fresh ones; put missing ones after their predecessor."""
    out, placed = [], set()
    for name, text in existing:
        if name in fresh:
            if name not in placed:  # a duplicate managed item goes: it would repeat the first
                out.append((name, fresh[name]))
                placed.add(name)
        else:
            out.append((name, text))
    previous = None
    for name, text in fresh.items():
        if name not in placed:
            at = 0 if previous is None else 1 + next(
                i for i, (n, _) in enumerate(out) if n == previous)
            out.insert(at, (name, text))
            placed.add(name)
        previous = name
    return out


def _check_yaml(note, props=None):
    """Raise _BadNote unless the frontmatter parses as a mapping (holding props, if given)."""
    text = "".join(t for _, t in note.blocks)
    try:
        data = yaml.load(text, Loader=_Loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise _BadNote(f"frontmatter is not valid YAML ({str(exc).splitlines()[0]})")
    if not isinstance(data, dict):
        raise _BadNote("frontmatter is not a set of properties")
    if props is not None and any(data.get(k) != v for k, v in props.items()):
        raise _BadNote("frontmatter holds properties papershelf cannot place")
    return data


def _keep_aliases(props, aliases):
    """Return props whose aliases also keep those the note has: the reader's, and former
    titles (so that links to a paper's old title still resolve)."""
    if isinstance(aliases, (str, int, float)) and not isinstance(aliases, bool):
        aliases = [aliases]
    if not isinstance(aliases, list):
        return props
    kept = list(props["aliases"])
    for alias in aliases:
        if isinstance(alias, (str, int, float)) and not isinstance(alias, bool) \
                and str(alias) not in kept:
            kept.append(str(alias))
    return {**props, "aliases": kept}


def _digest(data):
    """Return a short digest of bytes."""
    return hashlib.blake2b(data, digest_size=10).hexdigest()


def _fingerprint(*values):
    """Return a digest of everything a note's text is made from."""
    data = json.dumps(values, default=str)
    return hashlib.blake2b(data.encode("ascii"), digest_size=10).hexdigest()


# --- index notes --------------------------------------------------------------------

def _export_indexes(papers, stems, target, report):
    """Write the index of all exported papers and an index per tag."""
    entries = {p["id"]: f"- [[{stems[p['id']]}|{_alias(p['title'])}]]{_byline(p)}\n"
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
        existing = _read_note(path)
        if existing is not None:
            if existing.crlf:
                body = body.replace("\n", "\r\n")
            regions = _merge_items(_split_regions(existing.body), {"index": body})
            body = _compose(existing.open_fence, existing.blocks, existing.close_fence,
                            "".join(t for _, t in regions))
    except _BadNote as exc:
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
    return _markdown_safe(f" — {details}") if details else ""


# --- the folder ---------------------------------------------------------------------

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
            note = _read_note(os.path.join(target, name))
        except _BadNote:
            continue
        if note is not None and (
                name in cache or any(region for region, _ in _split_regions(note.body))):
            orphans.append(name)
    return orphans


def _stale_tag_indexes(target, tag_notes):
    """Return the tag index notes papershelf wrote for tags that no paper has any more."""
    stale = []
    try:
        names = sorted(f"{TAGS_FOLDER}/{n}" for n in os.listdir(os.path.join(target, TAGS_FOLDER))
                       if n.endswith(".md") and f"{TAGS_FOLDER}/{n}" not in tag_notes)
    except FileNotFoundError:
        return stale
    for name in names:
        try:
            note = _read_note(os.path.join(target, name))
        except _BadNote:
            continue
        if note is not None and any(region == "index" for region, _ in _split_regions(note.body)):
            stale.append(name)
    return stale


def _load_cache(target):
    """Return {note name: [inputs fingerprint, text digest]} from the last export."""
    try:
        data = json.loads((target / CACHE_NAME).read_text(encoding="utf-8"))
        if data.get("format") == FORMAT and isinstance(data.get("notes"), dict):
            return data["notes"]
    except (OSError, ValueError, AttributeError):
        pass  # no usable cache: every note is checked against its text
    return {}


def _save_cache(target, notes):
    """Write the fingerprints (only when they changed, like every file here)."""
    text = json.dumps({"format": FORMAT, "notes": notes}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True)
    write_if_changed(target / CACHE_NAME, text + "\n")


# --- text helpers -------------------------------------------------------------------

def _lines(text):
    """Split text after each "\\n" only (str.splitlines would also split at \\x0c, \\u2028...)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _one_line(text):
    return " ".join(str(text or "").split())


def _markdown_safe(value):
    """Keep template output from opening an Obsidian comment: "%%" would hide what follows."""
    if value is None:
        return ""
    if isinstance(value, str) and "%%" in value:
        return _PERCENT_RUN.sub(r"%\\", value)  # %% -> %\% (shows as %%, opens nothing)
    return value


def _callout(text):
    """Return text as the lines of a callout (each line behind "> ")."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(text).split("\n"))


def _alias(title):
    """Return title as the shown text of a [[link|text]]: no brackets, no pipe."""
    return _markdown_safe(_one_line(title)).translate(_ALIAS_SAFE)


def _link_text(text):
    return re.sub(r"([\[\]\\])", r"\\\1", _one_line(text))


def _link_url(url):
    return _one_line(url).replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def _full_date(value):
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except (TypeError, ValueError):
        return None


def _datetime(value):
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(
            tzinfo=None, microsecond=0)
    except (AttributeError, ValueError):
        return None


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """PyYAML's safe dumper with every string double-quoted and keys plain."""

    def ignore_aliases(self, data):
        return True  # Obsidian reads no &anchors; every value is written out in full

    def resolve(self, kind, value, implicit):
        # A double-quoted scalar is a string whatever it says, and so is a property name:
        # skip the regex look-ups.
        if kind is yaml.ScalarNode and (implicit == (False, True) or value in PROPERTY_TYPES):
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _represent_datetime(dumper, value):
    # Obsidian's datetime property reads YYYY-MM-DDTHH:MM:SS; YAML reads it as a timestamp.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp",
                                   value.strftime("%Y-%m-%dT%H:%M:%S"))


def _represent_mapping(dumper, value):
    # Keys stay plain (title:, not "title":) — the string rule is for values.
    pairs = [(yaml.ScalarNode("tag:yaml.org,2002:str", str(k)), dumper.represent_data(v))
             for k, v in value.items()]
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader that reads an impossible date (2024-02-30) as text, like Obsidian."""


def _timestamp_or_text(loader, node):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(datetime, _represent_datetime)
_Dumper.add_representer(dict, _represent_mapping)
