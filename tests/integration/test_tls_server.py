"""TLS towards servers: which name the server's certificate must carry
(`sni`, `verifyhost`) and what health checks offer (`check-ssl`,
`check-sni`, `check-alpn`). Each runs on Tollgate and on HAProxy 2.6 with
the same configuration, and the answers must agree."""
import os
import socket
import ssl
import threading

import pytest

from conftest import HTTP_DEFAULTS, free_port, run_check, wait_until
from test_tls import certs, http_get, reenc_cfg  # noqa: F401 (the certs fixture)
import tlscerts


# (server options, expected status): HAProxy 2.6 checks the name sent by
# SNI, else the verifyhost; a mismatch fails the connection (503)
VERIFYHOST_CASES = [
    ("verifyhost www.example.com", "200"),
    ("verifyhost example.com", "200"),
    ("verifyhost wrong.example.com", "503"),
    ("verifyhost WWW.Example.COM", "200"),
    ("sni str(www.example.com) verifyhost wrong.example.com", "200"),
    ("sni str(wrong.example.com) verifyhost www.example.com", "503"),
]


@pytest.mark.parametrize("opts,status", VERIFYHOST_CASES)
def test_verifyhost_like_haproxy(tollgate, haproxy, certs, opts, status):  # noqa: F811
    srv = "verify required ca-file %s %s" % (certs["ca"], opts)
    for start in (tollgate, haproxy):
        front, tls_port = free_port(), free_port()
        start(reenc_cfg(certs, front, tls_port, srv), port=front)
        out = http_get(front)
        assert out.startswith("HTTP/1.1 " + status), (start, out)


@pytest.mark.parametrize("name,status", [
    ("cn.example.com", "200"),          # the CN counts even beside subjectAltNames
    ("san.example.com", "200"),
    ("x.wild.example.com", "200"),      # *.wild.example.com: one label
    ("a.b.wild.example.com", "503"),
    ("wild.example.com", "503"),
    ("www.part.example.com", "200"),    # w*.part.example.com: a partial wildcard
    ("abc.part.example.com", "503"),
    ("other.example.com", "503"),
])
def test_verifyhost_names_like_haproxy(tollgate, haproxy, certs, name, status):  # noqa: F811
    d = certs["dir"]
    pem = os.path.join(d, "cnsan.pem")
    if not os.path.exists(pem):
        tlscerts.make_cert(d, "cnsan", ["san.example.com", "*.wild.example.com", "w*.part.example.com"], cn="cn.example.com")
    srv = "verify required ca-file %s verifyhost %s" % (certs["ca"], name)
    for start in (tollgate, haproxy):
        front, tls_port = free_port(), free_port()
        start(reenc_cfg(dict(certs, rsa=pem), front, tls_port, srv), port=front)
        out = http_get(front)
        assert out.startswith("HTTP/1.1 " + status), (start, out)


def test_verifyhost_without_verify_has_no_effect(tollgate, certs):  # noqa: F811
    front, tls_port = free_port(), free_port()
    tollgate(reenc_cfg(certs, front, tls_port, "verify none verifyhost wrong.example.com"), port=front)
    assert http_get(front).startswith("HTTP/1.1 200")


@pytest.mark.parametrize("opts,msg,hmsg", [
    ("verifyhost", "missing hostname to verify against", "missing hostname to verify against"),
    ("check-alpn h2," + "x" * 256, "'check-alpn' : invalid protocol list 'h2,xxx", "check-alpn"),
    ("check-alpn", "'check-alpn' expects a value", "check-alpn"),
])
def test_bad_server_options_name_the_line(tmp_path, certs, opts, msg, hmsg):  # noqa: F811
    cfg = reenc_cfg(certs, free_port(), free_port(), "verify required ca-file %s %s" % (certs["ca"], opts))
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and "t.cfg:16" in out and msg in out, out
    rc, hout, _ = run_check(cfg, tmp_path, binary="/usr/sbin/haproxy")
    assert rc != 0 and hmsg in hout, hout


# ---- health checks over TLS: check-ssl implied by ssl, check-alpn ----

class AlpnServer:
    """A TLS server that notes, per connection, the protocol ALPN chose
    (its list: h2, http/1.1, foo; the first the client offers wins), None
    without ALPN, "plain" when the client spoke something else than TLS
    (an HTTP check in clear)."""

    def __init__(self, pem):
        self.seen = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pem)
        self.ctx.set_alpn_protocols(["h2", "http/1.1", "foo"])
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.settimeout(3)
            try:
                with self.ctx.wrap_socket(c, server_side=True) as t:
                    self.seen.append(t.selected_alpn_protocol())
            except (OSError, ssl.SSLError):
                self.seen.append("plain")

    def close(self):
        self.sock.close()


CHECK_CASES = [
    # (server options, what the checks' handshakes chose)
    ("ssl verify none check", None),
    ("ssl verify none alpn http/1.1 check", "http/1.1"),
    ("ssl verify none alpn http/1.1 check-alpn foo check", "foo"),
    ("no-ssl check-ssl verify none check-alpn foo,http/1.1 check", "http/1.1"),
    ("ssl verify none no-check-ssl check", "plain"),
]


@pytest.mark.parametrize("opts,chosen", CHECK_CASES)
def test_check_transport_and_alpn_like_haproxy(tollgate, haproxy, certs, opts, chosen):  # noqa: F811
    got = []
    for start in (tollgate, haproxy):
        srv = AlpnServer(certs["rsa"])
        front = free_port()
        proc = start(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    option httpchk
    server s1 127.0.0.1:%d %s inter 100
""" % (front, srv.port, opts), port=front)
        wait_until(lambda: len(srv.seen) >= 2, 5, "two checks")
        proc.kill()
        srv.close()
        got.append(srv.seen[0])
    assert got == [chosen, chosen], got
