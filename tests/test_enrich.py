"""Enrichment and `papershelf add ID` against a local stub serving recorded API answers.

The stub listens on 127.0.0.1 and serves the real recorded arXiv API and Crossref
responses from the shared fixtures; PAPERSHELF_UPSTREAM routes server.net to it.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from papershelf.server import net, resolve, store
from papershelf.server.cli import cli
from papershelf.server.clipping import clip_page

ARXIV_FILES = {
    "1706.03762": ("arxiv_api_idlist_1706.03762_newformat_2026.xml", 200),
    "1601.00001": ("arxiv_api_idlist_1601.00001_2020.xml", 200),
    "1707.08567": ("arxiv_api_idlist_1707.08567_2026.xml", 200),
    "astro-ph/0601001": ("arxiv_api_idlist_astro-ph_0601001_oldid_2026.xml", 200),
    "quant-ph/0201082v1": ("arxiv_api_idlist_quant-ph_0201082v1_oldid_versioned_2026.xml", 200),
    "0000.0000": ("arxiv_api_idlist_0000.0000_zero_results_2026.xml", 200),
    "abc": ("arxiv_api_idlist_abc_error_http400_2026.xml", 400),
}
CROSSREF_FILES = {
    "10.7554/elife.01567": "crossref_work_10.7554_eLife.01567.json",
    "10.1103/physreva.106.022212": "crossref_work_aps_article_number_papis.json",
    "10.1145/3184558.3186235": "crossref_work_conference_papis.json",
}


class Stub:
    """A recorded-response server: /<host>/<path> as server.net sends it in tests."""

    def __init__(self, fixtures_dir):
        self.fixtures = fixtures_dir
        self.requests = []  # (path, lower-case headers) of every request received
        self.pages = {}  # original URL -> (status, content type, body) for page fetches
        self.offline = False  # True: drop every connection, as a dead network would

    def answer(self, path, headers):
        self.requests.append((path, headers))
        parts = urlsplit(path)
        host, _, rest = parts.path.lstrip("/").partition("/")
        original = headers.get("x-papershelf-original-url", "")
        if original in self.pages:
            return self.pages[original]
        if host == "export.arxiv.org" and rest == "api/query":
            wanted = parse_qs(parts.query).get("id_list", [""])[0]
            # The 1706.03762 recording is of its latest version, v7: it also answers 1706.03762v7.
            if wanted == "1706.03762v7":
                wanted = "1706.03762"
            name, status = ARXIV_FILES.get(wanted, ARXIV_FILES["0000.0000"])
            body = (self.fixtures / "arxiv-api" / name).read_bytes()
            return status, "application/atom+xml; charset=utf-8", body
        if host == "api.crossref.org" and rest.startswith("works/"):
            name = CROSSREF_FILES.get(rest[len("works/"):].lower())
            if name:
                return 200, "application/json", (self.fixtures / "crossref" / name).read_bytes()
            return 404, "text/plain", b"Resource not found."
        return 404, "text/plain", b"not recorded"


@pytest.fixture
def stub(fixtures_dir, monkeypatch):
    """Run the stub on 127.0.0.1 and point server.net at it; no rate-limit waits."""
    state = Stub(fixtures_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if state.offline:
                self.close_connection = True
                self.connection.close()
                return
            status, kind, body = state.answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if status in (301, 302):
                self.send_header("Location", body.decode())
                body = b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    monkeypatch.setenv("PAPERSHELF_UPSTREAM", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setattr(net, "MIN_INTERVAL", {})
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_fetch_routes_to_stub_with_original_url_and_user_agent(stub):
    response = net.fetch("https://export.arxiv.org/api/query?id_list=1706.03762")
    assert response.status == 200 and b"Attention Is All You Need" in response.body
    path, headers = stub.requests[-1]
    assert path == "/export.arxiv.org/api/query?id_list=1706.03762"
    assert headers["x-papershelf-original-url"] == "https://export.arxiv.org/api/query?id_list=1706.03762"
    assert headers["user-agent"].startswith("papershelf/")


def test_fetch_follows_redirects_through_the_stub(stub):
    stub.pages["https://example.org/old"] = (301, "text/plain", b"https://example.org/new")
    stub.pages["https://example.org/new"] = (200, "text/html", b"<title>New</title>")
    response = net.fetch("https://example.org/old")
    assert (response.status, response.url, response.body) == (
        200, "https://example.org/new", b"<title>New</title>")
    assert [p for p, _ in stub.requests] == ["/example.org/old", "/example.org/new"]


def test_fetch_returns_none_when_the_network_is_down(stub):
    stub.offline = True
    assert net.fetch("https://export.arxiv.org/api/query?id_list=1706.03762", timeout=2) is None


def test_without_a_stub_tests_never_reach_the_internet(monkeypatch):
    monkeypatch.delenv("PAPERSHELF_UPSTREAM", raising=False)
    assert net.fetch("https://export.arxiv.org/api/query?id_list=1706.03762") is None


def test_fetch_refuses_non_http_urls(stub):
    assert net.fetch("file:///etc/passwd") is None
    assert stub.requests == []


def test_rate_limit_spaces_requests_to_the_same_host(stub, monkeypatch):
    monkeypatch.setattr(net, "MIN_INTERVAL", {"export.arxiv.org": 0.3})
    monkeypatch.setattr(net, "_last_request", {})
    started = time.monotonic()
    for _ in range(3):
        net.fetch("https://export.arxiv.org/api/query?id_list=1706.03762")
    assert time.monotonic() - started >= 0.6
    assert net.MIN_INTERVAL["export.arxiv.org"] >= 0.3


def test_default_arxiv_interval_respects_arxiv_terms():
    assert net.MIN_INTERVAL["export.arxiv.org"] >= 3.0


def test_arxiv_record_new_format(stub):
    paper = resolve.arxiv_record("1706.03762")
    assert paper == {
        "arxiv_id": "1706.03762", "arxiv_version": 7,
        "url": "https://arxiv.org/abs/1706.03762", "pdf_url": "https://arxiv.org/pdf/1706.03762",
        "entry_type": "preprint", "source": "arxiv.org",
        "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
                    "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"],
        "abstract": paper["abstract"], "published": "2017-06-12", "year": 2017,
        "arxiv_category": "cs.CL",
        "extra": {"version_date": "2023-08-02", "comments": "15 pages, 5 figures"},
    }
    assert paper["abstract"].startswith("The dominant sequence transduction models")
    assert paper["abstract"].endswith("with large and limited training data.")


def test_arxiv_record_old_format_with_doi_and_journal_ref(stub):
    paper = resolve.arxiv_record("1601.00001")
    assert paper["title"] == ("Inelastic effects in molecular transport junctions: "
                              "The probe technique at high bias")
    assert paper["authors"] == ["Michael Kilgour", "Dvira Segal"]
    assert paper["doi"] == "10.1063/1.4944470"
    assert paper["arxiv_category"] == "cond-mat.mes-hall"
    assert paper["extra"]["journal_ref"] == "J. Chem. Phys. 144, 124107 (2016)"
    assert paper["abstract"].startswith('We extend the Landauer-B\\"uttiker probe formalism')


def test_arxiv_record_old_style_ids(stub):
    old = resolve.arxiv_record("astro-ph/0601001")
    assert old["arxiv_id"] == "astro-ph/0601001" and old["title"]
    versioned = resolve.arxiv_record("quant-ph/0201082v1")
    assert (versioned["arxiv_id"], versioned["arxiv_version"]) == ("quant-ph/0201082", 1)


def test_arxiv_record_errors_are_lookup_failures(stub):
    with pytest.raises(resolve.LookupFailed, match="no paper 0000.0000"):
        resolve.arxiv_record("0000.0000")
    with pytest.raises(resolve.LookupFailed, match="rejected 'abc'"):
        resolve.arxiv_record("abc")


def test_crossref_journal_article(stub):
    paper = resolve.crossref_record("10.7554/eLife.01567")
    assert paper["doi"] == "10.7554/elife.01567"
    assert paper["title"].startswith("Automated quantitative histology reveals vascular")
    assert paper["authors"][0] == "Martial Sankar"
    assert (paper["venue"], paper["published"], paper["entry_type"]) == ("eLife", "2014-02-11", "article")
    assert paper["extra"]["volume"] == "3"
    assert "<" not in paper["abstract"] and paper["abstract"].startswith("Among various advantages")


def test_crossref_article_number_and_proceedings(stub):
    aps = resolve.crossref_record("10.1103/PhysRevA.106.022212")
    assert aps["extra"]["pages"] == "022212"
    assert (aps["venue"], aps["year"]) == ("Physical Review A", 2022)
    conference = resolve.crossref_record("10.1145/3184558.3186235")
    assert conference["entry_type"] == "inproceedings"
    assert conference["authors"][0] == "Lorenz Bühmann"
    assert conference["published"] == "2018"


def test_crossref_unknown_doi(stub):
    with pytest.raises(resolve.LookupFailed, match="does not know"):
        resolve.crossref_record("10.9999/nothing")


def test_enrich_fills_only_missing_fields(stub):
    clipped = {"arxiv_id": "1706.03762", "title": "My own title kept",
               "pdf_url": "https://arxiv.org/pdf/1706.03762", "published": "2017-06",
               "extra": {"comments": "reader-visible comment"}}
    enriched = resolve.enrich(clipped)
    assert enriched["title"] == "My own title kept"
    assert enriched["authors"][0] == "Ashish Vaswani"
    assert enriched["published"] == "2017-06-12"  # refined: same month, more precise
    assert enriched["arxiv_category"] == "cs.CL"
    assert enriched["extra"] == {"comments": "reader-visible comment", "version_date": "2023-08-02"}
    assert clipped["extra"] == {"comments": "reader-visible comment"}  # input untouched


def test_enrich_skips_the_network_when_nothing_is_missing(stub):
    complete = {"arxiv_id": "1706.03762", "title": "T", "authors": ["A B"], "abstract": "x",
                "published": "2017-06-12", "arxiv_category": "cs.CL"}
    assert resolve.enrich(complete) == complete
    assert stub.requests == []


def test_enrich_offline_says_which_source_was_unreachable(stub):
    stub.offline = True
    with pytest.raises(resolve.Unreachable, match="could not reach the arXiv API .*offline"):
        resolve.enrich({"arxiv_id": "1706.03762", "title": "Only a title"})
    with pytest.raises(resolve.Unreachable, match="could not reach Crossref"):
        resolve.enrich({"doi": "10.7554/elife.01567"})


def test_offline_enrichment_fails_only_a_clip_the_page_cannot_make_alone(stub, db):
    stub.offline = True
    page = ('<html><head><meta name="citation_title" content="Only a title">'
            '<meta name="citation_arxiv_id" content="1706.03762"></head></html>')
    kept = clip_page(db, "https://arxiv.org/abs/1706.03762", page, enrich=resolve.enrich)
    assert (kept.kind, kept.result.paper["title"]) == ("saved", "Only a title")
    store.delete_paper(db, kept.result.paper["id"])
    lost = clip_page(db, "https://arxiv.org/pdf/1706.03762", None, enrich=resolve.enrich)
    assert (lost.kind, lost.error) == (
        "unreachable", "could not reach the arXiv API for 1706.03762 (offline?)")
    assert db["papers"].count == 0


def test_enrich_from_crossref_for_a_doi(stub):
    enriched = resolve.enrich({"doi": "10.1103/physreva.106.022212", "title": "Toy model"})
    assert enriched["title"] == "Toy model"
    assert enriched["venue"] == "Physical Review A"
    assert enriched["authors"][0] == "Sandro Donadi"


@pytest.mark.parametrize("text", ["1706.03762", "arXiv:1706.03762",
                                  "https://arxiv.org/abs/1706.03762",
                                  "https://arxiv.org/pdf/1706.03762"])
def test_add_arxiv_id_or_url(stub, db, text):
    outcome = resolve.add_identifier(db, text, tags=["nlp"], note="read me")
    assert outcome.kind == "saved", outcome.error
    paper = outcome.result.paper
    assert (paper["title"], paper["arxiv_id"], paper["arxiv_version"]) == (
        "Attention Is All You Need", "1706.03762", 7)
    assert (paper["tags"], paper["note"]) == (["nlp"], "read me")
    clip = next(db["clips"].rows)
    assert clip["extractor"] == "arxiv-api" and clip["paper_id"] == paper["id"]


def test_add_doi(stub, db):
    outcome = resolve.add_identifier(db, "https://doi.org/10.7554/eLife.01567")
    assert outcome.kind == "saved", outcome.error
    assert outcome.result.paper["doi"] == "10.7554/elife.01567"
    again = resolve.add_identifier(db, "10.7554/ELIFE.01567")
    assert (again.result.status, again.result.paper["id"]) == ("unchanged", outcome.result.paper["id"])


def test_add_a_page_url_fetches_and_extracts_it(stub, db, pages_dir):
    url = "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0000001"
    body = (pages_dir / "plosone_10.1371_journal.pone.0000001.html").read_bytes()
    stub.pages[url] = (200, "text/html; charset=utf-8", body)
    outcome = resolve.add_identifier(db, url)
    assert outcome.kind == "saved", outcome.error
    assert outcome.result.paper["title"] == "Neural Substrate of Cold-Seeking Behavior in Endotoxin Shock"
    assert outcome.result.paper["doi"] == "10.1371/journal.pone.0000001"


def test_add_errors_are_clear(stub, db):
    assert "no paper 0000.0000" in resolve.add_identifier(db, "0000.0000").error
    assert "needs the network" in resolve.add_identifier(db, "1706.03762", offline=True).error
    assert "not an arXiv id, a DOI or a URL" in resolve.add_identifier(db, "hello").error
    stub.pages["https://example.org/paper.pdf"] = (200, "application/pdf", b"%PDF-1.5")
    assert "not a web page" in resolve.add_identifier(db, "https://example.org/paper.pdf").error
    stub.offline = True
    assert "could not reach the arXiv API" in resolve.add_identifier(db, "1706.03762").error
    assert store.stats(db)["papers"] == 0


def test_cli_add_by_id_prints_citekey(stub, tmp_path):
    db_file = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["--db", str(db_file), "add", "2106.09608"])
    # 2106.09608 is not recorded: the stub answers with zero results.
    assert result.exit_code != 0 and "no paper 2106.09608" in result.output
    result = CliRunner().invoke(cli, ["--db", str(db_file), "add", "1706.03762", "--tag", "nlp"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[0] == "vaswani2017attention"


def test_cli_add_html_enriches_missing_fields(stub, tmp_path, pages_dir):
    db_file = tmp_path / "cli.db"
    page = pages_dir / "arxiv_abs_1902.02534v2_head_only.html"
    result = CliRunner().invoke(cli, ["--db", str(db_file), "add",
                                      "https://arxiv.org/abs/1902.02534v2", "--html", str(page)])
    assert result.exit_code == 0, result.output
    # The head-only page has no category; the API is asked (an unrecorded id: zero results).
    assert any("id_list=1902.02534v2" in path for path, _ in stub.requests)
    offline = CliRunner().invoke(cli, ["--db", str(tmp_path / "b.db"), "add", "--offline",
                                       "https://arxiv.org/abs/1902.02534v2", "--html", str(page)])
    assert offline.exit_code == 0, offline.output


def test_clip_of_an_arxiv_pdf_url_is_completed_by_enrichment(stub, db):
    outcome = clip_page(db, "https://arxiv.org/pdf/1706.03762v7", None, enrich=resolve.enrich)
    assert outcome.kind == "saved", outcome.error
    paper = outcome.result.paper
    assert (paper["title"], paper["arxiv_version"], paper["arxiv_category"]) == (
        "Attention Is All You Need", 7, "cs.CL")
    assert paper["authors"][:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert [p for p, _ in stub.requests] == [
        "/export.arxiv.org/api/query?id_list=1706.03762v7&max_results=1"]
