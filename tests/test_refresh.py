"""`papershelf refresh` against recorded arXiv, Crossref, Semantic Scholar and OpenAlex answers.

The answers come from tests/upstream.py's stub (tests/fixtures/upstream/SOURCES.md and the
shared arxiv-api fixtures). The library states refreshed are what a clip of the arXiv page
leaves (a preprint, or an older version of it), with the reader's tags, note and status.
"""

import re
import threading
from datetime import date

import pytest
from click.testing import CliRunner

from papershelf.exports.bibtex import format_entry
from papershelf.server import net, refresh, resolve, store
from papershelf.server.cli import cli
from papershelf.server.netcache import AnswerCache
from papershelf.server.schema import open_db

ARXIV, CROSSREF = "export.arxiv.org", "api.crossref.org"
S2, OPENALEX = "api.semanticscholar.org", "api.openalex.org"
READER = {"tags": ["agents", "to read"], "note": "Compare with PaperQA.\n", "status": "reading"}
CHEMCROW = {
    # What a clip of arxiv.org/abs/2304.05376v1 stores (its title and authors as OpenAlex's
    # record of the preprint gives them).
    "title": "ChemCrow: Augmenting large-language models with chemistry tools",
    "authors": ["Andres M Bran", "Sam Cox", "Andrew D White", "Philippe Schwaller"],
    "abstract": "Large-language models have shown strong performance in tasks across domains.",
    "published": "2023-04-11", "year": 2023, "arxiv_id": "2304.05376", "arxiv_version": 1,
    "arxiv_category": "physics.chem-ph", "url": "https://arxiv.org/abs/2304.05376",
    "pdf_url": "https://arxiv.org/pdf/2304.05376", "entry_type": "preprint",
    "source": "arxiv.org",
}
PAPERQA = {
    "title": "PaperQA: Retrieval-Augmented Generative Agent for Scientific Research",
    "authors": ["Jakub Lála", "Odhran O'Donoghue", "Aleksandar Shtedritski"],
    "published": "2023-12-08", "year": 2023, "arxiv_id": "2312.07559", "arxiv_version": 1,
    "entry_type": "preprint", "source": "arxiv.org", "url": "https://arxiv.org/abs/2312.07559",
}
BIORXIV = {
    "title": "High-throughput screening of human genetic variants by pooled prime editing",
    "authors": ["Michael Herger", "Christina M. Kajba", "Megan Buckley"], "year": 2024,
    "published": "2024-04-01", "doi": "10.1101/2024.04.01.587366", "entry_type": "preprint",
    "venue": "bioRxiv", "source": "www.biorxiv.org",
}


def save(db, fields, reader=READER):
    return store.save_paper(db, {**fields, **reader}).paper


def run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), "refresh", *args])


def reread(db, paper):
    return store.get_paper(db, paper["id"])


def changed_keys(before, after):
    return {key for key in after if after[key] != before.get(key)}


def test_a_preprint_becomes_the_journal_article_it_grew_into(upstream, db, db_path, home):
    before = save(db, CHEMCROW)
    result = run(db_path, "bran2023chemcrow")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "bran2023chemcrow: published in Nature Machine Intelligence 2024,"
        " doi:10.1038/s42256-024-00832-8, filled volume, number, pages, publisher, issn,"
        " open-access PDF\n")
    after = reread(db, before)
    assert (after["entry_type"], after["venue"], after["doi"]) == (
        "article", "Nature Machine Intelligence", "10.1038/s42256-024-00832-8")
    assert after["extra"] == {"volume": "6", "number": "5", "pages": "525--535",
                              "publisher": "Springer Science and Business Media LLC",
                              "issn": "2522-5839",
                              "oa_pdf_url": "https://www.nature.com/articles/s42256-024-00832-8.pdf"}
    assert (after["citation_count"], after["citation_count_source"],
            after["citation_count_date"]) == (488, "Semantic Scholar", date.today().isoformat())
    # The key, the reader's fields and what the preprint already said stay as they were.
    for key in ("citekey", "tags", "note", "status", "title", "authors", "abstract", "year",
                "arxiv_id", "arxiv_version", "url", "pdf_url", "added_at"):
        assert after[key] == before[key], key
    entry = format_entry(after)
    assert entry.startswith("@article{bran2023chemcrow,")
    assert re.search(r"journal += \{Nature Machine Intelligence\},", entry)
    assert re.search(r"doi += \{10.1038/s42256-024-00832-8\},", entry)
    assert "oa_pdf_url" not in entry  # a link for the reader, not a bibliographic field
    # S2 matched it by its arXiv id and gave the DOI; Crossref was asked by DOI, not searched.
    assert upstream.asked(CROSSREF) == ["/works/10.1038/s42256-024-00832-8"]
    assert upstream.asked(ARXIV) == ["/api/query?id_list=2304.05376&max_results=1"]


def test_a_preprint_becomes_a_conference_paper_and_a_look_alike_is_refused(
        upstream, db, db_path, home):
    before = resolve.add_identifier(db, "1706.03762", tags=["nlp"], note="section 3").result.paper
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("vaswani2017attention: published in Neural Information Processing"
                             " Systems 2017, filled pages\n")
    after = reread(db, before)
    assert (after["entry_type"], after["venue"], after["extra"]["pages"]) == (
        "inproceedings", "Neural Information Processing Systems", "5998--6008")
    assert after["citation_count"] == 136941
    # Crossref's best match was "Self-Attention with Relative Position Representations"
    # (NAACL 2018, same authors): asked, and refused.
    assert len(upstream.asked(CROSSREF)) == 1
    assert upstream.asked(CROSSREF)[0].startswith("/works?query.bibliographic=Attention")
    assert after["doi"] is None and "Relative Position" not in str(after)
    assert (after["citekey"], after["tags"], after["note"]) == ("vaswani2017attention", ["nlp"],
                                                               "section 3")
    assert format_entry(after).startswith("@inproceedings{vaswani2017attention,")
    assert re.search(r"booktitle += \{Neural Information Processing Systems\},",
                     format_entry(after))


def test_a_newer_arxiv_version_updates_title_and_abstract_and_nothing_else(
        upstream, db, db_path, home):
    latest = resolve.parse_atom(upstream.read(
        "own", "arxiv/arxiv_query_id_list_1111.2011v2_doi_journal_ref_v2_legacy2016.xml"))[0]
    first = {**latest, "arxiv_version": 1, "title": "Quantum criticality on a Bethe lattice",
             "abstract": "An earlier abstract of version 1.", "doi": None,
             "extra": {"version_date": "2011-11-08"}}
    before = save(db, first)
    result = run(db_path, before["citekey"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"{before['citekey']}: doi:10.1103/physrevb.85.115117,"
                             " v2 (title, abstract updated), filled journal ref, comments\n")
    after = reread(db, before)
    assert changed_keys(before, after) == {"title", "abstract", "arxiv_version", "doi", "extra",
                                           "updated_at"}
    assert after["title"] == latest["title"] and after["abstract"] == latest["abstract"]
    assert after["extra"] == {"version_date": "2011-11-08",
                              "journal_ref": "Phys. Rev. B 85, 115117 (2012)",
                              "comments": "8 pages, 3 figures. Published version"}
    # Crossref does not know the DOI (not recorded: its 404): still a preprint, no venue.
    assert upstream.asked(CROSSREF) == ["/works/10.1103/physrevb.85.115117"]
    assert (after["entry_type"], after["venue"]) == ("preprint", None)


def test_the_doi_and_journal_ref_arxiv_shows_are_filled(upstream, db, db_path, home):
    # The shared fixture: arXiv's 2020 answer for 1601.00001, with a DOI and a journal ref.
    clipped = resolve.arxiv_record("1601.00001")
    doi, journal_ref = clipped.pop("doi"), clipped["extra"].pop("journal_ref")
    before = save(db, clipped)
    assert before["doi"] is None
    result = run(db_path, before["citekey"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{before['citekey']}: doi:{doi}, filled journal ref\n"
    after = reread(db, before)
    assert (after["doi"], after["extra"]["journal_ref"]) == (
        "10.1063/1.4944470", "J. Chem. Phys. 144, 124107 (2016)") == (doi, journal_ref)
    assert changed_keys(before, after) == {"doi", "extra", "updated_at"}


def test_citation_counts_come_from_openalex_when_semantic_scholar_has_none(
        upstream, db, db_path, home):
    before = save(db, PAPERQA)
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # nothing but a count changed: no line
    assert "citation counts: 1 from OpenAlex" in result.stderr
    after = reread(db, before)
    assert (after["citation_count"], after["citation_count_source"]) == (27, "OpenAlex")
    assert changed_keys(before, after) == {"citation_count", "citation_count_source",
                                           "citation_count_date"}
    assert len(upstream.asked(S2)) == 1 and len(upstream.asked(OPENALEX)) == 1


def test_a_paper_with_only_a_doi_gets_its_citation_count(upstream, db, db_path, home):
    before = save(db, BIORXIV)
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    after = reread(db, before)
    # Semantic Scholar answered 404 for the bioRxiv DOI (it merged it into the journal
    # version); OpenAlex still has the preprint.
    assert (after["citation_count"], after["citation_count_source"]) == (2, "OpenAlex")
    assert upstream.asked(ARXIV) == [] and upstream.asked(CROSSREF) == []
    # The open-access PDF OpenAlex knows fills the empty PDF link.
    pdf = "https://www.biorxiv.org/content/biorxiv/early/2024/04/01/2024.04.01.587366.full.pdf"
    assert result.stdout == "herger2024high: filled PDF link\n"
    assert after["pdf_url"] == pdf
    assert changed_keys(before, after) == {"citation_count", "citation_count_source",
                                           "citation_count_date", "pdf_url", "updated_at"}


def test_a_429_is_retried_after_the_wait_the_service_asks_for(upstream, db, db_path, home):
    upstream.fail(S2, 429, times=2, retry_after=7)
    before = resolve.add_identifier(db, "1706.03762").result.paper
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert len(upstream.asked(S2)) == 3 and upstream.waits == [7.0, 7.0]
    assert reread(db, before)["citation_count"] == 136941
    assert "warning" not in result.stderr


def test_a_failing_service_is_retried_reported_and_left_alone(upstream, db, db_path, home,
                                                              monkeypatch):
    monkeypatch.setattr(refresh, "ARXIV_BATCH", 1)  # one recorded arXiv answer per request
    upstream.fail(S2, 500, times=100)
    attention = resolve.add_identifier(db, "1706.03762").result.paper
    chemcrow = save(db, CHEMCROW)
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert len(upstream.asked(S2)) == 1 + refresh.RETRIES  # then not asked for ChemCrow
    assert len(upstream.waits) == refresh.RETRIES and upstream.waits == sorted(upstream.waits)
    assert ("warning: Semantic Scholar failed (HTTP 500); Semantic Scholar was not asked again"
            in result.stderr.splitlines())
    # OpenAlex stood in: it holds ChemCrow's journal version (and nothing for Attention).
    assert reread(db, chemcrow)["venue"] == "Nature Machine Intelligence"
    assert reread(db, chemcrow)["citation_count_source"] == "OpenAlex"
    assert reread(db, attention)["entry_type"] == "preprint"
    assert result.stdout.startswith("bran2023chemcrow: published in Nature Machine Intelligence")


def test_an_arxiv_outage_is_reported_and_the_rest_still_checked(upstream, db, db_path, home):
    upstream.fail(ARXIV, 503, times=100)
    before = save(db, CHEMCROW)
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert len(upstream.asked(ARXIV)) == 1 + refresh.RETRIES
    assert "warning: the arXiv API failed (HTTP 503)" in result.stderr
    assert reread(db, before)["entry_type"] == "article"


def test_offline_is_one_line_and_a_failure_only_when_nothing_was_checked(
        upstream, db, db_path, home):
    before = save(db, CHEMCROW)
    upstream.offline.update({ARXIV, CROSSREF, S2, OPENALEX})
    result = run(db_path, "--all")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == ["Error: nothing could be checked: could not reach the arXiv API (offline?);"
                      " could not reach Semantic Scholar (offline?); could not reach OpenAlex"
                      " (offline?); could not reach Crossref (offline?)"]
    assert "Traceback" not in result.output
    assert reread(db, before) == before
    # Each service was tried (with its retries) once, not once per paper.
    assert len(upstream.asked(S2)) == 1 + refresh.RETRIES


def test_dry_run_writes_nothing(upstream, db, db_path, home):
    save(db, CHEMCROW)
    resolve.add_identifier(db, "1706.03762")
    tables = ("papers", "paper_authors", "paper_tags", "clips", "refresh_runs")
    snapshot = {t: list(db.query(f"select * from {t} order by rowid")) for t in tables}
    result = run(db_path, "--all", "--dry-run")
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "bran2023chemcrow", "vaswani2017attention"]
    assert "(dry run: nothing written)" in result.stderr
    assert {t: list(db.query(f"select * from {t} order by rowid")) for t in tables} == snapshot


def test_a_real_run_is_recorded_and_papers_can_be_chosen(upstream, db, db_path, home):
    old = save(db, PAPERQA)
    db.execute("update papers set added_at = '2023-01-01T00:00:00.000Z' where id = ?", [old["id"]])
    save(db, CHEMCROW)
    result = run(db_path, "--since", "2024-01-01")
    assert result.exit_code == 0, result.output
    assert all("2312.07559" not in path for path in upstream.asked(ARXIV))
    assert reread(db, old)["citation_count"] is None
    runs = list(db.query("select scope, papers, checked, changed, counted from refresh_runs"))
    assert runs == [{"scope": "1 papers", "papers": 1, "checked": 1, "changed": 1, "counted": 1}]
    assert refresh.last_full_run(db) is None  # not the whole library


@pytest.mark.parametrize("args, message", [
    ((), "name papers to refresh (KEY ...) or use --all"),
    (("nosuchkey",), "no paper with key nosuchkey"),
    (("bran2023chemcrow", "--all"), "not both"),
    (("--since", "yesterday"), "--since must be a date (YYYY-MM-DD)"),
])
def test_errors_are_one_line(upstream, db, db_path, home, args, message):
    save(db, CHEMCROW)
    result = run(db_path, *args)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert upstream.requests == []


def test_answers_are_cached_and_a_repeated_run_asks_nothing(upstream, db, tmp_path):
    paper = save(db, CHEMCROW)
    cache = AnswerCache(tmp_path / "cache.db", max_age=3600)
    first = refresh.refresh(db, [paper], dry_run=True, cache=cache)
    asked = len(upstream.requests)
    second = refresh.refresh(db, [paper], cache=cache)
    assert asked == 3 and len(upstream.requests) == asked  # arXiv, S2, Crossref: from the cache
    assert [c.summary for c in second.changes] == [c.summary for c in first.changes]
    assert reread(db, paper)["venue"] == "Nature Machine Intelligence"
    expired = AnswerCache(tmp_path / "cache.db", max_age=0)
    refresh.refresh(db, [paper], cache=expired)
    assert len(upstream.requests) > asked


def test_failures_are_never_cached(upstream, db, tmp_path):
    upstream.fail(S2, 429, times=1 + refresh.RETRIES)
    paper = save(db, PAPERQA)
    cache = AnswerCache(tmp_path / "cache.db", max_age=3600)
    report = refresh.refresh(db, [paper], cache=cache)
    assert report.problems == {"Semantic Scholar": "Semantic Scholar asked us to slow down"
                                                   " (HTTP 429)"}
    refresh.refresh(db, [paper], cache=cache)
    assert len(upstream.asked(S2)) == 1 + refresh.RETRIES + 1  # asked again: not cached


def test_an_edit_made_during_the_lookups_is_kept(upstream, db, db_path):
    paper = save(db, CHEMCROW)
    released = upstream.hold("api.semanticscholar.org")

    def refresh_in_another_connection():
        other = open_db(db_path)
        refresh.refresh(other, [paper])
        other.close()

    worker = threading.Thread(target=refresh_in_another_connection)
    worker.start()
    assert upstream.arrived["api.semanticscholar.org"].wait(20)
    # The reader edits the paper while refresh waits for Semantic Scholar.
    store.update_paper(db, paper["id"], tags=["edited meanwhile"], note="new note")
    released.set()
    worker.join(20)
    after = reread(db, paper)
    assert (after["tags"], after["note"], after["venue"]) == (
        ["edited meanwhile"], "new note", "Nature Machine Intelligence")


def test_rate_limits_per_service():
    assert net.min_interval("export.arxiv.org") >= 3.0
    assert net.min_interval("api.semanticscholar.org") >= 1.0
    assert net.min_interval("api.openalex.org") >= 0.1


def test_crossref_polite_pool_with_a_mailto(monkeypatch):
    monkeypatch.delenv("PAPERSHELF_MAILTO", raising=False)
    public = net.min_interval("api.crossref.org")
    monkeypatch.setenv("PAPERSHELF_MAILTO", "reader@example.org")
    assert net.min_interval("api.crossref.org") < public
    assert "mailto:reader@example.org" in net.user_agent()


def test_one_arxiv_request_answers_for_a_whole_batch(upstream, db, db_path, home):
    # A Hugging Face clip (no abstract, no category) and an id arXiv does not have.
    workshop = save(db, {"title": "Proceedings of Workshop AEW10: Concepts in Information"
                                  " Theory and Communications",
                         "authors": ["Kees A. Schouhamer Immink"], "year": 2017,
                         "arxiv_id": "1707.08567", "source": "huggingface.co"})
    typo = save(db, {"title": "A paper imported with a wrong id", "authors": ["Ann Lee"],
                     "year": 2008, "arxiv_id": "0808.05394"})
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    assert upstream.asked(ARXIV) == ["/api/query?id_list=0808.05394,1707.08567&max_results=2"]
    assert result.stdout.splitlines() == [
        "immink2017proceedings: v1 (authors updated), filled abstract, date, category, url,"
        " PDF link, version_date, comments"]
    after = reread(db, workshop)
    assert after["arxiv_category"] == "cs.IT" and after["abstract"]
    # A clip that did not know its version is older than any version: arXiv's authors win.
    assert len(after["authors"]) == 34 and after["authors"][0] == "Kees A. Schouhamer Immink"
    assert reread(db, typo)["updated_at"] == typo["updated_at"]
    assert "2 papers checked, 1 changed, 0 could not be checked" in result.stderr


def test_arxivs_own_doi_is_asked_of_semantic_scholar_not_of_crossref(upstream, db, db_path,
                                                                     home):
    # A .bib import often carries the DataCite DOI arXiv gives every preprint.
    before = save(db, {**PAPERQA, "doi": "10.48550/arXiv.2312.07559"})
    result = run(db_path, "--all")
    assert result.exit_code == 0, result.output
    after = reread(db, before)
    assert (after["citation_count"], after["citation_count_source"]) == (111, "Semantic Scholar")
    assert upstream.asked(S2) == ["/graph/v1/paper/DOI:10.48550/arxiv.2312.07559?fields="
                                  + "title,authors,year,venue,journal,publicationTypes,"
                                  "publicationDate,externalIds,citationCount,openAccessPdf"]
    crossref = upstream.asked(CROSSREF)
    assert len(crossref) == 1 and crossref[0].startswith("/works?query.bibliographic=PaperQA")
    assert (after["entry_type"], after["venue"], result.stdout) == ("preprint", None, "")


def test_citation_counts_survive_a_json_export_and_import(db, tmp_path):
    from papershelf.exports.bibimport import export_json, import_file

    paper = save(db, PAPERQA)
    store.record_citation_count(db, paper["id"], 111, "Semantic Scholar", "2026-03-01")
    text, _ = export_json(db, tmp_path / "library.json")
    copy = open_db(tmp_path / "copy.db")
    assert import_file(copy, tmp_path / "library.json").created == 1
    restored = store.get_paper_by_citekey(copy, paper["citekey"])
    assert (restored["citation_count"], restored["citation_count_source"],
            restored["citation_count_date"]) == (111, "Semantic Scholar", "2026-03-01")
    assert export_json(copy)[0] == text
    copy.close()
