"""server.net's etiquette: retries with backoff and Retry-After, Unavailable, the answer cache."""

import email.utils
import time

import pytest

from papershelf.server import net
from papershelf.server.netcache import AnswerCache

S2_DOI = ("https://api.semanticscholar.org/graph/v1/paper/DOI:10.1038/s42256-024-00832-8"
          "?fields=title")


def test_without_retries_a_429_is_the_answer(upstream):
    upstream.fail("api.semanticscholar.org", 429)
    assert net.fetch(S2_DOI).status == 429
    assert upstream.waits == []


def test_a_429_then_a_500_are_retried_then_the_recorded_answer(upstream):
    upstream.fail("api.semanticscholar.org", 429, retry_after=3)
    upstream.fail("api.semanticscholar.org", 500)
    response = net.fetch(S2_DOI, retries=3)
    assert response.status == 200 and b"Augmenting large language models" in response.body
    assert len(upstream.asked("api.semanticscholar.org")) == 3
    # Retry-After: 3 for the 429; the 500 had none: backoff (second attempt: 2 s, jittered).
    assert upstream.waits[0] == 3.0 and 2 * net.BACKOFF <= upstream.waits[1] <= 2.5 * net.BACKOFF


def test_retries_run_out_and_the_last_answer_stands(upstream):
    upstream.fail("api.semanticscholar.org", 503, times=10)
    assert net.fetch(S2_DOI, retries=2).status == 503
    assert len(upstream.asked("api.semanticscholar.org")) == 3
    waits = upstream.waits
    assert len(waits) == 2 and net.BACKOFF <= waits[0] < waits[1]


def test_a_network_failure_is_retried(upstream):
    upstream.offline.add("api.semanticscholar.org")
    assert net.fetch(S2_DOI, retries=1, timeout=2) is None
    assert upstream.asked("api.semanticscholar.org") == ["(dropped)", "(dropped)"]


def test_a_retry_after_too_long_is_not_waited_for(upstream):
    upstream.fail("api.semanticscholar.org", 429, retry_after=3600)
    assert net.fetch(S2_DOI, retries=3).status == 429
    assert upstream.waits == [] and len(upstream.asked("api.semanticscholar.org")) == 1


def test_retry_after_as_an_http_date():
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    wait = net.retry_wait(net.Response(503, b"", "u", {"retry-after": later}), 0)
    assert 25 <= wait <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert net.retry_wait(net.Response(503, b"", "u", {"retry-after": past}), 0) == 0
    assert net.BACKOFF <= net.retry_wait(net.Response(503, b"", "u", {"retry-after": "soon"}), 0)


def test_answer_names_the_service_and_the_trouble(upstream):
    upstream.fail("api.semanticscholar.org", 429)
    with pytest.raises(net.Unavailable, match="^Semantic Scholar asked us to slow down"):
        net.answer(S2_DOI, "Semantic Scholar")
    upstream.fail("api.semanticscholar.org", 502)
    with pytest.raises(net.Unavailable, match=r"^Semantic Scholar failed \(HTTP 502\)$"):
        net.answer(S2_DOI, "Semantic Scholar")
    upstream.offline.add("api.semanticscholar.org")
    with pytest.raises(net.Unavailable, match=r"^could not reach Semantic Scholar \(offline\?\)$"):
        net.answer(S2_DOI, "Semantic Scholar", timeout=2)
    upstream.offline.clear()
    assert net.answer(S2_DOI + "x", "Semantic Scholar").status == 200


def test_the_cache_answers_for_a_while_and_keeps_only_final_answers(upstream, tmp_path):
    cache = AnswerCache(tmp_path / "answers.db", max_age=3600)
    first = net.fetch(S2_DOI, cache=cache)
    again = net.fetch(S2_DOI, cache=cache)
    assert len(upstream.asked("api.semanticscholar.org")) == 1
    assert (again.status, again.body, again.headers) == (first.status, first.body,
                                                         {"content-type": "application/json"})
    missing = "https://api.crossref.org/works/10.9999/none"
    assert net.fetch(missing, cache=cache).status == 404
    assert net.fetch(missing, cache=cache).status == 404
    assert len(upstream.asked("api.crossref.org")) == 1  # "no such DOI" is an answer too
    upstream.fail("api.openalex.org", 500)
    flaky = "https://api.openalex.org/works/https://doi.org/10.1101%2F2024.04.01.587366"
    assert net.fetch(flaky, cache=cache).status == 500
    assert net.fetch(flaky, cache=cache).status == 200  # the failure was not kept
    cache.close()
    reopened = AnswerCache(tmp_path / "answers.db", max_age=3600)
    assert reopened.get(S2_DOI).body == first.body  # on disk, across runs
    assert AnswerCache(tmp_path / "answers.db", max_age=0).get(S2_DOI) is None
