"""Who may talk to the local API: loopback Host, extension origins, the token, sane bodies.

A web page the reader visits can reach 127.0.0.1 too. These checks keep it out:
the Host check defeats DNS rebinding, the Origin check refuses requests made by
page scripts and forms, the token proves the caller read the reader's home
folder, and requiring application/json rules out "simple" cross-site form posts.
The one route that takes a PDF requires application/pdf instead (not a "simple" type
either, so a cross-site form cannot send it) and has a limit of its own.
"""

import hmac
import re

from flask import abort, current_app, request

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension|safari-web-extension)://[\w.\-@{}]+$")
PUBLIC_PATHS = ("/api/ping",)
BODY_METHODS = ("POST", "PUT", "PATCH")
# Routes whose body is not JSON: endpoint -> (Content-Type, config key of the size limit).
OTHER_BODIES = {"files.upload_pdf": ("application/pdf", "MAX_PDF_BYTES")}
JSON_BODY = ("application/json", "MAX_CONTENT_LENGTH")


def allowed_hosts(port):
    """Return the Host header values the API answers to."""
    return {f"{name}:{port}" for name in LOOPBACK_NAMES}


def is_extension_origin(origin):
    return bool(EXTENSION_ORIGIN.match(origin or ""))


def check_request():
    """Refuse the request (abort with a JSON-able status) unless it passes every check."""
    host = (request.headers.get("Host") or "").lower()
    if host not in current_app.config["ALLOWED_HOSTS"]:
        abort(403, description=f"Host {host or '(none)'!r} is not allowed: use 127.0.0.1")
    origin = request.headers.get("Origin")
    if origin is not None and not is_extension_origin(origin):
        abort(403, description="requests from web pages are not allowed")
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no credentials; flask-cors answers it
    if request.path not in PUBLIC_PATHS and not _has_valid_token():
        abort(401, description="missing or wrong token: run `papershelf token` and use"
                               " `Authorization: Bearer <token>`")
    if request.method in BODY_METHODS:
        mimetype, limit_key = OTHER_BODIES.get(request.endpoint, JSON_BODY)
        request.max_content_length = limit = current_app.config[limit_key]
        if request.content_length is not None and request.content_length > limit:
            abort(413)
        if request.mimetype != mimetype:
            kind = "JSON" if mimetype == JSON_BODY[0] else "a PDF"
            abort(415, description=f"send the body as {kind} (Content-Type: {mimetype})")


def _has_valid_token():
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        return False
    expected = current_app.config["TOKEN"]
    return hmac.compare_digest(supplied.strip().encode(), expected.encode())
