"""The Ssl* fields of `show info` after real TLS traffic (full and
resumed handshakes on a bind, a re-encrypted request to a server),
compared with Debian's HAProxy 2.6 on the same configuration."""
import socket
import time
import ssl
import subprocess

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
import pytest
import tlscerts

CFG = ADMIN_GLOBAL + "    nbthread 2\n" + HTTP_DEFAULTS + """
frontend plain
    bind 127.0.0.1:%(front)d
    default_backend reenc
backend reenc
    server s1 127.0.0.1:%(tls)d ssl verify none
frontend tls
    bind 127.0.0.1:%(tls)d ssl crt %(crt)s
    http-request return status 200 content-type text/plain lf-string "resumed=%%[ssl_fc_is_resumed]"
"""

SSL_KEYS = ["MaxSslConns", "CurrSslConns", "CumSslConns", "SslRate", "SslRateLimit", "MaxSslRate",
            "SslFrontendKeyRate", "SslFrontendMaxKeyRate", "SslFrontendSessionReuse_pct",
            "SslBackendKeyRate", "SslBackendMaxKeyRate"]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def info(sock):
    return dict(l.split(": ", 1) for l in admin_cli(sock, "show info").splitlines() if ": " in l)


def s_client(port, args):
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_2", "-ign_eof"] + args,
                       input=b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", capture_output=True,
                       timeout=10)
    return (p.stdout + p.stderr).decode(errors="replace")


def traffic(front, tls, sess):
    """3 full handshakes, 2 resumed ones, one re-encrypted request."""
    for _ in range(3):
        assert "resumed=0" in s_client(tls, ["-sess_out", sess])
    for _ in range(2):
        assert "resumed=1" in s_client(tls, ["-sess_in", sess])
    out = subprocess.run(["curl", "-sS", "--max-time", "5", "-H", "Connection: close",
                          "http://127.0.0.1:%d/" % front], capture_output=True, text=True, timeout=10).stdout
    assert out == "resumed=0", out


def test_show_info_ssl_fields_like_haproxy(tollgate, haproxy, certs, tmp_path):
    got = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        front, tls = free_port(), free_port()
        start(CFG % {"sock": sock, "front": front, "tls": tls, "crt": certs["ecdsa"]}, port=front)
        wait_until(lambda: admin_ready(sock), 10, "the admin socket")
        before = info(sock)
        assert [before[k] for k in SSL_KEYS] == ["0"] * len(SSL_KEYS), before
        traffic(front, tls, str(tmp_path / (name + ".sess")))
        # the traffic's connections close asynchronously (the server side
        # may stay idle): wait until the count stops moving
        last = [None, 0.0]

        def settled():
            now = info(sock)["CurrSslConns"]
            if now != last[0]:
                last[0], last[1] = now, time.monotonic()
            return time.monotonic() - last[1] >= 0.3
        wait_until(settled, 10, "CurrSslConns to settle")
        got[name] = info(sock)
        # a TLS connection held open counts in CurrSslConns until it closes
        ctx = ssl.create_default_context(cafile=certs["ca"])
        base = int(got[name]["CurrSslConns"])
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls)), server_hostname="www.example.com"):
            assert int(info(sock)["CurrSslConns"]) == base + 1, name
        wait_until(lambda: int(info(sock)["CurrSslConns"]) == base, 5, "the TLS connection's close")
        # in HAProxy's order (test_admin_info.py checks it against the rest)
        assert [k for k in got[name] if k in SSL_KEYS] == SSL_KEYS, name
    t, h = got["tollgate"], got["haproxy"]
    # counts: 6 bind connections + 1 server connection; full handshakes:
    # 4 on the bind (3 + the re-encrypted one), 1 towards the server
    for k in ("MaxSslConns", "SslRateLimit", "CumSslConns", "SslBackendMaxKeyRate"):
        assert t[k] == h[k], (k, t[k], h[k])
    assert (t["CumSslConns"], t["SslBackendMaxKeyRate"]) == ("7", "1"), t
    # the rates count over one second (HAProxy's over the current one,
    # Tollgate's over a sliding one, as its ConnRate), and the clients
    # take tens of ms each: the maxima are within what was sent
    for name, d in got.items():
        assert 1 <= int(d["MaxSslRate"]) <= 6 and 1 <= int(d["SslFrontendMaxKeyRate"]) <= 4, (name, d)
        assert int(d["SslRate"]) <= int(d["MaxSslRate"]) and int(d["SslFrontendKeyRate"]) <= 4, (name, d)
        assert 0 <= int(d["SslFrontendSessionReuse_pct"]) <= 100
    # left open: HAProxy's idle connection to the server (both its ends
    # are in this process); Tollgate closed it with the client's close
    assert t["CurrSslConns"] == "0" and h["CurrSslConns"] in ("0", "2"), (t, h)
