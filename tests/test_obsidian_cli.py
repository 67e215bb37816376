"""`papershelf export obsidian` on the command line."""

import pytest
from click.testing import CliRunner

from papershelf.server import store
from papershelf.server.cli import cli
from papershelf.server.schema import open_db


@pytest.fixture
def library_path(db_path):
    db = open_db(db_path)
    store.save_paper(db, {"title": "Attention Is All You Need", "authors": ["Ashish Vaswani"],
                          "year": 2017, "arxiv_id": "1706.03762", "tags": ["nlp"]})
    store.save_paper(db, {"title": "Deep Residual Learning", "authors": ["Kaiming He"],
                          "year": 2016, "tags": ["vision"]})
    db.close()
    return db_path


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_export_writes_notes_and_prints_one_summary_line(library_path, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    result = run("--db", str(library_path), "export", "obsidian", str(vault), "--tag", "nlp")
    assert result.exit_code == 0, result.output
    # The summary is a diagnostic: stderr, stdout stays empty (#13: summaries on one stream).
    assert (result.stdout, result.stderr) == (
        "", f"3 written, 0 unchanged, 0 orphaned, 0 skipped in {vault / 'Papers'}\n")
    assert sorted(p.name for p in (vault / "Papers").rglob("*.md")) == [
        "@vaswani2017attention.md", "All papers.md", "nlp.md"]
    result = run("--db", str(library_path), "export", "obsidian", str(vault), "--tag", "nlp")
    assert result.stderr.startswith("0 written, 3 unchanged")


def test_export_of_a_selection_without_papers_says_so(library_path, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    result = run("--db", str(library_path), "export", "obsidian", str(vault), "--tag", "nosuchtag")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == "no papers selected (--tag nosuchtag)"
    assert not list((vault / "Papers").glob("@*.md"))
    everything = run("--db", str(library_path), "export", "obsidian", str(vault))
    assert "no papers selected" not in everything.stderr


def test_export_options_folder_where_template(library_path, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    template = tmp_path / "t.md.j2"
    template.write_text("%% papershelf:begin t %%\n{{ title }}\n%% papershelf:end t %%\n")
    result = run("--db", str(library_path), "export", "obsidian", str(vault), "--folder", "Lit",
                 "--where", "year = 2016", "--template", str(template))
    assert result.exit_code == 0, result.output
    note = (vault / "Lit" / "@he2016deep.md").read_text(encoding="utf-8")
    assert note.endswith("---\n%% papershelf:begin t %%\nDeep Residual Learning\n"
                         "%% papershelf:end t %%\n")


def test_orphans_are_named_on_stderr(library_path, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    run("--db", str(library_path), "export", "obsidian", str(vault))
    db = open_db(library_path)
    store.delete_paper(db, store.get_paper_by_citekey(db, "he2016deep")["id"])
    db.close()
    result = run("--db", str(library_path), "export", "obsidian", str(vault))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[:2] == [
        "orphaned (its paper or tag left the library; kept): @he2016deep.md",
        "orphaned (its paper or tag left the library; kept): Tags/vision.md"]
    assert (vault / "Papers" / "@he2016deep.md").is_file()


@pytest.mark.parametrize("args, message", [
    (["--where", "nonsense ="], "cannot select papers"),
    (["--folder", "../x"], "inside the vault"),
])
def test_errors_are_one_line_and_non_zero(library_path, tmp_path, args, message):
    vault = tmp_path / "vault"
    vault.mkdir()
    result = run("--db", str(library_path), "export", "obsidian", str(vault), *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert list(vault.iterdir()) == []


def test_missing_vault_is_refused(library_path, tmp_path):
    result = run("--db", str(library_path), "export", "obsidian", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_help_shows_an_example():
    result = run("export", "obsidian", "--help")
    assert result.exit_code == 0
    assert "Example: papershelf export obsidian" in result.output
