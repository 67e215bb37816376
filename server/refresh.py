"""`papershelf refresh`: learn what became of preprints — newer versions, published versions, citations.

For each paper with an arXiv id (papers with only a DOI get their citation count):
1. the arXiv API, one request per ARXIV_BATCH papers: a newer version, the DOI and the
   journal reference the authors added;
2. Semantic Scholar (OpenAlex when it cannot answer): venue, citation count, open-access
   PDF, and the DOI of the published version;
3. Crossref: the published version, by DOI, or by title and first author when no DOI is
   known.
A record found by a search is taken only when it is the same paper (server.matching).
What is found merges by the identity rules (identity.merge): empty fields are filled, a
newer arXiv version replaces title, authors and abstract, a published version turns a
preprint into an article or a conference paper. Tags, note, status and the citation key are
never touched. Each paper is written in its own short transaction, after its network calls.
A service that fails (after net's retries) is not asked again in the same run.
"""

from dataclasses import dataclass, field
from datetime import date

from papershelf.server import (identity, matching, net, openalex, paths, resolve,
                               semanticscholar, store)
from papershelf.server.netcache import AnswerCache

ARXIV_BATCH = 50  # ids per arXiv API request
RETRIES = 3
TIMEOUT = 15.0
CACHE_FOR = 12 * 3600  # seconds an answer is reused: a dry run, then the real one, same day
CACHE_FILE = "answers-cache.db"  # in PAPERSHELF_HOME
# Entry types of a published version (what a preprint may become).
PUBLISHED_TYPES = ("article", "inproceedings", "incollection", "book", "phdthesis", "techreport")
# How the summary of a change names the fields it filled.
FIELD_LABELS = {"oa_pdf_url": "open-access PDF", "pdf_url": "PDF link",
                "journal_ref": "journal ref", "arxiv_category": "category", "published": "date"}


@dataclass
class Change:
    paper_id: int
    citekey: str
    summary: str  # "published in NeurIPS 2017, doi:…"
    changes: dict


@dataclass
class Report:
    changes: list = field(default_factory=list)  # a Change per paper whose metadata changed
    checked: int = 0  # papers at least one service answered for
    unchecked: int = 0  # papers no service could answer for
    counted: dict = field(default_factory=dict)  # service -> citation counts read
    problems: dict = field(default_factory=dict)  # service -> why it was not asked again
    stopped: bool = False  # stop() asked for the end before every paper was seen

    @property
    def total(self):
        return self.checked + self.unchecked


class Services:
    """The services of one run: each asked with the same etiquette; one that fails is left alone."""

    def __init__(self, cache=None):
        self.options = {"retries": RETRIES, "timeout": TIMEOUT, "cache": cache}
        self.problems = {}  # service -> the failure that made us stop asking it

    def ask(self, service, function, *args):
        """Return function(*args) (None: nothing found); raise Skipped when service can't answer."""
        if service in self.problems:
            raise Skipped(service)
        try:
            return function(*args, **self.options)
        except net.Unavailable as failure:
            self.problems[service] = str(failure)
            raise Skipped(service) from None
        except resolve.LookupFailed:
            return None  # this one query was refused (HTTP 400): nothing found for it


class Skipped(Exception):
    """A service could not be asked about this paper."""


def answer_cache():
    """Return the cache of the services' answers in PAPERSHELF_HOME (close it when done)."""
    return AnswerCache(paths.home() / CACHE_FILE, CACHE_FOR)


def select_papers(db, keys=(), since=None):
    """Return (papers to refresh, keys not found): the named ones, or all with an arXiv id or DOI."""
    clauses = ["(arxiv_id is not null or doi is not null)"]
    args = []
    if since:
        clauses.append("added_at >= ?")
        args.append(str(since))
    papers = list(store.iter_papers(db, where=" and ".join(clauses), params=args,
                                    order_by="id"))
    if not keys:
        return papers, []
    by_key = {p["citekey"].casefold(): p for p in papers}
    missing = [k for k in keys if k.casefold() not in by_key]
    wanted = {k.casefold() for k in keys}
    return [p for p in papers if p["citekey"].casefold() in wanted], missing


def refresh(db, papers, dry_run=False, progress=None, cache=None, stop=None, today=None):
    """Refresh papers (see the module's docstring); return a Report. dry_run writes nothing."""
    services, report = Services(cache), Report()
    today = (today or date.today()).isoformat()
    stop = stop or (lambda: False)
    for start in range(0, len(papers), ARXIV_BATCH):
        batch = papers[start:start + ARXIV_BATCH]
        latest = None if stop() else _latest_versions(services, batch)
        for paper in batch:
            if stop():
                report.stopped = True
                break
            outcome = _look_up(services, paper, latest)
            _record(db, paper, outcome, report, dry_run, today)
            if progress is not None:
                progress(1)
        if report.stopped:
            break
    report.problems.update(services.problems)
    return report


@dataclass
class _Outcome:
    answered: bool = False  # some service answered for this paper
    found: list = field(default_factory=list)  # paper field dicts to merge, in order
    published: dict | None = None  # the published version taken, if any
    citations: dict | None = None  # the record whose citation count is kept


def _latest_versions(services, batch):
    """Return {arXiv id: fields} of the batch's latest versions, or None when arXiv can't say."""
    ids = [p["arxiv_id"] for p in batch if p.get("arxiv_id")]
    if not ids:
        return {}
    try:
        return services.ask("the arXiv API", resolve.arxiv_batch, ids) or {}
    except Skipped:
        return None


def _look_up(services, paper, latest):
    """Ask every service about one paper (no database access); return an _Outcome."""
    outcome = _Outcome()
    if paper.get("arxiv_id") and latest is not None:
        outcome.answered = True
        if paper["arxiv_id"] in latest:
            outcome.found.append(latest[paper["arxiv_id"]])
    current = _merged(paper, outcome.found)
    scholarly = _scholarly_record(services, current, outcome)
    if paper.get("arxiv_id"):
        outcome.published = _published_version(services, current, scholarly, outcome)
    if outcome.published:
        outcome.found.append(outcome.published)
    elif scholarly and scholarly.get("entry_type") and paper.get("arxiv_id"):
        # No Crossref record (NeurIPS has no DOIs): the venue Semantic Scholar or OpenAlex gives.
        outcome.found.append({k: scholarly.get(k) for k in ("venue", "entry_type", "extra")})
    if scholarly:
        outcome.citations = scholarly
        pdf = scholarly.get("oa_pdf_url")
        if pdf and pdf != paper.get("pdf_url"):
            # An arXiv paper's PDF link stays the arXiv one; the published PDF goes beside it.
            outcome.found.append({"extra": {"oa_pdf_url": pdf}} if paper.get("pdf_url")
                                 else {"pdf_url": pdf})
    return outcome


def _scholarly_record(services, paper, outcome):
    """Return the Semantic Scholar record of paper (OpenAlex's when S2 can't answer), or None."""
    for service, lookup in ((semanticscholar.SERVICE, _s2_record),
                            (openalex.SERVICE, _openalex_record)):
        try:
            record = lookup(services, paper)
        except Skipped:
            continue
        outcome.answered = True
        if record is not None:
            return record
    return None


def _s2_record(services, paper):
    if paper.get("doi"):
        return services.ask(semanticscholar.SERVICE, semanticscholar.by_doi, paper["doi"])
    if not paper.get("title"):
        return None
    record = services.ask(semanticscholar.SERVICE, semanticscholar.by_title, paper["title"])
    return record if record and matching.same_paper(paper, record) else None


def _openalex_record(services, paper):
    if paper.get("doi"):
        return services.ask(openalex.SERVICE, openalex.by_doi, paper["doi"])
    if not paper.get("title"):
        return None
    works = services.ask(openalex.SERVICE, openalex.by_title, paper["title"]) or []
    same = [w for w in works if matching.same_paper(paper, w)]
    # OpenAlex keeps the preprint and its journal version apart: prefer the published one.
    return next((w for w in same if w.get("entry_type")), same[0] if same else None)


def _published_version(services, paper, scholarly, outcome):
    """Return Crossref's record of the published version of an arXiv paper, or None."""
    if paper.get("entry_type") in PUBLISHED_TYPES and paper.get("venue") and paper.get("doi"):
        return None  # nothing Crossref could add
    doi = paper.get("doi")
    if doi and doi.startswith(semanticscholar.ARXIV_DOI):
        doi = None  # arXiv's own DataCite DOI: Crossref does not hold it
    trusted = bool(doi)  # the reader's or the authors' (arXiv) DOI needs no check
    if not doi and scholarly and scholarly.get("doi"):
        doi = scholarly["doi"]
    try:
        if doi:
            record = services.ask("Crossref", resolve.crossref_work, doi)
            outcome.answered = True
            if record and (trusted or matching.same_paper(paper, record)):
                return record if record.get("entry_type") in PUBLISHED_TYPES else None
            return None
        return _crossref_search(services, paper, outcome)
    except Skipped:
        return None


def _crossref_search(services, paper, outcome):
    """Return the published version a Crossref title + first-author search finds, or None."""
    title, authors = paper.get("title"), paper.get("authors") or []
    if not (title and authors and paper.get("year")):
        return None
    hits = services.ask("Crossref", resolve.crossref_search, title, identity.family_name(authors[0]))
    outcome.answered = True
    for hit in hits or []:
        if hit.get("entry_type") in PUBLISHED_TYPES and matching.same_paper(paper, hit):
            return hit
    return None


def _merged(paper, found):
    """Return paper with the found records merged in (nothing written)."""
    return {**paper, **_changes(paper, found)}


def _changes(paper, found):
    """Return the metadata changes that merging the found records into paper makes."""
    current, changes = dict(paper), {}
    for fields in found:
        step = identity.merge(current, identity.clean_metadata(fields))
        current.update(step)
        changes.update(step)
    return changes


def _record(db, paper, outcome, report, dry_run, today):
    """Write what was found for one paper (unless dry_run) and account for it in report."""
    if not outcome.answered:
        report.unchecked += 1
        return
    report.checked += 1
    count = (outcome.citations or {}).get("citation_count")
    if dry_run:
        changes = _changes(paper, outcome.found)
    else:
        with store.write_transaction(db):
            now = store.get_paper(db, paper["id"])  # as it is now, after the network calls
            if now is None:
                return  # deleted meanwhile
            changes = _changes(now, outcome.found)
            if changes:
                store.update_metadata(db, paper["id"], changes)
            if isinstance(count, int):
                store.record_citation_count(db, paper["id"], count,
                                            outcome.citations["counted_by"], today)
    if isinstance(count, int):
        service = outcome.citations["counted_by"]
        report.counted[service] = report.counted.get(service, 0) + 1
    if changes:
        report.changes.append(Change(paper["id"], paper["citekey"],
                                     describe(paper, changes, outcome.published), changes))


def describe(paper, changes, published=None):
    """Return the one-line summary of changes to paper ("published in NeurIPS 2017, doi:…")."""
    parts, named = [], {"entry_type", "venue", "doi", "arxiv_version"}
    if changes.get("entry_type") in PUBLISHED_TYPES:
        venue = changes.get("venue") or paper.get("venue") or "a journal"
        year = (published or {}).get("year") or changes.get("year") or paper.get("year")
        parts.append(f"published in {venue}" + (f" {year}" if year else ""))
    elif "venue" in changes:
        parts.append(f"venue {changes['venue']}")
    if "doi" in changes:
        parts.append(f"doi:{changes['doi']}")
    if "arxiv_version" in changes:
        updated = [k for k in ("title", "authors", "abstract")
                   if k in changes and paper.get(k) not in (None, "", [])]
        named.update(updated)
        parts.append(f"v{changes['arxiv_version']}" + (
            f" ({', '.join(updated)} updated)" if updated else ""))
    rest = [k for k in changes if k not in named and k != "extra"]
    old_extra = paper.get("extra") or {}
    filled = [k for k in rest if paper.get(k) in (None, "", [])]
    filled += [k for k in changes.get("extra") or {} if k not in old_extra]
    updated = [k for k in rest if k not in filled]
    for verb, keys in (("filled", filled), ("updated", updated)):
        if keys:
            parts.append(f"{verb} " + ", ".join(FIELD_LABELS.get(k, k) for k in keys))
    return printable(", ".join(parts))


def printable(text):
    """Return text with control characters (terminal escapes) replaced by spaces."""
    return "".join(c if c.isprintable() else " " for c in text)


def record_run(db, report, scope, started_at):
    """Note a finished (not dry) run in refresh_runs; scope is "all" or what was asked for."""
    problems = "; ".join(f"{s}: {m}" for s, m in report.problems.items()) or None
    with store.write_transaction(db):
        db["refresh_runs"].insert({
            "started_at": started_at, "finished_at": store.now(), "scope": scope,
            "papers": report.total, "checked": report.checked, "changed": len(report.changes),
            "counted": sum(report.counted.values()), "problems": problems})


def last_full_run(db):
    """Return when the last refresh of the whole library that checked anything finished, or None."""
    row = db.execute("select max(finished_at) from refresh_runs"
                     " where scope = 'all' and checked > 0").fetchone()
    return row[0] if row else None
