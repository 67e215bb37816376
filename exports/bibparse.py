"""Read BibTeX text into records and resolved entries, with bibtexparser 2 (pybtex behind it).

@string macros and # concatenation, month macros, crossref. A macro the file does not
define is kept as its name (a companion strings file defines it; BibTeX warns and goes
on, and so does this reader). A block bibtexparser cannot read is read again by pybtex's
scanner, which follows BibTeX where bibtexparser 2.1 does not (a `"` inside braces of a
quoted value). Text is read in chunks cut at entry boundaries, so that the importer
stores (in whole batches) while it reads.
"""

import hashlib
import logging
import re

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ExplicitComment,
    Field,
    Preamble,
    String,
)
from pybtex.database.input.bibtex import LowLevelParser
from pybtex.scanner import PybtexSyntaxError

from papershelf.exports.bibfields import EXPRESSIONS, INHERITED, MONTH_NAMES, entry_to_fields

# bibtexparser logs each broken block; the importer reports them itself, with line and reason.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
# The month macros every BibTeX style defines (plain.bst: MACRO {jan} {"January"}).
BUILTIN_STRINGS = {name[:3]: (name.capitalize(), None) for name in MONTH_NAMES if len(name) > 3}
BUILTIN_STRINGS["may"] = ("May", None)

# Files are read in chunks of about this size, so that storing can start early.
CHUNK_SIZE = 250_000
_BLOCK_START = re.compile(r"\n@")
_COMMENT = re.compile(r"@\s*comment(?![A-Za-z0-9_-])", re.IGNORECASE)
_NOT_ENTRY = re.compile(r"@\s*(?:string|comment|preamble)(?![A-Za-z0-9_-])", re.IGNORECASE)
_ENTRY_INSIDE = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(][^,\s]*,")


def chunk_bounds(text, size=CHUNK_SIZE):
    """Return [(start, end, lines before start)], cutting before an @ at brace depth 0."""
    bounds, start, line = [], 0, 0
    while start < len(text):
        end, probe = len(text), start + size
        while probe < len(text):
            cut = text.find("\n@", probe) + 1
            if not cut:
                break
            if text.count("{", start, cut) == text.count("}", start, cut):
                end = cut  # braces balanced: between two blocks
                break
            probe = cut
        bounds.append((start, end, line))
        line += text.count("\n", start, end)
        start = end
    return bounds


def parsed_chunks(text, bounds):
    """Yield the records of each chunk in file order (identical entries are parsed once)."""
    seen = set()
    for start, end, line in bounds:
        yield records_of(text[start:end], line, seen)


def records_of(text, line_offset, seen):
    """Return the records of text; a block identical to one seen before is not parsed again.

    Files joined from several projects repeat whole entries; recognising a repeated
    block by its text costs a set lookup, parsing it costs a hundred times more.
    """
    records, run, run_line, line = [], [], line_offset, line_offset
    for block in _blocks(text):
        if block in seen and _is_entry_block(block):
            if run:
                records.extend(_parse_records("".join(run), run_line, seen))
                run = []
            records.append(("same",))
        else:
            if not run:
                run_line = line
            run.append(block)
            if _is_entry_block(block):
                seen.add(block)
        line += block.count("\n")
    if run:
        records.extend(_parse_records("".join(run), run_line, seen))
    return records


def _blocks(text):
    """Yield text cut before each @ that starts a line at brace depth 0 (a block's start)."""
    start = 0
    for match in _BLOCK_START.finditer(text):
        cut = match.start() + 1
        if text.count("{", start, cut) == text.count("}", start, cut):
            yield text[start:cut]
            start = cut
    yield text[start:]


def _is_entry_block(block):
    head = block.lstrip()[:12].lower()
    return head.startswith("@") and not _NOT_ENTRY.match(head)


def _parse_records(text, line_offset, seen_raw):
    """Return the blocks of text as plain tuples.

    ("string", line, key, value), ("preamble", line, value), ("entry", line, key, type,
    ((name, value), ...), warning, digest of the entry's text), ("same",) for an entry
    identical to one seen before, ("failed", line, key, reason). Values are as written:
    `{...}`, `"..."`, a number, a macro name, or a # concatenation of those.
    """
    library = bibtexparser.parse_string(text, parse_stack=[])
    records, cursor, line, reread_to = [], 0, line_offset + 1, 0
    for block in library.blocks:
        # bibtexparser's start_line drifts in long files: count lines to the block's text.
        found = text.find(block.raw, cursor) if block.raw else -1
        if found >= 0:
            line += text.count("\n", cursor, found)
            cursor = found
            if found < reread_to:
                continue  # the rest of a block the pybtex scanner read whole
        warning = None
        if isinstance(block, String):
            records.append(("string", line, block.key, block.value))
            continue
        if isinstance(block, Preamble):
            records.append(("preamble", line, block.value))
            continue
        if isinstance(block, Entry):
            entry = block
        elif isinstance(block, DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            warning = "duplicate field " + ", ".join(sorted(block.duplicate_keys)) + ": first kept"
        elif hasattr(block, "error") or (
                # bibtexparser takes every @comment... for a comment; BibTeX only @comment
                # itself (jurabib's @COMMENTED{key, ...} is an entry type).
                isinstance(block, ExplicitComment) and not _COMMENT.match(block.raw or "")):
            # bibtexparser gave up where BibTeX goes on: read the block again from its start.
            entry, length = _read_as_bibtex_does(text[found:] if found >= 0 else block.raw)
            if entry is None:
                if hasattr(block, "error"):
                    records.append(("failed", line, _failed_key(block), _reason(block.error)))
                continue
            reread_to = max(found, 0) + length
        else:
            continue  # comments
        digest = hashlib.blake2b(entry.raw.encode(), digest_size=16).digest()
        if digest in seen_raw:
            records.append(("same",))  # the same entry again: nothing more to store
            continue
        seen_raw.add(digest)
        fields = tuple((f.key, f.value) for f in entry.fields)
        records.append(("entry", line, entry.key, entry.entry_type, fields, warning, digest))
    return records


class _RawScanner(LowLevelParser):
    """pybtex's BibTeX scanner, giving each value as written (macros left unresolved)."""

    def parse_value_part(self):
        token = self.required([self.QUOTE, self.LBRACE, self.NUMBER, self.NAME],
                              description="field value")
        if token.pattern is self.QUOTE:
            return "{" + self.flatten_string(self.parse_string(string_end=self.QUOTE)) + "}"
        if token.pattern is self.LBRACE:
            return "{" + self.flatten_string(self.parse_string(string_end=self.RBRACE)) + "}"
        return token.value


def _read_as_bibtex_does(text):
    """Return (the entry text starts with, its length), read by pybtex's scanner, or (None, 0)."""
    scanner = _RawScanner(text, macros={})
    try:
        for command, body in scanner:
            if command.lower() in ("string", "preamble", "comment"):
                return None, 0
            key, fields = body
            raw = text[:scanner.pos]
            if _ENTRY_INSIDE.search(raw):
                return None, 0  # an unclosed brace swallowed the entries after it
            return Entry(command.lower(), key,
                         [Field(name, " # ".join(parts)) for name, parts in fields],
                         raw=raw), len(raw)
    except PybtexSyntaxError:
        return None, 0
    return None, 0


class EntryReader:
    """Turn records into store items in file order; an entry with a crossref waits for the end.

    Besides items, it collects the file's @string and @preamble definitions (take them
    with take_definitions) and warns once for each macro the file uses but never defines.
    """

    def __init__(self, report):
        self.report = report
        self.strings = dict(BUILTIN_STRINGS)  # name -> (text, expression or None)
        self.by_key = {}
        self.waiting = []
        self.definitions = []  # ("string", name, expression) and ("preamble", expression)
        self.undefined = {}  # macro (lower case) -> [name, line, key, uses]

    def feed(self, records):
        items = []
        for record in records:
            kind = record[0]
            if kind == "same":
                self.report.unchanged += 1
            elif kind == "failed":
                self.report.failed.append(record[1:])
            elif kind == "string":
                _, line, key, value = record
                text, expression = self._resolve(value, line, f"@string {key}")
                self.strings[key.lower()] = (text, expression)
                self.definitions.append(("string", key, expression or "{" + text + "}"))
            elif kind == "preamble":
                _, line, value = record
                text, expression = self._resolve(value, line, "@preamble")
                self.definitions.append(("preamble", expression or "{" + text + "}"))
            else:
                self._read_entry(record, items)
        return items

    def _read_entry(self, record, items):
        _, line, key, entry_type, fields, warning, _ = record
        if warning:
            self.report.warnings.append((line, key, warning))
        values = {}
        for name, value in fields:
            name = name.lower()
            if name in values:
                continue  # BibTeX keeps the first of duplicate fields
            values[name], expression = self._resolve(value, line, key)
            if expression is not None:
                values.setdefault(EXPRESSIONS, {})[name] = expression
        self.by_key[key.lower()] = values
        entry = (line, key, entry_type, values)
        if "crossref" in values:
            self.waiting.append(entry)  # its parent usually comes later in the file
        else:
            self._convert(entry, items)

    def _resolve(self, value, line, key):
        text, expression, missing = resolve_value(value, self.strings)
        for name in missing:
            seen = self.undefined.setdefault(name.lower(), [name, line, key, 0])
            seen[3] += 1
        return text, expression

    def take_definitions(self):
        """Return the @string and @preamble definitions read since the last call."""
        definitions, self.definitions = self.definitions, []
        return definitions

    def finish(self):
        items = []
        for entry in self.waiting:
            _inherit_crossref(entry[3], self.by_key)
            self._convert(entry, items)
        self.waiting = []
        for name, line, key, uses in self.undefined.values():
            times = "once" if uses == 1 else f"{uses} times"
            self.report.warnings.append((line, key, f'string name "{name}" is undefined (used'
                                         f" {times}): kept, and written back as {name}"))
        self.undefined = {}
        return items

    def _convert(self, entry, items):
        line, key, entry_type, values = entry
        try:
            items.append((line, key, entry_to_fields(entry_type, key, values)))
        except ValueError as exc:
            self.report.failed.append((line, key, str(exc)))


def resolve_value(value, strings):
    """Return (text, expression, undefined macros) of a raw field value.

    text has @string macros and # concatenation resolved (braces kept) and an undefined
    macro as its name; expression is None, or, when a macro is undefined, the value as an
    export writes it back: `{text} # name # {text}`.
    """
    if isinstance(value, int):
        return str(value), None, ()
    value = value.strip()
    if value[:1] == "{" and value[-1:] == "}" and _balanced_inner(value):
        return value[1:-1], None, ()
    if value[:1] == '"' and value[-1:] == '"' and "#" not in value[1:-1].replace('\\#', ""):
        return value[1:-1], None, ()
    texts, expressions, missing = [], [], []
    for part in _split_concatenation(value):
        text, expression, undefined = _resolve_part(part.strip(), strings)
        texts.append(text)
        expressions.append(expression)
        missing.extend(undefined)
    expression = " # ".join(expressions) if missing else None
    return "".join(texts), expression, missing


def _resolve_part(part, strings):
    """Return (text, expression, undefined macros) of one part of a concatenation."""
    if part[:1] in '{"':
        return part[1:-1], "{" + part[1:-1] + "}", ()
    if part.isdigit():
        return part, part, ()
    found = strings.get(part.lower())
    if found is None:
        return part, part, (part,)
    text, expression = found
    if expression is None:
        return text, "{" + text + "}", ()
    return text, expression, (part,)  # a macro whose own value holds an undefined one


def _split_concatenation(value):
    """Split `a # "b" # {c}` at the # signs that are outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _balanced_inner(value):
    """Return True when the outer braces of value enclose it whole ({a} # {b} does not)."""
    depth = 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and i != len(value) - 1:
                return False
    return depth == 0


def _inherit_crossref(values, by_key):
    """Copy the fields a crossref'd parent holds and the child lacks (as BibTeX does)."""
    parent_key = values.pop("crossref", None)
    if not parent_key:
        return
    parent = by_key.get(parent_key.strip().lower())
    if parent is None:
        return
    expressions = parent.get(EXPRESSIONS) or {}
    inherited = values.setdefault(INHERITED, [])
    for name, value in parent.items():
        if name not in values and not name.startswith("__"):
            values[name] = value
            inherited.append(name)
            if name in expressions:
                values.setdefault(EXPRESSIONS, {})[name] = expressions[name]
    if "booktitle" not in values and "title" in parent:
        values["booktitle"] = parent["title"]  # biblatex's rule for @inproceedings in @proceedings
        if "title" in expressions:
            values.setdefault(EXPRESSIONS, {})["booktitle"] = expressions["title"]


def _reason(error):
    """Return what bibtexparser found wrong, in one line."""
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return " ".join(reason.split())


def _failed_key(block):
    match = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)", block.raw or "")
    return match.group(1) if match else ""
