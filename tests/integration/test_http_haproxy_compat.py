"""mode http: messages whose meaning a proxy must settle before passing
them on, sent through Tollgate and through the reference HAProxy 2.6 on
the same configuration, each in front of its own recording server. Each
test checks what Tollgate does and that HAProxy does the same.

- framing (RFC 9112 6.3): Transfer-Encoding with Content-Length, in a
  response or a request: Transfer-Encoding frames the message and
  Content-Length is removed; a request carrying both also ends its
  connection after the response, so nothing after its body is read as a
  request. Identical Content-Length duplicates leave as one field.
- the target: an absolute-form (or CONNECT) authority that names another
  host or port than Host is answered 400; case, an empty port and the
  scheme's default port do not count. An HTTP/1.1 request without Host
  passes.
- the version: HTTP/1.2 to HTTP/9.9 are read as HTTP/1.1 and forwarded as
  such, both ways; HTTP/0.x is refused (HAProxy forwards it: see
  doc/configuration.md).
"""

import pytest

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


AUTHORITY_CASES = [
    # (name, request line, Host, expected status)
    ("other_host", "GET http://example.com/p HTTP/1.1", "other", 400),
    ("other_host_http10", "GET http://example.com/p HTTP/1.0", "other", 400),
    ("other_port", "GET http://example.com:81/p HTTP/1.1", "example.com", 400),
    ("host_port", "GET http://example.com/p HTTP/1.1", "example.com:8080", 400),
    ("connect_other_host", "CONNECT example.com:443 HTTP/1.1", "other:443", 400),
    ("connect_other_port", "CONNECT example.com:443 HTTP/1.1", "example.com:80", 400),
    # accepted CONNECTs reach the backend, which does not implement it (501)
    ("connect_host_without_port", "CONNECT example.com:443 HTTP/1.1", "example.com", 501),
    ("connect_80_host_without_port", "CONNECT example.com:80 HTTP/1.1", "example.com", 501),
    ("connect_same_port", "CONNECT example.com:8443 HTTP/1.1", "example.com:8443", 501),
    ("same_host", "GET http://example.com/p HTTP/1.1", "example.com", 200),
    ("case", "GET http://Example.COM/p HTTP/1.1", "example.com", 200),
    ("default_port", "GET http://example.com:80/p HTTP/1.1", "example.com", 200),
    ("default_port_in_host", "GET http://example.com/p HTTP/1.1", "example.com:80", 200),
    ("https_default_port", "GET https://example.com:443/p HTTP/1.1", "example.com", 200),
    ("empty_port", "GET http://example.com/p HTTP/1.1", "example.com:", 200),
    ("http10_no_host", "GET http://example.com/p HTTP/1.0", None, 200),
    # HTTP/1.1 without Host: passed on, as HAProxy does
    ("http11_no_host", "GET /p HTTP/1.1", None, 200),
    ("http11_no_host_abs", "GET http://example.com/p HTTP/1.1", None, 200),
]


@pytest.mark.parametrize("name,line,host,status", AUTHORITY_CASES, ids=[c[0] for c in AUTHORITY_CASES])
def test_absolute_form_authority_must_match_host(tollgate, haproxy, http_backend, name, line, host, status):
    """The rules read Host, the server may read the target: when they name
    different places the request is refused before either is used."""
    raw = (line + "\r\n" + ("Host: %s\r\n" % host if host is not None else "") + "\r\n").encode()
    seen = {}
    for proxy, (port, b) in start_both(tollgate, haproxy, http_backend).items():
        st, hl, _, _ = exchange(port, raw)
        seen[proxy] = st
        if st != 501:   # (the backend answers CONNECT 501 before recording it)
            assert b.count() == (1 if st == 200 else 0), (proxy, name)
    assert seen == {"tollgate": status, "haproxy": status}


VERSION_CASES = ["HTTP/1.2", "HTTP/1.9", "HTTP/2.0", "HTTP/3.0", "HTTP/9.9"]


@pytest.mark.parametrize("version", VERSION_CASES)
def test_version_above_11_is_forwarded_as_11(tollgate, haproxy, http_backend, version):
    """A request line or a status line with a version above 1.1 is read
    as HTTP/1.1 (RFC 9110 2.5) and leaves as HTTP/1.1, with 1.1's
    persistence: the client connection stays open."""
    def handler(req):
        if req.path == "/res":
            return (("%s 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok" % version)
                    .encode())
        return 200, [], b"ok"

    for proxy, (port, b) in start_both(tollgate, haproxy, http_backend, handler).items():
        with connect(port) as s:
            s.sendall(("GET /req %s\r\nHost: x\r\n\r\n" % version).encode())
            st, hdrs, _, body = read_response(s)
            assert (st, body) == (200, b"ok"), proxy
            assert b.requests[-1].version == "HTTP/1.1", (proxy, b.requests[-1].version)
            assert "close" not in hdrs.get("connection", ""), proxy
            s.sendall(b"GET /res HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                d = s.recv(4096)
                assert d, (proxy, head)
                head += d
            assert head.startswith(b"HTTP/1.1 200 "), (proxy, head)


def test_version_09_is_refused(tollgate, http_backend):
    """HTTP/0.x on a request line: 505, the server sees nothing. (HAProxy
    2.6 forwards it as HTTP/0.9 with HTTP/1.0 semantics; a deliberate
    difference.)"""
    b = http_backend("A")
    port = free_port()
    tollgate(config(port, b.port), port=port)
    st, _, _, _ = exchange(port, b"GET /m HTTP/0.9\r\nHost: x\r\n\r\n")
    assert st == 505 and b.count() == 0
