"""Replication with the real Litestream: serve --replicate, kill -9, restore, status."""

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.servers import running_papershelf

CLIPS = 500
DEADLINE = 60


def papershelf(*args, home, check=False):
    return subprocess.run([sys.executable, "-m", "papershelf.server.cli", *args],
                          env={**os.environ, "PAPERSHELF_HOME": str(home)},
                          capture_output=True, text=True, timeout=DEADLINE, check=check)


def paper_page(n):
    """A small page with Highwire tags (what most publisher pages carry) for paper n."""
    return (f'<html><head><meta name="citation_title" content="Replicated paper number {n}">'
            f'<meta name="citation_author" content="Ada Writer{n}">'
            f'<meta name="citation_publication_date" content="2024/05/{1 + n % 28:02d}">'
            f'<meta name="citation_doi" content="10.5555/replica.{n}"></head><body></body></html>')


def library(db_path):
    """Return {citekey: (title, tags)} and the integrity verdict of the library at db_path."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("select citekey, title, tags from papers").fetchall()
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return {key: (title, tags) for key, title, tags in rows}, verdict


def test_every_acknowledged_clip_survives_kill_9_and_restore(tmp_path):
    home, replica = tmp_path / "laptop", tmp_path / "replica"
    home.mkdir()
    url = f"file://{replica}"
    acknowledged = set()
    with running_papershelf(home, extra_args=["--replicate", url]) as server:
        for n in range(CLIPS):
            status, body = server.request("POST", "/api/clip", {
                "url": f"https://publisher.example/article/{n}", "html": paper_page(n),
                "tags": [f"batch{n % 7}"]})
            assert status == 201, body
            acknowledged.add(body["paper"]["citekey"])
        caught_up = papershelf("replicate", "status", "--replica", url, "--wait", "--json",
                               home=home)
        assert caught_up.returncode == 0, caught_up.stderr
        position = json.loads(caught_up.stdout)
        assert position["running"] and position["behind"] == 0 and position["replica_txid"] > 0
        # The hard way down: no chance for either process to flush anything more.
        os.kill(position["pid"], signal.SIGKILL)
        server.process.kill()
        server.process.wait()
        server.process = None
        log = server.log_path.read_text()
    assert "replicating to   file://" in log and "replication error" not in log

    desktop = tmp_path / "desktop"
    restored = papershelf("restore", url, home=desktop)
    assert restored.returncode == 0, restored.stderr
    assert restored.stderr.strip() == f"restored {CLIPS} papers into {desktop / 'papershelf.db'}"
    original, _ = library(home / "papershelf.db")
    copy, verdict = library(desktop / "papershelf.db")
    assert verdict == "ok"
    assert acknowledged <= set(copy)
    assert copy == original  # keys, titles and tags identical


@pytest.fixture
def replica_url(tmp_path):
    """A replica holding a small library, written by the real Litestream once."""
    home = tmp_path / "source"
    home.mkdir()
    with running_papershelf(home, extra_args=["--replicate", f"file://{tmp_path / 'rep'}"]) as s:
        assert s.request("POST", "/api/clip", {"url": "https://publisher.example/a/1",
                                               "html": paper_page(1)})[0] == 201
        done = papershelf("replicate", "status", "--wait", "--replica",
                          f"file://{tmp_path / 'rep'}", home=home)
        assert done.returncode == 0, done.stderr
    return f"file://{tmp_path / 'rep'}"


def test_datasette_browses_a_restored_copy(replica_url, tmp_path):
    from datasette.app import Datasette

    copy = tmp_path / "restored.db"
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "--db", str(copy),
                             "restore", replica_url], capture_output=True, text=True,
                            timeout=DEADLINE, env={**os.environ,
                                                   "PAPERSHELF_HOME": str(tmp_path / "h")})
    assert result.returncode == 0, result.stderr
    datasette = Datasette([str(copy)])
    response = asyncio.run(datasette.client.get("/restored/papers.json?_shape=array"))
    assert [row["title"] for row in response.json()] == ["Replicated paper number 1"]


def test_restore_refuses_to_overwrite_a_library(replica_url, tmp_path):
    home = tmp_path / "desktop"
    assert papershelf("restore", replica_url, home=home).returncode == 0
    db = home / "papershelf.db"
    before = db.read_bytes()
    again = papershelf("restore", replica_url, home=home)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        f"Error: {db} already holds a library; restore elsewhere with --db PATH,"
        " or replace it with --force"]
    assert db.read_bytes() == before
    forced = papershelf("restore", replica_url, "--force", home=home)
    assert forced.returncode == 0 and library(db)[1] == "ok"


@pytest.mark.parametrize("url, message", [
    ("not a url", "Error: not a replica URL: 'not a url' (try file:///path/to/folder,"
                  " s3://bucket/path, sftp://user@host/path)"),
    ("file:///nonexistent/replica/folder", "Error: Litestream: no matching backup files available"),
    ("bogus://bucket/path", 'Error: Litestream: unknown replica type in config: "bogus"'),
])
def test_a_bad_url_gives_one_clear_line(tmp_path, url, message):
    result = papershelf("restore", url, home=tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [message]
    assert not (tmp_path / "home" / "papershelf.db").exists()
    assert not list((tmp_path / "home").glob(".papershelf.db.restoring*"))


def test_status_of_a_replica_when_litestream_is_not_running(replica_url, tmp_path):
    result = papershelf("replicate", "status", "--replica", replica_url,
                        home=tmp_path / "source")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"replica      {replica_url}"
    assert "litestream   not running" in result.stdout
    waited = papershelf("replicate", "status", "--replica", replica_url, "--wait",
                        home=tmp_path / "source")
    assert waited.returncode == 1
    assert waited.stderr.strip() == ("Error: Litestream is not running for this library"
                                     " (start it with papershelf serve --replicate URL)")


def test_status_needs_a_replica(tmp_path):
    result = papershelf("replicate", "status", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == ("Error: no replica: give --replica URL or set"
                                     " `replicate: URL` in config.yml")


def test_status_of_a_library_never_replicated(tmp_path):
    page, db = tmp_path / "page.html", tmp_path / "elsewhere.db"
    page.write_text(paper_page(1))
    papershelf("add", "--offline", "--html", str(page), "https://example.org/1", "--db", str(db),
               home=tmp_path / "home", check=True)
    replica = (tmp_path / "none").as_uri()
    # --db after the subcommand's name, as after every other command's
    result = papershelf("replicate", "status", "--replica", replica, "--db", str(db),
                        home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [f"replica      {replica}",
                                              "replica      empty: nothing replicated yet"]
    as_json = papershelf("replicate", "status", "--replica", replica, "--json", "--db", str(db),
                         home=tmp_path / "home")
    assert json.loads(as_json.stdout)["local_txid"] is None  # Litestream prints "-"


def test_a_broken_config_is_one_line_not_a_traceback(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yml").write_text("replicate: [\n")
    result = papershelf("replicate", "status", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"Error: {home / 'config.yml'}: not valid YAML (while parsing a flow node)"]


def test_replica_from_config_and_a_failing_replica_never_stops_clips(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # A folder Litestream cannot create: every sync fails, the server must go on.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (home / "config.yml").write_text(f"replicate: file://{blocker}/replica\n")
    with running_papershelf(home) as server:
        deadline = time.monotonic() + DEADLINE
        while "replication error" not in server.log_path.read_text():
            assert time.monotonic() < deadline, server.log_path.read_text()
            status, _ = server.request("POST", "/api/clip", {
                "url": f"https://publisher.example/a/{time.monotonic_ns()}",
                "html": paper_page(time.monotonic_ns() % 1000)})
            assert status in (200, 201)
        status, _ = server.request("GET", "/api/ping")
        assert status == 200
        log = server.log_path.read_text()
    assert f"replicating to   file://{blocker}/replica" in log
    error = next(line for line in log.splitlines() if "replication error" in line)
    assert "not a directory" in error
