"""Merge a freshly rendered note into the note on disk, replacing only what papershelf manages.

A note is split into frontmatter entries (one per top-level key, comments and blank
lines on their own) and body regions (`%% papershelf:begin NAME %%` ... `end NAME`);
managed entries and regions are replaced in place, missing ones come back after their
predecessor, and everything else stays byte for byte.
"""

import re
from dataclasses import dataclass

import yaml

from papershelf.exports.obsidian.properties import Loader, dump_properties

_BEGIN = re.compile(r"%% papershelf:begin ([\w.-]+) %%")
_END = re.compile(r"%% papershelf:end ([\w.-]+) %%")
_KEY = re.compile(r"""(["']?)([A-Za-z_][\w-]*)\1[ \t]*:(?:[ \t]|\r?$)""")


class BadNote(Exception):
    """An existing note papershelf must not touch; the message says why."""


def merge_note(existing, props, body):
    """Return the note's new text: existing (parsed, or None) with managed parts replaced."""
    if existing is None:
        return f"---\n{dump_properties(props)}---\n{body}"
    props = _keep_aliases(props, _check_yaml(existing).get("aliases"))
    frontmatter = dump_properties(props)
    if existing.crlf:  # a note kept with Windows line endings keeps them
        frontmatter, body = frontmatter.replace("\n", "\r\n"), body.replace("\n", "\r\n")
    fresh_blocks = _split_blocks(frontmatter)
    fresh_regions = {name: text for name, text in split_regions(body) if name}
    blocks = merge_items(existing.blocks, {k: t for k, t in fresh_blocks if k})
    regions = merge_items(split_regions(existing.body), fresh_regions)
    text = compose(existing.open_fence, blocks, existing.close_fence,
                    "".join(t for _, t in regions))
    _check_yaml(parse_note(text), props)
    return text


@dataclass
class _Note:
    open_fence: str | None  # None: the note has no frontmatter
    blocks: list  # [(key or None, lines)] of the frontmatter
    close_fence: str | None
    body: str
    crlf: bool = False  # its first line ends in "\r\n"


def read_note(path):
    """Return the parsed note at path, or None when there is none."""
    data = read_bytes(path)
    return None if data is None else parse_note(decode(data))


def read_bytes(path):
    """Return the bytes of the file at path, or None when there is none."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def decode(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadNote("not UTF-8 text")


def parse_note(text):
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
    raise BadNote("frontmatter has no closing ---")


def compose(open_fence, blocks, close_fence, body):
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


def split_regions(body):
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


def merge_items(existing, fresh):
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
    """Raise BadNote unless the frontmatter parses as a mapping (holding props, if given)."""
    text = "".join(t for _, t in note.blocks)
    try:
        data = yaml.load(text, Loader=Loader) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise BadNote(f"frontmatter is not valid YAML ({str(exc).splitlines()[0]})")
    if not isinstance(data, dict):
        raise BadNote("frontmatter is not a set of properties")
    if props is not None and any(data.get(k) != v for k, v in props.items()):
        raise BadNote("frontmatter holds properties papershelf cannot place")
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


def _lines(text):
    """Split text after each "\\n" only (str.splitlines would also split at \\x0c, \\u2028...)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
