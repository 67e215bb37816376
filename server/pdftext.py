"""Reading PDFs with PDFium (pypdfium2): is it a PDF, how many pages, its text page by page.

PDFium is not thread-safe, and the API (checking an upload) and the indexer (reading the
text) run in different threads: every call into it holds PDFIUM_LOCK, taken per page so
that an upload waits for one page at most, never for a whole book. Objects are closed
inside the lock, never left to the garbage collector (which may run in any thread).
"""

import re
import threading
import unicodedata
from dataclasses import dataclass, field

import pypdfium2 as pdfium

PDFIUM_LOCK = threading.Lock()
# The PDF header may follow some junk, but within the first 1024 bytes (PDF 1.7, 7.5.2).
HEADER_WINDOW = 1024
# A page with fewer visible characters than this holds no text layer worth indexing
# (a scan's page number, a stray mark).
MIN_PAGE_CHARS = 20
_WEB_PAGE = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<!--)", re.IGNORECASE)
# PDFium marks a hyphen that ends a line with \x02: "con\x02\r\ntents" is "contents".
_LINE_END_HYPHEN = re.compile(r"\x02\s*")
_SPACES = re.compile(r"\s+")


class NotAPdf(ValueError):
    """The bytes are not a readable PDF; the message says what they are, for the reader."""


@dataclass
class PdfInfo:
    pages: int | None  # None when a password hides even the page count
    encrypted: bool  # True when it cannot be opened without a password


@dataclass
class PdfText:
    state: str  # indexed | unreadable | encrypted (the files table's text states)
    pages: int | None
    texts: list = field(default_factory=list)  # (page number from 1, text) for pages with text


def check_header(head):
    """Raise NotAPdf unless head (the first bytes of a file) starts a PDF."""
    if not head:
        raise NotAPdf("the file is empty (0 bytes)")
    if b"%PDF-" in head[:HEADER_WINDOW]:
        return
    if _WEB_PAGE.match(head.lstrip(b"\xef\xbb\xbf")):
        raise NotAPdf("this is a web page, not a PDF (the publisher returned a login page?)")
    raise NotAPdf("this is not a PDF (it does not start with %PDF-)")


def inspect(path):
    """Return the PdfInfo of the PDF at path; raise NotAPdf when it is not a readable PDF."""
    with open(path, "rb") as handle:
        check_header(handle.read(HEADER_WINDOW))
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            if _needs_password(error):
                return PdfInfo(pages=None, encrypted=True)
            raise NotAPdf("the PDF is damaged or incomplete (was the download cut short?)") from None
        try:
            return PdfInfo(pages=len(document), encrypted=False)
        finally:
            document.close()


def extract(path):
    """Return the PdfText of the PDF at path: its text by page, or why there is none."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            return PdfText("encrypted" if _needs_password(error) else "unreadable", None)
        except OSError:  # the file is gone (deleted by hand)
            return PdfText("unreadable", None)
        count = len(document)
    try:
        texts = []
        for number in range(1, count + 1):
            text = _page_text(document, number - 1)
            if len(text) - text.count(" ") >= MIN_PAGE_CHARS:
                texts.append((number, text))
    finally:
        with PDFIUM_LOCK:
            document.close()
    return PdfText("indexed" if texts else "unreadable", count, texts)


def _page_text(document, index):
    with PDFIUM_LOCK:
        try:
            page = document[index]
        except pdfium.PdfiumError:
            return ""  # one broken page does not spoil the others
        try:
            textpage = page.get_textpage()
            try:
                raw = textpage.get_text_bounded()
            finally:
                textpage.close()
        except pdfium.PdfiumError:
            raw = ""
        finally:
            page.close()
    return clean_text(raw)


def clean_text(raw):
    """Return a page's text as one line: words joined across line-end hyphens, no controls."""
    text = _LINE_END_HYPHEN.sub("", raw)
    # Glyphs without a unicode meaning come out as control or private-use characters.
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return _SPACES.sub(" ", text).strip()


def _needs_password(error):
    return getattr(error, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD
