"""`papershelf serve` for real: a waitress process on 127.0.0.1, concurrent clients, shutdown."""

import concurrent.futures
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import click
import pytest

from papershelf.server import serve
from tests.servers import free_port, running_papershelf, wait_for_url

THREADS, CLIPS_PER_THREAD = 8, 25


def test_clip_lookup_patch_over_http(home, pages_dir):
    html = (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text()
    with running_papershelf(home) as server:
        status, body = server.request("POST", "/api/clip",
                                      {"url": "https://arxiv.org/abs/1706.03762v7", "html": html})
        assert (status, body["status"], body["paper"]["citekey"]) == (201, "created", "vaswani2017attention")
        status, found = server.request("GET", "/api/papers/lookup?url=https://arxiv.org/pdf/1706.03762")
        assert (status, found["found"]) == (200, True)
        status, patched = server.request("PATCH", f"/api/papers/{body['paper']['id']}",
                                         {"tags": ["nlp"], "note": "good"})
        assert (status, patched["tags"], patched["note"]) == (200, ["nlp"], "good")
        status, _ = server.request("GET", "/api/papers/1", headers={"Authorization": "Bearer nope"})
        assert status == 401
        status, refused = server.request("GET", "/api/ping", headers={"Host": f"evil.example:{server.port}"})
        assert status == 403


def listening_addresses(port):
    """Return the local IPv4 addresses with a socket listening on port (from /proc/net/tcp)."""
    addresses = []
    with open("/proc/net/tcp") as table:
        lines = table.read().splitlines()[1:]
    for line in lines:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if state == "0A" and int(local_port, 16) == port:
            addresses.append(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return addresses


def test_server_listens_on_loopback_only(home):
    with running_papershelf(home) as server:
        assert listening_addresses(server.port) == ["127.0.0.1"]


def test_concurrent_clients_store_every_clip_without_errors(home):
    def clip(worker):
        statuses = []
        for n in range(CLIPS_PER_THREAD):
            arxiv = f"2401.{worker:02d}{n:03d}"
            html = (f'<html><head><meta name="citation_title" content="Paper {worker}-{n}">'
                    f'<meta name="citation_author" content="Author {worker}">'
                    f'<meta name="citation_arxiv_id" content="{arxiv}"></head></html>')
            statuses.append(server.request("POST", "/api/clip",
                                           {"url": f"https://arxiv.org/abs/{arxiv}", "html": html})[0])
        return statuses

    with running_papershelf(home) as server:
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            statuses = [s for batch in pool.map(clip, range(THREADS)) for s in batch]
        log = server.log_path.read_text()
    assert statuses == [201] * THREADS * CLIPS_PER_THREAD
    assert "locked" not in log and "Traceback" not in log
    count = sqlite3.connect(home / "papershelf.db").execute("select count(*) from papers").fetchone()[0]
    assert count == THREADS * CLIPS_PER_THREAD


def test_sigint_stops_the_server_cleanly(home):
    port = free_port()
    out, err = home / "serve.out", home / "serve.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "papershelf.server.cli", "serve", "--no-datasette", "--offline",
             "--port", str(port)], env={"PAPERSHELF_HOME": str(home)}, stdout=stdout,
            stderr=stderr)
    try:
        wait_for_url(f"http://127.0.0.1:{port}/api/ping", process, err)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ping", timeout=5) as answer:
            assert json.loads(answer.read())["app"] == "papershelf"  # it served, then Ctrl-C
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert f"http://127.0.0.1:{port}" in out.read_text() and str(home / "token") in out.read_text()
    assert "stopped" in err.read_text() and "Traceback" not in err.read_text()


def test_port_in_use_is_a_one_line_error(home):
    with running_papershelf(home) as server:
        result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "serve", "--no-datasette",
                                 "--port", str(server.port)], env={"PAPERSHELF_HOME": str(home)},
                                capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot listen on 127.0.0.1")


def test_auto_export_rewrites_the_bib_file_after_a_clip(home, tmp_path, pages_dir):
    bib = tmp_path / "thesis" / "refs.bib"
    (tmp_path / "vault").mkdir()
    (home / "config.yml").write_text(f"auto_export:\n  - obsidian:{tmp_path / 'vault'}\n")
    html = (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text()
    with running_papershelf(home, extra_args=["--auto-export", f"bibtex:{bib}"]) as server:
        status, _ = server.request("POST", "/api/clip",
                                   {"url": "https://arxiv.org/abs/1706.03762v7", "html": html})
        assert status == 201
        deadline = time.monotonic() + 20
        while "vaswani2017attention" not in (bib.read_text() if bib.exists() else ""):
            assert time.monotonic() < deadline, "the .bib file was not rewritten"
            time.sleep(0.2)
        assert "auto-export      bibtex:" in server.log_path.read_text()
    assert list((tmp_path / "vault").rglob("*vaswani2017attention*.md"))


def test_bad_auto_export_target_is_a_one_line_error(home):
    result = subprocess.run([sys.executable, "-m", "papershelf.server.cli", "serve", "--no-datasette",
                             "--port", str(free_port()), "--auto-export", "word:refs.docx"],
                            env={"PAPERSHELF_HOME": str(home)}, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        result.stderr.strip().splitlines()[0]] and "auto-export target" in result.stderr


def test_a_second_library_never_points_at_the_first_ones_datasette(tmp_path):
    first_home, second_home = tmp_path / "first", tmp_path / "second"
    first_home.mkdir()
    second_home.mkdir()
    with running_papershelf(first_home, datasette=True) as first:
        api_port = free_port()
        result = subprocess.run(
            [sys.executable, "-m", "papershelf.server.cli", "serve", "--offline", "--port", str(api_port),
             "--datasette-port", str(first.datasette_port)], env={**os.environ, "PAPERSHELF_HOME": str(second_home)},
            capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [(
            f"Error: cannot start Datasette on 127.0.0.1:{first.datasette_port} (Address already in use):"
            " is another papershelf serving there? Choose --datasette-port PORT or --no-datasette")]
        assert "Datasette" not in result.stdout and "Traceback" not in result.stderr
        with socket.socket() as probe:  # the second API let its port go
            probe.bind(("127.0.0.1", api_port))
        # The first library's Datasette is untouched, and it is recognisably the first's.
        assert serve._serves_database(first.datasette_port, first.db_path)
        assert not serve._serves_database(first.datasette_port, second_home / "papershelf.db")


def test_a_second_library_on_free_ports_prints_its_own_datasette(tmp_path):
    first_home, second_home = tmp_path / "first", tmp_path / "second"
    first_home.mkdir()
    second_home.mkdir()
    with running_papershelf(first_home, datasette=True) as first, \
            running_papershelf(second_home, datasette=True) as second:
        banner = second.log_path.read_text()
        assert f"Datasette        http://127.0.0.1:{second.datasette_port}/" in banner
        assert str(first.datasette_port) not in banner
        assert serve._serves_database(second.datasette_port, second.db_path)


def test_a_datasette_that_cannot_bind_is_a_one_line_error_and_no_orphan(tmp_path):
    # The port looked free, then someone else took it: Datasette exits, serve says so.
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(1)"])
    with pytest.raises(click.ClickException, match=r"Datasette could not start on 127.0.0.1:\d+ \(exit status 1\)"):
        serve._wait_until_serving(process, tmp_path / "p.db", free_port())
    assert process.poll() == 1  # reaped: no defunct child left behind
