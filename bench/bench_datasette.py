"""Time Datasette's library view over 100,000 papers, through HTTP on a real port.

Usage: .venv/bin/python bench/bench_datasette.py [--papers 100000] [--db PATH] [--rounds 30]

Generates the library once (bulk SQL in one transaction, the same rows the store writes:
papers, paper_authors, paper_tags, FTS through the schema's triggers), starts Datasette
exactly as `papershelf serve` does (server.datasette_launch.datasette_argv) and prints
p50/p95 of each page with the CPU Datasette spent per request (wall times grow with the
machine's other load; CPU per request does not). Targets: search p50 <= 50 ms, faceted
table page p50 <= 300 ms, paper page (with similar papers) p50 <= 100 ms, library home with
its charts (the page and each chart's data, fetched one after the other) p50 <= 300 ms;
each printed beside Datasette's own plain page of the same kind (the floor). Pass --db to
keep the generated library between runs; --only library times the paper page and home only.
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from papershelf.server import identity, store  # noqa: E402
from papershelf.server.author_names import author_keys  # noqa: E402
from papershelf.server.datasette import similar  # noqa: E402
from papershelf.server.datasette.home import library_dashboard  # noqa: E402
from papershelf.server.datasette.launch import datasette_argv  # noqa: E402
from papershelf.server.schema import open_db  # noqa: E402
from tests.servers import free_port  # noqa: E402

TARGETS = {"search": 50, "faceted": 300, "paper page": 100, "home with charts": 300}
ADDED_EVERY_MINUTES = 16  # 100,000 papers over three years
TAIL_WORDS = 50_000  # each in ~14 of 100,000 abstracts


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
    # Real abstracts also use words few others do (methods, materials, names): a long tail.
    tail = words(rng, TAIL_WORDS)
    db = open_db(path)
    newest = datetime.now(timezone.utc)
    papers, authors_rows, tag_rows = [], [], []
    for i in range(1, count + 1):
        # Clipped over the past three years, the newest last (ids grow with time).
        stamp = (newest - timedelta(minutes=(count - i) * ADDED_EVERY_MINUTES)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
        title = " ".join(rng.choices(vocabulary, weights, k=rng.randint(5, 12))).capitalize()
        authors = list(dict.fromkeys(rng.choices(people, k=rng.randint(1, 8))))
        paper_tags = rng.sample(tags, rng.randint(0, 4))
        year = rng.randint(1995, 2025)
        fields = {"title": f"{title} {i}", "authors": authors, "year": year}
        papers.append((
            i, f"{identity.family_name(authors[0]).lower()}{year}x{i}", fields["title"],
            json.dumps(authors), " ".join(rng.choices(vocabulary, weights, k=rng.randint(80, 160))
                                          + rng.sample(tail, rng.randint(3, 8))),
            year, f"{year}-01-01", f"{year % 100:02d}01.{i:05d}", 1, "cs.LG", None,
            f"https://arxiv.org/abs/{year % 100:02d}01.{i:05d}", None,
            f"https://github.com/lab/p{i}" if i % 7 == 0 else None, rng.choice(venues),
            "preprint", rng.choice(sources), json.dumps(paper_tags), "",
            rng.choice(store.STATUSES), stamp, stamp, "{}", identity.identity_key(fields)))
        authors_rows += [(i, position, name, *author_keys(name))
                         for position, name in enumerate(authors)]
        tag_rows += [(i, tag) for tag in paper_tags]
    columns = ("id, citekey, title, authors, abstract, year, published, arxiv_id, arxiv_version,"
               " arxiv_category, doi, url, pdf_url, code_url, venue, entry_type, source, tags,"
               " note, status, added_at, updated_at, extra, identity_key")
    with store.write_transaction(db):
        db.conn.executemany(f"insert into papers ({columns}) values ({', '.join('?' * 24)})",
                            papers)
        db.conn.executemany("insert into paper_authors (paper_id, position, name, name_key,"
                            " family_key) values (?, ?, ?, ?, ?)", authors_rows)
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


def process_cpu_ms(pid):
    """Return the CPU time (user + system) the process has used so far, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def timed_pages(conn, pages):
    """GET one path, or a tuple of paths one after the other; return the total ms."""
    return sum(timed_get(conn, path)[0] for path in ((pages,) if isinstance(pages, str)
                                                     else pages))


def measure(conn, pid, name, paths, rounds):
    """Print wall p50/p95 and Datasette's CPU per request (which other load does not inflate)."""
    for path in paths[:3]:
        timed_pages(conn, path)  # warm up caches and the plan cache
    cpu_before = process_cpu_ms(pid)
    times = [timed_pages(conn, paths[i % len(paths)]) for i in range(rounds)]
    cpu = (process_cpu_ms(pid) - cpu_before) / rounds
    p50 = statistics.median(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    print(f"{name:<44} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  server CPU {cpu:6.1f} ms/request")
    return p50


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="Library to use (generated if missing).")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--only", choices=["all", "library"], default="all",
                        help="library: the paper page and the home only")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "papershelf.db"
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.papers)
        print(f"generated {args.papers:,} papers in {time.perf_counter() - start:.1f} s")
    db = open_db(path)  # also brings an older benchmark library up to the current schema
    count = db.execute("select count(*) from papers").fetchone()[0]
    tags = [row["tag"] for row in store.all_tags(db)]
    authors = [row[0] for row in db.execute(
        "select name from paper_authors where paper_id in (5, 50, 500) and position = 0")]
    db.close()
    print(f"library: {count:,} papers, {path.stat().st_size / 1e6:.0f} MB;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    port = free_port()
    process = subprocess.Popen(datasette_argv(path, port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        conn = wait_for(port, process)
        table = f"/{path.stem}/papers"
        results = {}
        if args.only == "all":
            results.update(run_cases(conn, process.pid, table, tags, authors, args.rounds))
            start = time.perf_counter()
            _, body = timed_get(conn, f"/{path.stem}/papers.bib?_tag={tags[0]}")
            label = f".bib of one tag ({body.count(b'@'):,} entries)"
            print(f"{label:<44} {(time.perf_counter() - start) * 1000:6.0f} ms")
        results.update(run_library_cases(conn, process.pid, path, count, args.rounds))
        for name, target in TARGETS.items():
            if name not in results:
                continue
            verdict = "ok" if results[name] <= target else "OVER TARGET"
            print(f"target {name}: p50 {results[name]:.1f} ms <= {target} ms: {verdict}")
    finally:
        process.terminate()
        process.wait(15)
        folder.cleanup()


def run_cases(conn, pid, table, tags, authors, rounds):
    """Measure each kind of page; return the p50 of the two with targets."""
    rng = random.Random(1)
    vocabulary = words(random.Random(7), 3000)  # the generator's vocabulary, same seed
    rare = [vocabulary[rng.randint(1500, 2999)] for _ in range(10)]
    common = [vocabulary[rng.randint(20, 200)] for _ in range(10)]
    two = [f"{a}+{b}" for a, b in zip(common, rare)]
    results = {"search": measure(conn, pid, "search .json (rare words)",
                                 [f"{table}.json?_search={w}&_nofacet=1" for w in rare], rounds)}
    measure(conn, pid, "search .json (common words, ~5% of papers)",
            [f"{table}.json?_search={w}&_nofacet=1" for w in common], rounds)
    measure(conn, pid, "search .json (two words)",
            [f"{table}.json?_search={w}&_nofacet=1" for w in two], rounds)
    measure(conn, pid, "search page, HTML with facets (rare words)",
            [f"{table}?_search={w}" for w in rare], rounds)
    results["faceted"] = measure(conn, pid, "faceted table page, HTML (all papers)", [table],
                                 rounds)
    measure(conn, pid, "faceted table .json (all papers)", [f"{table}.json"], rounds)
    measure(conn, pid, "faceted page, HTML, one tag selected",
            [f"{table}?_tag={t}" for t in tags[:10]], rounds)
    measure(conn, pid, "author's papers, HTML (author link)",
            [f"{table}?_author={a.replace(' ', '+')}" for a in authors], rounds)
    return results


def run_library_cases(conn, pid, path, count, rounds):
    """Measure the paper page and the home beside Datasette's plain pages; return the p50s."""
    database, rng = path.stem, random.Random(2)
    ids = rng.sample(range(1, count + 1), max(rounds, 3))
    table = f"/{database}/papers"
    results = {"paper page": measure(conn, pid, "paper page, HTML (similar papers, BibTeX)",
                                     [f"{table}/{i}" for i in ids], rounds)}
    floor = measure(conn, pid, "  floor: plain row page, HTML (paper_authors)",
                    [f"/{database}/paper_authors/{i},0" for i in ids], rounds)
    measure(conn, pid, "  floor: the paper's row, .json", [f"{table}/{i}.json" for i in ids],
            rounds)
    print(f"  paper page / plain row page: {results['paper page'] / floor:.1f}x")
    print_similar_cold(path, ids[:rounds])
    dashboard = library_dashboard(database, table)
    charts = tuple(f"/{database}.json?{urlencode({'sql': chart['query']})}&_shape=objects"
                   for chart in dashboard["charts"].values())
    results["home with charts"] = measure(
        conn, pid, f"home with charts: page + {len(charts)} charts' data", [("/", *charts)],
        rounds)
    measure(conn, pid, "  the home page alone, HTML", ["/"], rounds)
    for slug, data in zip(dashboard["charts"], charts):
        measure(conn, pid, f"  chart data: {slug}", [data], rounds)
    floor = measure(conn, pid, "  floor: plain table page, HTML, no facets",
                    [f"{table}?_nofacet=1"], rounds)
    print(f"  home with charts / plain table page: {results['home with charts'] / floor:.1f}x")
    return results


def print_similar_cold(path, ids):
    """Print similar papers alone, in process, with no term counts kept between pages."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    times = []
    for paper_id in ids:
        title, abstract = conn.execute("select title, abstract from papers where id = ?",
                                       [paper_id]).fetchone()
        similar._counts_by_library.clear()
        start = time.perf_counter()
        similar.similar_papers(conn, paper_id, f"{title} {abstract}")
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    label = "  similar papers alone, no counts kept"
    print(f"{label:<44} p50 {statistics.median(times):6.1f} ms  (in process)")


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
