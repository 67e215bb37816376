"""One progress helper for every long command: a bar on a terminal, nothing on a pipe."""

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from papershelf.exports.obsidian import export_obsidian
from papershelf.server import store
from papershelf.server.progress import progress_bar

DEADLINE = 60


@pytest.fixture
def bib_file(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("".join(
        f"@article{{k{i}, title = {{Paper number {i}}}, author = {{Ann Author{i}}}, year = 2020}}\n"
        for i in range(30)), encoding="utf-8")
    return path


def run_on_a_terminal(args, env):
    """Run args with stderr on a pseudo-terminal; return (exit status, what the terminal showed)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=slave, env=env)
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    process.communicate(timeout=DEADLINE)
    return process.returncode, shown.decode("utf-8", "replace")


def papershelf(*args):
    return [sys.executable, "-m", "papershelf.server.cli", *args]


def test_import_draws_a_bar_on_a_terminal(bib_file, tmp_path):
    env = {**os.environ, "PAPERSHELF_HOME": str(tmp_path / "home"), "COLUMNS": "80"}
    status, shown = run_on_a_terminal(papershelf("import", str(bib_file)), env)
    assert status == 0
    assert "Importing" in shown and "100%" in shown


def test_import_prints_no_bar_into_a_pipe(bib_file, tmp_path):
    env = {**os.environ, "PAPERSHELF_HOME": str(tmp_path / "home")}
    result = subprocess.run(papershelf("import", str(bib_file)), capture_output=True, text=True,
                            env=env, timeout=DEADLINE)
    assert result.returncode == 0
    assert "Importing" not in result.stderr and "%" not in result.stderr


def test_obsidian_export_draws_its_bar_once_it_knows_the_count(bib_file, tmp_path):
    env = {**os.environ, "PAPERSHELF_HOME": str(tmp_path / "home"), "COLUMNS": "80"}
    subprocess.run(papershelf("import", str(bib_file)), env=env, check=True, capture_output=True)
    vault = tmp_path / "vault"
    vault.mkdir()
    status, shown = run_on_a_terminal(papershelf("export", "obsidian", str(vault)), env)
    assert status == 0
    assert "Writing notes" in shown and "100%" in shown


def test_advance_on_a_pipe_writes_nothing(capfd):
    with progress_bar("Working", 3) as advance:
        for _ in range(3):
            advance()
        advance(0, total=5)
    assert capfd.readouterr().err == ""


def test_the_exporter_reports_its_total_then_each_note(db, tmp_path):
    for i in range(4):
        store.save_paper(db, {"title": f"Paper {i}", "authors": ["Ann Author"], "year": 2020 + i})
    calls = []
    export_obsidian(db, tmp_path, progress=lambda n=1, total=None: calls.append((n, total)))
    assert calls == [(0, 4)] + [(1, None)] * 4
