"""`serve` refreshing on its own (refresh: daily in config.yml), in the background, never in a clip's way."""

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from papershelf.server import autorefresh, config, store
from papershelf.server.app import create_app
from papershelf.server.autorefresh import AutoRefresher
from papershelf.server.schema import open_db
from tests.servers import free_port, wait_for_url
from tests.test_refresh import CHEMCROW, READER

DEADLINE = 30  # seconds any wait below may take at most
TOKEN = "test-token-0123456789"


@pytest.mark.parametrize("text, seconds", [
    ("refresh: daily\n", 86400), ("refresh: weekly\n", 7 * 86400), ("refresh: off\n", None),
    ("auto_export: []\n", None),
])
def test_the_interval_comes_from_config(home, text, seconds):
    (home / "config.yml").write_text(text)
    assert autorefresh.configured_interval() == seconds


@pytest.mark.parametrize("text", ["refresh: hourly\n", "refresh: [daily]\n", "refresh: 24\n"])
def test_an_unknown_interval_is_a_clear_error(home, text):
    (home / "config.yml").write_text(text)
    with pytest.raises(config.ConfigError, match="refresh must be one of daily, weekly or off"):
        autorefresh.configured_interval()


def test_a_run_is_due_a_day_after_the_last_whole_library_run(db):
    assert autorefresh.seconds_until_due(db, 86400) == 0
    finished = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    db["refresh_runs"].insert({"finished_at": "2026-03-01T12:00:00.000Z", "scope": "all",
                               "checked": 3})
    db["refresh_runs"].insert({"finished_at": "2026-03-01T20:00:00.000Z", "scope": "all",
                               "checked": 0})  # offline: does not count
    later = finished + timedelta(hours=20)
    assert autorefresh.seconds_until_due(db, 86400, now=later) == 4 * 3600
    assert autorefresh.seconds_until_due(db, 86400, now=finished + timedelta(days=2)) < 0


def test_the_background_refresh_never_holds_up_a_clip(upstream, db, db_path, home, pages_dir):
    paper = store.save_paper(db, {**CHEMCROW, **READER}).paper
    released = upstream.hold("api.semanticscholar.org")
    refresher = AutoRefresher(db_path, 86400, echo=lambda line: None).start()
    try:
        # The refresh is now inside a network call (its request held by the stub).
        assert upstream.arrived["api.semanticscholar.org"].wait(DEADLINE)
        app = create_app({"DB_PATH": str(db_path), "TOKEN": TOKEN, "ENRICH": False})
        html = (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")
        started = time.monotonic()
        response = app.test_client().post(
            "/api/clip", json={"url": "https://arxiv.org/abs/1706.03762v7", "html": html},
            base_url="http://127.0.0.1:5178", headers={"Authorization": f"Bearer {TOKEN}"})
        took = time.monotonic() - started
        assert response.status_code == 201 and not refresher.finished.is_set()
        assert took < 5  # the held request waits up to 20 s: the clip did not wait for it
        released.set()
        assert refresher.finished.wait(DEADLINE)
    finally:
        refresher.stop()
    assert store.get_paper(db, paper["id"])["venue"] == "Nature Machine Intelligence"
    assert list(db.query("select scope, checked, changed from refresh_runs")) == [
        {"scope": "all", "checked": 1, "changed": 1}]  # the clip came after the run began
    assert autorefresh.seconds_until_due(db, 86400) > 86000  # not again until tomorrow


def test_stop_ends_a_run_between_two_papers(upstream, db, db_path, home, monkeypatch):
    from papershelf.server import refresh

    monkeypatch.setattr(refresh, "ARXIV_BATCH", 1)
    for n in range(3):
        store.save_paper(db, {**CHEMCROW, "arxiv_id": f"2304.0537{n}", "title": f"Paper {n}"})
    released = upstream.hold("api.semanticscholar.org")
    refresher = AutoRefresher(db_path, 86400, echo=lambda line: None).start()
    assert upstream.arrived["api.semanticscholar.org"].wait(DEADLINE)
    refresher._stop.set()  # as serve's shutdown does, while a paper is being looked up
    released.set()
    refresher.stop(timeout=DEADLINE)
    assert not refresher._thread.is_alive()
    assert len(upstream.asked("export.arxiv.org")) == 1  # the other papers were not begun
    assert list(db.query("select * from refresh_runs")) == []  # a cut-short run is not a run


def test_serve_refreshes_by_itself_when_config_says_daily(upstream, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yml").write_text("refresh: daily\n")
    db = open_db(home / "papershelf.db")
    paper = store.save_paper(db, {**CHEMCROW, **READER}).paper
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "PAPERSHELF_HOME": str(home)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "papershelf.server.cli", "serve", "--no-datasette", "--port",
             str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_url(f"http://127.0.0.1:{port}/api/ping", process, log)
        deadline = time.monotonic() + DEADLINE
        while not list(db.query("select 1 from refresh_runs")):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(DEADLINE)
    text = log.read_text()
    assert "auto-refresh     every 24 hours" in text
    assert "refresh: bran2023chemcrow: published in Nature Machine Intelligence 2024" in text
    assert store.get_paper(db, paper["id"])["entry_type"] == "article"


def test_serve_refuses_a_bad_refresh_setting(home, tmp_path):
    (home / "config.yml").write_text("refresh: sometimes\n")
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "serve",
                             "--no-datasette", "--port", str(free_port())],
                            capture_output=True, text=True, timeout=DEADLINE,
                            env={**os.environ, "PAPERSHELF_HOME": str(home)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {home / 'config.yml'}: refresh must be one of daily, weekly or off"
        " (not 'sometimes')"]
