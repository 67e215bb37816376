"""Whatever a client sends, the API answers with a JSON 2xx or 4xx — never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papershelf.server.app import create_app

BASE = "http://127.0.0.1:5178"
AUTH = {"Authorization": "Bearer fuzz-token"}

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
