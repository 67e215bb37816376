"""The one door for outbound HTTP: every request papershelf makes goes through fetch().

- A User-Agent that names papershelf (with PAPERSHELF_MAILTO, if set, for Crossref's polite pool).
- A timeout on every request; a network failure returns None, it never raises.
- A polite per-host rate limit (arXiv asks for at least 3 s between requests, to its API
  and for its PDFs; Crossref, Semantic Scholar and OpenAlex publish theirs).
- stream() hands over a large body (a PDF) in chunks instead of in memory.
- On request (retries=N): 429 and 5xx answers and network failures are retried with
  exponential backoff, honouring the service's Retry-After.
- On request (cache=...): answers are kept for a while (see server.netcache), so that a
  run repeated the same day does not ask again.
- answer() turns "no usable answer" into one exception, Unavailable, whose message is a
  line for the reader.
- Tests: set PAPERSHELF_UPSTREAM=http://127.0.0.1:PORT and every request goes to that
  stub instead, as GET /<original host><original path>?<query> with the header
  X-Papershelf-Original-URL. Redirects are followed here (not by urllib), so they stay
  on the stub too. Nothing can reach the internet while PAPERSHELF_UPSTREAM is set,
  and under pytest (PYTEST_CURRENT_TEST) without it every request fails as if offline.
"""

import contextlib
import email.utils
import http.client
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from papershelf.server import __version__
from papershelf.server.charsets import decode_html

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024  # a paper page or API answer is far smaller
MAX_REDIRECTS = 5
STREAM_CHUNK = 1024 * 1024
# Seconds between two requests to the same host. arXiv's API terms ask for 3 s, and so does
# its guidance for bulk PDF downloads (`papershelf pdfs fetch` of a whole library); Crossref's
# public pool allows 5 requests/s; Semantic Scholar's shared public pool asks unauthenticated
# clients for about 1 request/s; OpenAlex allows 10/s.
MIN_INTERVAL = {"export.arxiv.org": 3.0, "arxiv.org": 3.0, "api.crossref.org": 0.2,
                "api.semanticscholar.org": 1.0, "api.openalex.org": 0.1}
# With PAPERSHELF_MAILTO (sent in the User-Agent) Crossref serves us from its polite pool,
# which allows twice the public rate.
POLITE_INTERVAL = {"api.crossref.org": 0.1}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF = 1.0  # seconds before the first retry, doubled for each further one
MAX_RETRY_WAIT = 60.0  # a Retry-After longer than this is not waited for: the answer stands

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
        """Return the body decoded as a browser would (BOM, HTTP charset, <meta charset>, detection)."""
        return decode_html(self.body, self.headers.get("content-type"))

    def json_object(self, service):
        """Return the body's JSON object (None for other JSON); raise Unavailable when not JSON."""
        try:
            data = json.loads(self.body)
        except ValueError:
            raise Unavailable(f"{service} answered with something that is not JSON") from None
        return data if isinstance(data, dict) else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def user_agent():
    """Return the User-Agent papershelf sends."""
    mailto = os.environ.get("PAPERSHELF_MAILTO")
    contact = f"; mailto:{mailto}" if mailto else ""
    return f"papershelf/{__version__} (personal paper library{contact})"


class Unavailable(Exception):
    """A service gave no usable answer (offline, rate limiting, failing); the message says so."""


def fetch(url, timeout=DEFAULT_TIMEOUT, accept=None, retries=0, cache=None):
    """GET url and return a Response (any HTTP status), or None when the network fails.

    retries: how many times a 429, a 5xx or a network failure is tried again.
    cache: a netcache.AnswerCache to answer from and to keep final answers in.
    """
    cached = cache.get(url) if cache is not None else None
    if cached is not None:
        return cached
    for attempt in range(retries + 1):
        response = _follow(url, timeout, accept)
        if attempt == retries or not _worth_retrying(response):
            break
        wait = retry_wait(response, attempt)
        if wait is None:
            break
        _sleep(wait)
    if cache is not None and response is not None:
        cache.put(url, response)
    return response


def answer(url, service, accept=None, **options):
    """Return the Response a service gave to a GET (2xx to 4xx); raise Unavailable otherwise."""
    response = fetch(url, accept=accept, **options)
    if response is None:
        raise Unavailable(f"could not reach {service} (offline?)")
    if response.status == 429:
        raise Unavailable(f"{service} asked us to slow down (HTTP 429)")
    if response.status >= 500:
        raise Unavailable(f"{service} failed (HTTP {response.status})")
    return response


def _worth_retrying(response):
    return response is None or response.status in RETRY_STATUSES


def retry_wait(response, attempt):
    """Return the seconds to wait before retry number attempt+1, or None not to retry."""
    backoff = BACKOFF * 2 ** attempt * (1 + random.random() / 4)  # jitter: no lockstep
    header = (response.headers.get("retry-after") or "").strip() if response else ""
    if not header:
        return backoff
    if header.isdigit():
        wait = float(header)
    else:
        try:
            wait = email.utils.parsedate_to_datetime(header).timestamp() - time.time()
        except (TypeError, ValueError):
            return backoff
    return max(0.0, wait) if wait <= MAX_RETRY_WAIT else None


def _sleep(seconds):
    time.sleep(seconds)


def _follow(url, timeout, accept):
    """GET url following redirects; return the final Response or None."""
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


def min_interval(hostname):
    """Return the seconds to leave between two requests to hostname."""
    interval = MIN_INTERVAL.get(hostname, 0.0)
    if hostname in POLITE_INTERVAL and os.environ.get("PAPERSHELF_MAILTO"):
        interval = min(interval, POLITE_INTERVAL[hostname])
    return interval


def _wait_turn(hostname):
    """Sleep until this host's minimum interval since the last request has passed."""
    interval = min_interval(hostname)
    with _lock:
        now = time.monotonic()
        ready = _last_request.get(hostname, 0.0) + interval
        _last_request[hostname] = max(now, ready)
    if ready > now:
        time.sleep(ready - now)
