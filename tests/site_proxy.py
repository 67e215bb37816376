"""A local proxy that answers public web addresses (arxiv.org, ...) from fixture pages.

Both browsers in the real-browser tests are pointed at it (Chromium's --proxy-server, Firefox's
proxy preferences), so a page "on arxiv.org" reaches either browser the same way, over HTTPS:
the proxy accepts CONNECT, ends TLS itself with a certificate from a throwaway test CA (the
browsers are told to accept it) and answers from the fixture table. Every address not in the
table gets a 404 at once: nothing leaves the machine. Loopback addresses bypass the proxy in
both browsers, so the extension reaches `papershelf serve` directly.
"""

import contextlib
import http.server
import ssl
import threading
from urllib.parse import urlsplit

import trustme

IDLE_TIMEOUT = 10  # seconds a kept-alive connection may sit idle before its thread ends


class FixturePage:
    """One answer of the fixture site: bytes (or a file read when asked for) and their type."""

    def __init__(self, content_type, body=None, path=None):
        self.content_type = content_type
        self._body = body
        self.path = path

    def body(self):
        return self._body if self._body is not None else self.path.read_bytes()


def _address(url):
    """Return scheme://host/path of url (the query and fragment do not pick a page)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{parts.path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so one TLS handshake serves a page's requests
    timeout = IDLE_TIMEOUT
    origin = None  # "https://host" once a CONNECT tunnel is open on this connection
    tls = None

    def do_CONNECT(self):  # noqa: N802 (http.server's naming)
        host, _, port = self.path.rpartition(":")
        self.send_response(200, "Connection established")
        self.end_headers()
        try:
            self.tls = self.server.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.origin = f"https://{host}" + ("" if port == "443" else f":{port}")
        self.connection = self.tls
        self.rfile = self.tls.makefile("rb")
        self.wfile = self.tls.makefile("wb")
        self.close_connection = False

    def do_GET(self):  # noqa: N802
        url = self.path if self.origin is None else self.origin + self.path
        page = self.server.pages.get(_address(url))
        if page is None:
            self._answer(404, "text/plain", b"not part of the fixture site")
        else:
            self._answer(200, page.content_type, page.body())

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_POST(self):  # noqa: N802
        self._answer(405, "text/plain", b"the fixture site is read-only")

    def _answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def finish(self):
        with contextlib.suppress(OSError):
            super().finish()
        if self.tls is not None:
            with contextlib.suppress(OSError):
                self.tls.close()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser dropping a connection is not a test failure


class FixtureSiteProxy:
    """The proxy on 127.0.0.1: `pages` maps scheme://host/path to a FixturePage."""

    def __init__(self, pages=None):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.pages = dict(pages or {})
        self._server.tls_context = _tls_context(self._hosts())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    @property
    def pages(self):
        """The table of answers; tests may add pages while the proxy runs."""
        return self._server.pages

    def _hosts(self):
        return sorted({urlsplit(url).hostname for url in self._server.pages} | {"localhost"})

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _tls_context(hosts):
    """Return a server TLS context with a certificate for hosts from a fresh test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.set_alpn_protocols(["http/1.1"])
    trustme.CA().issue_cert(*hosts).configure_cert(context)
    return context
