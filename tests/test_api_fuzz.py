"""Whatever a client sends, the API answers with a JSON 2xx or 4xx — never a 500."""

import json
import os
import sqlite3
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papershelf.server.app import create_app

BASE = "http://127.0.0.1:5178"
AUTH = {"Authorization": "Bearer fuzz-token"}
# A few thousand requests in CI, under a minute; FUZZ_EXAMPLES=20000 for a longer hunt.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3000"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
urls = st.sampled_from(["https://arxiv.org/abs/1706.03762", "https://huggingface.co/papers",
                        "https://example.org/"]).flatmap(lambda u: st.builds(lambda t: u + t, st.text(max_size=12)))
html_like = st.lists(st.sampled_from(['<meta name="citation_title" content="T">', "<title>x</title>",
                                      '<meta name="citation_author" content="A, B">', "<p>", "&amp;", "\x00"]),
                     max_size=6).map("".join)
paper_like = st.fixed_dictionaries({"title": st.text(min_size=1, max_size=30), "url": urls, "html": html_like},
                                   optional={
    key: json_values | st.text(max_size=60)
    for key in ("authors", "year", "arxiv_id", "doi", "tags", "note",
                "status", "papers", "published", "extra", "citekey")})
routes = st.sampled_from([("POST", "/api/clip"), ("POST", "/api/papers"), ("PATCH", "/api/papers/1"),
                          ("GET", "/api/papers/lookup?url=x"), ("DELETE", "/api/papers/2")])


def test_random_bodies_never_cause_a_server_error(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    app = create_app({"DB_PATH": str(home / "p.db"), "TOKEN": "fuzz-token", "PORT": 5178, "ENRICH": False})
    client = app.test_client()
    client.post("/api/papers", json={"title": "Seed", "authors": ["A B"]}, base_url=BASE, headers=AUTH)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(route=routes, body=paper_like | json_values)
    def check(route, body):
        method, path = route
        response = client.open(path, method=method, data=json.dumps(body), base_url=BASE,
                               headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True))
        assert response.is_json

    check()


# --- every route, any JSON, any bytes ----------------------------------------------------

# Text as a client may send it: lone surrogates and control characters included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=30)
huge_ints = st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, -1, 0])
numbers = st.integers() | huge_ints | st.floats(allow_nan=True, allow_infinity=True)
links = st.sampled_from(["https://arxiv.org/abs/2101.00002v99999999999999999999", "javascript:alert(1)",
                         "data:text/html,<b>x</b>", "file:///etc/passwd", "https://doi.org/10.1/x",
                         "http://www.arxiv.org/pdf/1706.03762v7", "https://openreview.net/forum?id=x"])
odd_text = st.sampled_from(["bad \ud800 title", "\udfff", "k\x1b]0;pwned\x07", "1234x", "\x00"])
scalars = st.none() | st.booleans() | numbers | any_text | odd_text | links
any_json = st.recursive(
    scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(any_text | st.sampled_from(
        ["title", "url", "papers", "tags", "extra"]), kids, max_size=3), max_leaves=6)
PAPER_KEYS = ("title", "authors", "abstract", "year", "published", "arxiv_id", "arxiv_version",
              "arxiv_category", "doi", "url", "pdf_url", "code_url", "venue", "entry_type", "source",
              "tags", "note", "status", "citekey", "extra", "html", "selection", "papers")
paper_objects = st.dictionaries(st.sampled_from(PAPER_KEYS), any_json, max_size=8).map(
    lambda d: {"title": "A title", **d} if len(d) % 2 else d)

# Objects of the right shape with odd contents: these get past the type checks into the store.
words = any_text | odd_text
plausible_papers = st.fixed_dictionaries({"title": words.map(lambda t: "T " + t)}, optional={
    "url": links, "pdf_url": links, "code_url": links, "html": html_like,
    "arxiv_id": st.sampled_from(["2101.00002", "2101.00002v3", "hep-th/9901001", "x"]),
    "arxiv_version": numbers | odd_text, "year": numbers | odd_text, "doi": links | words,
    "authors": st.lists(words, max_size=3), "tags": st.lists(words, max_size=3), "note": words,
    "status": st.sampled_from(["read", "unread", "x"]), "extra": st.dictionaries(words, scalars, max_size=3),
})


def _nested(depth, inner=False):
    text = "[" * depth + "]" * depth
    return f'{{"title": "Deep", "note": "n", "extra": {text}, "tags": {text}}}' if inner else text


deep_bodies = st.builds(_nested, st.sampled_from([30, 200, 999, 1001, 5000, 100_000]), st.booleans())
json_bodies = st.one_of(paper_objects, plausible_papers, st.builds(lambda p: {"papers": p}, st.lists(paper_objects, max_size=3)),
                        any_json).map(lambda v: json.dumps(v).encode())
bodies = json_bodies | deep_bodies.map(str.encode) | st.binary(max_size=200)
ids = st.sampled_from(["1", "2", "0", "-1", "9223372036854775807", "9223372036854775808",
                       "99999999999999999999999", "abc", "1.5", "%00"])
query_values = any_text.map(lambda t: t.encode("utf-8", "surrogatepass").hex()[:20]) | ids | links | st.just("")
queries = st.dictionaries(st.sampled_from(["url", "arxiv", "doi", "limit", "tag"]), query_values, max_size=3)
paths = st.one_of(
    st.sampled_from(["/api/ping", "/api/clip", "/api/papers", "/api/papers/lookup", "/api/tags", "/api/",
                     "/api/nothing"]),
    ids.map(lambda i: f"/api/papers/{i}"))
methods = st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD"])
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", None])
# Anything anywhere, plus JSON aimed at the routes that write and queries at those that read.
requests = st.one_of(
    st.tuples(methods, paths, queries, bodies, content_types),
    st.tuples(st.sampled_from(["POST", "PATCH"]), st.sampled_from(["/api/clip", "/api/papers"]) | ids.map(
        lambda i: f"/api/papers/{i}"), st.just({}), json_bodies | deep_bodies.map(str.encode),
        st.just("application/json")).map(lambda r: ("PATCH",) + r[1:] if r[1][-1].isdigit() else r),
    st.tuples(st.just("GET"), st.sampled_from(["/api/papers", "/api/papers/lookup"]), queries, st.just(b""),
              st.none()))


def test_anything_sent_to_any_route_gets_a_json_4xx_and_leaves_the_server_healthy(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzzhome")
    db_path = home / "p.db"
    app = create_app({"DB_PATH": str(db_path), "TOKEN": "fuzz-token", "PORT": 5178, "ENRICH": False})
    client = app.test_client()
    seed = client.post("/api/papers", json={"papers": [
        {"title": "Seed", "authors": ["A B"], "arxiv_id": "2101.00002", "arxiv_version": 1},
        {"title": "Second", "authors": ["C D"], "doi": "10.1/x"}]}, base_url=BASE, headers=AUTH)
    assert seed.status_code == 200
    failures, sent = [], []
    started = time.monotonic()

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(request=requests)
    def check(request):
        method, path, query, body, content_type = request
        headers = dict(AUTH)
        if content_type:
            headers["Content-Type"] = content_type
        data = body if method in ("POST", "PATCH", "PUT", "DELETE") else None
        response = client.open(path, method=method, query_string=query, data=data, base_url=BASE,
                               headers=headers)
        sent.append(1)
        if response.status_code >= 500:
            failures.append((method, path, query, body[:80], response.get_data(as_text=True)[:200]))
        assert response.status_code < 500, failures[-1]
        if method not in ("HEAD", "OPTIONS"):
            assert response.is_json, (method, path, response.status_code)
            payload = json.loads(response.get_data())  # strict JSON: no NaN or Infinity
            if response.status_code >= 400:
                assert isinstance(payload.get("error"), str) and payload["error"]

    check()
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {len(sent)} requests in {elapsed:.1f} s, {len(failures)} answered 5xx")

    # Healthy after: the database is whole, every stored paper reads back as strict JSON,
    # and an ordinary save still works.
    assert sqlite3.connect(db_path).execute("pragma integrity_check").fetchone()[0] == "ok"
    assert client.get("/api/ping", base_url=BASE).status_code == 200
    listed = client.get("/api/papers?limit=1000", base_url=BASE, headers=AUTH)
    assert listed.status_code == 200
    for paper in json.loads(listed.get_data())["papers"]:
        one = client.get(f"/api/papers/{paper['id']}", base_url=BASE, headers=AUTH)
        assert one.status_code == 200 and json.loads(one.get_data())["id"] == paper["id"]
        assert all(paper[k] is None or paper[k].startswith(("http://", "https://"))
                   for k in ("url", "pdf_url", "code_url")), paper
    after = client.post("/api/papers", json={"title": "After the storm", "authors": ["E F"]},
                        base_url=BASE, headers=AUTH)
    assert after.status_code == 200 and after.json["results"][0]["status"] == "created"
