"""Benchmark POST /api/clip against a real `papershelf serve` (waitress, WAL SQLite).

Prints p50/p99 latency and clips/s for the arXiv fixture page (new papers, and the
same page again), then 8 threads x 200 clips of distinct papers.

    python bench/bench_clip.py [--requests 200] [--fixtures ../shared/fixtures]
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import running_papershelf  # noqa: E402

PAGE = "pages/arxiv_abs_1706.03762v7_2026.html"


def post_clip(port, token, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        start = time.perf_counter()
        connection.request("POST", "/api/clip", body=body, headers={
            "Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {token}",
            "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return time.perf_counter() - start, response.status
    finally:
        connection.close()


def page_for(html, n):
    """Return the fixture page rewritten to describe a distinct arXiv paper."""
    arxiv = f"2501.{n:05d}"
    return json.dumps({"url": f"https://arxiv.org/abs/{arxiv}v1",
                       "html": html.replace("1706.03762", arxiv).replace(
                           "Attention Is All You Need", f"Attention Variant {n}")})


def report(name, timings, statuses, elapsed):
    timings = sorted(timings)
    p50 = statistics.median(timings) * 1000
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000
    bad = sum(1 for s in statuses if s >= 500)
    print(f"{name:<38} n={len(timings):<5} p50={p50:6.1f} ms  p99={p99:6.1f} ms  "
          f"{len(timings) / elapsed:7.1f} clips/s  5xx={bad}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=200)
    parser.add_argument("--fixtures", default=os.environ.get(
        "PAPERSHELF_FIXTURES", str(Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures")))
    args = parser.parse_args()
    html = (Path(args.fixtures) / PAGE).read_text(encoding="utf-8")
    print(f"page: {PAGE} ({len(html.encode()) / 1024:.0f} KiB)")

    with tempfile.TemporaryDirectory() as home, running_papershelf(home) as server:
        token = server.token
        for label, bodies in (
            ("sequential, new papers", [page_for(html, n) for n in range(args.requests)]),
            ("sequential, same page again", [page_for(html, 0)] * args.requests),
        ):
            start, timings, statuses = time.perf_counter(), [], []
            for body in bodies:
                elapsed, status = post_clip(server.port, token, body)
                timings.append(elapsed)
                statuses.append(status)
            report(label, timings, statuses, time.perf_counter() - start)

        def worker(w):
            results = []
            for n in range(args.per_thread):
                results.append(post_clip(server.port, token, page_for(html, 10000 + w * 1000 + n)))
            return results

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
            results = [r for batch in pool.map(worker, range(args.threads)) for r in batch]
        report(f"{args.threads} threads x {args.per_thread} new papers", [r[0] for r in results],
               [r[1] for r in results], time.perf_counter() - start)
        log = server.log_path.read_text()
        count = sqlite3.connect(server.db_path).execute("select count(*) from papers").fetchone()[0]
    expected = args.requests + args.threads * args.per_thread
    print(f"papers stored: {count} (expected {expected}); 'database is locked' in log: "
          f"{'locked' in log}; statuses: {sorted(set(r[1] for r in results))}")
    if count != expected:
        sys.exit("FAIL: not every clip was stored")


if __name__ == "__main__":
    main()
