"""mode http: messages whose meaning a proxy must settle before passing
them on, sent through Tollgate and through the reference HAProxy 2.6 on
the same configuration, each in front of its own recording server. Each
test checks what Tollgate does and that HAProxy does the same.

- framing (RFC 9112 6.3): Transfer-Encoding with Content-Length, in a
  response or a request: Transfer-Encoding frames the message and
  Content-Length is removed; a request carrying both also ends its
  connection after the response, so nothing after its body is read as a
  request. Identical Content-Length duplicates leave as one field.
"""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response, read_until_close


def config(port, backend_port):
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, backend_port)


def start_both(tollgate, haproxy, http_backend, handler=None):
    """Starts Tollgate and HAProxy on one configuration text, each in front
    of its own backend (<handler>); returns {"tollgate": (port, backend),
    "haproxy": (port, backend)}."""
    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name, handler)
        port = free_port()
        start(config(port, b.port), port=port)
        out[name] = (port, b)
    return out


def exchange(port, raw):
    """Sends <raw> on a new connection; returns (status, headers list,
    body, what came after the response until the proxy closed)."""
    with connect(port) as s:
        s.sendall(raw)
        st, _, hl, body = read_response(s)
        return st, hl, body, read_until_close(s) if ("connection", "close") in lower(hl) else None


def lower(hlist):
    return [(n.lower(), v.lower()) for n, v in hlist]


def names(hlist):
    return sorted(n for n, _ in lower(hlist))


# raw answers say close: the backend closes after them (httpbackend.py)
CL_TE_RESPONSE = (b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                  b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n0\r\n\r\n")


def test_response_with_cl_and_te_leaves_with_te_only(tollgate, haproxy, http_backend):
    """A server answers with both fields: the client gets Transfer-Encoding
    alone and the whole chunked body, and its connection goes on."""
    def handler(req):
        return CL_TE_RESPONSE if req.path == "/clte" else (200, [], b"next")

    seen = {}
    for name, (port, _) in start_both(tollgate, haproxy, http_backend, handler).items():
        with connect(port) as s:
            s.sendall(b"GET /clte HTTP/1.1\r\nHost: x\r\n\r\n")
            st, hdrs, hl, body = read_response(s)
            assert st == 200, name
            assert "content-length" not in hdrs, (name, hl)
            assert hdrs.get("transfer-encoding", "").lower() == "chunked", (name, hl)
            assert body == b"hello", name
            # the framing was right: the same connection carries the next one
            s.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            st2, _, _, body2 = read_response(s)
            assert (st2, body2) == (200, b"next"), name
        seen[name] = (st, names(hl), body)
    assert seen["tollgate"] == seen["haproxy"]


def test_request_with_cl_and_te_is_framed_by_chunks(tollgate, haproxy, http_backend):
    """A request with both fields reaches the server with Transfer-Encoding
    alone and the chunked body; the client connection then closes, so the
    request hidden after the body (had Content-Length framed it) never
    reaches the server."""
    raw = (b"POST /m HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n0\r\n\r\n"
           b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
    seen = {}
    for name, (port, b) in start_both(tollgate, haproxy, http_backend).items():
        st, hl, body, rest = exchange(port, raw)
        assert st == 200, name
        assert ("connection", "close") in lower(hl), (name, hl)
        assert rest == b"", (name, rest)       # closed, nothing more answered
        assert b.count() == 1, (name, [r.path for r in b.requests])
        req = b.requests[0]
        assert (req.method, req.path, req.body) == ("POST", "/m", b"hello"), name
        assert req.header_all("content-length") == [], (name, req.headers)
        assert req.header_all("transfer-encoding") == ["chunked"], (name, req.headers)
        seen[name] = (st, req.body, sorted(n.lower() for n, _ in req.headers))
    assert seen["tollgate"] == seen["haproxy"]


def test_identical_content_lengths_leave_as_one(tollgate, haproxy, http_backend):
    """Content-Length twice with one value (RFC 9110 8.6), in a request
    and in a response: each side gets a single Content-Length."""
    def handler(req):
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"

    raw = b"POST /m HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc"
    seen = {}
    for name, (port, b) in start_both(tollgate, haproxy, http_backend, handler).items():
        st, hl, body, _ = exchange(port, raw)
        assert (st, body) == (200, b"ok"), name
        assert [v for n, v in lower(hl) if n == "content-length"] == ["2"], (name, hl)
        req = b.requests[0]
        assert req.header_all("content-length") == ["3"], (name, req.headers)
        assert req.body == b"abc", name
        seen[name] = (st, names(hl), body)
    assert seen["tollgate"] == seen["haproxy"]
