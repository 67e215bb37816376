"""A local stand-in for arXiv, Crossref, Semantic Scholar and OpenAlex, serving recorded answers.

server.net sends GET /<host><path>?<query> here when PAPERSHELF_UPSTREAM points at it.
Every answer is a response body those services wrote (tests/fixtures/upstream and the
shared arxiv-api fixtures, origins in SOURCES.md). A question with no recording gets
the service's own recorded "nothing found" answer, or a 404 "not recorded" where the
service has none; tests can inject failures (429, 5xx, a dead network) per host and
hold a host's answers until they release them.
"""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from papershelf.server.identity import normalize_title

OWN = Path(__file__).resolve().parent / "fixtures" / "upstream"
HOLD_DEADLINE = 20  # seconds a held request waits at most for its release

# arXiv API: the set of ids asked for -> (folder, file). Recordings of an id's latest
# version also answer the id without version (what refresh asks for).
ARXIV = {
    frozenset({"1706.03762"}): ("shared", "arxiv-api/arxiv_api_idlist_1706.03762_newformat_2026.xml"),
    frozenset({"1601.00001"}): ("shared", "arxiv-api/arxiv_api_idlist_1601.00001_2020.xml"),
    frozenset({"1707.08567"}): ("shared", "arxiv-api/arxiv_api_idlist_1707.08567_2026.xml"),
    frozenset({"1111.2011"}): ("own", "arxiv/arxiv_query_id_list_1111.2011v2_doi_journal_ref_v2_legacy2016.xml"),
    frozenset({"0808.05394", "1707.08567"}): (
        "own", "arxiv/arxiv_query_id_list_0808.05394_1707.08567_two_ids_one_found.xml"),
}
ARXIV_NOTHING = ("shared", "arxiv-api/arxiv_api_idlist_0000.0000_zero_results_2026.xml")
CROSSREF_WORKS = {
    "10.1038/s42256-024-00832-8": "crossref/crossref_work_10.1038_s42256-024-00832-8_chemcrow_nature_mach_intell.json",
}
CROSSREF_NOT_FOUND = "crossref/crossref_404_works_10.1371_notarealdoi.txt"
# Searches: a phrase of the normalised query -> the recorded answer to that query.
CROSSREF_SEARCHES = {
    "augmenting large language models with chemistry tools":
        "crossref/crossref_search_query_title_augmenting_llm_chemistry_tools_rows1.json",
    "attention is all you need":
        "crossref/crossref_search_query_title_author_attention_is_all_you_need_rows1.json",
}
CROSSREF_NO_MATCH = "crossref/crossref_search_query_title_no_match_total0.json"
S2_PAPERS = {
    "10.1038/s42256-024-00832-8": "semanticscholar/s2_paper_DOI_10.1038_s42256-024-00832-8_chemcrow.json",
    "10.48550/arxiv.2312.07559": "semanticscholar/s2_paper_DOI_10.48550_arxiv.2312.07559_paperqa_arxiv_only.json",
    "10.1101/2024.04.01.587366": "semanticscholar/s2_404_paper_DOI_10.1101_2024.04.01.587366.json",
}
S2_NOT_FOUND = "semanticscholar/s2_404_paper_id_0_not_found.json"
S2_MATCHES = {
    "augmenting large language models with chemistry tools":
        "semanticscholar/s2_search_match_augmenting_llm_chemistry_tools.json",
    "attention is all you need":
        "semanticscholar/s2_search_match_attention_is_all_you_need_arXiv_1706.03762.json",
}
S2_NO_MATCH = "semanticscholar/s2_404_search_match_title_not_found.json"
S2_TOO_MANY = "semanticscholar/s2_429_too_many_requests.json"
OPENALEX_WORKS = {
    "10.1101/2024.04.01.587366": "openalex/openalex_work_doi_10.1101_2024.04.01.587366_biorxiv_preprint.json",
}
OPENALEX_NOT_FOUND = "openalex/openalex_404_work_doi_10.1046_j.1365-2699.2003.00795.html"
OPENALEX_SEARCHES = {
    "augmenting large language models with chemistry tools":
        "openalex/openalex_works_filter_title.search_augmenting_llm_chemistry_tools_article_and_arxiv_preprint.json",
    "paperqa retrieval augmented generative agent for scientific research":
        "openalex/openalex_works_filter_title.search_paperqa_arxiv_preprint.json",
}
JSON, ATOM = "application/json", "application/atom+xml; charset=utf-8"


class UpstreamStub:
    """The recorded services, their request log and the failures a test asks for."""

    def __init__(self, shared_dir):
        self.folders = {"shared": Path(shared_dir), "own": OWN}
        self.requests = []  # (host, path with query) of every request, in arrival order
        self.failures = {}  # host -> [(status, headers, body)] answered before the recordings
        self.offline = set()  # hosts whose connections are dropped
        self.held = {}  # host -> Event: requests wait for it (bounded by HOLD_DEADLINE)
        self.arrived = {}  # host -> Event set when a request to it arrives
        self._lock = threading.Lock()

    def fail(self, host, status, times=1, retry_after=None):
        """Answer the next `times` requests to host with status (429: S2's recorded body)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = self.read("own", S2_TOO_MANY) if status == 429 else b"Internal Server Error"
        kind = JSON if status == 429 else "text/plain"
        self.failures.setdefault(host, []).extend([(status, kind, headers, body)] * times)

    def hold(self, host):
        """Hold the answers to host until the returned Event is set; return that Event."""
        self.held[host] = threading.Event()
        self.arrived[host] = threading.Event()
        return self.held[host]

    def asked(self, host):
        """Return the paths (with query) asked of host."""
        return [path for h, path in self.requests if h == host]

    def read(self, folder, name):
        return (self.folders[folder] / name).read_bytes()

    def answer(self, raw_path):
        """Return (status, content type, extra headers, body) for a request path."""
        parts = urlsplit(raw_path)
        host, _, rest = parts.path.lstrip("/").partition("/")
        with self._lock:
            self.requests.append((host, f"/{rest}" + (f"?{parts.query}" if parts.query else "")))
            pending = self.failures.get(host)
            failure = pending.pop(0) if pending else None
        if host in self.arrived:
            self.arrived[host].set()
        if host in self.held:
            self.held[host].wait(HOLD_DEADLINE)
        if failure:
            return failure
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = {"export.arxiv.org": self._arxiv, "api.crossref.org": self._crossref,
                 "api.semanticscholar.org": self._s2, "api.openalex.org": self._openalex}.get(host)
        if route is None:
            return 404, "text/plain", {}, b"not recorded"
        return route(unquote(rest), query)

    def _arxiv(self, path, query):
        ids = frozenset(i for i in query.get("id_list", "").split(",") if i)
        if path != "api/query" or not ids:
            return 404, "text/plain", {}, b"not recorded"
        if ids in ARXIV:
            return 200, ATOM, {}, self.read(*ARXIV[ids])
        if len(ids) == 1:
            return 200, ATOM, {}, self.read(*ARXIV_NOTHING)
        return 404, "text/plain", {}, b"not recorded: this set of ids"

    def _crossref(self, path, query):
        if path == "works":
            return self._search(query.get("query.bibliographic", ""), CROSSREF_SEARCHES,
                                (200, JSON, CROSSREF_NO_MATCH))
        doi = path.removeprefix("works/").lower()
        if doi in CROSSREF_WORKS:
            return 200, JSON, {}, self.read("own", CROSSREF_WORKS[doi])
        return 404, "text/plain", {}, self.read("own", CROSSREF_NOT_FOUND)

    def _s2(self, path, query):
        if path == "graph/v1/paper/search/match":
            return self._search(query.get("query", ""), S2_MATCHES, (404, JSON, S2_NO_MATCH))
        doi = path.removeprefix("graph/v1/paper/DOI:").lower()
        name = S2_PAPERS.get(doi, S2_NOT_FOUND)
        return (404 if "404" in name else 200), JSON, {}, self.read("own", name)

    def _openalex(self, path, query):
        if path == "works":
            search = query.get("filter", "").removeprefix("title.search:")
            return self._search(search, OPENALEX_SEARCHES, None)
        doi = path.removeprefix("works/https://doi.org/").lower()
        if doi in OPENALEX_WORKS:
            return 200, JSON, {}, self.read("own", OPENALEX_WORKS[doi])
        return 404, "text/html; charset=utf-8", {}, self.read("own", OPENALEX_NOT_FOUND)

    def _search(self, text, recordings, nothing):
        words = normalize_title(text)
        for phrase, name in recordings.items():
            if phrase in words:
                return 200, JSON, {}, self.read("own", name)
        if nothing is None:
            return 404, "text/plain", {}, b"not recorded: this search"
        status, kind, name = nothing
        return status, kind, {}, self.read("own", name)


@contextlib.contextmanager
def serving(stub):
    """Serve stub on 127.0.0.1 for the block; yield its base URL (for PAPERSHELF_UPSTREAM)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            host = urlsplit(self.path).path.lstrip("/").partition("/")[0]
            if host in stub.offline:
                stub.requests.append((host, "(dropped)"))
                self.close_connection = True
                self.connection.close()
                return
            status, kind, headers, body = stub.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        for event in stub.held.values():
            event.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
