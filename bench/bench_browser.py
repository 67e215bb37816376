"""Click to "Saved" in real Chromium and Firefox: from opening the popup on a tab to the answer.

For each browser and page, a fresh tab shows the page (served over HTTPS by the tests'
fixture-site proxy), its badge lookup is let finish, then popup.html?tabId=N opens on it, as
the toolbar button does, and the time from the popup's navigation start to its
"papershelf:shown" performance mark (set when "Saved", or the listing's checklist, is on
screen) is one clip. Between clips the paper is deleted, so every clip is a new "Saved".
The breakdown comes from the clip itself, in the order things happen: asked (the popup
opening until it asks the background for the clip), capture (the background reading the tab:
scripting.executeScript, the DOM serialised, brought over), transfer (the POST's round trip
less the server's extraction and store: sending, JSON decoding and encoding), extraction and
store (the server's Server-Timing), and rest (the answer's way back to the popup and its
rendering, and any wait for the popup's own modules).

Beside each page, in the same run: the popup floor (the same popup on a tab with nothing to
read, answered at once: the cost of opening it) and the server floor (the same HTML POSTed to
/api/clip straight from Python). Targets: p50 <= 150 ms on the arXiv page, <= 300 ms on the
1 MB page.

    python bench/bench_browser.py [--clips 20] [--browsers chromium,firefox] [--fixtures DIR]
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_extract import one_megabyte  # noqa: E402 (the same 1 MB page in both benches)
from tests.browser_support import BROWSERS, start_browser, wait_for  # noqa: E402
from tests.extension_support import EXTENSION_DIR, Extension  # noqa: E402
from tests.servers import running_papershelf  # noqa: E402
from tests.site_proxy import FixturePage, FixtureSiteProxy  # noqa: E402

WARM_UP = 2
NOT_SAVED_TITLE = "Save to papershelf (not in your library yet)"
SHOWN = """() => {
    const [mark] = performance.getEntriesByName("papershelf:shown");
    return mark ? {startTime: mark.startTime, detail: mark.detail} : null;
}"""


def pages(pages_dir):
    """Return the benchmark's cases: (label, url, html bytes, expected outcome kind, target ms)."""
    nature = (pages_dir / "nature_s41586-021-03819-2.html").read_text(encoding="utf-8")
    return [
        (
            "arXiv abs 1706.03762",
            "https://arxiv.org/abs/1706.03762v7",
            (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_bytes(),
            "saved",
            150,
        ),
        (
            "Nature article (as saved)",
            "https://www.nature.com/articles/s41586-021-03819-2",
            nature.encode(),
            "saved",
            None,
        ),
        (
            "Nature article, 1 MB",
            "https://www.nature.com/articles/s41586-021-03819-2-1mb",
            one_megabyte(nature).encode(),
            "saved",
            300,
        ),
        (
            "arXiv listing (checklist)",
            "https://arxiv.org/list/astro-ph/pastweek",
            (pages_dir / "arxiv_list_astro-ph_pastweek_2024-11_browser_saved.html").read_bytes(),
            "listing",
            None,
        ),
    ]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def open_page(extension, url):
    """Open url in a fresh tab, wait for its badge lookup to answer; return (page, tab id)."""
    page, tab = extension.open_tab(url)
    wait_for(
        lambda: (
            extension.evaluate("(t) => chrome.action.getTitle({tabId: t})", tab) == NOT_SAVED_TITLE
        ),
        what=f"the badge lookup of {url}",
    )
    return page, tab


def clip_once(extension, tab):
    """Open the popup on tab; return its "shown" mark (startTime: ms since the popup opened)."""
    popup = extension.popup_for(tab)
    try:
        popup.wait_for_function(SHOWN, timeout=60_000)
        return popup.evaluate(SHOWN)
    finally:
        popup.close()


def delete_all(server):
    status, answer = server.request("GET", "/api/papers?limit=1000")
    assert status == 200, answer
    for paper in answer["papers"]:
        server.request("DELETE", f"/api/papers/{paper['id']}")


def bench_page(extension, server, url, kind, clips):
    """Return one row of measurements (dicts of per-clip milliseconds) for one page."""
    rows = []
    for n in range(WARM_UP + clips):
        page, tab = open_page(extension, url)
        mark = clip_once(extension, tab)
        page.close()
        detail = mark["detail"]
        if detail["kind"] != kind:
            sys.exit(f"FAIL: {url} gave {detail['kind']!r}, not {kind!r}: {detail}")
        delete_all(server)
        if n < WARM_UP:
            continue
        timings, served = detail["timings"], detail["timings"]["server"]
        rows.append(
            {
                "total": mark["startTime"],
                "capture": timings["capture"],
                "transfer": timings["request"] - served["extract"] - served["store"],
                "extract": served["extract"],
                "store": served["store"],
                "asked": detail["askedAt"],
                "rest": mark["startTime"]
                - detail["askedAt"]
                - timings["capture"]
                - timings["request"],
                "html": timings["htmlLength"],
            }
        )
    return rows


def popup_floor(extension, clips):
    """Return per-clip ms of the popup on a tab with nothing to read (the options page)."""
    tab = extension.evaluate("async () => (await chrome.tabs.getCurrent()).id")
    times = []
    for n in range(WARM_UP + clips):
        mark = clip_once(extension, tab)
        if mark["detail"]["kind"] != "error":
            sys.exit(f"FAIL: the popup floor's tab was clipped: {mark['detail']}")
        if n >= WARM_UP:
            times.append(mark["startTime"])
    return times


def server_floor(server, url, html, clips):
    """Return per-clip ms of POST /api/clip with the page's HTML straight from Python."""
    body = json.dumps({"url": url, "html": html.decode("utf-8")})
    times = []
    for n in range(WARM_UP + clips):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        start = time.perf_counter()
        connection.request(
            "POST",
            "/api/clip",
            body=body,
            headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        connection.close()
        if response.status >= 300:
            sys.exit(f"FAIL: direct POST of {url} answered {response.status}")
        delete_all(server)
        if n >= WARM_UP:
            times.append(elapsed)
    return times


# The parts of a clip, in the order they happen (see the module's docstring).
PARTS = ("asked", "capture", "transfer", "extract", "store", "rest")


def table_row(result):
    """Return the figures of one row: size, count, p50, p99, the parts' medians, floors, ratio."""
    rows = result["rows"]
    total = [r["total"] for r in rows]
    p50 = statistics.median(total)
    popup_floor = statistics.median(result["popup_floor"])
    server_floor = statistics.median(result["server_floor"])
    parts = [statistics.median(r[part] for r in rows) for part in PARTS]
    size = statistics.median(r["html"] for r in rows) / 1024
    figures = [size, len(rows), p50, percentile(total, 0.99), *parts, popup_floor, server_floor]
    return figures + [p50 / (popup_floor + server_floor)]


def print_table(results):
    names = ["KB", "n", "p50", "p99", *PARTS, "popup floor", "server floor", "p50/floors"]
    head = f"{'browser':<9} {'page':<27} " + " ".join(
        f"{name:>{max(len(name), 6)}}" for name in names
    )
    print(head + "  target")
    print("-" * (len(head) + 8))
    for result in results:
        cells = []
        for name, value in zip(names, table_row(result)):
            digits = 0 if name in ("KB", "n") else 2 if name == "p50/floors" else 1
            cells.append(f"{value:>{max(len(name), 6)}.{digits}f}")
        target, p50 = result["target"], table_row(result)[2]
        verdict = "" if target is None else f"{'ok' if p50 <= target else 'MISS'} (<= {target} ms)"
        print(f"{result['browser']:<9} {result['label']:<27} " + " ".join(cells) + f"  {verdict}")
    print(
        "ms; medians of each part; KB = the HTML the extension sent (the serialised DOM); "
        "p50/floors = p50 over (popup floor + server floor)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--browsers", default=",".join(BROWSERS))
    parser.add_argument("--pages", default="", help="only the pages whose label contains this text")
    parser.add_argument(
        "--extension", default=str(EXTENSION_DIR), help="the unpacked extension to time"
    )
    parser.add_argument(
        "--fixtures",
        default=os.environ.get("PAPERSHELF_FIXTURES") or REPO.parent / "shared" / "fixtures",
    )
    args = parser.parse_args()
    if args.clips < 20:
        sys.exit("FAIL: p99 needs at least 20 clips (--clips 20)")
    cases = [
        case
        for case in pages(Path(args.fixtures) / "pages")
        if args.pages.lower() in case[0].lower()
    ]
    site = {url: FixturePage("text/html; charset=utf-8", body=html) for _, url, html, _, _ in cases}
    results = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        FixtureSiteProxy(site) as proxy,
        running_papershelf(Path(tmp)) as server,
    ):
        for name in args.browsers.split(","):
            profile = Path(tmp) / f"profile-{name}"
            profile.mkdir()
            driver = start_browser(name, profile, Path(args.extension), proxy=proxy.address)
            try:
                extension = Extension(driver)
                extension.configure(server.api_url, server.token)
                floor = popup_floor(extension, args.clips)
                for label, url, html, kind, target in cases:
                    print(f"{name}: {label}...", file=sys.stderr)
                    results.append(
                        {
                            "browser": name,
                            "label": label,
                            "target": target,
                            "rows": bench_page(extension, server, url, kind, args.clips),
                            "popup_floor": floor,
                            "server_floor": server_floor(server, url, html, args.clips),
                        }
                    )
            finally:
                driver.stop()
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"{args.clips} clips per row after {WARM_UP} warm-up clips"
    )
    print_table(results)


if __name__ == "__main__":
    main()
