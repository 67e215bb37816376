"""A library built from the shared fixtures as a reader would build it: clips and an import.

Every saved page goes through the extractors and the store as a clip (the arXiv listing's
and the Hugging Face list's papers as the extension's checklist saves them), then
biblatex's example database is imported. The papers are then dated as if clipped over
the past weeks, one paper every few hours, so that the home's weekly chart has weeks.
"""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from papershelf.exports.bibimport import import_file
from papershelf.server import store
from papershelf.server.clipping import clip_page
from papershelf.server.extractors import extract
from papershelf.server.schema import open_db

GOLDEN = Path(__file__).parent / "golden"
ATTENTION_ARXIV = "1706.03762"
ALPHAFOLD_DOI = "10.1038/s41586-021-03819-2"
# The reader's notes, Markdown: a plain one, and one with what a sanitiser must remove.
NOTE = ("Read **section 3** first; compare with [the annotated version]"
        "(https://nlp.seas.harvard.edu/annotated-transformer/).\n\n"
        "- multi-head attention\n- positional encoding")
HOSTILE_NOTE = ("Seen *at the journal club*.\n\n<script>alert('note')</script>"
                "<img src=x onerror=alert(1)> [click](javascript:alert(1))")
HOURS_BETWEEN_PAPERS = 5


def build_fixture_library(path, fixtures_dir):
    """Write the library to path; return {"attention", "alphafold": papers, "count": papers}."""
    db = open_db(path)
    try:
        for golden in sorted(GOLDEN.glob("*.json")):
            expected = json.loads(golden.read_text(encoding="utf-8"))
            if expected.get("error"):
                continue
            html = (fixtures_dir / "pages" / expected["page"]).read_text(encoding="utf-8")
            if expected.get("listing"):
                for candidate in extract(expected["url"], html).papers:
                    store.save_paper(db, candidate)
            else:
                clip_page(db, expected["url"], html)
        import_file(db, fixtures_dir / "bib" / "biblatex-examples.bib", tags=["biblatex"])
        attention = store.lookup(db, arxiv=ATTENTION_ARXIV)
        attention = store.update_paper(db, attention["id"], tags=["transformers", "nlp"],
                                       note=NOTE, status="reading")
        alphafold = store.lookup(db, doi=ALPHAFOLD_DOI)
        store.update_paper(db, alphafold["id"], tags=["biology"], note=HOSTILE_NOTE,
                           status="read")
        # As `papershelf refresh` records it.
        store.record_citation_count(db, alphafold["id"], 31337, "openalex", "2026-11-30")
        _date_as_clipped_over_weeks(db)
        count = db.execute("select count(*) from papers").fetchone()[0]
        return {"attention": store.get_paper(db, attention["id"]),
                "alphafold": store.get_paper(db, alphafold["id"]), "count": count}
    finally:
        db.close()


def _date_as_clipped_over_weeks(db):
    newest = datetime.now(timezone.utc).replace(microsecond=0)
    ids = [row[0] for row in db.execute("select id from papers order by id desc")]
    with store.write_transaction(db):
        for i, paper_id in enumerate(ids):
            stamp = (newest - timedelta(hours=HOURS_BETWEEN_PAPERS * i)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z")
            db.execute("update papers set added_at = ? where id = ?", [stamp, paper_id])
