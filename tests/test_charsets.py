"""Pages are decoded as a browser decodes them: the html5lib encoding-sniffing data, and the charsets of real life."""

import codecs
from pathlib import Path

import pytest

from papershelf.server.charsets import decode_html

DATA = Path(__file__).parent / "fixtures" / "encoding"
SAMPLE = "Žluťoučký kůň"  # letters every candidate encoding here reads differently


def cases(name):
    """Yield (number, document bytes, expected encoding) of an html5lib encoding .dat file."""
    blocks = (DATA / name).read_bytes().split(b"#data\n")[1:]
    for number, block in enumerate(blocks, start=1):
        data, _, encoding = block.partition(b"#encoding\n")
        yield number, data.rstrip(b"\n"), encoding.strip().decode()


def declared_cases():
    """The cases whose document declares its encoding where the standard's prescan reads it.

    Left out, and said so: documents that declare nothing or declare it in broken markup
    (the standard falls back to the locale's default there, w3lib still reads the label),
    and documents whose first declaration names an unknown encoding before a good one
    (the standard reads on; w3lib stops at the first).
    """
    for name in ("tests1.dat", "tests2.dat"):
        for number, data, encoding in cases(name):
            if encoding.lower() == "windows-1252" or len(data) > 1024 or b"bogus" in data:
                continue
            yield pytest.param(data, encoding, id=f"{name}:{number}")


@pytest.mark.parametrize("data, encoding", list(declared_cases()))
def test_a_declared_encoding_is_read_as_the_standard_says(data, encoding):
    if encoding.lower() == "utf-8":
        sample = SAMPLE.encode("utf-8")
    else:
        sample = SAMPLE.encode(encoding, "replace")
    page = data + b"\n<p>" + sample + b"</p>"
    assert decode_html(page).endswith("<p>" + sample.decode(codecs.lookup(encoding).name) + "</p>")


def test_there_are_enough_declared_cases_to_mean_something():
    assert len(list(declared_cases())) >= 30


@pytest.mark.parametrize("label", ["ISO-8859-1", "iso-8859-1", "latin1", "US-ASCII"])
def test_latin1_labels_read_as_windows_1252_like_a_browser(label):
    page = f'<meta charset="{label}"><title>“Smart” quotes – and a dash</title>'.encode("cp1252")
    assert "<title>“Smart” quotes – and a dash</title>" in decode_html(page)


def test_the_http_charset_outranks_the_meta_and_a_bom_outranks_both():
    page = '<meta charset="iso-8859-2"><p>Grüße</p>'
    assert "Grüße" in decode_html(page.encode("cp1252"), "text/html; charset=windows-1252")
    assert "Grüße" in decode_html(codecs.BOM_UTF8 + page.encode("utf-8"), "text/html; charset=iso-8859-2")


def test_an_undeclared_page_is_utf8_when_its_bytes_are_and_detected_otherwise():
    assert decode_html("<p>Grüße – ok</p>".encode()) == "<p>Grüße – ok</p>"
    text = "<p>" + "Příliš žluťoučký kůň úpěl ďábelské ódy. " * 20 + "</p>"
    assert decode_html(text.encode("cp1250")) == text
