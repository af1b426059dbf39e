"""HTTP/2 on a connection upgraded from mode tcp (src/stream/stream.c
strm_switch_http, the preface detection of stream_http.c head_wait): a
mode tcp frontend whose backend is in mode http, or whose `tcp-request
content switch-mode http` matched, hands a client that starts with the
HTTP/2 preface to the h2 mux, as HAProxy does; `proto h1` (on the bind or
the switch) answers the preface 405 instead, `switch-mode http proto h2`
imposes HTTP/2. Each case runs on tollgate and HAProxy 2.6 alike."""
import socket

from conftest import free_port
from test_h2 import curl

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def cfg(port, be_port, fe_rules="", bind_opts=""):
    return """
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    mode tcp
    bind 127.0.0.1:%d %s
%s
    default_backend be
backend be
    mode http
    http-request set-header x-name %%[be_name] unless { req.fhdr(x-name) -m found }
    server s1 127.0.0.1:%d
""" % (port, bind_opts, fe_rules, be_port)


SWITCH = """    tcp-request inspect-delay 1s
    tcp-request content set-var(req.mode) internal.strm.is_htx,iif(http,tcp)
    tcp-request content switch-mode http%s if HTTP
    tcp-request content reject
    http-request set-header x-stream-mode %%[var(req.mode)]
    http-request set-header x-name %%[fe_name]
"""


def status_of(port, data):
    """Sends <data> on a fresh connection; returns the status of the HTTP/1
    response, or 0 when the connection closes without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        got = b""
        try:
            while b"\r\n" not in got:
                d = s.recv(4096)
                if not d:
                    break
                got += d
        except (ConnectionResetError, socket.timeout):
            pass
    return int(got.split()[1]) if got.startswith(b"HTTP/1.") else 0


def run_both(tollgate, haproxy, conf, probe):
    seen = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        starter(conf(port), port=port)
        seen[name] = probe(port)
    assert seen["tollgate"] == seen["haproxy"], seen
    return seen["tollgate"]


def test_tcp_frontend_http_backend_speaks_h2_like_haproxy(tollgate, haproxy, http_backend):
    """curl --http2-prior-knowledge on a mode tcp frontend with a mode http
    backend: the connection is upgraded, the preface makes it HTTP/2."""
    be = http_backend("A")

    def probe(port):
        n = len(be.requests)
        rc, ver, status, _, body = curl("http://127.0.0.1:%d/up?x=1" % port)
        reqs = be.requests[n:]
        return (rc, ver, status, body, [(r.version, r.path, r.header("x-name")) for r in reqs])

    got = run_both(tollgate, haproxy, lambda p: cfg(p, be.port), probe)
    assert got == (0, "2", 200, b"A GET /up?x=1\n", [("HTTP/1.1", "/up?x=1", "be")]), got


def test_switch_mode_http_speaks_h2_like_haproxy(tollgate, haproxy, http_backend):
    """`switch-mode http` on the preface: HTTP/2; each stream is an HTTP
    stream that the content rules see as such, as in HAProxy."""
    be = http_backend("A")

    def probe(port):
        n = len(be.requests)
        rc, ver, status, _, body = curl("http://127.0.0.1:%d/sw" % port)
        return (rc, ver, status, body, [(r.header("x-stream-mode"), r.header("x-name")) for r in be.requests[n:]])

    got = run_both(tollgate, haproxy, lambda p: cfg(p, be.port, SWITCH % ""), probe)
    assert got == (0, "2", 200, b"A GET /sw\n", [("http", "fe")]), got


def test_switch_mode_http_proto_h2_like_haproxy(tollgate, haproxy, http_backend):
    """`switch-mode http proto h2`: HTTP/2 is imposed; an HTTP/1.1 request
    is then a bad preface, the connection closes without an answer."""
    be = http_backend("A")

    def probe(port):
        rc, ver, status, _, body = curl("http://127.0.0.1:%d/h2" % port)
        return (rc, ver, status, body, status_of(port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"))

    got = run_both(tollgate, haproxy, lambda p: cfg(p, be.port, SWITCH % " proto h2"), probe)
    assert got == (0, "2", 200, b"A GET /h2\n", 0), got


def test_proto_h1_answers_preface_405(tollgate, haproxy, http_backend):
    """HTTP/1 imposed (`switch-mode http proto h1`, `bind ... proto h1` on
    a mode http frontend): the preface is answered 405 and the server sees
    nothing; HTTP/1.1 requests pass. HAProxy answers 405 since its h1 mux
    refuses the upgrade by name (its reg-test
    connection/tcp_to_http_upgrade.vtc); 2.6 still answered 400: the
    comparison spells the version difference out."""
    be = http_backend("A")

    def probe(port):
        n = len(be.requests)
        return (status_of(port, PREFACE), status_of(port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                len(be.requests) - n)

    h1_bind = lambda p: cfg(p, be.port, bind_opts="proto h1").replace("mode tcp", "mode http")
    h1_switch = lambda p: cfg(p, be.port, SWITCH % " proto h1")
    for conf in (h1_switch, h1_bind):
        seen = {}
        for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
            port = free_port()
            starter(conf(port), port=port)
            seen[name] = probe(port)
        assert seen == {"tollgate": (405, 200, 1), "haproxy": (400, 200, 1)}, seen


def test_switch_mode_proto_errors(tmp_path):
    from conftest import run_check
    head = "defaults\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\nfrontend f\n    mode tcp\n    bind 127.0.0.1:8080\n"
    rc, out, _ = run_check(head + "    tcp-request content switch-mode http proto h3\n", tmp_path)
    assert rc != 0 and "unknown protocol 'h3' (supported: h1, h2)" in out and "t.cfg:8]" in out, out
    rc, out, _ = run_check(head + "    tcp-request content switch-mode http proto h2\n", tmp_path)
    assert rc == 0, out
