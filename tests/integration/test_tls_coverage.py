"""TLS pieces of issue 14 not covered elsewhere: a record cut short after
the handshake, resumption (tickets, and the session cache without them)
across the threads of the process, `curves`, `ssl-default-server-*`,
`ssl_fc_session_id` and `ssl_c_serial`. Compared with HAProxy 2.6 where
it runs the same configuration."""
import os
import re
import socket
import ssl
import subprocess

import pytest

from conftest import free_port
import tlscerts
from test_tls import GLOBAL, INFO, curl, s_client, tls_fe


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def test_record_cut_short_after_the_handshake(tollgate, certs):
    """A client finishes its handshake, then sends the header of a 16 kB
    application record with a few bytes of it and goes away; another sends
    a record whose MAC is wrong. The process serves the next client."""
    port = free_port()
    tg = tollgate(tls_fe(certs, port), port=port)
    ctx = ssl.create_default_context(cafile=certs["ca"])
    for tail in (b"\x17\x03\x03\x40\x00" + os.urandom(100), b"\x17\x03\x03\x00\x20" + os.urandom(32)):
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        tls = ctx.wrap_socket(raw, server_hostname="www.example.com")
        plain = socket.socket(fileno=os.dup(tls.fileno()))   # the same socket, under TLS
        plain.sendall(tail)
        plain.close()
        tls.close()
    rc, out = curl(port, ca=certs["ca"])
    assert rc == 0 and "fc=1" in out, out
    assert tg.proc.poll() is None


@pytest.mark.parametrize("opts,args", [
    ("", ["-tls1_2"]), ("", ["-tls1_3"]),           # tickets
    ("no-tls-tickets", ["-tls1_2", "-no_ticket"]),  # the session cache
])
def test_resumption_across_threads(tollgate, certs, tmp_path, opts, args):
    """With 4 threads, each new connection lands on the thread its address
    hashes to: 12 resumptions of one session all succeed only if tickets
    (or the cache) are shared by every thread."""
    port = free_port()
    tollgate(tls_fe(certs, port, opts).replace("nbthread 2", "nbthread 4"), port=port)
    sess = str(tmp_path / "sess.pem")
    req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    first = s_client(port, ["-servername", "www.example.com", "-sess_out", sess, "-ign_eof"] + args, req)
    assert "resumed=0" in first and "New," in first, first
    for i in range(12):
        again = s_client(port, ["-servername", "www.example.com", "-sess_in", sess, "-ign_eof"] + args, req)
        assert "Reused," in again and "resumed=1" in again, (i, again)


def test_curves_like_haproxy(tollgate, haproxy, certs):
    """`curves`: the key exchange groups offered; a client with none of
    them fails its handshake."""
    cfg = lambda p: tls_fe(certs, p, "curves X25519")
    for start in (tollgate, haproxy):
        port = free_port()
        start(cfg(port), port=port)
        ok = s_client(port, ["-servername", "www.example.com", "-groups", "P-256:X25519"])
        assert "Server Temp Key: X25519" in ok or "Negotiated TLS1.3 group: X25519" in ok, ok
        bad = s_client(port, ["-servername", "www.example.com", "-groups", "P-256"])
        assert "Cipher is (NONE)" in bad or "alert" in bad, bad


def test_default_server_options_like_haproxy(tollgate, haproxy, certs):
    """`ssl-default-server-options` / `-ciphers` / `-ciphersuites` are the
    server lines' TLS defaults: here at most TLS 1.2 with one cipher, seen
    by the TLS frontend the server line reaches."""
    def cfg(front):
        tls_port = free_port()
        return GLOBAL.replace("global\n", """global
    ssl-default-server-options ssl-max-ver TLSv1.2
    ssl-default-server-ciphers ECDHE-RSA-AES128-GCM-SHA256
    ssl-default-server-ciphersuites TLS_AES_128_GCM_SHA256
""") + """
frontend plain
    bind 127.0.0.1:%d
    default_backend reenc
backend reenc
    server s1 127.0.0.1:%d ssl verify none
frontend tls
    bind 127.0.0.1:%d ssl crt %s
    http-request return status 200 content-type text/plain lf-string "%%[ssl_fc_protocol] %%[ssl_fc_cipher]"
""" % (front, tls_port, tls_port, certs["rsa"])
    seen = []
    for start in (tollgate, haproxy):
        front = free_port()
        start(cfg(front), port=front)
        p = subprocess.run(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:%d/" % front],
                           capture_output=True, text=True, timeout=15)
        seen.append(p.stdout)
    assert seen == ["TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256"] * 2, seen


def test_session_id_and_client_serial_like_haproxy(tollgate, haproxy, certs):
    """`ssl_fc_session_id` (TLS 1.2: the id the server gave, as s_client
    prints it) and `ssl_c_serial` (the client certificate's serial)."""
    serial = subprocess.run(["openssl", "x509", "-in", certs["client_crt"], "-noout", "-serial"],
                            capture_output=True, text=True, check=True).stdout.split("=")[1].strip()
    for start in (tollgate, haproxy):
        port = free_port()
        cfg = tls_fe(certs, port, "verify optional ca-file %s" % certs["ca"])
        start(cfg.replace(INFO, 'lf-string "id=%[ssl_fc_session_id,hex] serial=%[ssl_c_serial,hex]\\n"'), port=port)
        out = s_client(port, ["-servername", "www.example.com", "-tls1_2", "-no_ticket", "-ign_eof",
                              "-cert", certs["client_crt"], "-key", certs["client_key"]],
                       b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sid = re.search(r"Session-ID: ([0-9A-F]+)", out).group(1)
        assert "id=%s serial=%s\n" % (sid, serial) in out, (sid, serial, out)
