"""Helpers for the PDF tests: the real fixture PDFs as their README describes them, and a stub web.

The shared fixtures' pdfs/README.md is the authority on each PDF (its page count from
pdfinfo, a phrase that occurs only in its body on page 3): the tests read that table
instead of repeating it. The project's own PDFs (tests/fixtures/pdfs) are listed in SOURCES.md.
"""

import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

OWN_PDFS = Path(__file__).resolve().parent / "fixtures" / "pdfs"
ENCRYPTED = OWN_PDFS / "r6-user-password.pdf"  # AES-256, needs the user password to open
OWNER_ONLY = OWN_PDFS / "r6-owner-password.pdf"  # AES-256, opens without a password
OWNER_ONLY_TEXT = "pdf encryption test"


@dataclass
class FixturePdf:
    path: Path
    pages: int
    phrase: str | None  # occurs on page 3 only; None for the image-only scan


def shared_pdfs(fixtures_dir):
    """Return {file name: FixturePdf} from the table of the shared pdfs/README.md."""
    folder = fixtures_dir / "pdfs"
    found = {}
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 10 or not cells[0].endswith(".pdf"):
            continue
        phrase = re.fullmatch(r"`(.+)`", cells[9])
        found[cells[0]] = FixturePdf(folder / cells[0], int(cells[8]), phrase and phrase.group(1))
    return found


@pytest.fixture(scope="session")
def pdfs(fixtures_dir):
    """The shared real PDFs, by file name (seven of them)."""
    table = shared_pdfs(fixtures_dir)
    assert len(table) == 7 and all(pdf.path.is_file() for pdf in table.values()), table
    return table


class StubWeb:
    """A 127.0.0.1 server answering as the web would, for server.net (PAPERSHELF_UPSTREAM).

    answers: original URL -> (status, content type, body bytes). Every request is
    recorded with its time (monotonic) to check the politeness of the fetches.
    """

    def __init__(self):
        self.answers = {}
        self.requests = []  # (original URL, monotonic time)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                original = self.headers.get("X-Papershelf-Original-URL", "")
                stub.requests.append((original, time.monotonic()))
                status, kind, body = stub.answers.get(original, (404, "text/plain", b"not here"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def asked(self):
        return [url for url, _ in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def web(monkeypatch):
    """A StubWeb that server.net talks to instead of the internet, without rate-limit waits."""
    from papershelf.server import net

    with StubWeb() as stub:
        monkeypatch.setenv("PAPERSHELF_UPSTREAM", stub.url)
        monkeypatch.setattr(net, "MIN_INTERVAL", {})
        yield stub
