"""Atomic writes: whole files only, and a batch never overwrites what changed meanwhile."""

import os
import stat
import threading

import pytest

from papershelf.exports.atomic import SYNC_EACH_BELOW, AtomicBatch, write_if_changed


def test_write_if_changed_writes_once_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "sub" / "refs.bib"
    assert write_if_changed(path, "@misc{a}\n") is True
    mtime = path.stat().st_mtime_ns
    assert write_if_changed(path, "@misc{a}\n") is False
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == ["refs.bib"]


@pytest.mark.parametrize("count", [3, SYNC_EACH_BELOW + 40])
def test_batch_writes_new_and_replaced_files(tmp_path, count):
    (tmp_path / "old.md").write_bytes(b"old")
    conflicts = []
    with AtomicBatch(conflicts.append, size=25) as batch:
        batch.add(tmp_path / "old.md", b"new", expected=b"old")
        for n in range(count):
            batch.add(tmp_path / f"n{n}.md", f"note {n}".encode())
    assert conflicts == []
    assert (tmp_path / "old.md").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["old.md"] + [f"n{n}.md" for n in range(count)])


def test_batch_keeps_what_the_reader_saved_before_it_landed(tmp_path):
    edited, created = tmp_path / "edited.md", tmp_path / "created.md"
    edited.write_bytes(b"as exported")
    conflicts = []
    batch = AtomicBatch(conflicts.append)
    batch.add(edited, b"re-exported", expected=b"as exported")
    batch.add(created, b"exported")
    edited.write_bytes(b"the reader typed this")  # Obsidian saves in the meantime
    created.write_bytes(b"the reader made this note")
    batch.flush()
    assert sorted(conflicts) == sorted([edited, created])
    assert edited.read_bytes() == b"the reader typed this"
    assert created.read_bytes() == b"the reader made this note"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["created.md", "edited.md"]


def test_batch_interrupted_by_an_error_leaves_no_temporary_files(tmp_path):
    with pytest.raises(RuntimeError):
        with AtomicBatch(lambda path: None) as batch:
            batch.add(tmp_path / "a.md", b"a")
            raise RuntimeError("disk on fire")
    assert list(tmp_path.iterdir()) == []


def test_a_symbolic_link_stays_a_link_to_the_file_rewritten(tmp_path):
    target = tmp_path / "synced" / "refs.bib"
    target.parent.mkdir()
    target.write_text("@misc{old}\n")
    link = tmp_path / "refs.bib"
    link.symlink_to(target)
    assert write_if_changed(link, "@misc{new}\n") is True
    assert link.is_symlink() and target.read_text() == "@misc{new}\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["refs.bib"]


def test_a_pipe_is_written_through_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert write_if_changed(fifo, "@misc{a}\n") is True
    reader.join(timeout=30)
    assert received == [b"@misc{a}\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # a rename would have left a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
