"""Refresh throughput on a 1,000-paper library against a local stub, beside the stub's own rate.

Every paper is an arXiv preprint. The stub answers as the services do, from recorded
answers with each paper's id and title put in: arXiv's Atom entry of 1706.03762 (one
feed per batch of 50 ids), Semantic Scholar's title match for "Attention Is All You
Need" (a NeurIPS paper: every preprint becomes a conference paper, so every paper is
written) and Crossref's recorded "no match" for the title search.

The stub runs in its own process (as a real service would be), and each measure is
the best of --rounds runs, the two kinds taking turns (the machine is shared). Printed:
refresh papers/s with the rate limits off; the same requests replayed with plain urllib
against the same stub (the floor: nothing but HTTP on 127.0.0.1); the local work per
paper (refresh time outside its HTTP calls); and the least time the real services' rate
limits allow for the same requests.

Usage: python bench/bench_refresh.py [--papers 1000] [--rounds 3] [--fixtures DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from papershelf.server import net, refresh, store  # noqa: E402
from papershelf.server.schema import open_db  # noqa: E402

OWN = REPO / "tests" / "fixtures" / "upstream"
ATOM_FEED = "arxiv-api/arxiv_api_idlist_1706.03762_newformat_2026.xml"
S2_MATCH = "semanticscholar/s2_search_match_attention_is_all_you_need_arXiv_1706.03762.json"
CROSSREF_NONE = "crossref/crossref_search_query_title_no_match_total0.json"


def arxiv_id(n):
    return f"2501.{n:05d}"


def title(n):
    return f"Attention variant number {n} for sequence transduction"


class BenchStub:
    """Recorded answers with the asked-for paper put in; counts the requests it serves."""

    def __init__(self, fixtures, papers):
        feed = (Path(fixtures) / ATOM_FEED).read_text(encoding="utf-8")
        start, end = feed.index("<entry>"), feed.rindex("</entry>") + len("</entry>")
        self.head, self.entry, self.tail = feed[:start], feed[start:end], feed[end:]
        self.s2 = json.loads((OWN / S2_MATCH).read_text(encoding="utf-8"))
        self.crossref_none = (OWN / CROSSREF_NONE).read_bytes()
        self.numbers = {title(n): n for n in range(papers)}

    def answer(self, path):
        parts = urlsplit(path)
        host = parts.path.lstrip("/").split("/", 1)[0]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if host == "export.arxiv.org":
            ids = query["id_list"].split(",")
            entries = "".join(self.entry.replace("1706.03762", i).replace(
                "Attention Is All You Need", title(int(i.split(".")[1]))) for i in ids)
            return "application/atom+xml", (self.head + entries + self.tail).encode()
        if host == "api.semanticscholar.org":
            n = self.numbers[query["query"]]
            paper = {**self.s2["data"][0], "title": title(n),
                     "externalIds": {"ArXiv": arxiv_id(n)}}
            return "application/json", json.dumps({"data": [paper]}).encode()
        return "application/json", self.crossref_none


def serve_forever(fixtures, papers):
    """Run the stub on 127.0.0.1 until killed; print its port first."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            kind, body = stub.answer(self.path)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    stub = BenchStub(fixtures, papers)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_port, flush=True)
    server.serve_forever()


def start_stub(fixtures, papers):
    """Start the stub process (it knows the library's titles); return (process, base URL)."""
    process = subprocess.Popen([sys.executable, __file__, "--serve-stub", "--papers",
                                str(papers), "--fixtures", fixtures],
                               stdout=subprocess.PIPE, text=True)
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        sys.exit("FAIL: the stub did not start")
    return process, f"http://127.0.0.1:{port}"


def build_library(path, count):
    db = open_db(path)
    papers = []
    for n in range(count):
        papers.append({"title": title(n), "authors": ["Ashish Vaswani", "Noam Shazeer"],
                       "year": 2017, "published": "2017-06-12", "arxiv_id": arxiv_id(n),
                       "arxiv_version": 7, "entry_type": "preprint", "source": "arxiv.org",
                       "url": f"https://arxiv.org/abs/{arxiv_id(n)}", "tags": ["bench"]})
    store.save_papers(db, papers)
    return db


def replay(base, urls):
    """GET every URL from the stub with plain urllib, one connection each (as net does)."""
    started = time.perf_counter()
    for url in urls:
        parts = urlsplit(url)
        target = f"{base}/{parts.hostname}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        with urllib.request.urlopen(target, timeout=10) as reply:
            reply.read()
    return time.perf_counter() - started


def measure_refresh(count):
    """Refresh a fresh library of count papers; return a dict of what was measured."""
    asked, waited, fetch = [], [0.0], net._follow

    def logged(url, timeout, accept):
        asked.append(url)
        started = time.perf_counter()
        try:
            return fetch(url, timeout, accept)
        finally:
            waited[0] += time.perf_counter() - started

    net._follow = logged
    try:
        with tempfile.TemporaryDirectory() as folder:
            db = build_library(Path(folder) / "papershelf.db", count)
            papers, _ = refresh.select_papers(db)
            started = time.perf_counter()
            report = refresh.refresh(db, papers)
            took = time.perf_counter() - started
            written = db.execute("select count(*) from papers where entry_type ="
                                 " 'inproceedings' and citation_count is not null").fetchone()[0]
            db.close()
    finally:
        net._follow = fetch
    return {"took": took, "in_net": waited[0], "report": report, "asked": asked,
            "written": written}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-stub", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fixtures", default=os.environ.get(
        "PAPERSHELF_FIXTURES", str(REPO.parent / "shared" / "fixtures")))
    args = parser.parse_args()
    if args.serve_stub:
        return serve_forever_with(args)
    process, base = start_stub(args.fixtures, args.papers)
    os.environ["PAPERSHELF_UPSTREAM"] = base
    limits = dict(net.MIN_INTERVAL)
    net.MIN_INTERVAL.clear()  # rate limits off: only the local work and the stub remain
    try:
        runs, floors = [], []
        for _ in range(args.rounds):
            runs.append(measure_refresh(args.papers))
            floors.append(replay(base, runs[-1]["asked"]))
    finally:
        process.kill()
        process.wait()
    best = min(runs, key=lambda run: run["took"])
    took, asked, report = best["took"], best["asked"], best["report"]
    local = min(run["took"] - run["in_net"] for run in runs)
    floor = min(floors)
    per_host = {}
    for url in asked:
        host = urlsplit(url).hostname
        per_host[host] = per_host.get(host, 0) + 1
    limited = max(n * limits.get(host, 0.0) for host, n in per_host.items())
    n = args.papers
    print(f"library: {n} arXiv preprints; {len(asked)} requests ("
          + ", ".join(f"{h} {c}" for h, c in sorted(per_host.items()))
          + f"); best of {args.rounds} rounds")
    print(f"refresh, rate limits off       {n / took:8.1f} papers/s  ({took:6.2f} s, of which"
          f" {best['in_net']:.2f} s waiting on the stub; {len(report.changes)} changed,"
          f" {best['written']} written with their counts)")
    print(f"stub raw rate (urllib replay)  {len(asked) / floor:8.1f} requests/s"
          f" = {n / floor:7.1f} papers/s  ({floor:6.2f} s)  <- the floor")
    print(f"local work per paper           {local / n * 1000:8.2f} ms  (parsing, matching,"
          f" merging, one write transaction: {local:.2f} s in all)")
    print(f"the services' rate limits      >= {limited:6.0f} s for these requests"
          f" = {limited / n * 1000:.0f} ms per paper, {limited / local:.0f}x the local work")
    if report.checked != n or len(report.changes) != n or best["written"] != n:
        sys.exit(f"FAIL: {report.checked} checked, {len(report.changes)} changed of {n}")


def serve_forever_with(args):
    serve_forever(args.fixtures, args.papers)


if __name__ == "__main__":
    main()
