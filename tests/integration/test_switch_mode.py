"""A mode tcp frontend whose connections become HTTP, seen from outside
side by side with the reference HAProxy 2.6: `tcp-request content
switch-mode http` (the content rules ran in tcp for the first request,
then again for each request in HTTP; internal.strm.is_htx tells which),
the implicit upgrade to a mode http backend, and `bind ... proto none`
that refuses the upgrade.
"""

from conftest import free_port
from httpbackend import build, connect, read_response, read_until_close

CFG = """
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe1
    mode tcp
    bind 127.0.0.1:%d
    tcp-request inspect-delay 1s
    tcp-request content set-var(req.stream_mode) internal.strm.is_htx,iif(http,tcp)
    tcp-request content switch-mode http if HTTP
    tcp-request content reject
    http-request set-header x-stream-mode %%[var(req.stream_mode)]
    http-request set-header x-name %%[fe_name]
    default_backend be
frontend fe2
    mode tcp
    bind 127.0.0.1:%d
    default_backend be
frontend fe3
    mode tcp
    bind 127.0.0.1:%d proto none
    tcp-request inspect-delay 1s
    tcp-request content switch-mode http if HTTP
    tcp-request content reject
    default_backend be
backend be
    mode http
    http-request set-header x-name %%[be_name] unless { req.fhdr(x-name) -m found }
    server s1 127.0.0.1:%d
"""


def test_tcp_to_http_upgrade_agrees_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        p1, p2, p3 = free_port(), free_port(), free_port()
        start(CFG % (p1, p2, p3, b.port), port=p1)
        got = []
        for port in (p1, p2):
            with connect(port) as s:
                for i in range(2):
                    s.sendall(build("/r%d" % i))
                    st = read_response(s)[0]
                    r = b.requests[-1]
                    got.append((st, r.header("x-stream-mode"), r.header("x-name")))
        with connect(p2) as s:
            s.sendall(b"GET / BAD-VERSION\r\n\r\n")
            got.append(read_response(s)[0])
        n = len(b.requests)
        with connect(p3) as s:
            s.sendall(build("/none"))
            got.append(read_until_close(s))
        got.append(len(b.requests) - n)
        seen[name] = got
    assert seen["tollgate"] == [(200, "tcp", "fe1"), (200, "http", "fe1"), (200, None, "be"), (200, None, "be"),
                                400, b"", 0]
    assert seen["tollgate"] == seen["haproxy"]


def test_switch_mode_refused_forms(tmp_path):
    from conftest import run_check
    head = "defaults\n    timeout client 5s\n    timeout server 5s\n    timeout connect 2s\nfrontend f\n    mode tcp\n    bind 127.0.0.1:0\n"
    for line, msg in (("tcp-request content switch-mode tcp", "'switch-mode' expects 'http'"),
                      ("tcp-request content switch-mode http proto h9", "unknown protocol 'h9'"),
                      ("tcp-request connection switch-mode http", "unknown action 'switch-mode'")):
        rc, out, _ = run_check(head + "    %s\n" % line, tmp_path)
        assert rc != 0 and msg in out, out
