"""Which papers an export takes: the filters every export shares, cited keys among them.

    selection = Selection.of(tag="thesis", manuscripts=["paper.qmd"])
    where, params = selection.as_where()      # for exporters that take where/params
    for problem in selection.unknown_keys(db): ...   # keys cited that the library lacks
"""

import json
from dataclasses import dataclass

from papershelf.exports.manuscripts import ALL_KEYS, cited_keys, scan_manuscript
from papershelf.server import store

KEYS_CLAUSE = "citekey collate nocase in (select value from json_each(?))"


@dataclass(frozen=True)
class UnknownKey:
    key: str
    citation: object = None  # the manuscript's Citation, None for a --key
    library_key: str | None = None  # the same key in another case: Pandoc and Biber miss it


@dataclass(frozen=True)
class Selection:
    tag: str | None = None
    where: str | None = None
    params: tuple = ()
    since: str | None = None
    keys: tuple | None = None  # None: any paper; else only these citation keys (any case)
    citations: tuple = ()  # where the manuscripts cite each key
    citing_nothing: tuple = ()  # manuscripts in which no citation was found

    @classmethod
    def of(cls, tag=None, where=None, params=(), since=None, keys=(), manuscripts=(), aux=None):
        """Return the selection of these filters; manuscripts (and an .aux) give their keys."""
        scanned = [(path, scan_manuscript(path)) for path in manuscripts]
        if aux:
            scanned.insert(0, (aux, scan_manuscript(aux, kind=".aux")))
            manuscripts = [aux, *manuscripts]
        citations = tuple(c for _, found in scanned for c in found)
        wanted = None
        if keys or manuscripts:
            wanted = tuple(dict.fromkeys([*keys, *cited_keys(citations)]))
            if ALL_KEYS in wanted:
                wanted = None
        return cls(tag=tag, where=where, params=tuple(params), since=since, keys=wanted,
                   citations=citations,
                   citing_nothing=tuple(str(path) for path, found in scanned if not found))

    def conditions(self):
        """Return (SQL conditions on papers, their arguments) of every filter."""
        clauses, args = store.filter_clauses(self.where, list(self.params), self.tag,
                                             self.since)
        if self.keys is not None:
            clauses.append(KEYS_CLAUSE)
            args.append(json.dumps(sorted(set(self.keys))))
        return clauses, args

    def as_where(self):
        """Return (one where condition or None, arguments) of every filter but the tag."""
        clauses, args = Selection(where=self.where, params=self.params, since=self.since,
                                  keys=self.keys).conditions()
        return (" and ".join(clauses) or None), args

    def unknown_keys(self, db):
        """Return an UnknownKey for each key no paper has (or has in another case), in order."""
        if self.keys is None:
            return []
        rows = db.execute(f"select citekey from papers where {KEYS_CLAUSE}",
                          [json.dumps(sorted(set(self.keys)))]).fetchall()
        stored = {key.casefold(): key for key, in rows}
        first_citation = {}
        for citation in self.citations:
            first_citation.setdefault(citation.key, citation)
        unknown = []
        for key in self.keys:
            library_key, citation = stored.get(key.casefold()), first_citation.get(key)
            # A --key in another case is plain enough; a manuscript's key must match exactly.
            if library_key is None or (library_key != key and citation is not None):
                unknown.append(UnknownKey(key, citation, library_key))
        return unknown
