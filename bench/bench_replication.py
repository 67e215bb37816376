"""Replication lag: from a clip's 201 to its presence in a restored copy on "another machine".

A `papershelf serve --replicate file://...` takes CLIPS clips, five a second; a
`litestream restore -f` keeps a copy up to date from the replica (as a second machine
would) and the bench polls that copy for each paper. The floor is the same measurement
with Litestream replicating a bare SQLite writer (one insert per "clip"): what
Litestream's own intervals cost, with papershelf out of the way.

    python bench/bench_replication.py [--clips 100]
"""

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from papershelf.server.replication import litestream_binary  # noqa: E402
from tests.servers import running_papershelf  # noqa: E402
from tests.test_replication import paper_page  # noqa: E402

RATE = 5  # clips a second
POLL = 0.02
FOLLOW_INTERVAL = "1s"  # Litestream's default; --follow-interval changes it
DEADLINE = 60


def follow(replica, copy, first_key, query):
    """Start a `litestream restore -f` keeping copy up to date from the replica folder,
    once the replica has its first snapshot; return it when copy holds first_key."""
    deadline = time.monotonic() + DEADLINE
    while not list(replica.rglob("*.ltx")):
        assert time.monotonic() < deadline, "Litestream wrote no snapshot"
        time.sleep(POLL)
    process = subprocess.Popen([litestream_binary(), "restore", "-f", "-follow-interval",
                                FOLLOW_INTERVAL, "-o", str(copy), f"file://{replica}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert arrival_times(copy, [first_key], query), "the followed copy never started"
    return process


def arrival_times(copy, keys, query, done=None):
    """Poll the copy until every key is there; return {key: time first seen}.

    keys may grow while this runs (another thread adds clips); done() says when it stops.
    """
    seen, deadline = {}, time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        finished = done() if done else True
        try:
            conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True, timeout=0.1)
            present = {row[0] for row in conn.execute(query)}
            conn.close()
        except sqlite3.Error:
            present = set()  # the copy is not there yet, or is being written
        now = time.monotonic()
        for key in list(keys):
            if key in present and key not in seen:
                seen[key] = now
        if finished and len(seen) == len(keys):
            break
        time.sleep(POLL)
    return seen


def watch(copy, keys, query):
    """Poll copy in a thread while clips go in; return (stop(), {key: time seen})."""
    state = {"sending": True}
    seen = {}
    thread = threading.Thread(target=lambda: seen.update(
        arrival_times(copy, keys, query, done=lambda: not state["sending"])))
    thread.start()

    def stop():
        state["sending"] = False
        thread.join()
        return seen
    return stop


def lags(acked, seen):
    return [seen[k] - acked[k] for k in acked if k in seen]


def measure_papershelf(work, clips):
    home, url = work / "home", f"file://{work / 'replica'}"
    home.mkdir()
    acked = {}
    with running_papershelf(home, extra_args=["--replicate", url]) as server:
        status, _ = server.request("POST", "/api/clip", {"url": "https://publisher.example/0",
                                                         "html": paper_page(0)})
        assert status == 201
        watcher = follow(work / "replica", work / "copy.db", "10.5555/replica.0",
                         "select doi from papers")
        try:
            stop = watch(work / "copy.db", acked, "select doi from papers")
            for n in range(1, clips + 1):
                status, body = server.request("POST", "/api/clip", {
                    "url": f"https://publisher.example/{n}", "html": paper_page(n)})
                assert status == 201, body
                acked[body["paper"]["doi"]] = time.monotonic()
                time.sleep(1 / RATE)  # the pace of the load, not a synchronisation
            seen = stop()
        finally:
            watcher.terminate()
            watcher.wait()
    return lags(acked, seen), len(acked) - len(seen)


def measure_bare_sqlite(work, clips):
    db, url = work / "bare.db", f"file://{work / 'bare-replica'}"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("create table clips (key text)")
    conn.execute("insert into clips values ('k0')")
    replicator = subprocess.Popen([litestream_binary(), "replicate", str(db), url],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    acked = {}
    try:
        watcher = follow(work / "bare-replica", work / "bare-copy.db", "k0",
                         "select key from clips")
        try:
            stop = watch(work / "bare-copy.db", acked, "select key from clips")
            for n in range(1, clips + 1):
                conn.execute("insert into clips values (?)", [f"k{n}"])
                acked[f"k{n}"] = time.monotonic()
                time.sleep(1 / RATE)
            seen = stop()
        finally:
            watcher.terminate()
            watcher.wait()
    finally:
        replicator.terminate()
        replicator.wait()
        conn.close()
    return lags(acked, seen), len(acked) - len(seen)


def summary(name, values, missing):
    values = sorted(values)
    p50 = statistics.median(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return f"{name:<34} {len(values):>5} {p50 * 1000:>9.0f} {p99 * 1000:>9.0f} {missing:>8}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--follow-interval", default=FOLLOW_INTERVAL,
                        help="how often the copy polls the replica (Litestream duration)")
    args = parser.parse_args()
    globals()["FOLLOW_INTERVAL"] = args.follow_interval
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours, ours_missing = measure_papershelf(work, args.clips)
        floor, floor_missing = measure_bare_sqlite(work, args.clips)
    print(f"{'replication lag (201 -> in the copy)':<34} {'n':>5} {'p50 ms':>9} {'p99 ms':>9}"
          f" {'missing':>8}")
    print(summary("papershelf serve --replicate", ours, ours_missing))
    print(summary("floor: Litestream, bare SQLite", floor, floor_missing))
    print(f"ratio p50: {statistics.median(ours) / statistics.median(floor):.2f}x"
          f" (1 s sync interval, {args.follow_interval} follow interval, {RATE} clips/s)")


if __name__ == "__main__":
    main()
