"""A PDF sent to a real `papershelf serve` is indexed by its worker, then found by the CLI."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

from tests.browser_support import wait_for
from tests.pdf_support import ENCRYPTED, pdfs  # noqa: F401 (a fixture)
from tests.servers import running_papershelf

PAPER = {"title": "Novelty Controlled Paraphrase Generation with Retrieval Augmented Conditional"
                  " Prompt Tuning", "authors": ["Jishnu Ray Chowdhury"], "year": 2022}
KEY = "chowdhury2022novelty"
PDF_NAME = "value-error-box-diff-page-3574574f60182fc886aa13ad9d9dd3efc4d0a081.pdf"


def put_pdf(server, paper_id, data):
    request = urllib.request.Request(
        f"{server.api_url}/api/papers/{paper_id}/pdf", data=data, method="PUT",
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/pdf"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def cli(home, *args):
    return subprocess.run([sys.executable, "-m", "papershelf.server.cli", *args], text=True,
                          capture_output=True, env={"PAPERSHELF_HOME": str(home)}, timeout=120)


def test_an_uploaded_pdf_is_indexed_by_the_server_and_found_by_search(home, pdfs):
    pdf = pdfs[PDF_NAME]
    with running_papershelf(home) as server:
        status, body = server.request("POST", "/api/papers", PAPER)
        paper = body["results"][0]["paper"]
        assert (status, paper["citekey"]) == (200, KEY)
        status, body = put_pdf(server, paper["id"], pdf.path.read_bytes())
        assert (status, body["file"]["pages"], body["file"]["text"]) == (201, pdf.pages, "pending")

        def text_state():
            return server.request("GET", f"/api/papers/{paper['id']}")[1]["files"][0]["text"]

        wait_for(lambda: text_state() == "indexed", timeout=60, what="the worker to index it")
        found = cli(home, "search", pdf.phrase)
        assert found.returncode == 0 and found.stdout.startswith(KEY)
        assert "    p. 3: " in found.stdout
        # An encrypted PDF neither stops the worker nor fails the upload.
        status, body = put_pdf(server, paper["id"], ENCRYPTED.read_bytes())
        assert (status, body["file"]["text"]) == (201, "encrypted")
        assert put_pdf(server, paper["id"], b"<html>login</html>")[0] == 422
        assert server.process.poll() is None


def test_attach_beside_a_running_server_is_searchable_at_once(home, pdfs):
    pdf = pdfs["0807.3577.pdf"]
    with running_papershelf(home) as server:
        paper = server.request("POST", "/api/papers", PAPER)[1]["results"][0]["paper"]
        attached = cli(home, "attach", KEY, str(pdf.path))
        assert attached.returncode == 0, attached.stderr
        assert attached.stderr.endswith(f"({pdf.pages} pages, text indexed)\n")
        assert cli(home, "search", pdf.phrase).stdout.startswith(KEY)
        [stored] = server.request("GET", f"/api/papers/{paper['id']}")[1]["files"]
        assert (stored["pages"], stored["text"]) == (pdf.pages, "indexed")
