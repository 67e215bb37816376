"""An import killed with SIGKILL halfway leaves whole papers; running it again completes it."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from papershelf.exports.bibimport import BATCH_SIZE

REPO = Path(__file__).resolve().parent.parent
ENTRIES = 8000


def big_bib(path):
    """Write ENTRIES entries; every fifth has no year, so only its key and title identify it."""
    lines = []
    for n in range(ENTRIES):
        year = "" if n % 5 == 0 else f"year = {1990 + n % 30},"
        lines.append(f"@article{{key{n},\n  title = {{Study number {n} of {{DNA}} repair}},\n"
                     f"  author = {{Author{n % 97}, Given and Second, S.}},\n  {year}\n"
                     f"  journal = {{Journal {n % 13}}}, pages = {{{n}--{n + 9}}}\n}}\n")
    path.write_text("\n".join(lines))


def count(db_path):
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute("select count(*) from papers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not created yet
    finally:
        conn.close()


def run_import(db_path, bib):
    return subprocess.Popen([sys.executable, "-m", "papershelf.server.cli", "--db", str(db_path), "import",
                             str(bib)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def test_sigkill_halfway_then_rerun(tmp_path):
    bib, db_path = tmp_path / "big.bib", tmp_path / "papershelf.db"
    big_bib(bib)
    process = run_import(db_path, bib)
    deadline = time.monotonic() + 120
    while count(db_path) < 2 * BATCH_SIZE and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    halfway = conn.execute("select count(*) from papers").fetchone()[0]
    assert 2 * BATCH_SIZE <= halfway < ENTRIES
    # Each paper whole: its author rows and its full-text row are there with it.
    assert conn.execute(
        "select count(*) from papers where json_array_length(authors) !="
        " (select count(*) from paper_authors where paper_id = papers.id)").fetchone() == (0,)
    assert conn.execute("select count(*) from papers_fts").fetchone() == (halfway,)
    conn.close()

    process = run_import(db_path, bib)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert (out, err.decode().splitlines()[-1]) == (
        b"", f"created {ENTRIES - halfway}, merged {halfway}, failed 0")
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*), count(distinct citekey), count(distinct title)"
                        " from papers").fetchone() == (ENTRIES, ENTRIES, ENTRIES)
    assert conn.execute("select count(*) from papers where citekey = 'key' || substr(title, 14,"
                        " instr(substr(title, 14), ' ') - 1)").fetchone() == (ENTRIES,)
    conn.close()
