"""HTTP fetches baseq, base32, base32+src, http_first_req,
capture.req.uri and capture.req.ver, compared with HAProxy 2.6."""
from httpbackend import header_values

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.first) http_first_req
    http-request set-var(txn.baseq) baseq
    http-request set-var(txn.base32) base32
    http-request set-var(txn.b32src) base32+src,hex
    http-response set-header x-baseq %%[var(txn.baseq)]
    http-response set-header x-base32 %%[var(txn.base32)]
    http-response set-header x-b32src %%[var(txn.b32src)]
    http-response set-header x-first %%[var(txn.first)]
    http-response set-header x-uri %%[capture.req.uri]
    http-response set-header x-ver %%[capture.req.ver]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-baseq", "x-base32", "x-b32src", "x-first", "x-uri", "x-ver")
REQS = (b"GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"GET /c HTTP/1.1\r\nHost: Other.org:81\r\n\r\n",
        b"GET http://h.example/p/q?z HTTP/1.1\r\nHost: h.example\r\n\r\n")


def run(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    return header_values(port, REQS, NAMES)


def test_base_fetches_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got = run(tollgate, b)
    want = run(haproxy, b)
    assert got == want
    assert got[0][0] == "example.com/a/b?x=1&y=2" and got[0][3] == "1" and got[1][3] == "0"
    assert got[0][5] == "HTTP/1.1" and got[1][4] == "/c"
