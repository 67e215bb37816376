"""The HTTP API through Flask's test client: every route, every status, every security check."""

import json

import pytest

from papershelf.server.app import create_app
from tests.servers import free_port

PORT = 5178
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARXIV_URL = "https://arxiv.org/abs/1706.03762v7"


@pytest.fixture
def app(db_path, home):
    return create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "PORT": PORT, "ENRICH": False})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def arxiv_html(pages_dir):
    return (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")


def post(client, path, body, headers=None):
    return client.post(path, json=body, base_url=BASE, headers={**AUTH, **(headers or {})})


def clip(client, html, url=ARXIV_URL, **extra):
    return post(client, "/api/clip", {"url": url, "html": html, **extra})


def test_ping_needs_no_token(client):
    response = client.get("/api/ping", base_url=BASE)
    assert (response.status_code, response.json) == (200, {"app": "papershelf", "version": "0.1.0"})


def test_clip_stores_then_reports_unchanged_and_updated(client, arxiv_html):
    first = clip(client, arxiv_html, tags=["nlp"], note="to read")
    assert first.status_code == 201 and first.json["status"] == "created"
    paper = first.json["paper"]
    assert (paper["title"], len(paper["authors"]), paper["arxiv_id"], paper["tags"], paper["note"]) == (
        "Attention Is All You Need", 8, "1706.03762", ["nlp"], "to read")
    assert list(paper)[:3] == ["id", "citekey", "title"]
    again = clip(client, arxiv_html)
    assert (again.status_code, again.json["status"], again.json["paper"]["id"]) == (200, "unchanged", paper["id"])
    tagged = clip(client, arxiv_html, url="https://arxiv.org/abs/1706.03762v1", tags=["seminal"])
    assert (tagged.status_code, tagged.json["status"], tagged.json["paper"]["tags"]) == (
        200, "updated", ["nlp", "seminal"])


def test_clip_tells_where_its_time_went_in_server_timing(client, arxiv_html, pages_dir):
    def durations(response):
        metrics = [metric.strip().split(";dur=") for metric in response.headers["Server-Timing"].split(",")]
        return {name: float(value) for name, value in metrics}

    saved = durations(clip(client, arxiv_html))
    listing_html = (pages_dir / "hf_daily_papers_constructed.html").read_text(encoding="utf-8")
    listing = durations(clip(client, listing_html, url="https://huggingface.co/papers"))
    for timing in (saved, listing):
        assert list(timing) == ["extract", "store", "total"]
        assert all(value >= 0 for value in timing.values())
        assert timing["extract"] + timing["store"] <= timing["total"] + 0.2  # rounded to 0.1 ms each
    assert saved["extract"] > 0  # lxml parsed 43 KB of HTML: it takes measurable time
    answer = post(client, "/api/clip", {"url": ARXIV_URL, "html": arxiv_html},
                  headers={"Origin": "moz-extension://5d0c3c1e-2b7a-4f0e-9a61-7c3f4e2a9b18"})
    assert answer.headers["Access-Control-Expose-Headers"] == "Server-Timing"


def test_clip_of_a_page_without_a_paper_is_not_a_server_error(client):
    response = clip(client, "")
    assert response.status_code in (200, 201, 422)
    if response.status_code == 422:
        assert response.json["error"]


@pytest.mark.parametrize("body, status", [
    ({}, 400), ({"url": "ftp://x"}, 400), ({"url": 5}, 400), ({"url": ARXIV_URL, "html": 3}, 400),
    ({"url": ARXIV_URL, "tags": "nlp"}, 400), ({"url": ARXIV_URL, "tags": [1]}, 400),
])
def test_clip_validates_its_body(client, body, status):
    response = post(client, "/api/clip", body)
    assert response.status_code == status and response.json["error"]


def test_body_that_is_not_json_is_a_400(client):
    response = client.post("/api/clip", data="{not json", base_url=BASE,
                           headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.json) == (400, {"error": "the body must be a JSON object"})


def test_papers_saves_one_or_many_in_one_transaction(client):
    one = post(client, "/api/papers", {"title": "Paper A", "authors": ["Ada Lovelace"], "year": 1843})
    assert one.status_code == 200 and [r["status"] for r in one.json["results"]] == ["created"]
    many = post(client, "/api/papers", {"papers": [
        {"title": "Paper A", "authors": ["Ada Lovelace"], "year": 1843, "tags": ["math"]},
        {"title": "Paper B", "arxiv_id": "2407.07061"}]})
    assert [r["status"] for r in many.json["results"]] == ["updated", "created"]
    bad = post(client, "/api/papers", {"papers": [{"title": "Paper C"}, {"title": ""}]})
    assert (bad.status_code, bad.json) == (422, {"error": "papers[1] has no title"})
    listed = client.get("/api/papers", base_url=BASE, headers=AUTH).json["papers"]
    assert sorted(p["title"] for p in listed) == ["Paper A", "Paper B"]


def test_lookup_get_patch_delete(client, arxiv_html):
    paper = clip(client, arxiv_html).json["paper"]
    for query in ("arxiv=1706.03762v2", "doi=none", f"url={ARXIV_URL}"):
        response = client.get(f"/api/papers/lookup?{query}", base_url=BASE, headers=AUTH)
        assert response.status_code == 200
    found = client.get("/api/papers/lookup?arxiv=1706.03762v2", base_url=BASE, headers=AUTH).json
    assert (found["found"], found["paper"]["id"]) == (True, paper["id"])
    assert client.get("/api/papers/lookup?doi=10.1000/none", base_url=BASE, headers=AUTH).json == {"found": False}
    assert client.get("/api/papers/lookup", base_url=BASE, headers=AUTH).status_code == 400

    patched = client.patch(f"/api/papers/{paper['id']}", json={"tags": ["x"], "note": "n", "status": "read"},
                           base_url=BASE, headers=AUTH)
    assert (patched.status_code, patched.json["tags"], patched.json["note"], patched.json["status"]) == (
        200, ["x"], "n", "read")
    assert client.get(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH).json["note"] == "n"
    assert client.get("/api/tags", base_url=BASE, headers=AUTH).json == {"tags": [{"tag": "x", "papers": 1}]}

    for body, status in (({"title": "new"}, 400), ({"status": "done"}, 422), ({"tags": "x"}, 400)):
        response = client.patch(f"/api/papers/{paper['id']}", json=body, base_url=BASE, headers=AUTH)
        assert response.status_code == status and response.json["error"]
    assert client.patch("/api/papers/999", json={"note": "x"}, base_url=BASE, headers=AUTH).status_code == 404

    deleted = client.delete(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH)
    assert (deleted.status_code, deleted.json) == (200, {"deleted": paper["id"], "files_removed": []})
    assert client.get(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH).status_code == 404
    assert client.delete(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH).status_code == 404


def test_unknown_route_and_method_are_json(client):
    missing = client.get("/api/nothing", base_url=BASE, headers=AUTH)
    wrong = client.put("/api/papers/1", json={}, base_url=BASE, headers=AUTH)
    assert (missing.status_code, wrong.status_code) == (404, 405)
    assert missing.json["error"] and wrong.json["error"]


# --- security -------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_every_route_but_ping_needs_the_token(client, headers):
    for method, path in (("get", "/api/papers/1"), ("get", "/api/papers/lookup?arxiv=1"),
                         ("post", "/api/clip"), ("delete", "/api/papers/1"), ("get", "/api/tags")):
        response = getattr(client, method)(path, base_url=BASE, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert "papershelf token" in response.json["error"]


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9999",
                                  "localhost", f"127.0.0.2:{PORT}", ""])
def test_foreign_host_header_is_refused(client, host):
    response = client.get("/api/ping", headers={"Host": host})
    assert response.status_code == 403 and "not allowed" in response.json["error"]


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"[::1]:{PORT}"])
def test_loopback_host_headers_are_accepted(client, host):
    assert client.get("/api/ping", headers={"Host": host}).status_code == 200


def test_web_page_origin_gets_no_cors_and_cannot_write(client, arxiv_html, db):
    preflight = client.options("/api/clip", base_url=BASE, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 403
    assert not [h for h in preflight.headers.keys() if h.lower().startswith("access-control-allow")]
    write = post(client, "/api/clip", {"url": ARXIV_URL, "html": arxiv_html},
                 headers={"Origin": "https://evil.example"})
    assert write.status_code == 403 and "access-control-allow-origin" not in {
        h.lower() for h in write.headers.keys()}
    assert db["papers"].count == 0


def test_extension_origin_gets_cors(client):
    origin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
    preflight = client.options("/api/clip", base_url=BASE, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    ping = client.get("/api/ping", base_url=BASE, headers={"Origin": "moz-extension://1234-abcd"})
    assert ping.headers["Access-Control-Allow-Origin"] == "moz-extension://1234-abcd"


@pytest.mark.parametrize("content_type, data", [
    ("text/plain", '{"url": "https://arxiv.org/abs/1706.03762"}'),
    ("application/x-www-form-urlencoded", "url=https%3A%2F%2Farxiv.org%2Fabs%2F1706.03762"),
    ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=url\r\n\r\nu\r\n--x--"),
])
def test_form_posts_are_refused(client, content_type, data, db):
    response = client.post("/api/clip", data=data, base_url=BASE,
                           headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 415 and response.json["error"]
    assert db["papers"].count == 0


def test_body_over_the_limit_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = clip(client, "x" * 2048)
    assert response.status_code == 413 and "too large" in response.json["error"]


def test_token_file_is_created_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERSHELF_HOME", str(tmp_path))
    from papershelf.server import paths

    token = paths.read_or_create_token()
    assert len(token) >= 32 and paths.read_or_create_token() == token
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600


def test_url_only_clip_of_a_stored_paper_is_unchanged_even_offline(client, arxiv_html):
    stored = clip(client, arxiv_html).json["paper"]
    pdf = post(client, "/api/clip", {"url": "https://arxiv.org/pdf/1706.03762v7",
                                     "title": "1706.03762v7.pdf"})
    assert (pdf.status_code, pdf.json["status"], pdf.json["paper"]["id"]) == (200, "unchanged", stored["id"])
    assert pdf.json["paper"]["title"] == "Attention Is All You Need"


def test_url_only_clip_of_an_unknown_paper_offline_is_422_not_a_file_name_record(client, db):
    response = post(client, "/api/clip", {"url": "https://arxiv.org/pdf/2407.07061",
                                          "title": "2407.07061.pdf"})
    assert response.status_code == 422 and "title" in response.json["error"]
    assert db["papers"].count == 0


def test_lookup_falls_back_to_the_url_when_ids_do_not_match(client, arxiv_html):
    paper = clip(client, arxiv_html).json["paper"]
    found = client.get(f"/api/papers/lookup?arxiv=2001.00001&url={ARXIV_URL}", base_url=BASE,
                       headers=AUTH).json
    assert (found["found"], found["paper"]["id"]) == (True, paper["id"])


# --- hostile and odd input (#13): a 4xx that says what is wrong, never a 500 --------------

def send(client, method, path, raw):
    return client.open(path, method=method, data=raw, base_url=BASE,
                       headers={**AUTH, "Content-Type": "application/json"})


@pytest.mark.parametrize("method, path", [("POST", "/api/clip"), ("POST", "/api/papers"),
                                          ("PATCH", "/api/papers/1")])
@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000,
                                 '{"title": "T", "note": "n", "extra": ' + "[" * 5000 + "]" * 5000 + "}"])
def test_deeply_nested_json_is_a_400(client, method, path, raw):
    post(client, "/api/papers", {"title": "Seed"})
    response = send(client, method, path, raw)
    assert (response.status_code, response.json) == (
        400, {"error": "JSON nested too deeply (more than 20 levels)"})


@pytest.mark.parametrize("raw, field", [
    ('{"title": "bad \\ud800 title"}', "title"), ('{"title": "T", "note": "a \\udfff note"}', "note"),
    ('{"title": "T", "tags": ["x\\ud800"]}', "tags"), ('{"title": "T", "authors": ["\\ud800 B"]}', "authors"),
])
def test_lone_surrogates_are_stored_as_replacement_characters(client, raw, field):
    response = send(client, "POST", "/api/papers", raw)
    assert response.status_code == 200, response.json
    paper = response.json["results"][0]["paper"]
    assert "\ufffd" in json.dumps(paper[field], ensure_ascii=False)
    patched = send(client, "PATCH", f"/api/papers/{paper['id']}", '{"note": "\\ud800", "tags": ["\\udc00"]}')
    assert (patched.status_code, patched.json["note"], patched.json["tags"]) == (200, "\ufffd", ["\ufffd"])


@pytest.mark.parametrize("raw, error", [
    ('{"title": "T", "arxiv_id": "2101.00001", "arxiv_version": 18446744073709551616}',
     "arxiv_version is a number out of range (more than 64 bits)"),
    ('{"title": "T", "year": -9223372036854775809}', "year is a number out of range (more than 64 bits)"),
    ('{"papers": [{"title": "T", "extra": {"pages": 1e400}}]}', "papers[0]['extra']['pages'] is not a finite number"),
    ('{"title": "T", "year": NaN}', "the body must be a JSON object"),
])
def test_numbers_beyond_64_bits_or_not_finite_are_a_400(client, raw, error):
    response = send(client, "POST", "/api/papers", raw)
    assert (response.status_code, response.json) == (400, {"error": error})


def test_an_absurd_arxiv_version_in_a_url_is_no_version(client):
    stored = post(client, "/api/papers", {"title": "T", "arxiv_id": "2101.00002v2"}).json["results"][0]["paper"]
    response = post(client, "/api/clip", {"url": "https://arxiv.org/abs/2101.00002v99999999999999999999"})
    assert (response.status_code, response.json["status"], response.json["paper"]["id"],
            response.json["paper"]["arxiv_version"]) == (200, "updated", stored["id"], 2)


@pytest.mark.parametrize("paper_id", ["9223372036854775808", "99999999999999999999999999"])
def test_ids_beyond_64_bits_are_not_found(client, paper_id):
    for method in ("GET", "DELETE"):
        response = client.open(f"/api/papers/{paper_id}", method=method, base_url=BASE, headers=AUTH)
        assert (response.status_code, response.json["error"]) == (404, f"no paper with id {paper_id}")
    assert send(client, "PATCH", f"/api/papers/{paper_id}", '{"note": "x"}').status_code == 404


@pytest.mark.parametrize("version", ["1234x", "0", "", "v2", 0, 10_000, 1.5])
def test_an_arxiv_version_must_be_a_whole_number(client, version):
    response = post(client, "/api/papers", {"title": "T", "arxiv_id": "2101.00003", "arxiv_version": version})
    assert response.status_code in (400, 422) and "arxiv_version" in response.json["error"]


def test_later_versioned_clips_still_update_a_paper(client):
    created = post(client, "/api/papers", {"title": "T", "arxiv_id": "2101.00003", "arxiv_version": "1"})
    assert created.json["results"][0]["paper"]["arxiv_version"] == 1
    newer = post(client, "/api/papers", {"title": "T v2", "arxiv_id": "2101.00003v2"})
    assert (newer.status_code, newer.json["results"][0]["status"],
            newer.json["results"][0]["paper"]["arxiv_version"]) == (200, "updated", 2)


@pytest.mark.parametrize("field", ["url", "pdf_url", "code_url"])
@pytest.mark.parametrize("link", ["javascript:alert(document.domain)", "data:text/html,<script>x</script>",
                                  "file:///etc/passwd", "vbscript:x", "https://", "https://x.org/\x1b]0;t\x07"])
def test_only_web_links_are_stored(client, db, field, link):
    response = post(client, "/api/papers", {"title": "T", field: link})
    assert (response.status_code, response.json) == (422, {"error": f"papers[0]: {field} must be an http(s) link"})
    assert db["papers"].count == 0


def test_web_links_are_stored(client):
    paper = post(client, "/api/papers", {"title": "T", "url": "HTTPS://example.org/p", "pdf_url": "http://x.org/a.pdf",
                                         "code_url": "https://github.com/a/b"}).json["results"][0]["paper"]
    assert (paper["url"], paper["pdf_url"], paper["code_url"]) == (
        "HTTPS://example.org/p", "http://x.org/a.pdf", "https://github.com/a/b")


def test_links_a_page_offers_that_are_not_web_links_are_dropped(client):
    page = ('<html><head><meta name="citation_title" content="A page paper">'
            '<meta name="citation_pdf_url" content="javascript:alert(1)">'
            '<meta name="citation_author" content="Ada Lovelace"></head></html>')
    response = post(client, "/api/clip", {"url": "https://example.org/paper", "html": page})
    assert response.status_code == 201 and response.json["paper"]["pdf_url"] is None


@pytest.mark.parametrize("url", ["file:///home/me/paper.html", "javascript:alert(1)", "https://", "arxiv.org/abs/1"])
def test_clip_takes_web_pages_only_as_its_error_says(client, url):
    response = post(client, "/api/clip", {"url": url, "html": "<title>x</title>"})
    assert (response.status_code, response.json) == (400, {"error": "url is required and must be an http(s) URL"})


@pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "limit=1.5", "limit=99999999999999999999", "limit=²"])
def test_a_limit_that_is_not_a_whole_number_is_a_400(client, query):
    response = client.get(f"/api/papers?{query}", base_url=BASE, headers=AUTH)
    assert response.status_code == 400 and response.json["error"].startswith("limit must be a whole number")
    assert client.get("/api/papers?limit=0", base_url=BASE, headers=AUTH).json == {"papers": []}


@pytest.mark.parametrize("url", [
    "https://arxiv.org/abs/1706.03762v3", "https://arxiv.org/pdf/1706.03762v7", "https://arxiv.org/pdf/1706.03762v7.pdf",
    "https://arxiv.org/html/1706.03762v7", "https://arxiv.org/html/1706.03762v7/#S3", "http://arxiv.org/abs/1706.03762",
    "https://www.arxiv.org/abs/1706.03762", "https://export.arxiv.org/abs/1706.03762v2",
    "https://arxiv.org/abs/1706.03762?context=cs", "https://huggingface.co/papers/1706.03762",
])
def test_lookup_finds_an_arxiv_paper_by_any_of_its_urls(client, arxiv_html, url):
    paper = clip(client, arxiv_html).json["paper"]
    found = client.get("/api/papers/lookup", query_string={"url": url}, base_url=BASE, headers=AUTH).json
    assert (found["found"], found["paper"]["id"]) == (True, paper["id"])


@pytest.mark.parametrize("url", ["https://doi.org/10.1038/s41586-021-03819-2", "http://doi.org/10.1038/S41586-021-03819-2",
                                 "https://dx.doi.org/10.1038/s41586-021-03819-2", "http://dx.doi.org/10.1038%2Fs41586-021-03819-2"])
def test_lookup_finds_a_paper_by_any_doi_resolver_url(client, url):
    paper = post(client, "/api/papers", {"title": "AlphaFold", "doi": "10.1038/s41586-021-03819-2",
                                         "url": "https://www.nature.com/articles/s41586-021-03819-2"}).json
    found = client.get("/api/papers/lookup", query_string={"url": url}, base_url=BASE, headers=AUTH).json
    assert (found["found"], found["paper"]["id"]) == (True, paper["results"][0]["paper"]["id"])


def test_lookup_finds_an_openreview_paper_by_its_forum_or_its_pdf(client):
    # As the OpenReview extractor stores them: the forum URL, or only the forum id in extra.
    by_url = post(client, "/api/papers", {"title": "Forum paper", "url": "https://openreview.net/forum?id=BwufLjXbMO"})
    by_id = post(client, "/api/papers", {"title": "Other paper", "url": "https://proceedings.example/p1",
                                         "extra": {"openreview_id": "Zx9Kq1"}})
    for forum, stored in (("BwufLjXbMO", by_url), ("Zx9Kq1", by_id)):
        for url in (f"https://openreview.net/forum?id={forum}", f"https://openreview.net/pdf?id={forum}",
                    f"http://openreview.net/forum?id={forum}&noteId=abc"):
            found = client.get("/api/papers/lookup", query_string={"url": url}, base_url=BASE, headers=AUTH).json
            assert (found["found"], found["paper"]["id"]) == (True, stored.json["results"][0]["paper"]["id"]), url
    other = client.get("/api/papers/lookup", query_string={"url": "https://openreview.net/forum?id=other"},
                       base_url=BASE, headers=AUTH).json
    assert other == {"found": False}


def test_clip_of_an_arxiv_url_with_arxiv_unreachable_says_so(db_path, home, monkeypatch):
    closed = free_port()  # nothing listens there: every upstream request is refused
    monkeypatch.setenv("PAPERSHELF_UPSTREAM", f"http://127.0.0.1:{closed}")
    client = create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "PORT": PORT, "ENRICH": True}).test_client()
    response = post(client, "/api/clip", {"url": "https://arxiv.org/abs/1706.03762"})
    assert (response.status_code, response.json) == (
        502, {"error": "could not reach the arXiv API for 1706.03762 (offline?)"})
    titled = post(client, "/api/clip", {"url": "https://arxiv.org/abs/1706.03762", "title": "Attention Is All You Need"})
    assert titled.status_code == 201 and titled.json["paper"]["title"] == "Attention Is All You Need"
