"""Who may talk to the local API: loopback Host, extension origins, the token, sane bodies.

A web page the reader visits can reach 127.0.0.1 too. These checks keep it out:
the Host check defeats DNS rebinding, the Origin check refuses requests made by
page scripts and forms, the token proves the caller read the reader's home
folder, and requiring application/json rules out "simple" cross-site form posts.
"""

import hmac
import re

from flask import abort, current_app, request

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension|safari-web-extension)://[\w.\-@{}]+$")
PUBLIC_PATHS = ("/api/ping",)
BODY_METHODS = ("POST", "PUT", "PATCH")


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
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            abort(413)
        if request.mimetype != "application/json":
            abort(415, description="send the body as JSON (Content-Type: application/json)")


def _has_valid_token():
    header = request.headers.get("Authorization", "")
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        return False
    expected = current_app.config["TOKEN"]
    return hmac.compare_digest(supplied.strip().encode(), expected.encode())
