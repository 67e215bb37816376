"""The paper page: a papers row shown as a paper, with its BibTeX, clips and similar papers."""

import json
from urllib.parse import quote, urlencode, urlsplit

from datasette.utils import urlsafe_components
from datasette_render_markdown import render_markdown

from papershelf.exports.bibtex import render_bibtex
from papershelf.server.datasette.files import paper_page_links
from papershelf.server.datasette.similar import similar_papers
from papershelf.server.store import row_to_paper

AUTHORS_OF_NEIGHBOURS = 3
CLIP_COLUMNS = "id, url, clipped_at, extractor, status"


async def paper_context(datasette, database, request):
    """Return the template variables of the paper page, or {} when the row is not a paper."""
    pks = urlsafe_components(request.url_vars["pks"])
    db = datasette.get_database(database)
    rows = (await db.execute("select * from papers where id = ?", pks[:1])).rows
    if not rows:
        return {}
    paper = row_to_paper(dict(rows[0]))
    clips = (await db.execute(f"select {CLIP_COLUMNS} from clips where paper_id = ?"
                              " order by id desc", [paper["id"]])).rows
    text = " ".join(filter(None, [paper.get("title"), paper.get("abstract")]))
    neighbours = await db.execute_fn(lambda conn: similar_papers(conn, paper["id"], text))
    papers_url = datasette.urls.table(database, "papers")
    return {"papershelf_paper": {
        "paper": paper,
        "authors": [{"name": a, "url": _filter(papers_url, "_author", a)}
                    for a in paper["authors"]],
        "tags": [{"name": t, "url": _filter(papers_url, "_tag", t)} for t in paper["tags"]],
        "status_url": _filter(papers_url, "status", paper["status"]),
        "venue_url": paper.get("venue") and _filter(papers_url, "venue", paper["venue"]),
        "year_url": paper.get("year") and _filter(papers_url, "year", paper["year"]),
        "links": await paper_page_links(datasette, database, paper["id"]) + paper_links(paper),
        "note_html": render_markdown(paper["note"]) if paper.get("note") else None,
        "bibtex": render_bibtex([paper]),
        "biblatex": render_bibtex([paper], mode="biblatex"),
        "clips": [clip_view(clip) for clip in clips],
        "similar": [_neighbour(row, papers_url) for row in neighbours.papers],
        "similar_terms": neighbours.terms,
        "papers_url": papers_url,
        "bib_url": datasette.urls.row(database, "papers", str(paper["id"])) + ".bib",
    }}


def paper_links(paper):
    """Return the paper's places on the web ({kind, label, url}), http(s) links only."""
    links = []
    if paper.get("arxiv_id"):
        links.append(("arxiv", f"arXiv:{paper['arxiv_id']}",
                      f"https://arxiv.org/abs/{quote(paper['arxiv_id'], safe='/.')}"))
    if paper.get("doi"):
        links.append(("doi", f"DOI {paper['doi']}",
                      f"https://doi.org/{quote(paper['doi'], safe='/:;()._-')}"))
    for kind, label, column in (("pdf", "PDF", "pdf_url"), ("code", "Code", "code_url"),
                                ("page", None, "url")):
        url = web_url(paper.get(column))
        if url and url not in (link[2] for link in links):
            links.append((kind, label or f"Page on {urlsplit(url).netloc}", url))
    return [{"kind": kind, "label": label, "url": url} for kind, label, url in links]


def clip_view(clip):
    """Return a clip row with where it came from, as a link only when it is http(s)."""
    clip = dict(clip)
    url = web_url(clip.get("url"))
    clip["web_url"] = url
    clip["where"] = _short(url) if url else (clip.get("url") or "(no address)")
    return clip


def _short(url):
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def web_url(value):
    """Return value when it is an http(s) URL (never javascript: or data:), else None."""
    text = str(value or "").strip()
    return text if urlsplit(text).scheme in ("http", "https") and " " not in text else None


def _filter(papers_url, argument, value):
    return f"{papers_url}?{urlencode({argument: value})}"


def _neighbour(row, papers_url):
    authors = json.loads(row["authors"] or "[]")
    shown = ", ".join(authors[:AUTHORS_OF_NEIGHBOURS])
    if len(authors) > AUTHORS_OF_NEIGHBOURS:
        shown += " et al."
    return {"id": row["id"], "title": row["title"], "authors": shown, "year": row["year"],
            "venue": row["venue"], "url": f"{papers_url}/{row['id']}"}
