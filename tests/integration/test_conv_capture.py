"""capture-req(<id>) and capture-res(<id>): the sample stored in a
declared capture slot (cut to its length) and passed on unchanged; no
sample for a slot that does not exist. Compared with HAProxy 2.6."""
from httpbackend import header_values

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    declare capture request len 5
    declare capture request len 32
    declare capture response len 4
    http-request set-var(txn.pass) req.hdr(x-a),capture-req(0)
    http-request set-var(txn.two) req.hdr(x-b),capture-req(1)
    http-request set-var(txn.none) req.hdr(x-a),capture-req(2)
    http-response set-var(txn.rpass) res.hdr(x-tag),capture-res(0)
    http-response set-header x-pass %%[var(txn.pass)]
    http-response set-header x-none %%[var(txn.none)]
    http-response set-header x-cap0 %%[capture.req.hdr(0)]
    http-response set-header x-cap1 %%[capture.req.hdr(1)]
    http-response set-header x-rpass %%[var(txn.rpass)]
    http-response set-header x-rcap %%[capture.res.hdr(0)]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-pass", "x-none", "x-cap0", "x-cap1", "x-rpass", "x-rcap")


def handler(req):
    return 200, [("X-Tag", "abcdefgh")], b"ok"


def run(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    return header_values(port, (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 0123456789\r\nX-B: short\r\n\r\n",
                                b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), NAMES)


def test_capture_converters_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A", handler=handler)
    got = run(tollgate, b)
    want = run(haproxy, b)
    assert got == want
    assert got[0] == ("0123456789", "", "01234", "short", "abcdefgh", "abcd")


DEBUG_CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.s) req.hdr(x-a),debug(hdr,stderr)
    http-request set-var(txn.i) req.hdr(x-a),length,debug(len,stderr),add(1)
    http-request set-var(txn.b) req.hdr(x-a),debug(,buf0)
    http-request set-var(txn.ip) src,debug(src,stdout)
    http-request return status 200 hdr x-s "%%[var(txn.s)]" hdr x-i "%%[var(txn.i)]" hdr x-b "%%[var(txn.b)]"
"""


def run_debug(start, sock):
    port = free_port()
    p = start(DEBUG_CFG % {"port": port, "sock": sock}, port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    got = header_values(port, (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb c\r\n\r\n",), ("x-s", "x-i", "x-b"))
    p.wait_log("[debug] src: type=ipv4 <127.0.0.1>")
    # the ring's lines, from "[debug]" on (the ring's header is its format's)
    ring = [line[line.index("[debug]"):] for line in admin_cli(sock, "show events buf0").splitlines()
            if "[debug]" in line]
    return got, sorted(line.strip() for line in p.output().splitlines() if line.startswith("[debug]")), ring


def test_debug_converter_matches_haproxy(tollgate, haproxy, tmp_path):
    got = run_debug(tollgate, str(tmp_path / "t.sock"))
    want = run_debug(haproxy, str(tmp_path / "h.sock"))
    assert got == want
    assert got[2] == ["[debug] : type=str <a.b c>"]
    assert got[0] == [("a\tb c", "6", "a\tb c")]
    assert got[1] == ["[debug] hdr: type=str <a.b c>", "[debug] len: type=sint <5>",
                      "[debug] src: type=ipv4 <127.0.0.1>"]
