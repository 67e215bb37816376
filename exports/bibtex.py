"""Export papers as a .bib file: BibTeX (unicode escaped for LaTeX) or BibLaTeX (UTF-8 kept).

Output is deterministic: the kept @preamble and @string definitions, then entries sorted
by citation key, fields in a fixed order, no timestamps, so an unchanged library gives a
byte-identical file. Aliases (keys merged into a paper) resolve like keys: BibLaTeX lists
them in `ids`; BibTeX, which has no aliases, gets the entry again under each alias that the
selection asks for (--key, --aux) or, with alias_entries, under every alias.
"""

import json
from dataclasses import dataclass, field

from papershelf.exports.atomic import write_if_changed
from papershelf.exports.bibentry import (  # noqa: F401  (the exporter's public names)
    MODES,
    NAME_LIST_FIELDS,
    RANGE_FIELDS,
    VENUE_FIELDS,
    entry_fields,
    entry_type,
    file_field,
    format_definitions,
    format_entry,
    format_name,
)
from papershelf.exports.latex import escape, escape_text, escape_title  # noqa: F401
from papershelf.exports.manuscripts import ALL_KEYS, cited_keys, scan_manuscript
from papershelf.exports.selection import KEYS_CLAUSE
from papershelf.server import bibdefs, store


@dataclass
class ExportResult:
    text: str
    count: int  # entries written (an alias entry counts)
    written: bool = False  # False when the file already held exactly this text
    missing: list = field(default_factory=list)  # requested keys that are not in the library
    aliases_left_out: int = 0  # aliases without an entry (bibtex mode, whole library)


def sort_key(key):
    return (key.casefold(), key)


def paper_entries(paper, mode="bibtex", wanted=None, alias_entries=False, files=()):
    """Return [(key, entry text)] for one paper: its key and, in bibtex mode, its aliases.

    wanted: the casefolded keys a selection asks for (None: no selection). files: the
    paths of its stored PDFs, for a `file` field.
    """
    text = format_entry(paper, mode, files=files)
    key = paper["citekey"]
    if mode == "biblatex":
        return [(key, text)]
    keys = [key, *(paper.get("aliases") or ())]
    if wanted is not None:
        keys = [k for k in keys if k.casefold() in wanted]
    elif not alias_entries:
        keys = [key]
    head = "{" + key + ","
    return [(k, text if k == key else text.replace(head, "{" + k + ",", 1)) for k in keys]


def render_bibtex(papers, mode="bibtex", definitions="", wanted=None, alias_entries=False):
    """Return papers as one .bib text: definitions, then entries sorted by key."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    wanted = {k.casefold() for k in wanted} if wanted is not None else None
    entries = [e for p in papers for e in paper_entries(p, mode, wanted, alias_entries)]
    return _join(definitions, entries)


def _join(definitions, entries):
    entries.sort(key=lambda entry: sort_key(entry[0]))
    body = "\n".join([text for _, text in entries])
    return definitions + "\n" + body if definitions and body else definitions + body


def definitions(db, mode="bibtex"):
    """Return the kept @preamble and @string blocks, as an export writes them."""
    return format_definitions(bibdefs.preambles(db), bibdefs.strings(db), mode)


# The columns an entry is made of: reading only these (and decoding only authors and
# extra) makes a large export twice as fast as reading whole paper objects.
EXPORT_COLUMNS = ("citekey", "title", "authors", "year", "published", "arxiv_id",
                  "arxiv_category", "doi", "url", "venue", "entry_type", "abstract", "extra",
                  "aliases")


def _wanted_keys(keys, aux):
    """Return the keys asked for by keys and an .aux file, or None when all are wanted.

    keys=None asks for no key in particular; an empty list (a manuscript citing nothing)
    for none.
    """
    if keys is None and not aux:
        return None
    wanted = list(keys or [])
    if aux:
        wanted.extend(cited_keys(scan_manuscript(aux, kind=".aux")))
    return None if ALL_KEYS in wanted else wanted


def _export_query(tag, where, params, since, wanted):
    """Return (SQL, arguments) for the export filters; wanted keys match keys and aliases."""
    clauses, args = store.filter_clauses(where, params, tag, since)
    if wanted is not None:
        folded = json.dumps(sorted({k.casefold() for k in wanted}))
        clauses.append(KEYS_CLAUSE)
        args.extend([folded, folded])
    sql = f"select {', '.join(EXPORT_COLUMNS)} from papers"
    if clauses:
        sql += " where " + " and ".join(clauses)
    return sql + " order by citekey collate nocase", args


_RAW_DECODE = json.JSONDecoder().raw_decode


def _file_paths(db):
    """Return {citation key: [paths of its stored PDFs, oldest first]}."""
    keys = dict(db.execute("select id, citekey from papers where id in (select paper_id from files)"))
    return {keys[paper_id]: [f["path"] for f in stored if f["kind"] == "pdf"]
            for paper_id, stored in store.paper_files(db).items() if paper_id in keys}


def _export_paper(row):
    """Return the paper object (EXPORT_COLUMNS only) of a row of the export query.

    The JSON columns are written by the store without surrounding space, so the
    decoder's raw_decode (no whitespace checks around it) reads them.
    """
    (citekey, title, authors, year, published, arxiv_id, arxiv_category, doi, url, venue,
     entry_type, abstract, extra, aliases) = row
    return {
        "citekey": citekey, "title": title,
        "authors": _RAW_DECODE(authors)[0] if authors and authors != "[]" else [],
        "year": year, "published": published, "arxiv_id": arxiv_id,
        "arxiv_category": arxiv_category, "doi": doi, "url": url, "venue": venue,
        "entry_type": entry_type, "abstract": abstract,
        "extra": _RAW_DECODE(extra)[0] if extra and extra != "{}" else {},
        "aliases": _RAW_DECODE(aliases)[0] if aliases and aliases != "[]" else [],
    }


def export_bibtex(db, path=None, mode="bibtex", tag=None, where=None, params=None, since=None,
                  keys=None, aux=None, alias_entries=False, with_files=False):
    """Export the selected papers; write path atomically when given (only if changed).

    with_files: give each entry a `file` field naming its stored PDFs.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    wanted = _wanted_keys(keys, aux)
    folded = {k.casefold() for k in wanted} if wanted is not None else None
    sql, args = _export_query(tag, where, params, since, wanted)
    files = _file_paths(db) if with_files else {}
    # One row at a time: no list of 100,000 paper objects for the garbage collector to walk.
    entries, found, left_out = [], set(), 0
    for row in db.execute(sql, args):
        paper = _export_paper(row)
        entries.extend(paper_entries(paper, mode, folded, alias_entries,
                                     files.get(paper["citekey"], ())))
        if wanted:
            found.update(k.casefold() for k in (paper["citekey"], *paper["aliases"]))
        elif mode == "bibtex" and not alias_entries:
            left_out += len(paper["aliases"])
    text = _join(definitions(db, mode), entries)
    written = write_if_changed(path, text) if path is not None else False
    missing = [k for k in dict.fromkeys(wanted) if k.casefold() not in found] if wanted else []
    return ExportResult(text=text, count=len(entries), written=written, missing=missing,
                        aliases_left_out=left_out)
