"""TLS in tcp-check and http-check: `tcp-check connect ssl [sni <name>]
[alpn <list>]` (and `http-check connect ...`), `connect default` with
check-ssl, and a plain `connect` on a check-ssl server, against a TLS
server run by the test (it answers with the SNI and ALPN it saw) and a
plain one; the servers' states compared with Debian's HAProxy 2.6 on the
same configuration."""
import ssl

import pytest

from conftest import HAPROXY, admin_cli, admin_ready, free_port, run_check, tcp_admin_head, wait_until
from tcpserver import TcpServer
import tlscerts


class LineHandler:
    """A TcpServer handler: TLS with <ctx> (else plain), reads one line and
    answers `<tag> sni=<sni> alpn=<alpn>`."""

    def __init__(self, tag, ctx=None, http=False):
        self.tag, self.ctx, self.sni, self.http = tag, ctx, {}, http
        if ctx:
            ctx.sni_callback = lambda conn, name, _ctx: self.sni.__setitem__(id(conn), name)

    def __call__(self, c):
        try:
            if self.ctx:
                c = self.ctx.wrap_socket(c, server_side=True)
            got, end = b"", b"\r\n\r\n" if self.http else b"\n"
            while end not in got:
                d = c.recv(4096)
                if not d:
                    return
                got += d
            sni = self.sni.pop(id(c), None) if self.ctx else None
            alpn = c.selected_alpn_protocol() if self.ctx else None
            body = ("%s sni=%s alpn=%s\n" % (self.tag, sni, alpn)).encode()
            if self.http:
                body = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
            c.sendall(body)
        except ssl.SSLError:
            pass   # a plain client on the TLS server


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    certs = tlscerts.make_all(tmp_path_factory.mktemp("certs"))
    def context():   # one per server: each handler sets its SNI callback
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certs["rsa"])
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        return ctx
    tls, plain = TcpServer(LineHandler("TLS-OK", context())), TcpServer(LineHandler("PLAIN"))
    htls, hplain = TcpServer(LineHandler("TLS-OK", context(), True)), TcpServer(LineHandler("PLAIN", None, True))
    yield {"tls": tls.port, "plain": plain.port, "ca": certs["ca"], "htls": htls.port, "hplain": hplain.port}
    for s in (tls, plain, htls, hplain):
        s.stop()


BACKENDS = """
backend b_tls
    option tcp-check
    tcp-check connect ssl
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK"
    server s 127.0.0.1:%(tls)d check verify none inter 200
backend b_plain
    option tcp-check
    tcp-check connect ssl
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK"
    server s 127.0.0.1:%(plain)d check verify none inter 200
backend b_sni_alpn
    option tcp-check
    tcp-check connect ssl sni www.example.com alpn h2,http/1.1
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK sni=www.example.com alpn=h2"
    server s 127.0.0.1:%(tls)d check verify required ca-file %(ca)s inter 200
backend b_port
    option tcp-check
    tcp-check connect port %(tls)d ssl
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK"
    server s 127.0.0.1:%(plain)d check verify none inter 200
backend b_explicit_plain
    option tcp-check
    tcp-check connect
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK"
    server s 127.0.0.1:%(tls)d check check-ssl verify none inter 200
backend b_default
    option tcp-check
    tcp-check connect default
    tcp-check send "HELLO\\n"
    tcp-check expect string "TLS-OK"
    server s 127.0.0.1:%(tls)d check check-ssl verify none inter 200
"""

EXPECTED = {"b_tls": ("UP", "L7OK"), "b_plain": ("DOWN", "L6RSP"), "b_sni_alpn": ("UP", "L7OK"),
            "b_port": ("UP", "L7OK"), "b_default": ("UP", "L7OK")}


def states(sock):
    out = {}
    for line in admin_cli(sock, "show stat").splitlines():
        f = line.split(",")
        if len(f) > 36 and f[1] == "s":
            out[f[0]] = (f[17], f[36].lstrip("* "))
    return out


def test_tcp_check_over_tls_like_haproxy(tollgate, haproxy, servers, tmp_path):
    seen, logs = {}, {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        p = start(tcp_admin_head(sock) + BACKENDS % servers)
        wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
        wait_until(lambda: all(states(sock).get(b) == e for b, e in EXPECTED.items())
                   and states(sock).get("b_explicit_plain", ("",))[0] == "DOWN", 10,
                   "%s's checks; got %s" % (name, states(sock)))
        seen[name] = states(sock)
        logs[name] = p
    # the handshake failure names the connect step, as HAProxy's
    for p in logs.values():
        p.wait_log('Server b_plain/s is DOWN, reason: Layer6 invalid response, info: '
                   '"SSL handshake failure at step 1 of tcp-check (connect)"')
    t, h = seen["tollgate"], seen["haproxy"]
    for b in EXPECTED:
        assert t[b] == h[b], (b, t[b], h[b])
    # a plain connect on a check-ssl server is plain: the TLS server never
    # answers it (HAProxy reads an empty response, Tollgate a reset)
    assert t["b_explicit_plain"][0] == h["b_explicit_plain"][0] == "DOWN"


HTTP_BACKENDS = """
backend h_tls
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /
    http-check expect string TLS-OK
    server s 127.0.0.1:%(htls)d check verify none inter 200
backend h_plain
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /
    http-check expect string TLS-OK
    server s 127.0.0.1:%(hplain)d check verify none inter 200
backend h_sni_alpn
    option httpchk
    http-check connect ssl sni www.example.com alpn foo,http/1.1
    http-check send meth GET uri /
    http-check expect string "TLS-OK sni=www.example.com alpn=http/1.1"
    server s 127.0.0.1:%(htls)d check verify required ca-file %(ca)s inter 200
backend h_port
    option httpchk
    http-check connect port %(htls)d ssl
    http-check send meth GET uri /
    http-check expect string TLS-OK
    server s 127.0.0.1:%(hplain)d check verify none inter 200
backend h_default
    option httpchk
    http-check connect default
    http-check send meth GET uri /
    http-check expect string "TLS-OK sni=None"
    server s 127.0.0.1:%(htls)d check check-ssl verify none inter 200
backend h_default_sni
    option httpchk
    http-check connect default
    http-check send meth GET uri /
    http-check expect string "TLS-OK sni=check.test"
    server s 127.0.0.1:%(htls)d check check-ssl check-sni check.test verify none inter 200
backend h_explicit_plain
    option httpchk
    http-check connect port %(hplain)d
    http-check send meth GET uri /
    http-check expect string PLAIN
    server s 127.0.0.1:%(htls)d check check-ssl verify none inter 200
backend h_stages
    option httpchk
    http-check connect port %(hplain)d
    http-check send meth GET uri /a
    http-check expect string PLAIN
    http-check connect port %(htls)d ssl sni two.test
    http-check send meth GET uri /b
    http-check expect string "TLS-OK sni=two.test"
    server s 127.0.0.1:%(hplain)d check verify none inter 200
"""

H_EXPECTED = {"h_tls": ("UP", "L7OK"), "h_plain": ("DOWN", "L6TOUT"), "h_sni_alpn": ("UP", "L7OK"),
              "h_port": ("UP", "L7OK"), "h_default": ("UP", "L7OK"), "h_default_sni": ("UP", "L7OK"),
              "h_explicit_plain": ("UP", "L7OK"), "h_stages": ("UP", "L7OK")}


def test_http_check_over_tls_like_haproxy(tollgate, haproxy, servers, tmp_path):
    """`http-check connect ssl [sni] [alpn]`: TLS on the check's connection;
    without `ssl` or `default` a connect is plain even on a check-ssl
    server, with `default` it takes check-ssl and check-sni (HAProxy's
    rules); each stage of a multi-step check has its own."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        start(tcp_admin_head(sock) + HTTP_BACKENDS % servers)
        wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
        try:
            wait_until(lambda: all(states(sock).get(b) == e for b, e in H_EXPECTED.items()), 10, name + "'s checks")
        finally:
            seen[name] = states(sock)
    assert seen["tollgate"] == seen["haproxy"], seen


def test_connect_ssl_needs_a_verifiable_server(tmp_path):
    cfg = tcp_admin_head(str(tmp_path / "s.sock")) + """
backend b
    option tcp-check
    tcp-check connect ssl
    server s 127.0.0.1:1 check
"""
    assert run_check(cfg, tmp_path, name="h.cfg", binary=HAPROXY)[0] != 0   # 2.6 refuses it too
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0
    assert "'server b/s' (declared at" in out and "'tcp-check connect ssl' : verify is enabled by default but no CA file specified" in out, out


@pytest.mark.parametrize("line, msg", [
    ("tcp-check connect ssl sni", "'tcp-check connect' : 'sni' expects a server name."),
    ("tcp-check connect ssl alpn", "'tcp-check connect' : 'alpn' expects a comma-separated list of protocols."),
    ("tcp-check connect proto h2", "'tcp-check connect' : option 'proto' is not supported yet"),
    ("option httpchk\n    http-check connect ssl sni", "'http-check connect' : 'sni' expects an argument."),
    ("option httpchk\n    http-check connect ssl alpn", "'http-check connect' : 'alpn' expects an argument."),
    ("option httpchk\n    http-check connect ssl proto h2", "'http-check connect' : 'proto' is not supported yet"),
])
def test_connect_option_errors(tmp_path, line, msg):
    cfg = tcp_admin_head(str(tmp_path / "s.sock")) + """
backend b
    option tcp-check
    %s
    server s 127.0.0.1:1 check verify none
""" % line
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and msg in out, out
