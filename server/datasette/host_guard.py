"""Answer only requests whose Host is a loopback name on the served port; add privacy headers.

Datasette itself never checks Host, so a web page could reach the library through DNS
rebinding; this wrapper refuses every other Host with a 403. The library view is
read-only: any method but GET, HEAD and OPTIONS gets a 405 here (Datasette 0.65 answers
a POST to a table or a read-only canned query with a 500).
"""

from datasette import hookimpl

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# The library is private: no search terms in the Referer of links to arXiv and the like
# (Datasette sets this on its data pages only), no framing by other sites, no sniffing an
# export into a script.
PRIVATE_HEADERS = [(b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                   (b"x-content-type-options", b"nosniff")]


# --- privacy: refuse foreign Host headers --------------------------------------------


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def only_loopback_hosts(scope, receive, send):
            if scope["type"] in ("http", "websocket") and not host_allowed(scope):
                await _refuse(scope, send)
                return
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if scope.get("method", "GET").upper() not in READ_METHODS:
                await _answer(send, 405, b"papershelf's Datasette is read-only: only GET and HEAD.\n",
                              [(b"allow", b"GET, HEAD, OPTIONS")])
                return

            async def send_private(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers") or [])
                    present = {key.lower() for key, _ in headers}
                    headers += [h for h in PRIVATE_HEADERS if h[0] not in present]
                    message = {**message, "headers": headers}
                await send(message)

            await app(scope, receive, send_private)

        return only_loopback_hosts

    return wrap


def host_allowed(scope):
    """Return True when the request's Host is a loopback name with the port being served."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    parsed = split_host(host)
    if parsed is None:
        return False
    name, port = parsed
    served_port = (scope.get("server") or (None, None))[1]
    # No port on either side means HTTP's default (Datasette's in-process client has none).
    return name in LOOPBACK_NAMES and (port or 80) == (served_port or 80)


def split_host(host):
    """Return (lower-case name, port or None) of a Host header value, or None if malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host.partition("]")
        name, port_text = name + bracket, rest
        if port_text and not port_text.startswith(":"):
            return None
        port_text = port_text[1:]
    else:
        name, _, port_text = host.partition(":")
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit():
        return None
    return name, int(port_text)


async def _refuse(scope, send):
    body = (b"papershelf's Datasette answers only to http://127.0.0.1, localhost or [::1]"
            b" on its own port; this request named another host.\n")
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await _answer(send, 403, body)


async def _answer(send, status, body, headers=()):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *headers,
                            *PRIVATE_HEADERS]})
    await send({"type": "http.response.body", "body": body})
