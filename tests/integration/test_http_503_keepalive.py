"""A 503 the proxy answers because no backend, no server or no server
connection could take the request keeps the client connection for its
next request, as HAProxy: no `connection: close`, the next request on the
same connection is served. Compared with haproxy 2.6."""
from httpbackend import connect, read_response

from conftest import HTTP_DEFAULTS, dead_port, free_port

CFG = HTTP_DEFAULTS + """
    retries 0
frontend fe
    bind 127.0.0.1:%d
    use_backend %%[req.hdr(x-be)]
backend ok
    http-request return status 200 hdr x-be %%[be_name]
backend empty
backend refused
    server s 127.0.0.1:%d
"""


def exchange(port):
    """Four requests on one connection: no backend of that name (the
    frontend, which has no server), an empty backend, a refused server,
    then one that is served."""
    out = []
    with connect(port) as s:
        for be in ("nosuch", "empty", "refused", "ok"):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nx-be: " + be.encode() + b"\r\n\r\n")
            status, hdrs, _, body = read_response(s)
            out.append((status, hdrs.get("connection"), hdrs.get("x-be"), len(body)))
    return out


def test_503_keeps_the_connection(tollgate, haproxy, dead_port):
    results = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(CFG % (port, dead_port), port=port)
        results.append(exchange(port))
    assert results[0] == [(503, None, None, 107)] * 3 + [(200, None, "ok", 0)]
    assert results[1] == results[0]


def test_client_close_still_closes(tollgate, dead_port):
    """A client that asks for the close gets it said."""
    port = free_port()
    tollgate(CFG % (port, dead_port), port=port)
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nx-be: empty\r\nConnection: close\r\n\r\n")
        status, hdrs, _, _ = read_response(s)
        assert (status, hdrs.get("connection")) == (503, "close")
        assert s.recv(100) == b""
