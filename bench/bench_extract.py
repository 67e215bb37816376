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

from server.extractors import extract  # noqa: E402

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
    extract(url, html)  # warm up (imports, regex compilation)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        extract(url, html)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


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
    print(f"{'page':<58} {'KB':>6} {'median ms':>10} {'min ms':>8}")
    worst = 0.0
    for name, url, html in cases:
        median, fastest = median_ms(url, html, args.runs)
        worst = max(worst, median)
        print(f"{name[:58]:<58} {len(html.encode()) // 1024:>6} {median:>10.1f} {fastest:>8.1f}")
    verdict = "meets" if worst <= TARGET_MS else "MISSES"
    print(f"worst median {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
