"""Any title and names survive export and import: escaped once, decoded back to the same text."""

import bibtexparser
import pybtex.database
from hypothesis import example, given, settings
from hypothesis import strategies as st

from papershelf.exports.bibimport import import_bibtex
from papershelf.exports.bibtex import export_bibtex
from papershelf.server import store
from papershelf.server.schema import open_db

# Letters and signs a title may hold: LaTeX specials, accents, other scripts, math.
TITLE_CHARS = st.sampled_from(
    list("abcXYZ019 .,:;!?'`()-/@*+=<>|\"")
    + list("&%$#_{}~^\\") + list("éèüÖçñøßÆœŁąčğıİŠ") + list("αβΩ日本語ё") + ["–", "—", "…"])
WORD = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéüçøß")), min_size=2, max_size=8)


@st.composite
def names(draw):
    given_name, family = draw(WORD), draw(WORD)
    return f"{given_name.capitalize()} {family.capitalize()}"


@settings(max_examples=120, deadline=None)
# Found by hypothesis: "$Æ$" was kept as math and written ${\AE}$ (a text command in math),
# which read back otherwise. Non-ASCII "math" is text in BibTeX mode: \${\AE}\$.
@example(title="$Æ$", authors=["Ab Cd"], mode="bibtex")
@example(title="$50%$ of {x", authors=["Ab Cd"], mode="biblatex")
@given(title=st.text(TITLE_CHARS, min_size=1, max_size=60).filter(lambda t: t.strip()),
       authors=st.lists(names(), min_size=1, max_size=4),
       mode=st.sampled_from(["bibtex", "biblatex"]))
def test_title_and_authors_round_trip(title, authors, mode):
    db = open_db(":memory:")
    paper = store.save_paper(db, {"title": title, "authors": authors, "year": 2020,
                                  "entry_type": "article", "venue": "J & Co"}).paper
    text = export_bibtex(db, None, mode=mode).text

    assert bibtexparser.parse_string(text).failed_blocks == []
    pybtex.database.parse_string(text, "bibtex")  # strict: raises on any problem

    copy = open_db(":memory:")
    report = import_bibtex(copy, text)
    assert (report.created, report.failed) == (1, [])
    back = store.get_paper_by_citekey(copy, paper["citekey"])
    assert (back["title"], back["authors"], back["venue"]) == (
        paper["title"], paper["authors"], "J & Co")
    db.close()
    copy.close()
