"""HTTP fetches url32, url32+src, url_ip, url_port, meth, res.hdrs,
res.hdrs_bin (compared with HAProxy 2.6) and server_status (HAProxy 3.x,
Tollgate only)."""
from httpbackend import header_values

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.url32) url32
    http-request set-var(txn.u32src) url32+src,hex
    http-request set-var(txn.ip) url_ip
    http-request set-var(txn.uport) url_port
    http-response set-header x-url32 %%[var(txn.url32)]
    http-response set-header x-u32src %%[var(txn.u32src)]
    http-response set-header x-ip %%[var(txn.ip)]
    http-response set-header x-port %%[var(txn.uport)]
    http-response set-header x-meth %%[meth(PURGE)]
    http-response set-header x-hdrs %%[res.hdrs,crc32]
    http-response set-header x-hdrs-len %%[res.hdrs,length]
    http-response set-header x-hdrs-bin %%[res.hdrs_bin,hex]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-url32", "x-u32src", "x-ip", "x-port", "x-meth", "x-hdrs", "x-hdrs-len", "x-hdrs-bin")
REQS = (b"GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"GET http://10.1.2.3:8080/p?q HTTP/1.1\r\nHost: 10.1.2.3:8080\r\n\r\n",
        b"GET HTTPS://1.2.3.4/x HTTP/1.1\r\nHost: 1.2.3.4\r\n\r\n",
        b"GET http://h.example/p HTTP/1.1\r\nHost: h.example\r\n\r\n",
        b"GET http://1.2.3.4.5/ HTTP/1.1\r\nHost: 1.2.3.4.5\r\n\r\n",
        b"GET http://1.2.3/ HTTP/1.1\r\nHost: 1.2.3\r\n\r\n",
        b"GET ftp://1.2.3.4:21/ HTTP/1.1\r\nHost: 1.2.3.4:21\r\n\r\n",
        b"GET /nohost HTTP/1.0\r\n\r\n")


def handler(req):
    return 200, [("Content-Type", "text/plain"), ("X-Tag", "v1"), ("Set-Cookie", "a=b")], b"ok"


def run(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    return [header_values(port, (r,), NAMES)[0] for r in REQS]


def test_url_fetches_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A", handler=handler)
    got = run(tollgate, b)
    want = run(haproxy, b)
    assert got == want
    assert got[1][2] == "10.1.2.3" and got[1][3] == "8080"
    assert got[2][2] == "1.2.3.4" and got[2][3] == "443"
    assert [r[2] for r in got[3:]] == [""] * 5
    assert got[0][1].startswith("%08X" % int(got[0][0])) and got[0][1].endswith("7F000001")
    assert got[0][4] == "PURGE"
    assert got[0][7].startswith("0C636F6E74656E742D74797065")   # "content-type" as res.hdrs_bin


SS_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-response set-status 404
    http-response set-header x-ss %%[server_status]
    http-response set-header x-st %%[status]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""


def test_server_status_is_the_status_the_server_sent(tollgate, http_backend):
    b = http_backend("A")
    port = free_port()
    tollgate(SS_CFG % {"port": port, "b": b.port}, port=port)
    got = header_values(port, (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",), ("x-ss", "x-st"))
    assert got == [("200", "404")]
