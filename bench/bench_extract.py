"""Median time to extract a page of about 1 MB (target: 20 ms or less).

Pages: the saved arXiv listing (957 KB, 397 entries, MathJax-rendered: the heaviest
DOM we have), the largest article pages as saved, and a 1 MB article page made by
repeating the Nature page's body until it is 1 MB.

Usage: python bench/bench_extract.py [--runs 31] [--fixtures DIR]
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from papershelf.server.extractors import extract  # noqa: E402

TARGET_MS = 20.0
PAGES = [
    ("arxiv_list_astro-ph_pastweek_2024-11_browser_saved.html",
     "https://arxiv.org/list/astro-ph/pastweek?show=1000"),
    ("nature_s41586-021-03819-2.html", "https://www.nature.com/articles/s41586-021-03819-2"),
    ("sciencedirect_S2352485522001888.html",
     "https://www.sciencedirect.com/science/article/abs/pii/S2352485522001888"),
    ("biorxiv_2020.03.22.002386v3.html", "https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3"),
]


def one_megabyte(html):
    """Return html with its body repeated until the page is at least 1 MB."""
    start = re.search(r"<body[\s>]", html).start()
    open_end = html.index(">", start) + 1
    close = html.rindex("</body>")
    body = html[open_end:close]
    copies = 1 + (1_000_000 - len(html)) // max(len(body), 1)
    return html[:open_end] + body * max(copies + 1, 1) + html[close:]


def median_ms(url, html, runs):
    """Return the median wall-clock and CPU milliseconds of extract(url, html)."""
    extract(url, html)  # warm up (imports, regex compilation)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        extract(url, html)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--fixtures", default=os.environ.get("PAPERSHELF_FIXTURES")
                        or REPO.parent / "shared" / "fixtures")
    args = parser.parse_args()
    pages = Path(args.fixtures) / "pages"
    cases = [(name, url, (pages / name).read_text(encoding="utf-8")) for name, url in PAGES]
    nature = cases[1]
    cases.append(("nature page, body repeated to 1 MB", nature[1], one_megabyte(nature[2])))
    # CPU time is printed beside wall time: on a busy machine the wall clock also
    # counts the time spent waiting for a core.
    print(f"{'page':<52} {'KB':>6} {'wall median ms':>15} {'CPU median ms':>14}")
    worst = 0.0
    for name, url, html in cases:
        wall, cpu = median_ms(url, html, args.runs)
        worst = max(worst, wall)
        print(f"{name[:52]:<52} {len(html.encode()) // 1024:>6} {wall:>15.1f} {cpu:>14.1f}")
    verdict = "meets" if worst <= TARGET_MS else "misses"
    print(f"load average {os.getloadavg()[0]:.1f}; worst wall median {worst:.1f} ms:"
          f" {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
