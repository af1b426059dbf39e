"""tcp-request session / content and tcp-response content rules seen from
outside, side by side with the reference HAProxy 2.6: rules written in a
named defaults section run before the proxy's own; in mode http the
content rules run again for every request of a keep-alive connection;
a backend's tcp-request content rules and its tcp-response content rules
run in mode tcp and mode http.
"""

import socket

from conftest import exchange, free_port, run_check
from httpbackend import build, connect, read_response, read_until_close

TIMEOUTS = """
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""

DEFAULTS_RULES = """
defaults common
    mode http
""" + TIMEOUTS + """
defaults def_front from common
    tcp-request connection accept
    tcp-request session accept
    tcp-request inspect-delay 5s
    tcp-request content set-var(txn.f) str(def_front)
    tcp-request content accept
    http-request set-header x-def front
defaults def_back from common
    tcp-request content set-var(txn.b) str(def_back)
    tcp-request content accept
    tcp-response content set-var(txn.r) str(def_back)
    tcp-response content accept
frontend fe from def_front
    bind 127.0.0.1:%d
    tcp-request connection reject
    tcp-request session reject
    tcp-request content reject
    http-request set-header x-f %%[var(txn.f)]
    default_backend be
backend be from def_back
    tcp-response content reject
    http-request set-header x-b %%[var(txn.b)]
    http-response set-header x-r %%[var(txn.r)]
    server s1 127.0.0.1:%d
"""


def test_named_defaults_rules_run_first_as_in_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(DEFAULTS_RULES % (port, b.port), port=port)
        with connect(port) as s:
            s.sendall(build("/"))
            status, hdrs, _, _ = read_response(s)
        req = b.requests[-1]
        seen[name] = (status, hdrs.get("x-r"), req.header("x-def"), req.header("x-f"), req.header("x-b"))
    assert seen["tollgate"] == (200, "def_back", "front", "def_front", "def_back")
    assert seen["tollgate"] == seen["haproxy"]


PER_REQUEST = """
defaults
    mode http
""" + TIMEOUTS + """
frontend fe
    bind 127.0.0.1:%d
    tcp-request session set-var(sess.n) var(sess.n,0),add(1)
    tcp-request content set-var(req.p) path
    tcp-request content set-var(sess.c) var(sess.c,0),add(1)
    tcp-request content reject if { path /deny }
    http-request return status 200 hdr x-p "%%[var(req.p)] n=%%[var(sess.n)] c=%%[var(sess.c)]"
"""


def per_request_run(port):
    out = []
    with connect(port) as s:
        for path in ("/a", "/bb"):
            s.sendall(build(path))
            out.append(read_response(s)[1].get("x-p"))
        s.sendall(build("/deny"))
        out.append(read_until_close(s))
    return out


def test_content_rules_run_for_every_request_in_http_mode(tollgate, haproxy):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        start(PER_REQUEST % port, port=port)
        seen[name] = per_request_run(port)
    # session rules once per connection, content rules once per request;
    # a content reject closes the connection with nothing sent
    assert seen["tollgate"] == ["/a n=1 c=1", "/bb n=1 c=2", b""]
    assert seen["tollgate"] == seen["haproxy"]


TCP_MODE = """
defaults
    mode tcp
""" + TIMEOUTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be_%s
backend be_cont
    tcp-request content reject if { src 127.0.0.1 }
    server s1 127.0.0.1:%d
backend be_res
    tcp-response content reject
    server s1 127.0.0.1:%d
backend be_pass
    tcp-response content set-var(sess.x) str(x)
    tcp-response content accept
    server s1 127.0.0.1:%d
"""


def test_backend_and_response_rules_in_tcp_mode(tollgate, haproxy, backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = backend("B")
        got = []
        for which in ("cont", "res", "pass"):
            port = free_port()
            start(TCP_MODE % (port, which, b.port, b.port, b.port), port=port, name="%s.cfg" % which)
            try:
                got.append(exchange(port, b"hello"))
            except OSError:
                # a rejected connection may be reset before the half-close
                # (ENOTCONN) or during the read (ECONNRESET)
                got.append(b"reset")
        seen[name] = got
    assert seen["tollgate"][2] == b"B:hello"
    assert seen["tollgate"][0] in (b"", b"reset") and seen["tollgate"][1] in (b"", b"reset")
    assert [g in (b"", b"reset") for g in seen["tollgate"]] == [g in (b"", b"reset") for g in seen["haproxy"]]
    assert seen["tollgate"][2] == seen["haproxy"][2]


def test_defaults_rules_refused_where_haproxy_refuses(tmp_path):
    cases = [
        # an anonymous defaults section takes no rules
        ("defaults\n    mode http\n    tcp-request content accept\n", "not allowed in anonymous 'defaults' sections"),
        # a listen section cannot use a defaults section with rules
        ("defaults d\n    mode http\n    http-request deny\nlisten li from d\n    bind 127.0.0.1:0\n",
         "a listen section cannot inherit from a defaults section defining TCP/HTTP rules"),
        # nor frontends and backends the same one
        ("defaults d\n    mode http\n    http-request deny\nfrontend f from d\n    bind 127.0.0.1:0\n"
         "backend b from d\n", "frontends and backends cannot inherit from the same defaults section"),
        # a backend cannot take tcp-request connection rules
        ("defaults d\n    mode tcp\n    tcp-request connection accept\nbackend b from d\n",
         "a backend section cannot inherit from a defaults section defining 'tcp-request connection'"),
    ]
    for text, msg in cases:
        rc, out, _ = run_check(text, tmp_path)
        assert rc != 0 and msg in out, out
        rc, out, _ = run_check(text, tmp_path, binary="/usr/sbin/haproxy")
        assert rc != 0, out
