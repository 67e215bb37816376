"""`papershelf reextract`: improved extractors over stored clips, reader's fields untouched."""

import json
import zlib

from click.testing import CliRunner

from papershelf.server import reextract, store
from papershelf.server.cli import cli
from papershelf.server.clipping import clip_page
from papershelf.server.schema import open_db

ABS_URL = "https://arxiv.org/abs/1706.03762v7"


def clip_arxiv(db, pages_dir, **kwargs):
    html = (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")
    outcome = clip_page(db, ABS_URL, html, **kwargs)
    assert outcome.kind == "saved"
    return outcome.result.paper


def pretend_an_older_extractor(db, paper_id, **old_values):
    """Rewrite the paper and its clip as if an older extractor had produced old_values."""
    clip = next(db.query("select * from clips where paper_id = ?", [paper_id]))
    fields = json.loads(clip["fields"])
    for key, value in old_values.items():
        fields.pop(key, None) if value is None else fields.__setitem__(key, value)
        stored = json.dumps(value) if key == "extra" else value
        db.execute(f"update papers set {key} = ? where id = ?", [stored, paper_id])
    db.execute("update clips set fields = ?, extractor = 'old' where id = ?",
               [json.dumps(fields), clip["id"]])


def test_clips_keep_their_page_compressed(db, pages_dir):
    paper = clip_arxiv(db, pages_dir)
    clip = next(db.query("select * from clips where paper_id = ?", [paper["id"]]))
    page = zlib.decompress(clip["html"]).decode("utf-8")
    assert page == (pages_dir / "arxiv_abs_1706.03762v7_2026.html").read_text(encoding="utf-8")
    assert len(clip["html"]) < len(page) / 2


def test_reextract_fills_gaps_and_fixes_its_own_values(db, pages_dir):
    paper = clip_arxiv(db, pages_dir, tags=["nlp"], note="my note")
    store.update_paper(db, paper["id"], status="reading")
    pretend_an_older_extractor(db, paper["id"], title="[1706.03762] Attention Is All You Need",
                               arxiv_category=None, extra={})
    report = reextract.reextract(db)
    assert (report.improved, report.unchanged, report.skipped) == ([paper["id"]], 0, 0)
    after = store.get_paper(db, paper["id"])
    assert after["title"] == "Attention Is All You Need"
    assert after["arxiv_category"] == "cs.CL"
    assert after["extra"] == {"comments": "15 pages, 5 figures", "version_date": "2023-08-02"}
    assert (after["tags"], after["note"], after["status"], after["citekey"]) == (
        ["nlp"], "my note", "reading", paper["citekey"])
    clip = next(db.query("select * from clips where paper_id = ?", [paper["id"]]))
    assert clip["extractor"] == "arxiv"
    assert reextract.reextract(db).unchanged == 1  # a second run finds nothing more


def test_values_that_came_from_elsewhere_stay(db, pages_dir):
    paper = clip_arxiv(db, pages_dir)
    pretend_an_older_extractor(db, paper["id"], title="Old extractor title")
    # Then something else (an import, another clip) set the title: it is not this clip's value.
    db.execute("update papers set title = 'Attention is all you need (imported)' where id = ?",
               [paper["id"]])
    assert reextract.reextract(db).unchanged == 1
    assert store.get_paper(db, paper["id"])["title"] == "Attention is all you need (imported)"


def test_dry_run_changes_nothing(db, pages_dir):
    paper = clip_arxiv(db, pages_dir)
    pretend_an_older_extractor(db, paper["id"], arxiv_category=None)
    before = store.get_paper(db, paper["id"])
    assert reextract.reextract(db, dry_run=True).improved == [paper["id"]]
    assert store.get_paper(db, paper["id"]) == before


def test_clips_without_a_stored_page(db):
    arxiv = store.save_paper(db, {"title": "Attention Is All You Need", "arxiv_id": "1706.03762"},
                             clip={"url": "https://arxiv.org/pdf/1706.03762v7", "extractor": "old",
                                   "fields": {"title": "Attention Is All You Need"}})
    other = store.save_paper(db, {"title": "A blog post", "url": "https://example.org/post"},
                             clip={"url": "https://example.org/post", "extractor": "old", "fields": {}})
    report = reextract.reextract(db)
    assert (report.improved, report.skipped) == ([arxiv.paper["id"]], 1)
    after = store.get_paper(db, arxiv.paper["id"])
    assert (after["pdf_url"], after["arxiv_version"], after["entry_type"]) == (
        "https://arxiv.org/pdf/1706.03762", 7, "preprint")
    assert store.get_paper(db, other.paper["id"])["title"] == "A blog post"


def test_cli_reextract(tmp_path, pages_dir):
    db_file = tmp_path / "cli.db"
    db = open_db(db_file)
    paper = clip_arxiv(db, pages_dir)
    pretend_an_older_extractor(db, paper["id"], arxiv_category=None)
    db.close()
    runner = CliRunner()
    dry = runner.invoke(cli, ["--db", str(db_file), "reextract", "--dry-run"])
    assert dry.exit_code == 0 and "would improve 1 paper," in dry.output
    result = runner.invoke(cli, ["--db", str(db_file), "reextract"])
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr.strip()) == (
        "", "1 clip re-read: improved 1 paper, 0 unchanged, 0 skipped (no stored page to re-read)")
    assert store.get_paper(open_db(db_file), paper["id"])["arxiv_category"] == "cs.CL"
    assert "Example: papershelf reextract" in runner.invoke(cli, ["reextract", "--help"]).output
