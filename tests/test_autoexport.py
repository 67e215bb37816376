"""Auto-export: targets from config, a watcher thread that debounces and writes only changes."""

import itertools
import time
from pathlib import Path

import pytest

from papershelf.exports import autoexport
from papershelf.exports.autoexport import AutoExporter, Target, load_targets, parse_target
from papershelf.server import store
from papershelf.server.schema import open_db


def test_parse_target(tmp_path):
    assert parse_target("bibtex:/tmp/refs.bib") == Target("bibtex", Path("/tmp/refs.bib"))
    assert parse_target("biblatex:out/a.bib?tag=thesis").tag == "thesis"
    assert str(parse_target("obsidian:~/vault")).startswith("obsidian:/")
    for bad in ("refs.bib", "word:/x.bib", "bibtex:", ""):
        with pytest.raises(ValueError, match="is not KIND:PATH"):
            parse_target(bad)


def test_load_targets(tmp_path):
    config = tmp_path / "config.yml"
    assert load_targets(config) == []
    config.write_text("auto_export:\n  - bibtex:refs.bib\n  - obsidian:vault?tag=ml\n")
    assert [str(t) for t in load_targets(config)] == ["bibtex:refs.bib", "obsidian:vault?tag=ml"]
    config.write_text("citekey_format: '{auth}{year}'\n")
    assert load_targets(config) == []
    config.write_text("auto_export: 3\n")
    with pytest.raises(ValueError, match="must be a list"):
        load_targets(config)
    config.write_text("auto_export: [bibtex\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_targets(config)


def test_configured_targets_read_papershelf_home(home):
    assert autoexport.configured_targets() == []
    (home / "config.yml").write_text("auto_export: bibtex:refs.bib\n")
    assert [str(t) for t in autoexport.configured_targets(["obsidian:vault"])] == [
        "bibtex:refs.bib", "obsidian:vault"]


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def caught_up(exporter, rounds):
    """True once the exporter ran `rounds` rounds and then saw the library as it exported it."""
    return exporter.rounds >= rounds and exporter.quiet_polls > 0


def test_watcher_debounces_and_writes_only_changes(db_path, tmp_path):
    db = open_db(db_path)
    store.save_paper(db, {"title": "First Paper", "authors": ["A B"], "year": 2020})
    bib, tagged = tmp_path / "out" / "all.bib", tmp_path / "out" / "tagged.bib"
    exporter = AutoExporter(db_path, [f"bibtex:{bib}", f"biblatex:{tagged}?tag=keep"],
                            debounce=0.3, poll=0.05)
    assert exporter.targets[1] == Target("biblatex", tagged, "keep")
    exporter.start()
    try:
        assert "@misc{b2020first," in bib.read_text()  # written at start
        assert tagged.read_text() == ""  # nothing tagged yet: an empty file
        assert exporter.exports == 2
        # A burst of changes gives one export once the library is quiet.
        for n in range(5):
            store.save_paper(db, {"title": f"Burst {n}", "authors": ["C D"], "year": 2021,
                                  "tags": ["keep"] if n == 0 else []})
        assert wait_for(lambda: caught_up(exporter, 2)), (exporter.rounds, exporter.errors)
        assert (exporter.rounds, exporter.exports) == (2, 4)  # once more, not once per change
        assert bib.read_text().count("@misc{") == 6
        assert tagged.read_text().count("@misc{") == 1
        # A change that leaves the .bib text alone (the note) writes nothing.
        stamp = bib.stat().st_mtime_ns
        store.update_paper(db, 1, note="private thoughts")
        assert wait_for(lambda: caught_up(exporter, 3)), (exporter.rounds, exporter.errors)
        assert (bib.stat().st_mtime_ns, exporter.exports) == (stamp, 4)
        # A change still waiting for its debounce is written on stop.
        store.save_paper(db, {"title": "Last One", "authors": ["E F"], "year": 2022})
    finally:
        exporter.stop()
    assert "f2022last" in bib.read_text()
    assert exporter.errors == []
    db.close()


def test_broken_target_does_not_stop_the_others(db_path, tmp_path, monkeypatch):
    open_db(db_path).close()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    good = tmp_path / "good.bib"
    exporter = AutoExporter(db_path, [f"bibtex:{blocker}/x.bib", f"bibtex:{good}"], poll=0.05)
    exporter.start()
    exporter.stop()
    assert good.exists() and len(exporter.errors) == 1
    assert exporter.errors[0][0] == f"bibtex:{blocker}/x.bib"


def test_obsidian_target(db_path, tmp_path):
    db = open_db(db_path)
    store.save_paper(db, {"title": "A Note Worth Keeping", "authors": ["A B"], "year": 2020,
                          "tags": ["ml"]})
    db.close()
    vault = tmp_path / "vault"
    vault.mkdir()  # the Obsidian exporter writes into an existing vault only
    exporter = AutoExporter(db_path, [f"obsidian:{vault}?tag=ml"], poll=0.05)
    exporter.start()
    exporter.stop()
    notes = list((vault / "Papers").rglob("*.md"))
    assert exporter.errors == [] and exporter.exports == 1
    assert any("A Note Worth Keeping" in note.read_text() for note in notes)


def test_fingerprint_changes_on_insert_update_delete(db):
    prints = [autoexport.fingerprint(db)]
    paper = store.save_paper(db, {"title": "T", "authors": ["A B"], "year": 2020}).paper
    prints.append(autoexport.fingerprint(db))
    time.sleep(0.002)
    store.update_paper(db, paper["id"], tags=["x"])
    prints.append(autoexport.fingerprint(db))
    store.delete_paper(db, paper["id"])
    prints.append(autoexport.fingerprint(db))
    assert all(a != b for a, b in itertools.pairwise(prints))
