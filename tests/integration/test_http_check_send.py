"""`http-check send` with any header fields and a body, and what a backend
inherits from `defaults`: its own `option httpchk` or `http-check` line
replaces the whole inherited check, as in HAProxy. The requests each
backend's server receives are compared with HAProxy 2.6's."""
from conftest import HTTP_DEFAULTS, free_port, run_check, wait_until
from tcpserver import TcpServer


class Recorder(TcpServer):
    """An HTTP server recording each request (head and Content-Length
    body), answering 200 (or 101 to an Upgrade) and closing."""

    def __init__(self):
        self.requests = []
        super().__init__(self._record)

    def _record(self, c):
        got = b""
        while b"\r\n\r\n" not in got:
            d = c.recv(4096)
            if not d:
                return
            got += d
        head, body = got.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        fields = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            fields[k.strip().lower()] = v.strip()
        while len(body) < int(fields.get("content-length", 0)):
            body += c.recv(4096)
        self.requests.append((lines[0], fields, body))
        if "upgrade" in fields:
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: raw\r\n\r\n")
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def config(ports):
    return """
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    option httpchk GET /status HTTP/1.1
    http-check send hdr Host "my-www-host" hdr X-test true body "test"
frontend fe
    bind 127.0.0.1:%d
    default_backend inherit
backend inherit
    server s 127.0.0.1:%d check inter 200
backend reset_by_option
    option httpchk
    server s 127.0.0.1:%d check inter 200
backend own_send
    http-check send hdr Host "other-host" hdr X-New true body "other test"
    server s 127.0.0.1:%d check inter 200
backend upgrade
    http-check send meth GET uri / ver HTTP/1.1 hdr host ws-host hdr connection upgrade hdr upgrade raw
    http-check expect status 101
    server s 127.0.0.1:%d check inter 200
""" % ((free_port(),) + tuple(ports))


EXPECTED = [
    ("GET /status HTTP/1.1", {"host": "my-www-host", "x-test": "true", "connection": "close",
                              "content-length": "4"}, b"test"),
    ("OPTIONS / HTTP/1.0", {}, b""),        # close is HTTP/1.0's default: not said
    ("OPTIONS / HTTP/1.0", {"host": "other-host", "x-new": "true", "content-length": "10"}, b"other test"),
    ("GET / HTTP/1.1", {"host": "ws-host", "connection": "upgrade", "upgrade": "raw"}, b""),
]


def run(start):
    servers = [Recorder() for _ in EXPECTED]
    try:
        start(config([s.port for s in servers]))
        for s in servers:
            wait_until(lambda: s.requests, 10, "a check request")
        return [s.requests[0] for s in servers]
    finally:
        for s in servers:
            s.stop()


def test_requests_match_haproxy(tollgate, haproxy):
    ours = run(tollgate)
    assert ours == EXPECTED
    assert run(haproxy) == ours


def test_upgrade_answer_passes(tollgate):
    """`expect status 101` with a Connection: upgrade request passes."""
    s = Recorder()
    cfg = config([s.port, s.port, s.port, s.port])
    t = tollgate(cfg.replace("backend upgrade\n", "backend upgrade\n    option log-health-checks\n"))
    t.wait_log("Health check for server upgrade/s succeeded, reason: Layer7 check passed, code: 101")
    s.stop()


def test_option_httpchk_host(tollgate):
    """HAProxy 3.x's fourth `option httpchk` argument, the Host field
    (2.6 refuses it: no comparison)."""
    s = Recorder()
    port = free_port()
    try:
        tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    option httpchk GET /status HTTP/1.1 www.haproxy.org
    server s 127.0.0.1:%d check inter 200
""" % (port, s.port), port=port)
        wait_until(lambda: s.requests, 10, "a check request")
        assert s.requests[0] == ("GET /status HTTP/1.1", {"host": "www.haproxy.org", "connection": "close"}, b"")
    finally:
        s.stop()


def test_option_httpchk_host_errors(tmp_path):
    base = "defaults\n    mode http\nbackend be\n    option httpchk GET / HTTP/1.1 %s\n    server s 127.0.0.1:1 check\n"
    rc, out, path = run_check(base % "a b", tmp_path)
    assert rc != 0 and "[%s:4]" % path in out and "unexpected word 'b'" in out, out
    rc, out, path = run_check(base % "%[req.hdr(host)]", tmp_path)
    assert rc != 0 and "[%s:4]" % path in out and "not supported yet" in out, out


def test_send_state_like_haproxy(tollgate, haproxy):
    """`http-check send-state`: the x-haproxy-server-state field of the
    first two probes (going down from the start, then fully up)."""
    seen = {}
    for which, start in (("haproxy", haproxy), ("tollgate", tollgate)):
        s = Recorder()
        port = free_port()
        try:
            t = start(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    option httpchk GET /x HTTP/1.1
    http-check send-state
    server srv 127.0.0.1:%d check inter 100 weight 3
    server srv2 127.0.0.1:%d weight 5
""" % (port, s.port, s.port), port=port)
            wait_until(lambda: len(s.requests) >= 2, 10, "two check requests")
            seen[which] = [(r[0], r[1]["x-haproxy-server-state"].replace("port=%d;" % s.port, "port=P;"))
                           for r in s.requests[:2]]
            t.kill()
        finally:
            s.stop()
    assert seen["tollgate"] == seen["haproxy"], seen
    assert seen["tollgate"][0][1].startswith("UP 1/3; address=127.0.0.1; port=P; ")
    assert seen["tollgate"][1][1].startswith("UP; ") and "; name=be/srv; " in seen["tollgate"][1][1]
    assert seen["tollgate"][1][1].endswith("; weight=3/8; scur=0/0; qcur=0")
