"""The one door for outbound HTTP: every request papershelf makes goes through fetch().

- A User-Agent that names papershelf (with PAPERSHELF_MAILTO, if set, for Crossref's polite pool).
- A timeout on every request; a network failure returns None, it never raises.
- A polite per-host rate limit (arXiv asks for at least 3 s between requests).
- stream() hands over a large body (a PDF) in chunks instead of in memory.
- Tests: set PAPERSHELF_UPSTREAM=http://127.0.0.1:PORT and every request goes to that
  stub instead, as GET /<original host><original path>?<query> with the header
  X-Papershelf-Original-URL. Redirects are followed here (not by urllib), so they stay
  on the stub too. Nothing can reach the internet while PAPERSHELF_UPSTREAM is set,
  and under pytest (PYTEST_CURRENT_TEST) without it every request fails as if offline.
"""

import contextlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from papershelf.server import __version__

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024  # a paper page or API answer is far smaller
MAX_REDIRECTS = 5
STREAM_CHUNK = 1024 * 1024
# Seconds between two requests to the same host; arXiv asks for 3 s, for its API and
# for its PDFs (`papershelf pdfs fetch` of a whole library must not hammer it).
MIN_INTERVAL = {"export.arxiv.org": 3.0, "arxiv.org": 3.0, "api.crossref.org": 0.1}

_last_request = {}
_lock = threading.Lock()


@dataclass
class Response:
    status: int
    body: bytes
    url: str  # the original URL asked for (after redirects)
    headers: dict = field(default_factory=dict)

    @property
    def ok(self):
        return 200 <= self.status < 300

    def text(self):
        """Return the body decoded with the charset the server declared (UTF-8 by default)."""
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def user_agent():
    """Return the User-Agent papershelf sends."""
    mailto = os.environ.get("PAPERSHELF_MAILTO")
    contact = f"; mailto:{mailto}" if mailto else ""
    return f"papershelf/{__version__} (personal paper library{contact})"


def fetch(url, timeout=DEFAULT_TIMEOUT, accept=None):
    """GET url and return a Response (any HTTP status), or None when the network fails."""
    for _ in range(MAX_REDIRECTS + 1):
        response = _get_once(url, timeout, accept)
        if response is None or response.status not in (301, 302, 303, 307, 308):
            return response
        location = response.headers.get("location")
        if not location:
            return response
        url = urljoin(url, location)
    return None


@dataclass
class Streamed:
    status: int
    url: str  # the original URL asked for (after redirects)
    headers: dict
    _reply: object

    @property
    def ok(self):
        return 200 <= self.status < 300

    def chunks(self, size=STREAM_CHUNK):
        """Yield the body in chunks; a network failure midway raises OSError."""
        if getattr(self._reply, "fp", True) is None:
            return
        try:
            while chunk := self._reply.read(size):
                yield chunk
        except (ValueError, http.client.HTTPException) as error:
            raise OSError(f"the download of {self.url} broke off: {error}") from error


@contextlib.contextmanager
def stream(url, timeout=DEFAULT_TIMEOUT, accept=None):
    """GET url, following redirects, and yield a Streamed reply (any status), or None when
    the network fails; the body is read with chunks() inside the block."""
    for _ in range(MAX_REDIRECTS + 1):
        reply = _open(url, timeout, accept)
        if reply is None:
            break
        with contextlib.closing(reply):
            headers = _lower(reply.headers)
            location = headers.get("location")
            if _status(reply) in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            yield Streamed(_status(reply), url, headers, reply)
            return
    yield None


def _get_once(url, timeout, accept):
    reply = _open(url, timeout, accept)
    if reply is None:
        return None
    with contextlib.closing(reply):
        try:
            body = reply.read(MAX_BYTES) if getattr(reply, "fp", True) is not None else b""
        except (OSError, ValueError, http.client.HTTPException):
            return None
        return Response(_status(reply), body, url, _lower(reply.headers))


def _open(url, timeout, accept):
    """Send one GET; return the open reply (an HTTPError for 4xx/5xx), or None on failure."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    _wait_turn(parts.hostname)
    headers = {"User-Agent": user_agent(), "Accept": accept or "*/*"}
    target = url
    upstream = os.environ.get("PAPERSHELF_UPSTREAM")
    if not upstream and os.environ.get("PYTEST_CURRENT_TEST"):
        return None  # tests never reach the internet: they use a stub or nothing
    if upstream:
        target = f"{upstream.rstrip('/')}/{parts.hostname}{parts.path or '/'}"
        target += f"?{parts.query}" if parts.query else ""
        headers["X-Papershelf-Original-URL"] = url
    request = urllib.request.Request(target, headers=headers)
    try:
        return _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        return error
    except (OSError, ValueError, http.client.HTTPException):  # timeouts, refusals, DNS, bad URLs
        return None


def _status(reply):
    return getattr(reply, "code", None) or reply.status


def _lower(headers):
    return {k.lower(): v for k, v in (headers or {}).items()}


def _wait_turn(hostname):
    """Sleep until this host's minimum interval since the last request has passed."""
    interval = MIN_INTERVAL.get(hostname, 0.0)
    with _lock:
        now = time.monotonic()
        ready = _last_request.get(hostname, 0.0) + interval
        _last_request[hostname] = max(now, ready)
    if ready > now:
        time.sleep(ready - now)
