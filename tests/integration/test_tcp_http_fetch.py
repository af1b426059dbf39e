"""HTTP sample fetches in a mode tcp frontend (HAProxy's configuration.txt
7.3.6): `tcp-request content` rules read the request head buffered so far,
parsed on the fly and forwarded unchanged; they wait (tcp-request
inspect-delay) while it is incomplete, and get no sample from bytes that
are not HTTP. Compared with HAProxy 2.6 on the same configuration."""
import re
import socket
import time

from conftest import admin_cli, exchange, run_check, start_both, wait_until, HAPROXY

TCP_DEFAULTS = """
global
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
"""

CFG = TCP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 5s
    tcp-request content track-sc0 url table urls
    tcp-request content track-sc1 hdr(host) table hosts
    tcp-request content sc-inc-gpc0(0)
    default_backend be
backend be
    server s 127.0.0.1:%(be)d
backend urls
    stick-table type string size 100 store gpc0
backend hosts
    stick-table type string size 100 store gpc0
"""


def keys(sock, table):
    """The keys of <table>, with their gpc0, sorted."""
    out = admin_cli(sock, "show table " + table)
    return sorted(re.findall(r" key=(\S*) .*?gpc0=(\d+)", out))


def test_http_fetches_in_tcp_mode_track_as_haproxy(tollgate, haproxy, backend, tmp_path):
    be = backend("A")
    both = start_both(tollgate, haproxy, tmp_path, CFG, be=be.port)
    for name, (sock, port) in both.items():
        head = b"GET /a?x=1 HTTP/1.1\r\nHost: one.example\r\nUser-Agent: t\r\n\r\n"
        # the head goes to the server as it came
        assert exchange(port, head) == b"A:" + head, name
        assert exchange(port, head) == b"A:" + head, name

        # a head arriving in two pieces: the rules wait for the rest
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /split HTTP/1.1\r\nHo")
            wait_until(lambda: "fe=fe" in admin_cli(sock, "show sess"), what=name + "'s stream")
            s.settimeout(0.3)
            try:
                early = s.recv(10)
            except socket.timeout:
                early = None
            assert early is None, name + " forwarded before the head was complete"
            s.settimeout(5)
            s.sendall(b"st: two.example\r\n\r\n")
            assert s.recv(2) == b"A:", name

        # not HTTP: no sample, no wait for the inspect delay
        t0 = time.monotonic()
        assert exchange(port, b"\x16\x03\x01binary\r\n\r\n") == b"A:\x16\x03\x01binary\r\n\r\n", name
        assert exchange(port, b"hello there\r\n\r\n") == b"A:hello there\r\n\r\n", name
        assert time.monotonic() - t0 < 4, name
        # an incomplete head when the client closes: no sample either (HAProxy
        # 2.6 waits out the inspect delay first, Tollgate decides at the close:
        # the client waits longer than the 5 s delay)
        assert exchange(port, b"GET /half HTTP/1.1\r\n", timeout=15) == b"A:GET /half HTTP/1.1\r\n", name

    t_sock, h_sock = both["tollgate"][0], both["haproxy"][0]
    expected_urls = [(r"/a?x\=1", "2"), ("/split", "1")]
    expected_hosts = [("one.example", "0"), ("two.example", "0")]
    assert keys(h_sock, "urls") == expected_urls
    assert keys(h_sock, "hosts") == expected_hosts
    assert keys(t_sock, "urls") == keys(h_sock, "urls")
    assert keys(t_sock, "hosts") == keys(h_sock, "hosts")


FETCH_CFG = TCP_DEFAULTS + """frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 5s
    tcp-request content reject if { %(cond)s }
    default_backend be
backend be
    server s 127.0.0.1:%(be)d
"""

HEAD = (b"POST /p/q?k=v HTTP/1.0\r\nHost: h.example\r\nX-N: 12\r\n"
        b"Cookie: a=1; b=2\r\nContent-Length: 0\r\n\r\n")

OTHER = b"GET /p/r?k=w HTTP/1.1\r\nHost: o.example\r\nCookie: b=3\r\n\r\n"

# conditions that hold on HEAD, not on OTHER: the connection is rejected
CONDS = [
    "method POST",
    "path /p/q",
    "url /p/q?k=v",
    "query k=v",
    "url_param(k) v",
    "req.ver 1.0",
    "req.hdr(x-n) 12",
    "req.hdr_cnt(x-n) eq 1",
    "req.cook(b) 2",
    "base h.example/p/q",
    "req.proto_http",
]


def test_request_fetches_read_the_buffered_head(tollgate, haproxy, backend, tmp_path):
    """Each request fetch decides as HAProxy's does on the same head."""
    be = backend("A")
    for cond in CONDS:
        both = start_both(tollgate, haproxy, tmp_path, FETCH_CFG, be=be.port, cond=cond)
        for name, (_, port) in both.items():
            assert exchange(port, HEAD) == b"", (name, cond)
            # a head (or bytes) on which it does not hold goes through
            other = b"hello\r\n\r\n" if cond == "req.proto_http" else OTHER
            assert exchange(port, other) == b"A:" + other, (name, cond)


def test_http_fetches_refused_before_the_request_is_read(tmp_path):
    """tcp-request connection and session rules run before any byte is
    read: an HTTP fetch there is a configuration error, as in HAProxy."""
    for stage in ("connection", "session"):
        cfg = CFG.replace("tcp-request content track-sc0", "tcp-request %s track-sc0" % stage) % dict(
            sock=str(tmp_path / "s.sock"), port=1, be=2)
        rc, out, path = run_check(cfg, tmp_path, binary=HAPROXY)
        assert rc != 0 and "'url'" in out, out
        rc, out, path = run_check(cfg, tmp_path)
        assert rc != 0, out
        assert "%s:" % path in out and "'url' cannot be used in tcp-request %s" % stage in out, out
