"""Benchmark the Obsidian export: a full export of N papers, then a re-export with nothing changed.

Targets (issue 5): full export >= 2,000 notes/s; unchanged re-export <= 1 s, 0 files written.

    .venv/bin/python bench/bench_obsidian.py [--papers 10000] [--dir /dev/shm]

--dir picks the file system the vault goes on (default: the system's temp folder).
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from papershelf.exports.atomic import write_atomic
from papershelf.exports.obsidian import export_obsidian
from papershelf.server import store
from papershelf.server.schema import open_db

WORDS = ["attention", "transformer", "sparse", "graph", "neural", "diffusion", "retrieval",
         "language", "vision", "model", "learning", "scaling", "reasoning", "efficient",
         "robust", "causal", "agent", "memory"]
TAGS = ["cs.LG", "cs.CL", "nlp", "to read", "vision", "2024", "rl/offline", "theory"]


def make_library(db, count, seed=5):
    """Store count synthetic papers with varied fields."""
    rng = random.Random(seed)
    items = []
    for i in range(count):
        words = rng.sample(WORDS, 6)
        items.append({
            "title": f"{' '.join(words).capitalize()}: study {i}",
            "authors": [f"Author{rng.randrange(500)} Family{rng.randrange(2000)}"
                        for _ in range(rng.randrange(1, 8))],
            "abstract": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(60, 200))),
            "year": 2000 + i % 25,
            "published": f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "arxiv_id": f"{10 + i % 15:02d}{1 + i % 12:02d}.{i:05d}",
            "url": f"https://example.org/paper/{i}",
            "pdf_url": f"https://example.org/paper/{i}.pdf",
            "venue": rng.choice([None, "NeurIPS", "ICML", "ACL"]),
            "tags": rng.sample(TAGS, rng.randrange(0, 4)),
        })
    store.save_papers(db, items)


def count_files(folder):
    return sum(1 for path in folder.rglob("*") if path.is_file())


def timed(fn, *args, **kwargs):
    """Return fn's result, wall seconds and CPU seconds (CPU shows the cost on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def file_system_ceiling(folder, count=2000):
    """Return how many files/s this file system takes through write_atomic alone."""
    folder.mkdir()
    data = b"x" * 2500
    started = time.perf_counter()
    for i in range(count):
        write_atomic(folder / f"{i}.md", data)
    return count / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--dir", default=None, help="Where to create the vault and database.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = open_db(Path(tmp) / "bench.db")
        started = time.perf_counter()
        make_library(db, args.papers)
        print(f"library: {args.papers} papers stored in {time.perf_counter() - started:.1f} s")
        vault = Path(tmp) / "vault"
        vault.mkdir()
        ceiling = file_system_ceiling(Path(tmp) / "ceiling")
        print(f"file system: {ceiling:,.0f} files/s through write_atomic alone (the ceiling)")

        report, wall, cpu = timed(export_obsidian, db, vault)
        notes = args.papers
        print(f"full export: {len(report.written)} files ({notes} paper notes) in {wall:.2f} s"
              f" = {notes / wall:,.0f} notes/s (target >= 2,000); CPU {cpu:.2f} s"
              f" = {notes / cpu:,.0f} notes per CPU-second")

        mtimes = {p: p.stat().st_mtime_ns for p in vault.rglob("*") if p.is_file()}
        report, wall, cpu = timed(export_obsidian, db, vault)
        touched = sum(1 for p, m in mtimes.items() if p.stat().st_mtime_ns != m)
        print(f"unchanged re-export: {wall:.2f} s (target <= 1 s; CPU {cpu:.2f} s),"
              f" {len(report.written)} files written, {touched} mtimes changed,"
              f" {len(report.unchanged)} unchanged")

        paper = next(store.iter_papers(db))
        store.update_paper(db, paper["id"], status="read")
        report, wall, cpu = timed(export_obsidian, db, vault)
        print(f"re-export after one change: {wall:.2f} s (CPU {cpu:.2f} s),"
              f" {len(report.written)} files written ({', '.join(report.written)})")
        print(f"files in vault: {count_files(vault)}")
        db.close()


if __name__ == "__main__":
    main()
