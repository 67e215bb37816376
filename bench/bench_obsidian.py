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

from exports.obsidian import export_obsidian  # noqa: E402
from server import store  # noqa: E402
from server.schema import open_db  # noqa: E402

WORDS = ("attention transformer sparse graph neural diffusion retrieval language vision"
         " model learning scaling reasoning efficient robust causal agent memory").split()
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

        started = time.perf_counter()
        report = export_obsidian(db, vault)
        elapsed = time.perf_counter() - started
        notes = args.papers
        print(f"full export: {len(report.written)} files ({notes} paper notes) in {elapsed:.2f} s"
              f" = {notes / elapsed:,.0f} notes/s (target >= 2,000)")

        mtimes = {p: p.stat().st_mtime_ns for p in vault.rglob("*") if p.is_file()}
        started = time.perf_counter()
        report = export_obsidian(db, vault)
        elapsed = time.perf_counter() - started
        touched = sum(1 for p, m in mtimes.items() if p.stat().st_mtime_ns != m)
        print(f"unchanged re-export: {elapsed:.2f} s (target <= 1 s), {len(report.written)}"
              f" files written, {touched} mtimes changed, {len(report.unchanged)} unchanged")

        paper = next(store.iter_papers(db))
        store.update_paper(db, paper["id"], status="read")
        started = time.perf_counter()
        report = export_obsidian(db, vault)
        elapsed = time.perf_counter() - started
        print(f"re-export after one change: {elapsed:.2f} s, {len(report.written)} files written"
              f" ({', '.join(report.written)})")
        print(f"files in vault: {count_files(vault)}")
        db.close()


if __name__ == "__main__":
    main()
