"""Start the real `papershelf serve` as a subprocess for tests that need a live server."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from papershelf.server.datasette.launch import datasette_argv

START_TIMEOUT = 30


def free_port():
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PapershelfServer:
    """A `papershelf serve` process on 127.0.0.1 with its own PAPERSHELF_HOME."""

    def __init__(self, home, datasette=False, port=None, extra_args=()):
        self.home = Path(home)
        self.port = port or free_port()
        self.datasette_port = free_port() if datasette else None
        self.extra_args = list(extra_args)
        self.process = None
        self.log_path = self.home / "serve.log"

    @property
    def api_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def datasette_url(self):
        return f"http://127.0.0.1:{self.datasette_port}" if self.datasette_port else None

    @property
    def db_path(self):
        return self.home / "papershelf.db"

    @property
    def token(self):
        return (self.home / "token").read_text().strip()

    def start(self):
        """Start the server (again, on the same ports) and wait until it answers."""
        args = [sys.executable, "-m", "papershelf.server.cli", "serve", "--offline", "--port", str(self.port)]
        if self.datasette_port:
            args += ["--datasette-port", str(self.datasette_port)]
        else:
            args.append("--no-datasette")
        env = {**os.environ, "PAPERSHELF_HOME": str(self.home)}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args + self.extra_args, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self._wait_until_up()
        return self

    def stop(self):
        """Stop the server (SIGTERM, as a service manager would) and wait for it."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request(self, method, path, body=None, headers=None):
        """Send one request with the token; return (status, parsed JSON body)."""
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Authorization": f"Bearer {self.token}"}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        req = urllib.request.Request(self.api_url + path, data=data, method=method,
                                     headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def _wait_until_up(self):
        wait_for_url(self.api_url + "/api/ping", self.process, self.log_path)
        if self.datasette_port:
            wait_for_url(self.datasette_url + "/-/versions.json", self.process, self.log_path)


def wait_for_url(url, process, log_path, timeout=START_TIMEOUT):
    """Wait until url answers; fail with the process's log if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited: {log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer: {log_path.read_text()}")
            time.sleep(0.1)


@contextlib.contextmanager
def running_datasette(db_path, folder):
    """Run Datasette as papershelf starts it (datasette_argv) over db_path; yield its port."""
    port = free_port()
    log_path = Path(folder) / "datasette.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(datasette_argv(db_path, port), stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for_url(f"http://127.0.0.1:{port}/-/versions.json", process, log_path)
        yield port
    finally:
        process.terminate()
        process.wait(15)


@contextlib.contextmanager
def running_papershelf(home, datasette=False, port=None, extra_args=()):
    """Run `papershelf serve` for the duration of the block."""
    server = PapershelfServer(home, datasette=datasette, port=port, extra_args=extra_args)
    server.start()
    try:
        yield server
    finally:
        server.stop()
