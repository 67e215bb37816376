"""File names safe on Windows, macOS, Linux and in Obsidian links."""

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papershelf.exports.filenames import RESERVED, assign_stems, is_safe_stem, safe_stem

UNSAFE = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f\x7f]')


@pytest.mark.parametrize("text, expected", [
    ("@vaswani2017attention", "@vaswani2017attention"),
    ("@smith:2020", "@smith 2020"),
    ('a*b"c\\d/e<f>g:h|i?j#k^l[m]n', "a b c d e f g h i j k l m n"),
    ("tab\there\nnewline\x07bell", "tab here newline bell"),
    ("trailing dots...", "trailing dots"),
    ("trailing space. . ", "trailing space"),
    ("CON", "_CON"), ("con.md", "_con.md"), ("Com1", "_Com1"), ("LPT9.x.y", "_LPT9.x.y"),
    ("NUL .txt", "_NUL .txt"), ("CONSOLE", "CONSOLE"), ("COM10", "COM10"),
    ("", "untitled"), (" . ", "untitled"), ("???", "untitled"),
    ("Cafe\u0301", "Café"),
])
def test_safe_stem(text, expected):
    assert safe_stem(text) == expected


def test_long_names_are_capped_in_bytes_without_splitting_a_character():
    stem = safe_stem("量" * 200)
    assert stem == "量" * 60 and len(stem.encode("utf-8")) == 180
    assert len(safe_stem("a" * 300)) == 180


def test_assign_stems_keeps_safe_names_and_settles_clashes_case_insensitively():
    stems = assign_stems([(1, "@a:b"), (2, "@ab"), (3, "@a b"), (4, "@A B"), (5, "@x")])
    assert stems == {2: "@ab", 3: "@a b", 5: "@x", 1: "@a b 2", 4: "@A B 3"}
    # A clean name keeps its name whoever came first.
    assert assign_stems([(9, "@a:b"), (1, "@a b")]) == {1: "@a b", 9: "@a b 2"}


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=300))
def test_any_text_gives_a_safe_stem(text):
    stem = safe_stem(text)
    assert stem and not UNSAFE.search(stem)
    assert stem == stem.strip() and not stem.endswith(".")
    assert stem.split(".")[0].strip().upper() not in RESERVED
    assert len(stem.encode("utf-8")) <= 182
    assert unicodedata.is_normalized("NFC", stem)
    assert is_safe_stem(stem)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=20))
def test_assigned_stems_never_clash(texts):
    stems = assign_stems(enumerate(texts))
    folded = [unicodedata.normalize("NFC", s).casefold() for s in stems.values()]
    assert len(set(folded)) == len(texts)
    assert all(is_safe_stem(s) for s in stems.values())
