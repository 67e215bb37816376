"""The /api routes: parse the request, call the store, shape the response."""

import re
import time

from flask import Blueprint, abort, current_app, jsonify, request

from papershelf.server import __version__, links, resolve, safejson, store
from papershelf.server.clipping import clip_page
from papershelf.server.connections import get_db

api = Blueprint("api", __name__, url_prefix="/api")

CLIP_TEXT_FIELDS = ("url", "html", "title", "selection", "note")
PATCH_FIELDS = ("tags", "note", "status")


@api.get("/ping")
def ping():
    return {"app": "papershelf", "version": __version__}


@api.post("/clip")
def clip():
    started = time.perf_counter()
    body = _json_object()
    for key in CLIP_TEXT_FIELDS:
        if body.get(key) is not None and not isinstance(body[key], str):
            abort(400, description=f"{key} must be a string")
    url = (body.get("url") or "").strip()
    # The extension clips web pages only; a local file's path has no place in a shared .bib.
    if not links.is_web_link(url):
        abort(400, description="url is required and must be an http(s) URL")
    enrich = resolve.enrich if current_app.config["ENRICH"] else None
    outcome = _store_call(clip_page, get_db(), url, body.get("html"), title=body.get("title"),
                          selection=body.get("selection"), tags=_tags(body),
                          note=body.get("note"), enrich=enrich)
    if outcome.kind == "listing":
        response = jsonify(candidates=outcome.candidates)
    elif outcome.kind == "unreachable":  # not the client's fault: the extension retries it later
        abort(502, description=outcome.error)
    elif outcome.kind != "saved":
        abort(422, description=outcome.error)
    else:
        result = outcome.result
        response = jsonify(status=result.status, paper=result.paper)
        response.status_code = 201 if result.status == "created" else 200
    response.headers["Server-Timing"] = server_timing(
        {**outcome.timings, "total": time.perf_counter() - started})
    return response


def server_timing(seconds):
    """Return a Server-Timing header value ("extract;dur=12.3, ...") for durations in seconds."""
    return ", ".join(f"{name};dur={value * 1000:.1f}" for name, value in seconds.items())


@api.post("/papers")
def save_papers():
    body = _json_object()
    items = body["papers"] if isinstance(body.get("papers"), list) else [body]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            abort(400, description=f"papers[{i}] must be an object")
        if not isinstance(item.get("title"), str) or not item["title"].strip():
            abort(422, description=f"papers[{i}] has no title")
    results = _store_call(store.save_papers, get_db(), items)
    return {"results": [{"status": r.status, "paper": r.paper} for r in results]}


@api.get("/papers")
def list_papers():
    limit = _whole_number_arg("limit", default=100)
    tag = request.args.get("tag")
    papers = []
    for paper in store.iter_papers(get_db(), tag=tag):
        if len(papers) >= max(0, min(limit, 1000)):
            break
        papers.append(paper)
    return {"papers": papers}


@api.get("/papers/lookup")
def lookup():
    args = {key: request.args.get(key) for key in ("url", "arxiv", "doi")}
    if not any(args.values()):
        abort(400, description="give url, arxiv or doi")
    paper = store.lookup(get_db(), **args)
    return {"found": True, "paper": paper} if paper else {"found": False}


@api.get("/papers/<int:paper_id>")
def get_paper(paper_id):
    return _paper_or_404(store.get_paper(get_db(), paper_id), paper_id)


@api.patch("/papers/<int:paper_id>")
def patch_paper(paper_id):
    body = _json_object()
    unknown = sorted(set(body) - set(PATCH_FIELDS))
    if unknown:
        abort(400, description=f"cannot change {', '.join(unknown)}: only {', '.join(PATCH_FIELDS)}")
    tags = _tags(body) if "tags" in body else None
    paper = _store_call(store.update_paper, get_db(), paper_id, tags=tags,
                        note=body.get("note"), status=body.get("status"))
    return _paper_or_404(paper, paper_id)


@api.get("/papers/<int:paper_id>/cite")
def cite_paper(paper_id):
    from papershelf.exports.references import DEFAULT_STYLE, StyleError, format_references

    paper = store.get_paper(get_db(), paper_id)
    if paper is None:
        abort(404, description=f"no paper with id {paper_id}")
    style = request.args.get("style") or DEFAULT_STYLE
    try:
        reference = format_references([paper], style)[0]
    except StyleError as exc:
        abort(422, description=str(exc))
    return {"citekey": reference.citekey, "style": style, "text": reference.text,
            "html": reference.html}


@api.delete("/papers/<int:paper_id>")
def delete_paper(paper_id):
    removed = store.delete_paper(get_db(), paper_id)
    if removed is None:
        abort(404, description=f"no paper with id {paper_id}")
    return {"deleted": paper_id, "files_removed": removed}


@api.get("/tags")
def tags():
    return {"tags": store.all_tags(get_db())}


def _json_object():
    try:
        body = safejson.loads(request.get_data())
    except safejson.UnsafeJSON as exc:
        problem = str(exc)
        abort(400, description="the body must be a JSON object" if problem.startswith("not valid")
              else problem)
    if not isinstance(body, dict):
        abort(400, description="the body must be a JSON object")
    return body


def _whole_number_arg(name, default):
    text = request.args.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]{1,18}", text.strip()):
        abort(400, description=f"{name} must be a whole number, not {text[:40]!r}")
    return int(text)


def _tags(body):
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        abort(400, description="tags must be a list of strings")
    return tags


def _store_call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except store.StoreError as exc:
        abort(422, description=str(exc))


def _paper_or_404(paper, paper_id):
    if paper is None:
        abort(404, description=f"no paper with id {paper_id}")
    return jsonify(paper)
