"""The /api route that takes a paper's PDF: PUT /api/papers/<id>/pdf (application/pdf)."""

from flask import Blueprint, abort, current_app, request

from papershelf.server import filestore, links, store
from papershelf.server.connections import get_db

files_api = Blueprint("files", __name__, url_prefix="/api")
READ_BYTES = 1024 * 1024


@files_api.put("/papers/<int:paper_id>/pdf")
def upload_pdf(paper_id):
    db = get_db()
    if store.get_paper(db, paper_id) is None:
        abort(404, description=f"no paper with id {paper_id}")  # before reading 200 MB
    source = request.args.get("url")
    if source is not None and not links.is_web_link(source):
        abort(400, description="url must be the http(s) address the PDF came from")
    try:
        saved = filestore.save_pdf(db, paper_id, _body_chunks(), url=source,
                                   limit=current_app.config["MAX_PDF_BYTES"])
    except filestore.TooLarge as error:
        abort(413, description=str(error))
    except filestore.FileRefused as error:
        abort(422, description=str(error))
    if saved is None:
        abort(404, description=f"no paper with id {paper_id}")
    indexer = current_app.extensions.get("papershelf_indexer")
    if indexer is not None and saved.status == "created":
        indexer.wake()
    body = {"status": saved.status, "file": saved.file, "paper": saved.paper}
    return body, 201 if saved.status == "created" else 200


def _body_chunks():
    # request.stream stops at max_content_length (security.check_request sets it for this
    # route) with a 413, also for a chunked body that declares no length.
    while chunk := request.stream.read(READ_BYTES):
        yield chunk
