"""The Obsidian export: golden notes, property types, incremental re-export, the reader's text."""

import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from papershelf.exports.obsidian import (
    CACHE_NAME,
    MANAGED_KEYS,
    PROPERTY_TYPES,
    ObsidianExportError,
    export_obsidian,
    obsidian_tag,
)
from papershelf.server import store

GOLDEN = Path(__file__).parent / "golden_obsidian"
UPDATE_GOLDEN = os.environ.get("PAPERSHELF_UPDATE_GOLDEN") == "1"
NEVER_NULL = {"title", "aliases", "authors", "citekey", "tags", "added", "status"}

PAPERS = [
    {"title": "Attention Is All You Need",
     "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
     "abstract": "The dominant sequence transduction models are based on complex recurrent or"
                 " convolutional neural networks in an encoder-decoder configuration.",
     "year": 2017, "published": "2017-06-12", "arxiv_id": "1706.03762v7",
     "arxiv_category": "cs.CL", "url": "https://arxiv.org/abs/1706.03762",
     "pdf_url": "https://arxiv.org/pdf/1706.03762v7", "venue": "NeurIPS",
     "code_url": "https://github.com/tensorflow/tensor2tensor", "entry_type": "preprint",
     "tags": ["cs.CL", "transformers", "to read"], "note": "Read section 3 first.",
     "status": "read"},
    {"title": 'Highly accurate protein structure prediction with "AlphaFold": a study',
     "authors": ["John Jumper", "Richard Evans"], "year": 2021, "published": "2021-07",
     "doi": "10.1038/S41586-021-03819-2", "venue": "Nature", "entry_type": "article",
     "url": "https://www.nature.com/articles/s41586-021-03819-2", "tags": ["biology"]},
    {"title": "Über die Quantenmechanik der Elektronen — 量子", "authors": ["Erwin Schrödinger"],
     "year": 1926, "tags": ["2024", "physics/quantum", "Deep   Learning"]},
    {"title": "Percent %% signs, [[brackets]] and --- rules", "authors": ["Ann Smith"],
     "abstract": "Line one %% not a comment.\n---\n[[Not a link]] and a: colon.",
     "citekey": "smith:2020", "tags": ["transformers"], "status": "reading"},
]


def make_library(db):
    """Store the golden library with fixed timestamps; return the papers."""
    for fields in PAPERS:
        store.save_paper(db, fields)
    for i, paper in enumerate(store.iter_papers(db, order_by="id")):
        stamp = f"2025-0{i + 1}-1{i}T0{i}:30:15.250Z"
        db.execute("update papers set added_at = ?, updated_at = ? where id = ?",
                   [stamp, stamp, paper["id"]])
    return list(store.iter_papers(db))


@pytest.fixture
def library(db):
    make_library(db)
    return db


@pytest.fixture
def vault(tmp_path):
    path = tmp_path / "vault"
    path.mkdir()
    return path


def note_files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("."))


def snapshot(folder):
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def frontmatter(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_golden_notes(library, vault):
    report = export_obsidian(library, vault)
    folder = vault / "Papers"
    if UPDATE_GOLDEN:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(folder, GOLDEN / "Papers", ignore=shutil.ignore_patterns(".*"))
    expected = GOLDEN / "Papers"
    assert note_files(folder) == note_files(expected)
    for name in note_files(expected):
        assert (folder / name).read_bytes() == (expected / name).read_bytes(), name
    assert sorted(report.written) == note_files(folder)
    assert report.unchanged == report.orphaned == report.skipped == []
    assert (folder / CACHE_NAME).is_file()


def test_every_note_has_the_documented_property_types(library, vault):
    export_obsidian(library, vault)
    notes = sorted((vault / "Papers").glob("@*.md"))
    assert len(notes) == len(PAPERS)
    for path in notes:
        props = frontmatter(path)
        assert list(props) == list(MANAGED_KEYS)
        for key, value in props.items():
            if value is None:
                assert key not in NEVER_NULL, (path.name, key)
                continue
            wanted = PROPERTY_TYPES[key]
            assert type(value) is wanted, (path.name, key, value)
            if wanted is list:
                assert all(type(item) is str for item in value)
        assert props["aliases"] == [props["title"]]
        assert path.name == f"@{props['citekey']}.md".replace(":", " ")


def test_properties_of_one_note(library, vault):
    export_obsidian(library, vault)
    assert frontmatter(vault / "Papers" / "@vaswani2017attention.md") == {
        "title": "Attention Is All You Need", "aliases": ["Attention Is All You Need"],
        "authors": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
        "year": 2017, "published": date(2017, 6, 12), "venue": "NeurIPS",
        "arxiv": "1706.03762", "doi": None, "url": "https://arxiv.org/abs/1706.03762",
        "pdf": "https://arxiv.org/pdf/1706.03762v7",
        "code": "https://github.com/tensorflow/tensor2tensor",
        "citekey": "vaswani2017attention", "tags": ["cs-CL", "transformers", "to-read"],
        "added": datetime(2025, 1, 10, 0, 30, 15), "status": "read",
    }


@pytest.mark.parametrize("tag, expected", [
    ("cs.LG", "cs-LG"), ("to read", "to-read"), ("#nlp", "nlp"), ("2024", "_2024"),
    ("physics/quantum", "physics/quantum"), ("a  --  b", "a-b"), ("Über", "Über"),
    ("C++", "C"), ("...", ""), ("2024/05", "_2024/05"), ("x/", "x"),
])
def test_obsidian_tag_rule(tag, expected):
    assert obsidian_tag(tag) == expected


def test_reexport_of_unchanged_library_writes_nothing(library, vault):
    export_obsidian(library, vault)
    before = snapshot(vault)
    report = export_obsidian(library, vault)
    assert report.written == []
    assert len(report.unchanged) == len(before) - 1  # every file but the fingerprint cache
    assert snapshot(vault) == before


def test_reexport_without_fingerprints_still_writes_no_note(library, vault):
    export_obsidian(library, vault)
    (vault / "Papers" / CACHE_NAME).unlink()
    before = snapshot(vault)
    report = export_obsidian(library, vault)
    assert (report.written, report.skipped) == ([], [])
    assert snapshot(vault) == before | {
        vault / "Papers" / CACHE_NAME: snapshot(vault)[vault / "Papers" / CACHE_NAME]}


def test_only_the_changed_paper_is_rewritten(library, vault):
    export_obsidian(library, vault)
    paper = store.get_paper_by_citekey(library, "schrodinger1926uber")
    store.update_paper(library, paper["id"], status="read")
    report = export_obsidian(library, vault)
    assert report.written == ["@schrodinger1926uber.md"]
    assert frontmatter(vault / "Papers" / "@schrodinger1926uber.md")["status"] == "read"


def test_reader_text_and_properties_survive_a_changed_paper(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@vaswani2017attention.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("year: 2017\n", "year: 2017\nrating: 5  # out of 5\nread-on: 2025-02-01\n")
    text = text.replace("---\n%% papershelf:begin", "---\nMy summary first.\n\n%% papershelf:begin")
    text = text.replace("## Notes\n", "## Notes\n\nSelf-attention replaces recurrence %% here.\n")
    text += "\n## Questions\n- why 8 heads?\n"
    path.write_text(text, encoding="utf-8")

    store.save_paper(library, {"arxiv_id": "1706.03762v8", "title": "Attention Is All You Need (v8)",
                               "authors": ["Ashish Vaswani"], "abstract": "A new abstract."})
    paper = store.get_paper_by_citekey(library, "vaswani2017attention")
    store.update_paper(library, paper["id"], tags=["nlp"], status="reading")
    report = export_obsidian(library, vault)

    assert "@vaswani2017attention.md" in report.written
    new = path.read_text(encoding="utf-8")
    props = frontmatter(path)
    assert list(props)[:6] == ["title", "aliases", "authors", "year", "rating", "read-on"]
    assert (props["title"], props["authors"], props["tags"], props["status"]) == (
        "Attention Is All You Need (v8)", ["Ashish Vaswani"], ["nlp"], "reading")
    assert (props["rating"], props["read-on"]) == (5, date(2025, 2, 1))
    assert props["aliases"] == ["Attention Is All You Need (v8)", "Attention Is All You Need"]
    assert "rating: 5  # out of 5\nread-on: 2025-02-01\n" in new
    assert "---\nMy summary first.\n\n%% papershelf:begin paper %%\n# Attention Is All You Need (v8)\n" in new
    assert "> A new abstract.\n" in new and "encoder-decoder" not in new
    assert new.endswith("## Notes\n\nSelf-attention replaces recurrence %% here.\n\n"
                        "\n## Questions\n- why 8 heads?\n")


def test_deleted_managed_parts_come_back_and_reader_lines_stay(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@jumper2021highly.md"
    original = path.read_text(encoding="utf-8")
    start = original.index("%% papershelf:begin paper %%")
    end = original.index("%% papershelf:end paper %%\n") + len("%% papershelf:end paper %%\n")
    damaged = original[:start] + "my words\n" + original[end:]
    damaged = damaged.replace('venue: "Nature"\n', "").replace(
        'title: "', 'title: "edited by hand ')
    path.write_text(damaged, encoding="utf-8")
    export_obsidian(library, vault)
    assert path.read_text(encoding="utf-8") == original[:start] + original[start:end] \
        + "my words\n" + original[end:]


def test_a_note_stripped_of_its_frontmatter_gets_it_back(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@jumper2021highly.md"
    original = path.read_text(encoding="utf-8")
    body = original.split("---\n", 2)[2]
    path.write_text("Just my text.\n\n" + body.replace("## Notes\n", "## Notes\nMine.\n"))
    export_obsidian(library, vault)
    assert path.read_text(encoding="utf-8") == original.replace(
        "---\n%% papershelf:begin", "---\nJust my text.\n\n%% papershelf:begin").replace(
        "## Notes\n", "## Notes\nMine.\n")


def test_a_note_another_tool_wrote_is_adopted_and_kept(library, vault):
    folder = vault / "Papers"
    folder.mkdir()
    mine = "---\ncitekey: vaswani2017attention\nrating: 5\n---\n# My reading\nGreat paper.\n"
    (folder / "@vaswani2017attention.md").write_text(mine)
    export_obsidian(library, vault)
    text = (folder / "@vaswani2017attention.md").read_text(encoding="utf-8")
    golden = (GOLDEN / "Papers" / "@vaswani2017attention.md").read_text(encoding="utf-8")
    head, body = golden.split("---\n")[1:3]
    region = body.split("\n\n## Notes")[0] + "\n"
    assert text == f"---\n{head}rating: 5\n---\n{region}# My reading\nGreat paper.\n"


def test_windows_line_endings_of_the_reader_are_kept(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@jumper2021highly.md"
    crlf = path.read_bytes().replace(b"\n", b"\r\n") + b"typed on Windows\r\n"
    path.write_bytes(crlf)
    report = export_obsidian(library, vault)
    assert (report.written, report.skipped) == ([], [])
    assert path.read_bytes() == crlf
    paper = store.get_paper_by_citekey(library, "jumper2021highly")
    store.update_paper(library, paper["id"], tags=["biology", "new tag"])
    report = export_obsidian(library, vault)
    assert (report.written, report.skipped) == (["@jumper2021highly.md", "Tags/new-tag.md"], [])
    assert path.read_bytes() == crlf.replace(b'- "biology"\r\n', b'- "biology"\r\n- "new-tag"\r\n')


def test_reader_properties_obsidian_accepts_do_not_stop_an_update(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@jumper2021highly.md"
    text = path.read_text(encoding="utf-8").replace(
        "year: 2021\n", "year: 2021\nseen: 2024-02-30\n  \nsummary: |\n  one\n\n  two\n")
    path.write_text(text, encoding="utf-8")
    store.update_paper(library, store.get_paper_by_citekey(library, "jumper2021highly")["id"],
                       status="read")
    report = export_obsidian(library, vault)
    assert report.written == ["@jumper2021highly.md"]
    assert path.read_text(encoding="utf-8") == text.replace('status: "unread"', 'status: "read"')


def test_note_with_broken_frontmatter_is_skipped_untouched(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "@jumper2021highly.md"
    broken = path.read_text(encoding="utf-8").replace("year: 2021\n", "year: [2021\nmine: {\n")
    path.write_text(broken, encoding="utf-8")
    paper = store.get_paper_by_citekey(library, "jumper2021highly")
    store.update_paper(library, paper["id"], status="read")
    report = export_obsidian(library, vault)
    assert [name for name, _ in report.skipped] == ["@jumper2021highly.md"]
    assert "not valid YAML" in report.skipped[0][1]
    assert path.read_text(encoding="utf-8") == broken


def test_unclosed_frontmatter_and_non_utf8_notes_are_skipped(library, vault):
    export_obsidian(library, vault)
    folder = vault / "Papers"
    (folder / "@jumper2021highly.md").write_text("---\ntitle: mine\nno end\n", encoding="utf-8")
    (folder / "@smith 2020.md").write_bytes(b"\xff\xfe latin-1 \xe9")
    for citekey in ("jumper2021highly", "smith:2020"):
        store.update_paper(library, store.get_paper_by_citekey(library, citekey)["id"],
                           status="read")
    report = export_obsidian(library, vault)
    assert dict(report.skipped) == {"@jumper2021highly.md": "frontmatter has no closing ---",
                                    "@smith 2020.md": "not UTF-8 text"}
    assert (folder / "@smith 2020.md").read_bytes() == b"\xff\xfe latin-1 \xe9"


def test_notes_of_deleted_papers_are_reported_not_deleted(library, vault):
    export_obsidian(library, vault)
    (vault / "Papers" / "@my own note.md").write_text("# not from papershelf\n")
    zotero = "---\ncitekey: doe2020zotero\n---\nA Zotero Integration note.\n"
    (vault / "Papers" / "@doe2020zotero.md").write_text(zotero)
    paper = store.get_paper_by_citekey(library, "jumper2021highly")
    store.delete_paper(library, paper["id"])
    report = export_obsidian(library, vault)
    assert report.orphaned == ["@jumper2021highly.md", "Tags/biology.md"]
    assert (vault / "Papers" / "@jumper2021highly.md").is_file()
    assert (vault / "Papers" / "@doe2020zotero.md").read_text() == zotero
    assert "jumper2021highly" not in (vault / "Papers" / "All papers.md").read_text()


def test_index_notes_of_tags_no_longer_used_are_reported_not_deleted(library, vault):
    export_obsidian(library, vault)
    paper = store.get_paper_by_citekey(library, "jumper2021highly")
    store.update_paper(library, paper["id"], tags=[])
    report = export_obsidian(library, vault)
    assert report.orphaned == ["Tags/biology.md"]
    assert "jumper2021highly" in (vault / "Papers" / "Tags" / "biology.md").read_text()
    assert export_obsidian(library, vault, tag="transformers").orphaned == []


def test_filtered_export_writes_only_the_selection(library, vault):
    report = export_obsidian(library, vault, folder="Reading/Transformers", tag="transformers")
    folder = vault / "Reading" / "Transformers"
    assert note_files(folder) == ["@smith 2020.md", "@vaswani2017attention.md", "All papers.md",
                                  "Tags/cs-CL.md", "Tags/to-read.md", "Tags/transformers.md"]
    report = export_obsidian(library, vault, folder="Reading/Transformers",
                             where="year < ?", params=[2000])
    assert report.written == ["@schrodinger1926uber.md", "All papers.md", "Tags/_2024.md",
                              "Tags/Deep-Learning.md", "Tags/physics-quantum.md"]
    assert report.orphaned == []  # the other notes' papers are still in the library


def test_index_notes_list_papers_and_keep_the_reader_text(library, vault):
    export_obsidian(library, vault)
    path = vault / "Papers" / "Tags" / "transformers.md"
    assert path.read_text(encoding="utf-8") == (
        "%% papershelf:begin index %%\n# Papers tagged #transformers\n\n2 papers.\n\n"
        "- [[@smith 2020|Percent %\\% signs, ((brackets)) and --- rules]] — Smith\n"
        "- [[@vaswani2017attention|Attention Is All You Need]] — Vaswani et al., 2017\n"
        "%% papershelf:end index %%\n")
    path.write_text("---\ncssclass: wide\n---\nOverview first.\n" + path.read_text() + "Bye.\n")
    edited = path.read_text()
    store.delete_paper(library, store.get_paper_by_citekey(library, "smith:2020")["id"])
    export_obsidian(library, vault)
    assert path.read_text() == edited.replace(
        "2 papers.\n\n- [[@smith 2020|Percent %\\% signs, ((brackets)) and --- rules]] — Smith\n",
        "1 paper.\n\n")


def test_comment_markers_in_values_cannot_open_an_obsidian_comment(library, vault):
    export_obsidian(library, vault)
    text = (vault / "Papers" / "@smith 2020.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2]
    assert body.count("%%") == 4  # the begin and end markers only
    assert "> Line one %\\% not a comment. --- [[Not a link]] and a: colon.\n" in body


def test_custom_template(library, vault, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("%% papershelf:begin head %%\n## {{ title }} ({{ props.year }})\n"
                        "%% papershelf:end head %%\nWritten once: {{ paper.citekey }}\n")
    export_obsidian(library, vault, template=template)
    path = vault / "Papers" / "@schrodinger1926uber.md"
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert body == ("%% papershelf:begin head %%\n## Über die Quantenmechanik der Elektronen"
                    " — 量子 (1926)\n%% papershelf:end head %%\nWritten once: schrodinger1926uber\n")
    template.write_text("%% papershelf:begin head %%\n## {{ title }}\n%% papershelf:end head %%\n")
    report = export_obsidian(library, vault, template=template)
    assert len([name for name in report.written if name.startswith("@")]) == len(PAPERS)
    assert path.read_text(encoding="utf-8").endswith(
        "%% papershelf:end head %%\nWritten once: schrodinger1926uber\n")


@pytest.mark.parametrize("source, message", [
    ("{% if %}", "line 1"), ("{{ paper.title | nosuchfilter }}", "nosuchfilter"),
])
def test_bad_template_is_a_clear_error(library, vault, tmp_path, source, message):
    template = tmp_path / "bad.md.j2"
    template.write_text(source)
    with pytest.raises(ObsidianExportError, match=message):
        export_obsidian(library, vault, template=template)
    assert list(vault.iterdir()) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"folder": "../outside"}, "inside the vault"),
    ({"folder": "/abs"}, "inside the vault"),
    ({"folder": "Bad:Name"}, "not safe"),
    ({"where": "no_such_column = 1"}, "cannot select papers"),
])
def test_bad_arguments_are_clear_errors(library, vault, kwargs, message):
    with pytest.raises(ObsidianExportError, match=message):
        export_obsidian(library, vault, **kwargs)
    assert list(vault.iterdir()) == []


def test_unwritable_folder_is_a_clear_error(library, vault):
    (vault / "Papers").write_text("a file where the folder should be")
    with pytest.raises(ObsidianExportError, match="cannot write the notes in"):
        export_obsidian(library, vault)
    assert (vault / "Papers").read_text() == "a file where the folder should be"


def test_missing_vault_is_an_error(library, tmp_path):
    with pytest.raises(ObsidianExportError, match="does not exist"):
        export_obsidian(library, tmp_path / "nope")
    assert not (tmp_path / "nope").exists()
