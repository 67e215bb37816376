"""Highwire `citation_*` meta tags, as arXiv, publishers and proceedings sites emit them."""

from urllib.parse import urlparse

from lxml import html as lxml_html

NAME = "citation_meta"


def matches(url):
    return True


def extract(url, html):
    from server.extractors import Extraction

    meta = read_meta(html)
    title = first(meta, "citation_title")
    if not title:
        return Extraction(extractor=NAME)
    paper = {
        "title": title,
        "authors": [reorder_name(a) for a in meta.get("citation_author", [])],
        "abstract": first(meta, "citation_abstract"),
        "published": normalize_date(first(meta, "citation_publication_date", "citation_date",
                                          "citation_online_date")),
        "doi": first(meta, "citation_doi"),
        "arxiv_id": first(meta, "citation_arxiv_id"),
        "pdf_url": first(meta, "citation_pdf_url"),
        "venue": first(meta, "citation_journal_title", "citation_conference_title"),
        "url": url,
        "source": urlparse(url).hostname or "",
    }
    return Extraction(papers=[{k: v for k, v in paper.items() if v}], extractor=NAME)


def read_meta(html):
    """Return {name: [content, ...]} for every <meta name=... content=...> in the page."""
    meta = {}
    if not html.strip():
        return meta
    tree = lxml_html.fromstring(html)
    for node in tree.iter("meta"):
        name = (node.get("name") or node.get("property") or "").strip().lower()
        content = (node.get("content") or "").strip()
        if name and content:
            meta.setdefault(name, []).append(content)
    return meta


def first(meta, *names):
    for name in names:
        if meta.get(name):
            return meta[name][0]
    return None


def reorder_name(name):
    """Return "Given Family" for "Family, Given"."""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return f"{given} {family}".strip()
    return name.strip()


def normalize_date(value):
    """Return YYYY-MM-DD (or YYYY-MM, YYYY) from the date formats citation tags use."""
    if not value:
        return None
    parts = value.replace("/", "-").split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4:
        return None
    return "-".join(p.zfill(2) for p in parts[:3])
