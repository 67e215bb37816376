"""Time Datasette's library view over 100,000 papers, through HTTP on a real port.

Usage: .venv/bin/python bench/bench_datasette.py [--papers 100000] [--db PATH] [--rounds 30]

Generates the library once (bulk SQL in one transaction, the same rows the store writes:
papers, paper_authors, paper_tags, FTS through the schema's triggers), starts Datasette
exactly as `papershelf serve` does (server.datasette_launch.datasette_argv) and prints
p50/p95 of each page. Targets: search p50 <= 50 ms, faceted table page p50 <= 300 ms.
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import identity, store  # noqa: E402
from server.datasette_launch import datasette_argv  # noqa: E402
from server.schema import open_db  # noqa: E402
from tests.servers import free_port  # noqa: E402

TARGETS = {"search": 50, "faceted": 300}


def words(rng, count):
    """Return a vocabulary of made-up words, most frequent first."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = set()
    while len(vocabulary) < count:
        vocabulary.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return sorted(vocabulary)


def generate(path, count, seed=7):
    """Write count papers (with authors, tags and FTS rows) to a fresh library at path."""
    rng = random.Random(seed)
    vocabulary = words(rng, 3000)
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]  # Zipf-like
    given = words(rng, 400)
    family = words(rng, 2000)
    people = [f"{rng.choice(given).title()} {rng.choice(family).title()}" for _ in range(6000)]
    tags = words(rng, 40)
    venues = [w.upper()[:6] for w in words(rng, 30)] + [None] * 10
    sources = ["arxiv.org", "huggingface.co", "openreview.net", "aclanthology.org", "doi.org"]
    db = open_db(path)
    stamp = store.now()
    papers, authors_rows, tag_rows = [], [], []
    for i in range(1, count + 1):
        title = " ".join(rng.choices(vocabulary, weights, k=rng.randint(5, 12))).capitalize()
        authors = list(dict.fromkeys(rng.choices(people, k=rng.randint(1, 8))))
        paper_tags = rng.sample(tags, rng.randint(0, 4))
        year = rng.randint(1995, 2025)
        fields = {"title": f"{title} {i}", "authors": authors, "year": year}
        papers.append((
            i, f"{identity.family_name(authors[0]).lower()}{year}x{i}", fields["title"],
            json.dumps(authors), " ".join(rng.choices(vocabulary, weights, k=rng.randint(80, 160))),
            year, f"{year}-01-01", f"{year % 100:02d}01.{i:05d}", 1, "cs.LG", None,
            f"https://arxiv.org/abs/{year % 100:02d}01.{i:05d}", None,
            f"https://github.com/lab/p{i}" if i % 7 == 0 else None, rng.choice(venues),
            "preprint", rng.choice(sources), json.dumps(paper_tags), "",
            rng.choice(store.STATUSES), stamp, stamp, "{}", identity.identity_key(fields)))
        authors_rows += [(i, position, name) for position, name in enumerate(authors)]
        tag_rows += [(i, tag) for tag in paper_tags]
    columns = ("id, citekey, title, authors, abstract, year, published, arxiv_id, arxiv_version,"
               " arxiv_category, doi, url, pdf_url, code_url, venue, entry_type, source, tags,"
               " note, status, added_at, updated_at, extra, identity_key")
    with store.write_transaction(db):
        db.conn.executemany(f"insert into papers ({columns}) values ({', '.join('?' * 24)})",
                            papers)
        db.conn.executemany("insert into paper_authors values (?, ?, ?)", authors_rows)
        db.conn.executemany("insert into paper_tags values (?, ?)", tag_rows)
    db.execute("analyze")
    db.execute("pragma wal_checkpoint(truncate)")
    db.close()
    return vocabulary, tags


def timed_get(conn, path):
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
    return elapsed, body


def measure(conn, name, paths, rounds):
    for path in paths[:3]:
        timed_get(conn, path)  # warm up caches and the plan cache
    times = [timed_get(conn, paths[i % len(paths)])[0] for i in range(rounds)]
    p50 = statistics.median(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    print(f"{name:<46} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({rounds} requests)")
    return p50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="Library to use (generated if missing).")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "papershelf.db"
    rng = random.Random(1)
    if not path.exists():
        start = time.perf_counter()
        vocabulary, tags = generate(path, args.papers)
        print(f"generated {args.papers:,} papers in {time.perf_counter() - start:.1f} s")
    else:
        vocabulary, tags = words(random.Random(7), 3000), None
    db = open_db(path)
    count = db.execute("select count(*) from papers").fetchone()[0]
    tags = [row["tag"] for row in store.all_tags(db)]
    db.close()
    print(f"library: {count:,} papers, {path.stat().st_size / 1e6:.0f} MB")
    port = free_port()
    process = subprocess.Popen(datasette_argv(path, port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        conn = wait_for(port, process)
        table = f"/{path.stem}/papers"
        rare = [vocabulary[rng.randint(1500, 2999)] for _ in range(10)]
        common = [vocabulary[rng.randint(20, 200)] for _ in range(10)]
        two = [f"{a}+{b}" for a, b in zip(common, rare)]
        results = {
            "search": measure(conn, "search .json (rare words)",
                              [f"{table}.json?_search={w}&_nofacet=1" for w in rare], args.rounds),
        }
        measure(conn, "search .json (common words, ~5% of papers)",
                [f"{table}.json?_search={w}&_nofacet=1" for w in common], args.rounds)
        measure(conn, "search .json (two words)",
                [f"{table}.json?_search={w}&_nofacet=1" for w in two], args.rounds)
        measure(conn, "search page, HTML with facets (rare words)",
                [f"{table}?_search={w}" for w in rare], args.rounds)
        results["faceted"] = measure(conn, "faceted table page, HTML (all papers)",
                                     [table], args.rounds)
        measure(conn, "faceted table .json (all papers)", [f"{table}.json"], args.rounds)
        measure(conn, "faceted page, HTML, one tag selected",
                [f"{table}?tags__arraycontains={t}" for t in tags[:10]], args.rounds)
        measure(conn, "author's papers, HTML (author link)",
                [f"{table}?authors__arraycontains={name_of(path, i)}" for i in (5, 50, 500)],
                args.rounds)
        start = time.perf_counter()
        _, body = timed_get(conn, f"{table}.bib?tags__arraycontains={tags[0]}")
        print(f"{'.bib of one tag (' + str(body.count(b'@')) + ' entries)':<46} "
              f"{(time.perf_counter() - start) * 1000:7.0f} ms")
        for name, target in TARGETS.items():
            verdict = "ok" if results[name] <= target else "OVER TARGET"
            print(f"target {name}: p50 {results[name]:.1f} ms <= {target} ms: {verdict}")
    finally:
        process.terminate()
        process.wait(15)
        folder.cleanup()


def name_of(path, paper_id):
    db = open_db(path)
    try:
        row = db.execute("select name from paper_authors where paper_id = ? limit 1",
                         [paper_id]).fetchone()
        return row[0].replace(" ", "+")
    finally:
        db.close()


def wait_for(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("datasette exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            timed_get(conn, "/-/versions.json")
            return conn
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("datasette did not start")


if __name__ == "__main__":
    main()
