"""`Proxy-Connection` on HTTP/1 requests, side by side with the reference
HAProxy 2.6: forwarded to the server as it is and never read for the
connection's persistence (even with `option http-use-proxy-header` and an
absolute-form target): a `Proxy-Connection: close` request leaves the
client connection open, a `Proxy-Connection: keep-alive` HTTP/1.0 request
does not keep it.
"""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response

CFG = HTTP_DEFAULTS + """
frontend plain
    bind 127.0.0.1:%(p1)d
    default_backend be
frontend fwd
    bind 127.0.0.1:%(p2)d
    option http-use-proxy-header
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""


def exchange_twice(port, target, version, value):
    """Sends a request with Proxy-Connection: <value>, then a second one on
    the same connection; returns (first status, its Connection header,
    the second status or None when the proxy closed)."""
    with connect(port) as s:
        s.sendall(b"GET %s %s\r\nHost: x\r\nProxy-Connection: %s\r\n\r\n" % (target, version, value))
        st, hdrs, _, _ = read_response(s)
        try:
            s.sendall(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
            again = read_response(s)[0]
        except (EOFError, ConnectionResetError, BrokenPipeError):
            again = None
        return st, hdrs.get("connection"), again


def test_proxy_connection_agrees_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        p = {"p1": free_port(), "p2": free_port(), "srv": b.port}
        start(CFG % p, port=p["p1"])
        got = [exchange_twice(p["p1"], b"/a", b"HTTP/1.1", b"close"),
               exchange_twice(p["p2"], b"http://x/b", b"HTTP/1.1", b"close"),
               exchange_twice(p["p2"], b"http://x/c", b"HTTP/1.0", b"keep-alive")]
        got.append([(r.path, r.header("proxy-connection")) for r in b.requests if r.path != "/again"])
        seen[name] = got
    assert seen["tollgate"][:3] == [(200, None, 200), (200, None, 200), (200, "close", None)]
    assert seen["tollgate"][3] == [("/a", "close"), ("http://x/b", "close"), ("http://x/c", "keep-alive")]
    assert seen["tollgate"] == seen["haproxy"]
