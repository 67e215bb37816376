"""The embedded-BibTeX reader that ACL Anthology pages need."""

from papershelf.server.extractors import bibtex_block


def test_reads_quoted_braced_bare_and_joined_values():
    source = r'''@inproceedings{florian-etal-2004-statistical,
    title = "A {S}tatistical Model for {``}Entity{''} Detection",
    author = "Florian, R.  and
      M{\"u}ller, Hans and {\'E}mile Zola",
    month = may # " 2 - " # may # " 7",
    year = 2004,
    pages = {1--8},
    note = {nested {braces} stay whole}
}'''
    entry_type, key, fields = bibtex_block.read_entry(source)
    assert (entry_type, key) == ("inproceedings", "florian-etal-2004-statistical")
    assert fields["title"] == "A Statistical Model for “Entity” Detection"
    assert bibtex_block.names(fields["author"]) == ["R. Florian", "Hans Müller", "Émile Zola"]
    assert (fields["month"], fields["year"], fields["pages"]) == ("may 2 - may 7", "2004", "1--8")
    assert fields["note"] == "nested braces stay whole"


def test_broken_entries_give_what_they_can():
    assert bibtex_block.read_entry("no entry here") is None
    _, _, fields = bibtex_block.read_entry('@article{k, title = "Unclosed, year = 2020')
    assert fields == {}
    _, _, fields = bibtex_block.read_entry('@article{k, year = 2020, title = {Half')
    assert fields == {"year": "2020"}
