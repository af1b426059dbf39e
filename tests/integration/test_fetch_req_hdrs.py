"""req.hdrs, req.hdrs_bin, capture.req.hdr and capture.res.hdr, compared
with HAProxy 2.6."""
from httpbackend import header_values

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    capture request header Host len 20
    capture request header X-Long len 4
    declare capture request len 8
    capture response header Content-Type len 30
    declare capture response len 6
    http-request capture req.hdr(x-id) id 2
    http-request set-var(txn.hdrs) req.hdrs,hex
    http-request set-var(txn.bin) req.hdrs_bin,hex
    http-request set-var(txn.c0) capture.req.hdr(0)
    http-response capture res.hdr(content-length) id 1
    http-response set-header x-hdrs %%[var(txn.hdrs)]
    http-response set-header x-bin %%[var(txn.bin)]
    http-response set-header x-c0 %%[var(txn.c0)]
    http-response set-header x-c1 %%[capture.req.hdr(1)]
    http-response set-header x-c2 %%[capture.req.hdr(2)]
    http-response set-header x-c3 %%[capture.req.hdr(3)]
    http-response set-header x-r0 %%[capture.res.hdr(0)]
    http-response set-header x-r1 %%[capture.res.hdr(1)]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-hdrs", "x-bin", "x-c0", "x-c1", "x-c2", "x-c3", "x-r0", "x-r1")
LONG = b"v" * 300
REQS = (b"GET /a HTTP/1.1\r\nHost: example.com\r\nX-Long: abcdefgh\r\nX-ID: 42\r\n\r\n",
        b"GET /b HTTP/1.1\r\nhost: Other.org:81\r\nX-Big: " + LONG + b"\r\nAccept:  a, b \r\n\r\n")


def run(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    return header_values(port, REQS, NAMES)


def test_req_hdrs_and_captures_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got = run(tollgate, b)
    want = run(haproxy, b)
    assert got == want
    first = got[0]
    assert bytes.fromhex(first[0]) == b"host: example.com\r\nx-long: abcdefgh\r\nx-id: 42\r\n\r\n"
    assert bytes.fromhex(first[1]) == b"\x04host\x0bexample.com\x06x-long\x08abcdefgh\x04x-id\x0242\x00\x00"
    # a 300-byte value: HAProxy's two-byte varint
    assert b"\xfc\x03" + LONG in bytes.fromhex(got[1][1])
    assert first[2:] == ("example.com", "abcd", "42", "", "text/plain", "9")
