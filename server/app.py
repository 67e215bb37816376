"""The Flask application factory for the local HTTP API."""

from flask import Flask, g, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from papershelf.server import filestore, paths, security
from papershelf.server.connections import Connections
from papershelf.server.schema import open_db

MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_PORT = 5178


def create_app(config=None):
    """Build the API app; config may set DB_PATH, TOKEN, PORT, ENRICH, MAX_CONTENT_LENGTH,
    MAX_PDF_BYTES."""
    app = Flask(__name__)
    app.config.update(PORT=DEFAULT_PORT, ENRICH=True, MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
                      MAX_PDF_BYTES=filestore.MAX_PDF_BYTES)
    app.json.sort_keys = False  # the paper object reads best in its documented order
    app.config.update(config or {})
    app.config.setdefault("DB_PATH", str(paths.default_db_path()))
    if not app.config.get("TOKEN"):
        app.config["TOKEN"] = paths.read_or_create_token()
    app.config["ALLOWED_HOSTS"] = security.allowed_hosts(app.config["PORT"])
    open_db(app.config["DB_PATH"]).close()  # migrate once, before any request

    CORS(app, resources={r"/api/*": {"origins": [security.EXTENSION_ORIGIN.pattern]}},
         allow_headers=["Authorization", "Content-Type"], expose_headers=["Server-Timing"],
         methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], max_age=600)
    app.before_request(security.check_request)
    app.register_error_handler(HTTPException, _json_error)
    app.register_error_handler(Exception, _unexpected_error)

    from papershelf.server.api import api
    from papershelf.server.api_files import files_api

    app.register_blueprint(api)
    app.register_blueprint(files_api)
    app.extensions["papershelf_connections"] = Connections(app.config["DB_PATH"])
    app.teardown_appcontext(lambda exc: g.pop("db", None))
    return app


def _json_error(error):
    description = error.description
    if error.code == 413 and description == type(error).description:  # werkzeug's own words
        limit = request.max_content_length or MAX_BODY_BYTES
        description = f"request body too large (limit {limit // (1024 * 1024)} MB)"
    return jsonify(error=description), error.code


def _unexpected_error(error):
    # Anything a client sends is validated before it reaches here; this is a bug.
    import logging

    logging.getLogger("papershelf").exception("unexpected error")
    return jsonify(error=f"internal error: {type(error).__name__}"), 500
