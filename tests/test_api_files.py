"""PUT /api/papers/<id>/pdf through Flask's test client: every status, every security check."""

import os

import pytest

from papershelf.server import fulltext
from papershelf.server.app import create_app
from papershelf.server.schema import open_db
from tests.pdf_support import ENCRYPTED, pdfs  # noqa: F401 (a fixture)
from tests.test_api import AUTH, BASE, PORT, TOKEN

LIMIT = 1024 * 1024  # a small limit, so that "over the limit" needs no 200 MB
PAPER = {"title": "Ultra light bosonic dark matter and CMB", "authors": ["Ivan Rodriguez Montoya"],
         "year": 2009}
EXTENSION = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


@pytest.fixture
def client(db_path, home):
    app = create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "PORT": PORT, "ENRICH": False,
                      "MAX_PDF_BYTES": LIMIT})
    return app.test_client()


@pytest.fixture
def paper(client):
    response = client.post("/api/papers", json=PAPER, base_url=BASE, headers=AUTH)
    return response.json["results"][0]["paper"]


@pytest.fixture
def pdf_bytes(pdfs):
    return pdfs["1001._0908.0054.pdf"].path.read_bytes()


def put(client, paper_id, data, content_type="application/pdf", headers=None, query=""):
    return client.put(f"/api/papers/{paper_id}/pdf{query}", data=data, content_type=content_type,
                      base_url=BASE, headers={**AUTH, **(headers or {})})


def test_a_pdf_is_stored_then_listed_and_indexed(client, paper, pdf_bytes, db_path):
    response = put(client, paper["id"], pdf_bytes, query="?url=https://arxiv.org/pdf/0908.0054")
    assert response.status_code == 201
    path = str(db_path.parent / "files" / "montoya2009ultra.pdf")
    expected = {"kind": "pdf", "path": path, "size": len(pdf_bytes), "pages": 4, "text": "pending"}
    assert (response.json["status"], response.json["file"]) == ("created", expected)
    assert response.json["paper"]["files"] == [expected]
    with open(path, "rb") as handle:
        assert handle.read() == pdf_bytes
    db = open_db(db_path)
    fulltext.index_files(db, fulltext.pending_files(db))
    got = client.get(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH)
    assert got.json["files"] == [{**expected, "text": "indexed"}]
    assert db.execute("select url from files").fetchone()[0] == "https://arxiv.org/pdf/0908.0054"


def test_the_same_pdf_twice_is_unchanged(client, paper, pdf_bytes):
    first = put(client, paper["id"], pdf_bytes)
    again = put(client, paper["id"], pdf_bytes)
    assert (first.status_code, again.status_code, again.json["status"]) == (201, 200, "unchanged")
    assert again.json["file"] == first.json["file"]
    assert len(again.json["paper"]["files"]) == 1


@pytest.mark.parametrize("body, message", [
    (b"", "the file is empty (0 bytes)"),
    (b"<!DOCTYPE html><html><head><title>Log in to your institution</title></head></html>",
     "this is a web page, not a PDF (the publisher returned a login page?)"),
    ("truncated", "the PDF is damaged or incomplete (was the download cut short?)"),
])
def test_bytes_that_are_no_pdf_get_a_422_with_a_plain_message(client, paper, pdf_bytes, body,
                                                              message):
    data = pdf_bytes[:50_000] if body == "truncated" else body
    response = put(client, paper["id"], data)
    assert (response.status_code, response.json) == (422, {"error": message})


def test_an_encrypted_pdf_is_stored_and_marked(client, paper):
    response = put(client, paper["id"], ENCRYPTED.read_bytes())
    assert response.status_code == 201
    assert (response.json["file"]["text"], response.json["file"]["pages"]) == ("encrypted", None)


@pytest.mark.parametrize("content_type", ["application/json", "text/html", "multipart/form-data",
                                          "application/x-www-form-urlencoded", "text/plain"])
def test_only_application_pdf_is_taken(client, paper, pdf_bytes, content_type):
    response = put(client, paper["id"], pdf_bytes, content_type=content_type)
    assert response.status_code == 415
    assert response.json == {"error": "send the body as a PDF (Content-Type: application/pdf)"}


def test_json_routes_still_refuse_a_pdf(client, pdf_bytes):
    response = client.post("/api/clip", data=pdf_bytes, content_type="application/pdf",
                           base_url=BASE, headers=AUTH)
    assert response.status_code == 415 and "JSON" in response.json["error"]


def test_over_the_limit_is_413_by_declared_length_and_by_the_bytes_sent(client, paper, pdf_bytes):
    declared = client.put(f"/api/papers/{paper['id']}/pdf", data=b"%PDF-1.4", base_url=BASE,
                          headers={**AUTH, "Content-Type": "application/pdf"},
                          environ_overrides={"CONTENT_LENGTH": str(LIMIT + 1)})
    assert (declared.status_code, declared.json) == (
        413, {"error": "request body too large (limit 1 MB)"})

    def chunks():  # no Content-Length: the limit must stop the stream itself
        yield b"%PDF-1.4\n"
        for _ in range(40):
            yield b"0" * 65536

    # As waitress hands over a chunked body: no length, a stream that ends by itself.
    streamed = client.put(f"/api/papers/{paper['id']}/pdf", base_url=BASE,
                          headers={**AUTH, "Content-Type": "application/pdf"},
                          environ_overrides={"wsgi.input": ChunkedStream(chunks()),
                                             "wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert streamed.status_code == 413 and "1 MB" in streamed.json["error"]
    assert os.listdir(os.path.join(os.path.dirname(client.application.config["DB_PATH"]),
                                   "files")) == []


class ChunkedStream:
    """A request body of unknown length, read as a WSGI server hands it over."""

    def __init__(self, chunks):
        self.buffer, self.chunks = b"", chunks

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        size = len(self.buffer) if size < 0 else size
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def readline(self, size=-1):
        return self.read(size)

    def __iter__(self):
        return iter(lambda: self.read(65536), b"")


def test_the_json_limit_is_unchanged_for_json_routes(client):
    # 2 MB of JSON: over the PDF limit of this app, under the JSON one.
    body = b'{"url": "https://example.org/", "html": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    taken = client.post("/api/clip", data=body, base_url=BASE,
                        headers={**AUTH, "Content-Type": "application/json"})
    assert taken.status_code != 413
    response = client.post("/api/clip", data=b"{}", base_url=BASE,
                           headers={**AUTH, "Content-Type": "application/json"},
                           environ_overrides={"CONTENT_LENGTH": str(10 * 1024 * 1024 + 1)})
    assert (response.status_code, response.json) == (
        413, {"error": "request body too large (limit 10 MB)"})


@pytest.mark.parametrize("headers, status", [
    ({"Authorization": ""}, 401),
    ({"Authorization": "Bearer wrong"}, 401),
    ({"Host": "evil.example:5178"}, 403),
    ({"Origin": "https://evil.example"}, 403),
])
def test_token_host_and_origin_rules_hold_for_the_pdf_route(client, paper, pdf_bytes, headers,
                                                           status):
    response = put(client, paper["id"], pdf_bytes, headers=headers)
    assert response.status_code == status and response.json["error"]
    got = client.get(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH)
    assert got.json["files"] == []


def test_the_extension_may_put_a_pdf_across_origins(client, paper, pdf_bytes):
    preflight = client.options(f"/api/papers/{paper['id']}/pdf", base_url=BASE, headers={
        "Origin": EXTENSION, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == EXTENSION
    response = put(client, paper["id"], pdf_bytes, headers={"Origin": EXTENSION})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == EXTENSION


def test_unknown_paper_and_bad_source_address(client, paper, pdf_bytes):
    assert put(client, 999, pdf_bytes).json == {"error": "no paper with id 999"}
    assert put(client, 999, pdf_bytes).status_code == 404
    bad = put(client, paper["id"], pdf_bytes, query="?url=javascript:alert(1)")
    assert bad.status_code == 400 and "http(s)" in bad.json["error"]


def test_deleting_the_paper_says_which_files_went(client, paper, pdf_bytes):
    stored = put(client, paper["id"], pdf_bytes).json["file"]
    deleted = client.delete(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH)
    assert deleted.json == {"deleted": paper["id"], "files_removed": [stored["path"]]}
    assert not os.path.exists(stored["path"])
