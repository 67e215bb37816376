"""Reading PDFs in a child process: the same text as in process, and a bad PDF costs only itself."""

import sys

from papershelf.server import pdftext
from papershelf.server.extract_process import TextExtractor
from tests.pdf_support import ENCRYPTED, pdfs  # noqa: F401 (a fixture)

# A stand-in child with PDFium's worst manners, chosen by the path it is given.
MISBEHAVING = r"""
import json, os, sys, time
for line in sys.stdin:
    path = json.loads(line)
    if "crash" in path:
        os._exit(11)  # as a segfault in PDFium would end it
    if "hang" in path:
        time.sleep(60)
    sys.stdout.write(json.dumps({"state": "indexed", "pages": 1, "texts": [[1, path]]}) + "\n")
    sys.stdout.flush()
"""


def test_the_child_reads_what_the_reader_reads_in_process(pdfs):
    with TextExtractor() as child:
        for name in ("1001._0908.0054.pdf", "small_ocr.pdf"):
            assert child.extract(pdfs[name].path) == pdftext.extract(pdfs[name].path)
        assert child.extract(ENCRYPTED) == pdftext.PdfText("encrypted", None)
        assert child.extract("/no/such/file.pdf") == pdftext.PdfText("unreadable", None)
        assert child.extract(pdfs["1001._0908.0054.pdf"].path).state == "indexed"  # still there


def test_a_file_that_kills_the_child_is_unreadable_and_the_next_one_is_read():
    with TextExtractor(command=[sys.executable, "-c", MISBEHAVING]) as child:
        assert child.extract("/a/first.pdf") == pdftext.PdfText("indexed", 1, [(1, "/a/first.pdf")])
        assert child.extract("/a/crash.pdf") == pdftext.PdfText("unreadable", None)
        assert child.extract("/a/next.pdf").texts == [(1, "/a/next.pdf")]


def test_a_file_that_stalls_the_child_is_given_up_after_the_timeout():
    # The timeout also covers a fresh child's start: generous for a busy machine.
    with TextExtractor(timeout=8, command=[sys.executable, "-c", MISBEHAVING]) as child:
        assert child.extract("/a/hang.pdf") == pdftext.PdfText("unreadable", None)
        assert child.extract("/a/then.pdf").texts == [(1, "/a/then.pdf")]
