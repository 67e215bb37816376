"""Property-based tests of the Obsidian export: any metadata gives valid YAML and safe names,
and the reader's edits survive re-exports while the paper changes."""

import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from papershelf.exports.filenames import is_safe_stem
from papershelf.exports.obsidian import MANAGED_KEYS, PROPERTY_TYPES, export_obsidian
from papershelf.server import store
from papershelf.server.schema import open_db

# Fragments that break naive YAML or Markdown writers, mixed into random unicode.
NASTY = st.sampled_from([
    '"', "'", ":", ": ", "---", "\n---\n", "%%", "%% papershelf:end paper %%", "[[", "]]",
    "#", "- ", "|", ">", "\\", "{{ x }}", "{% if %}", "&a", "*a", "!tag", "? ", "null", "true",
    "0x1F", "1e3", "\t", "\r\n", "\u2028", "\x85", "ß", "İ", "量子", "🦜", "\u200b", "CON",
])
TEXT = st.lists(st.one_of(NASTY, st.text(st.characters(exclude_categories=("Cs",),
                                                       exclude_characters="\x00"),
                                         max_size=12)),
                max_size=8).map("".join)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def read_note(path):
    text = path.read_bytes().decode("utf-8")  # exact text: no newline translation
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body, text


def check_note(path, paper):
    """Assert the note parses, has the documented types and shows the paper's metadata."""
    props, body, _ = read_note(path)
    assert list(props)[:4] == list(MANAGED_KEYS)[:4]
    for key in MANAGED_KEYS:
        value = props[key]
        assert value is None or type(value) is PROPERTY_TYPES[key], (key, value)
    assert (props["title"], props["authors"], props["citekey"]) == (
        paper["title"], paper["authors"], paper["citekey"])
    assert props["aliases"][0] == " ".join(paper["title"].split())
    return props, body


def all_names_safe(folder):
    for path in folder.rglob("*.md"):
        assert is_safe_stem(path.stem), path.name
        assert len(path.name.encode("utf-8")) <= 255


@SETTINGS
@given(title=TEXT, authors=st.lists(TEXT, max_size=4), abstract=TEXT, tags=st.lists(TEXT, max_size=4))
def test_any_metadata_gives_valid_yaml_and_safe_names(title, authors, abstract, tags):
    assume(title.split())
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "p.db")
        paper = store.save_paper(db, {"title": title, "authors": authors, "abstract": abstract,
                                      "tags": tags, "year": 2024}).paper
        vault = Path(tmp) / "vault"
        vault.mkdir()
        report = export_obsidian(db, vault)
        assert report.skipped == []
        folder = vault / "Papers"
        props, body = check_note(folder / f"@{paper['citekey']}.md", paper)
        assert all(tag and not tag.isdigit() and " " not in tag for tag in props["tags"])
        assert body.count("%%") == 4  # values never open an Obsidian comment
        all_names_safe(folder)
        for index in [folder / "All papers.md", *(folder / "Tags").glob("*.md")]:
            assert index.read_text(encoding="utf-8").count("%%") == 4
        db.close()


@SETTINGS
@given(first=TEXT, changes=st.lists(st.tuples(TEXT, st.lists(TEXT, min_size=1, max_size=3), TEXT,
                                              st.sampled_from(store.STATUSES)),
                                    min_size=3, max_size=3),
       reader_text=TEXT, reader_value=TEXT)
def test_reader_edits_survive_three_reexports(first, changes, reader_text, reader_value):
    assume(first.split() and all(title.split() for title, *_ in changes))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "p.db")
        paper = store.save_paper(db, {"title": first, "authors": ["Ada Lovelace"],
                                      "arxiv_id": "2401.00001v1", "year": 2024}).paper
        vault = Path(tmp) / "vault"
        vault.mkdir()
        export_obsidian(db, vault)
        path = vault / "Papers" / f"@{paper['citekey']}.md"
        _, _, text = read_note(path)
        extra = yaml.safe_dump({"my-thoughts": reader_value}, allow_unicode=True, width=2**20)
        mine = f"\n{reader_text}\n"
        text = text.replace("\nyear: 2024\n", f"\nyear: 2024\n{extra}", 1)
        text = text.replace("\nauthors:", '\n- "my alias"\nauthors:', 1)
        text = text.replace("\n## Notes\n", f"\n## Notes\n{mine}", 1)
        path.write_text(text, encoding="utf-8", newline="")

        for version, (title, authors, abstract, status) in enumerate(changes, start=2):
            paper = store.save_paper(db, {"arxiv_id": f"2401.00001v{version}", "title": title,
                                          "authors": authors, "abstract": abstract}).paper
            paper = store.update_paper(db, paper["id"], status=status, tags=[title[:10]])
            report = export_obsidian(db, vault)
            assert report.skipped == []
            props, body = check_note(path, paper)
            assert props["status"] == status
            assert props["aliases"][-1] == "my alias"  # the reader's alias stays
            assert props["my-thoughts"] == yaml.safe_load(extra)["my-thoughts"]
            keys = list(props)
            assert keys[keys.index("year") + 1] == "my-thoughts"
            note = path.read_bytes().decode("utf-8")
            assert f"\nyear: 2024\n{extra}" in note
            assert body.endswith(f"\n## Notes\n{mine}\n")
            all_names_safe(vault / "Papers")
        assert export_obsidian(db, vault).written == []
        (vault / "Papers" / ".papershelf.json").unlink()  # the slow path agrees
        report = export_obsidian(db, vault)
        assert (report.written, report.skipped) == ([], [])
        db.close()


REGION = re.compile(r"^%% papershelf:begin (\S+) %%\n.*?^%% papershelf:end \1 %%\n", re.MULTILINE | re.DOTALL)
MANAGED_ENTRY = re.compile(rf"^(?:{'|'.join(MANAGED_KEYS)}):.*\n(?:[- ].*\n)*", re.MULTILINE)


def reader_parts(text):
    """Return what the reader owns in a note: its frontmatter and body without managed parts."""
    head, body = text[4:].split("\n---\n", 1)
    return MANAGED_ENTRY.sub("", head + "\n"), REGION.sub("", body)


def entry_boundaries(head):
    """Return the offsets in frontmatter where a new top-level entry may go."""
    return [0] + [m.end() for m in re.finditer(r"\n(?=[^- \n])", head)] + [len(head) + 1]


LINE = TEXT.filter(lambda t: "papershelf:" not in t).map(lambda t: t.replace("\n", " ") + "\n")


@SETTINGS
@given(data=st.data(), titles=st.lists(TEXT.filter(str.split), min_size=3, max_size=3))
def test_reader_text_anywhere_outside_managed_parts_survives(data, titles):
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "p.db")
        paper = store.save_paper(db, {"title": "First", "authors": ["Ada Lovelace"],
                                      "arxiv_id": "2401.00001v1", "abstract": "A."}).paper
        vault = Path(tmp) / "vault"
        vault.mkdir()
        export_obsidian(db, vault)
        path = vault / "Papers" / f"@{paper['citekey']}.md"
        text = path.read_bytes().decode("utf-8")
        head, body = text[4:].split("\n---\n", 1)
        # Reader properties between any two entries of the frontmatter.
        spots = entry_boundaries(head)
        for _ in range(data.draw(st.integers(1, 3))):
            at = data.draw(st.sampled_from(spots))
            value = yaml.safe_dump({f"mine{at}": data.draw(TEXT)}, allow_unicode=True,
                                   width=2**20)
            head = (head + "\n")[:at] + value + (head + "\n")[at:]
            head = head.removesuffix("\n")
            spots = entry_boundaries(head)
        # Reader lines anywhere in the body outside the managed region.
        lines = body.split("\n")
        inside = False
        free_spots = [0, len(lines)]  # before the region; after the last newline
        for i, line in enumerate(lines):
            if line.startswith("%% papershelf:begin"):
                inside = True
            if not inside:
                free_spots.append(i)
            if line.startswith("%% papershelf:end"):
                inside = False
                free_spots.append(i + 1)
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.sampled_from(sorted(set(free_spots))))
            lines.insert(at, data.draw(LINE)[:-1])
            free_spots = [s + 1 if s >= at else s for s in free_spots] + [at]
        edited = f"---\n{head}\n---\n" + "\n".join(lines)
        assume(yaml.safe_load(head + "\n") is not None)
        path.write_bytes(edited.encode("utf-8"))
        mine = reader_parts(edited)

        for version, title in enumerate(titles, start=2):
            store.save_paper(db, {"arxiv_id": f"2401.00001v{version}", "title": title,
                                  "abstract": title})
            report = export_obsidian(db, vault)
            assert report.skipped == []
            note = path.read_bytes().decode("utf-8")
            assert reader_parts(note) == mine
            assert yaml.safe_load(note[4:].split("\n---\n", 1)[0])["title"] == \
                " ".join(title.split())
        db.close()
