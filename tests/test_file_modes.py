"""Private by default: the library is 0600 in a 0700 home; exports keep their mode or follow the umask."""

import contextlib
import os
import stat
import subprocess
import sys

import pytest

from papershelf.exports.atomic import AtomicBatch, write_atomic, write_if_changed
from papershelf.server import paths, store
from papershelf.server.schema import open_db

ARXIV_PAGE = "arxiv_abs_1706.03762v7_2026.html"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@contextlib.contextmanager
def umask(value):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_library_is_readable_by_its_owner_only(tmp_path, monkeypatch):
    home = tmp_path / "data" / "papershelf"
    monkeypatch.setenv("PAPERSHELF_HOME", str(home))
    with umask(0o022):
        db = open_db(paths.default_db_path())
        store.save_paper(db, {"title": "Private"})
        files = {p.name: mode(p) for p in home.iterdir()}
        db.close()
    assert mode(home) == 0o700
    # The write-ahead log and its index take the database's mode: checked while they exist.
    assert files == {"papershelf.db": 0o600, "papershelf.db-wal": 0o600, "papershelf.db-shm": 0o600}


def test_the_token_command_creates_the_home_owner_only(tmp_path):
    home = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "papershelf.server.cli", "token"], check=True,
                   env={**os.environ, "PAPERSHELF_HOME": str(home)}, capture_output=True,
                   preexec_fn=lambda: os.umask(0o022))
    assert (mode(home), mode(home / "token")) == (0o700, 0o600)


def test_an_existing_library_keeps_its_mode(tmp_path):
    path = tmp_path / "shared.db"
    open_db(path).close()
    os.chmod(path, 0o640)
    open_db(path).close()
    assert mode(path) == 0o640


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_export_file_follows_the_umask(tmp_path, mask, expected):
    with umask(mask):
        write_if_changed(tmp_path / "refs.bib", "@misc{a}\n")
        with AtomicBatch(on_conflict=print) as batch:
            batch.add(tmp_path / "note.md", b"note")
    assert (mode(tmp_path / "refs.bib"), mode(tmp_path / "note.md")) == (expected, expected)


@pytest.mark.parametrize("existing", [0o644, 0o664, 0o600, 0o444])
def test_a_rewritten_export_file_keeps_its_mode(tmp_path, existing):
    bib, note = tmp_path / "refs.bib", tmp_path / "note.md"
    for path in (bib, note):
        path.write_text("old")
        os.chmod(path, existing)
    with umask(0o077):
        write_atomic(bib, b"new")
        with AtomicBatch(on_conflict=print) as batch:
            batch.add(note, b"new", expected=b"old")
    assert (bib.read_bytes(), note.read_bytes()) == (b"new", b"new")
    assert (mode(bib), mode(note)) == (existing, existing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md", "refs.bib"]


def test_the_cli_exports_keep_a_shared_files_mode_and_make_new_ones_by_the_umask(tmp_path, pages_dir):
    env = {**os.environ, "PAPERSHELF_HOME": str(tmp_path / "home")}

    def papershelf(*args):
        return subprocess.run([sys.executable, "-m", "papershelf.server.cli", *args], env=env, check=True,
                              capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022))

    papershelf("add", "--offline", "--html", str(pages_dir / ARXIV_PAGE), "https://arxiv.org/abs/1706.03762v7")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "refs.bib").write_text("% old\n")
    os.chmod(shared / "refs.bib", 0o664)
    (tmp_path / "vault").mkdir()
    papershelf("export", "bibtex", "-o", str(shared / "refs.bib"))
    papershelf("export", "json", "-o", str(tmp_path / "library.json"))
    papershelf("export", "obsidian", str(tmp_path / "vault"))
    note = tmp_path / "vault" / "Papers" / "@vaswani2017attention.md"
    assert "vaswani2017attention" in (shared / "refs.bib").read_text()
    assert (mode(shared / "refs.bib"), mode(tmp_path / "library.json"), mode(note)) == (0o664, 0o644, 0o644)
