"""Reading PDFs' text in a child process: a PDF that hangs or crashes PDFium costs only itself.

`papershelf serve` and the CLI hand each stored PDF to one long-lived child
(`python -m papershelf.server.extract_process`), one path per line on its stdin, one
JSON answer per line on its stdout. The child runs at a lower CPU priority and holds no
lock of the server's, so clips stay fast while a library's PDFs are being read, and a
file that kills or stalls the child is marked unreadable and the child started afresh.
"""

import json
import os
import queue
import subprocess
import sys
import threading

# pdftext (PDFium) is imported where it is used: the child lowers its priority first, so
# that even its start-up gives way to the server.

TIMEOUT_SECONDS = 300.0  # for one PDF; a 1,000-page book takes about 10 s
NICENESS = 10
CHILD = [sys.executable, "-m", "papershelf.server.extract_process"]


class TextExtractor:
    """A child process that runs pdftext.extract on one PDF after the other."""

    def __init__(self, timeout=TIMEOUT_SECONDS, command=CHILD):
        self.timeout = timeout
        self.command = command
        self._process = None
        self._lines = None
        self._reader = None

    def extract(self, path):
        """Return the PdfText of the PDF at path; "unreadable" when the child fails on it."""
        from papershelf.server import pdftext

        for _ in range(2):  # a child that died since the last file is started again, once
            process = self._child()
            try:
                process.stdin.write(json.dumps(str(path)) + "\n")
                process.stdin.flush()
            except OSError:
                self.close()
                continue
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                line = None
            if not line:  # it crashed on this file, or stalled: never try that file again
                self.close()
                return pdftext.PdfText("unreadable", None)
            answer = json.loads(line)
            return pdftext.PdfText(answer["state"], answer["pages"],
                                   [(number, text) for number, text in answer["texts"]])
        return pdftext.PdfText("unreadable", None)

    def close(self):
        """Stop the child (it is started again by the next extract)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdin.close()
            self._reader.join(5)  # it closes the child's stdout once it has read it all
            self._process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _child(self):
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(self.command, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, text=True, encoding="utf-8")
            self._lines = queue.Queue()
            # A thread reads the answers, so that waiting for one can time out (on every OS).
            self._reader = threading.Thread(target=_read_lines, daemon=True,
                                            args=(self._process.stdout, self._lines))
            self._reader.start()
        return self._process


def _read_lines(stream, lines):
    with stream:
        for line in stream:
            lines.put(line)
    lines.put("")  # end of output: the child is gone


def main():
    """Answer one JSON line per path read from stdin (the child's side)."""
    if hasattr(os, "nice"):
        os.nice(NICENESS)  # the reader's clicks come first
    from papershelf.server import pdftext

    for line in sys.stdin:
        try:
            result = pdftext.extract(json.loads(line))
        except Exception:  # a bug of the reader on this PDF: this file only is unreadable
            result = pdftext.PdfText("unreadable", None)
        sys.stdout.write(json.dumps({"state": result.state, "pages": result.pages,
                                     "texts": result.texts}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
