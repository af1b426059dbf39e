"""Keywords real HAProxy configurations carry that Tollgate accepts: the
global environment keywords (setenv, presetenv, unsetenv, resetenv), `node`,
and the global, bind and server keywords accepted with a [WARNING] naming
file:line (no effect in Tollgate, doc/configuration.md). Compared with
haproxy 2.6 where it has the keyword."""
import re
import socket

import pytest

from conftest import HAPROXY, HTTP_DEFAULTS, admin_cli, free_port, run_check, start_both, wait_until

import http.client


def http_get(port, path="/"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


# (section, the keyword's line, keyword, in haproxy 2.6)
NO_EFFECT = [
    ("global", "description my load balancer", "description", True),
    ("global", "unix-bind mode 600", "unix-bind", True),
    ("global", "spread-checks 5", "spread-checks", True),
    ("global", "max-spread-checks 1s", "max-spread-checks", True),
    ("global", "grace 1s", "grace", True),
    ("global", "maxsslconn 100", "maxsslconn", True),
    ("global", "maxsslrate 100", "maxsslrate", True),
    ("global", "maxpipes 100", "maxpipes", True),
    ("global", "busy-polling", "busy-polling", True),
    ("global", "noepoll", "noepoll", True),
    ("global", "nogetaddrinfo", "nogetaddrinfo", True),
    ("global", "tune.http.cookielen 64", "tune.http.cookielen", True),
    ("global", "tune.http.logurilen 512", "tune.http.logurilen", True),
    ("global", "tune.h2.fe.initial-window-size 65535", "tune.h2.fe.initial-window-size", False),
    ("global", "tune.h2.fe.max-total-streams 1000", "tune.h2.fe.max-total-streams", False),
    ("bind", "tfo", "tfo", True),
    ("bind", "interface lo", "interface", True),
    ("bind", "level admin", "level", True),
    ("bind", "severity-output string", "severity-output", True),
    ("bind", "nice 10", "nice", True),
    ("bind", "no-alpn", "no-alpn", False),
    ("bind", "tls-tickets", "tls-tickets", False),
    ("bind", "no-strict-sni", "no-strict-sni", False),
    ("bind", "default-crt /nonexistent.pem", "default-crt", False),
    ("server", "maxqueue 10", "maxqueue", True),
    ("server", "minconn 5 maxconn 10", "minconn", True),
    ("server", "pool-low-conn 5", "pool-low-conn", True),
    ("server", "pool-purge-delay 5s", "pool-purge-delay", True),
    ("server", "non-stick", "non-stick", True),
    ("server", "no-verifyhost", "no-verifyhost", False),
    ("server", "tfo", "tfo", True),
    ("server", "no-tfo", "no-tfo", True),
    ("server", "tls-tickets", "tls-tickets", True),
    ("server", "renegotiate", "renegotiate", False),
    ("server", "no-renegotiate", "no-renegotiate", False),
    ("server", "send-proxy-v2-ssl", "send-proxy-v2-ssl", True),
    ("server", "send-proxy-v2-ssl-cn", "send-proxy-v2-ssl-cn", True),
    ("server", "check-send-proxy", "check-send-proxy", True),
]


def keyword_cfg(section, line):
    """A configuration with <line> in <section>: in global on line 3, on
    the bind or the server line otherwise."""
    g = ("\n    " + line) if section == "global" else ""
    b = (" " + line) if section == "bind" else ""
    s = (" " + line) if section == "server" else ""
    return ("global\n    maxconn 100%s\n" % g) + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d%s
    default_backend be
backend be
    server s 127.0.0.1:%d%s
""" % (free_port(), b, free_port(), s)


@pytest.mark.parametrize("section,line,kw,in26", NO_EFFECT, ids=[x[1] for x in NO_EFFECT])
def test_accepted_with_warning_at_its_line(tmp_path, section, line, kw, in26):
    text = keyword_cfg(section, line)
    lineno = 3 if section == "global" else text.splitlines().index(
        [l for l in text.splitlines() if line in l][0]) + 1
    rc, out, path = run_check(text, tmp_path)
    assert rc == 0, out
    warn = [l for l in out.splitlines() if "[WARNING]" in l and "[%s:%d]" % (path, lineno) in l]
    assert warn, out
    assert "'%s'" % kw in warn[0] and "no effect" in warn[0], warn[0]
    if in26:
        # HAProxy 2.6 knows it: the same configuration loads there
        rc_h, out_h, _ = run_check(text, tmp_path, name="h.cfg", binary=HAPROXY)
        assert rc_h == 0, out_h


def test_server_keyword_without_its_value_is_an_error(tmp_path):
    rc, out, path = run_check(keyword_cfg("server", "maxqueue"), tmp_path)
    assert rc != 0 and "'maxqueue' expects an argument" in out, out


ENV_CFG = """
global
    stats socket %(sock)s level admin
    setenv TG_SG_PORT %(port)d
    presetenv TG_SG_PORT 1
    setenv TG_SG_A hello
    presetenv TG_SG_B world
    unsetenv TG_SG_GONE
    node tg-node-1
""" + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:${TG_SG_PORT}
    http-request return status 200 content-type text/plain string "${TG_SG_A}-${TG_SG_B}-${TG_SG_GONE}-${TG_SG_KEPT}"
"""

RESET_CFG = """
global
    resetenv TG_SG_PORT
    stats socket %(sock)s level admin
""" + HTTP_DEFAULTS + """frontend fe
    bind 127.0.0.1:${TG_SG_PORT}
    http-request return status 200 content-type text/plain string "[${TG_SG_KEPT}]"
"""


def test_environment_keywords_like_haproxy(tollgate, haproxy, tmp_path, monkeypatch):
    monkeypatch.setenv("TG_SG_GONE", "x")
    monkeypatch.setenv("TG_SG_KEPT", "k")
    monkeypatch.delenv("TG_SG_B", raising=False)
    both = start_both(tollgate, haproxy, tmp_path, ENV_CFG)
    answers = {}
    for name, (sock, port) in both.items():
        answers[name] = http_get(port)
        info = admin_cli(sock, "show info")
        assert re.search(r"^node: tg-node-1$", info, re.M), (name, info)
    assert answers["tollgate"] == answers["haproxy"] == (200, "hello-world--k")


def test_resetenv_like_haproxy(tollgate, haproxy, tmp_path, monkeypatch):
    monkeypatch.setenv("TG_SG_KEPT", "k")
    answers = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        monkeypatch.setenv("TG_SG_PORT", str(port))
        starter(RESET_CFG % dict(sock=str(tmp_path / (name + ".sock"))), port=port)
        answers[name] = http_get(port)
    assert answers["tollgate"] == answers["haproxy"] == (200, "[]")


SOCK_CFG = """
global
    stats socket %(sock)s level admin
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d %(opts)s
    http-request return status 200 content-type text/plain string ok
"""


def test_bind_mss_like_haproxy(tollgate, haproxy, tmp_path):
    """`mss 600`: the SYN-ACK advertises it, so the client's segment size
    is at most 600 (loopback's is about 65483 otherwise)."""
    both = start_both(tollgate, haproxy, tmp_path, SOCK_CFG, opts="mss 600")
    for name, (sock, port) in both.items():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
            assert 0 < mss <= 600, (name, mss)
        assert http_get(port) == (200, "ok"), name


def current_conns(sock):
    info = admin_cli(sock, "show info")
    return int(re.search(r"^CurrConns: (\d+)$", info, re.M).group(1))


def test_bind_defer_accept_like_haproxy(tollgate, haproxy, tmp_path):
    """`defer-accept`: a client that connected and sent nothing yet is not
    accepted (CurrConns 0); its first bytes get it accepted and served."""
    both = start_both(tollgate, haproxy, tmp_path, SOCK_CFG, opts="defer-accept")
    for name, (sock, port) in both.items():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            # the admin session is not counted in CurrConns; a served
            # request proves the proxy polls its listener meanwhile (its
            # own connection leaves CurrConns once the proxy saw it close)
            assert http_get(port) == (200, "ok"), name
            wait_until(lambda: current_conns(sock) == 0, 5, "%s: CurrConns back to 0" % name)
            c.sendall(b"GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
            assert c.recv(100).startswith(b"HTTP/1.1 200"), name
