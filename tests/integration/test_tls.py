"""TLS: termination on bind lines (certificates, SNI, ALPN, client
certificates, versions, resumption), the transport under every connection
(garbage, truncated records, stalled handshakes), and the TLS fetches.
Certificates are made at test time (tlscerts.py); clients are curl and
`openssl s_client`. Where HAProxy 2.6 has the feature, the same
configuration runs on both and the answers must agree."""
import os
import socket
import subprocess
import time

import pytest

from conftest import BINARY, free_port, run_check, wait_port, wait_until
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


GLOBAL = """
global
    nbthread 2
    tune.ssl.default-dh-param 2048
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""

# The answer of the TLS frontends: what the fetches see.
INFO = ('lf-string "sni=%[ssl_fc_sni] proto=%[ssl_fc_protocol] alpn=%[ssl_fc_alpn] '
        'resumed=%[ssl_fc_is_resumed] fc=%[ssl_fc] used=%[ssl_c_used] verify=%[ssl_c_verify] '
        'dn=%[ssl_c_s_dn] cn=%[ssl_c_s_dn(CN)] idn=%[ssl_c_i_dn]\\n"')


def curl(port, name="www.example.com", ca=None, extra=(), path="/"):
    """curl over TLS to 127.0.0.1:<port> as <name>; returns (rc, body)."""
    cmd = ["curl", "-sS", "--http1.1", "--max-time", "5", "--resolve", "%s:%d:127.0.0.1" % (name, port)]
    cmd += ["--cacert", ca] if ca else ["-k"]
    cmd += list(extra) + ["https://%s:%d%s" % (name, port, path)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    return p.returncode, p.stdout + p.stderr


def s_client(port, args=(), stdin=b"", timeout=10):
    """openssl s_client to <port>; returns its whole output (text)."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    return (p.stdout + p.stderr).decode(errors="replace")


def subject_cn(out):
    for line in out.splitlines():
        if line.startswith("subject="):
            return line.split("CN = ")[1].split(",")[0].strip()
    return None


def tls_fe(certs, port, opts="", rules=""):
    return GLOBAL + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s crt %s %s
%s    http-request return status 200 content-type text/plain %s
""" % (port, certs["rsa"], certs["other"], opts, rules, INFO)


def both(tollgate, haproxy, cfg_for):
    """Starts tollgate and HAProxy on the same configuration (each on its
    own port); returns the two ports."""
    p1, p2 = free_port(), free_port()
    tollgate(cfg_for(p1), port=p1)
    haproxy(cfg_for(p2), port=p2)
    return p1, p2


def test_sni_selects_certificate_like_haproxy(tollgate, haproxy, certs):
    ports = both(tollgate, haproxy, lambda p: tls_fe(certs, p))
    for port in ports:
        seen = {name: subject_cn(s_client(port, ["-servername", name]))
                for name in ("www.example.com", "x.wild.test", "other.test", "unknown.test")}
        assert seen == {"www.example.com": "www.example.com", "x.wild.test": "other.test",
                        "other.test": "other.test", "unknown.test": "www.example.com"}, (port, seen)
        # the wildcard covers one label only
        assert subject_cn(s_client(port, ["-servername", "a.b.wild.test"])) == "www.example.com"
        rc, out = curl(port, "x.wild.test", certs["ca"])
        assert rc == 0 and "sni=x.wild.test proto=TLSv1.3" in out and "fc=1 used=0" in out, out


def test_strict_sni_refuses_unknown_names(tollgate, certs):
    port = free_port()
    tollgate(tls_fe(certs, port, "strict-sni"), port=port)
    assert subject_cn(s_client(port, ["-servername", "other.test"])) == "other.test"
    out = s_client(port, ["-servername", "unknown.test"])
    assert subject_cn(out) is None and "alert" in out, out


def test_rsa_and_ecdsa_for_the_same_name(tollgate, certs):
    port = free_port()
    tollgate(GLOBAL + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s crt %s
    http-request return status 200 content-type text/plain string ok
""" % (port, certs["rsa"], certs["ecdsa"]), port=port)
    args = ["-servername", "www.example.com", "-tls1_2"]
    ec = s_client(port, args + ["-sigalgs", "ECDSA+SHA256"])
    rsa = s_client(port, args + ["-sigalgs", "RSA+SHA256:RSA-PSS+SHA256"])
    assert "Peer signature type: ECDSA" in ec, ec
    assert "Peer signature type: RSA" in rsa, rsa


def test_alpn_like_haproxy(tollgate, haproxy, certs):
    ports = both(tollgate, haproxy, lambda p: tls_fe(certs, p, "alpn http/1.1"))
    for port in ports:
        out = s_client(port, ["-servername", "www.example.com", "-alpn", "foo,http/1.1"])
        assert "ALPN protocol: http/1.1" in out, out
        out = s_client(port, ["-servername", "www.example.com", "-alpn", "foo"])
        assert "No ALPN negotiated" in out, out
        rc, body = curl(port, ca=certs["ca"])
        assert rc == 0 and "alpn=http/1.1" in body, body


def test_alpn_h2_is_offered_on_http_frontends(tollgate, certs, tmp_path):
    port = free_port()
    rc, out, _ = run_check(tls_fe(certs, port, "alpn h2,http/1.1"), tmp_path)
    assert rc == 0 and "HTTP/2 is not supported" not in out, out
    tollgate(tls_fe(certs, port, "alpn h2,http/1.1"), port=port)
    # curl offers h2 first: it gets HTTP/2 (the mux, test_h2.py), and the
    # TLS fetches see the connection's TLS through the HTTP/2 stream
    p = subprocess.run(["curl", "-sS", "-k", "--max-time", "5", "-w", "%{http_version}",
                        "https://127.0.0.1:%d/" % port], capture_output=True, text=True, timeout=15)
    assert p.returncode == 0 and "alpn=h2" in p.stdout and p.stdout.endswith("2"), p.stdout + p.stderr
    p = subprocess.run(["curl", "-sS", "-k", "--http1.1", "--max-time", "5", "https://127.0.0.1:%d/" % port],
                       capture_output=True, text=True, timeout=15)
    assert p.returncode == 0 and "alpn=http/1.1" in p.stdout, p.stdout + p.stderr


@pytest.mark.parametrize("mode", ["required", "optional"])
def test_client_certificates(tollgate, haproxy, certs, mode):
    cfg = lambda p: tls_fe(certs, p, "verify %s ca-file %s" % (mode, certs["ca"]))
    for port in both(tollgate, haproxy, cfg):
        rc, out = curl(port, ca=certs["ca"], extra=["--cert", certs["client_crt"], "--key", certs["client_key"]])
        assert rc == 0, out
        assert "used=1 verify=0 dn=/CN=client one/O=Tollgate Test cn=client one idn=/CN=Test CA ca" in out, out
        rc, out = curl(port, ca=certs["ca"])
        if mode == "required":
            assert rc != 0, out
        else:
            assert rc == 0 and "used=0" in out, out


def test_session_resumption(tollgate, certs, tmp_path):
    port = free_port()
    tollgate(tls_fe(certs, port), port=port)
    sess = str(tmp_path / "sess.pem")
    req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for tls in ("-tls1_2", "-tls1_3"):
        first = s_client(port, ["-servername", "www.example.com", tls, "-sess_out", sess, "-ign_eof"], req)
        assert "resumed=0" in first and "New," in first, first
        second = s_client(port, ["-servername", "www.example.com", tls, "-sess_in", sess, "-ign_eof"], req)
        assert "Reused," in second and "resumed=1" in second, second


def test_session_cache_without_tickets(tollgate, certs, tmp_path):
    port = free_port()
    tollgate(tls_fe(certs, port, "no-tls-tickets"), port=port)
    sess = str(tmp_path / "sess.pem")
    s_client(port, ["-tls1_2", "-sess_out", sess], b"")
    out = s_client(port, ["-tls1_2", "-sess_in", sess], b"")
    assert "Reused," in out and "TLS session ticket:" not in out, out


def test_versions(tollgate, haproxy, certs):
    cfg = lambda p: tls_fe(certs, p, "ssl-min-ver TLSv1.3")
    for port in both(tollgate, haproxy, cfg):
        assert "New, TLSv1.3" in s_client(port, ["-tls1_3"])
        out = s_client(port, ["-tls1_2"])
        assert "Cipher is (NONE)" in out or "alert" in out, out
    # the default refuses TLS 1.1
    port = free_port()
    tollgate(tls_fe(certs, port), port=port)
    out = s_client(port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
    assert "Cipher is (NONE)" in out or "alert" in out, out
    assert "New, TLSv1.2" in s_client(port, ["-tls1_2"])


def test_global_defaults_and_tune(tollgate, certs):
    port = free_port()
    cfg = GLOBAL.replace("global\n", """global
    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256
    tune.ssl.cachesize 1000
    tune.ssl.lifetime 300
""") + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s
    http-request return status 200 content-type text/plain lf-string "%%[ssl_fc_cipher]"
""" % (port, certs["rsa"])
    tollgate(cfg, port=port)
    rc, out = curl(port, ca=certs["ca"], extra=["--tls-max", "1.2"])
    assert rc == 0 and out == "ECDHE-RSA-AES128-GCM-SHA256", out
    rc, out = curl(port, ca=certs["ca"])
    assert rc == 0 and out == "TLS_AES_128_GCM_SHA256", out


def test_configuration_errors(tmp_path, certs):
    def check(opts, *needles):
        cfg = GLOBAL + "frontend fe\n    bind 127.0.0.1:%d %s\n" % (free_port(), opts)
        rc, out, path = run_check(cfg, tmp_path)
        assert rc != 0, out
        for n in needles:
            assert n in out, out
        assert "t.cfg:11" in out, out

    check("ssl crt /nonexistent.pem", "cannot open certificate file or directory '/nonexistent.pem'")
    bad = tmp_path / "mismatch.pem"
    with open(bad, "w") as f:
        f.write(open(os.path.join(certs["dir"], "www-rsa.crt")).read())
        f.write(open(os.path.join(certs["dir"], "other.key")).read())
    check("ssl crt %s" % bad, "does not match its certificate")
    nokey = tmp_path / "nokey.pem"
    nokey.write_text(open(os.path.join(certs["dir"], "www-rsa.crt")).read())
    check("ssl crt %s" % nokey, "no private key found")
    check("ssl", "needs at least one certificate")
    check("ssl crt %s npn http/1.1" % certs["rsa"], "'npn'", "use 'alpn'")
    check("ssl crt %s verify required" % certs["rsa"], "needs a 'ca-file'")
    check("ssl crt %s ssl-min-ver TLSv9" % certs["rsa"], "unknown version 'TLSv9'")
    check("ssl crt %s ciphers NOPE-NOPE" % certs["rsa"], "invalid 'ciphers' list")
    check("ssl crt %s allow-0rtt" % certs["rsa"], "'allow-0rtt'")


def test_garbage_and_truncated_records(tollgate, certs):
    port = free_port()
    tg = tollgate(tls_fe(certs, port), port=port)
    payloads = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",                # plain HTTP on a TLS port
        os.urandom(4096),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",    # a ClientHello cut short
        b"\x16\x03\x01\xff\xff" + os.urandom(300),           # a record longer than sent
        b"\x17\x03\x03\x00\x10" + os.urandom(16),            # application data before the handshake
        b"\x80\x2e\x01\x00\x02",                             # SSLv2 hello
    ]
    for data in payloads:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                while s.recv(4096):
                    pass
            except (ConnectionResetError, BrokenPipeError, OSError):
                pass   # refused at once: what matters is the process
    # a handshake cut right after the ClientHello of a real client
    hello = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_3"],
                           input=b"", capture_output=True, timeout=10)
    assert hello.returncode == 0 or hello.returncode == 1
    rc, out = curl(port, ca=certs["ca"])
    assert rc == 0 and "fc=1" in out, out
    assert tg.proc.poll() is None


def test_stalled_handshakes_time_out_while_others_are_served(tollgate, certs):
    """1,000 clients stop in the middle of their ClientHello: normal clients
    are served while they all hang on, then `timeout client-hs` closes
    every one of them."""
    port = free_port()
    cfg = tls_fe(certs, port).replace("timeout client 5s", "timeout client 5s\n    timeout client-hs 6s")
    tollgate(cfg, port=port)
    stalled, since = [], []
    try:
        for i in range(1000):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            since.append(time.monotonic())   # the proxy accepts it after this
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")   # half a ClientHello
            stalled.append(s)
        for i in range(5):
            rc, out = curl(port, ca=certs["ca"])
            assert rc == 0 and "fc=1" in out, out

        def still_open(s):
            s.settimeout(0.001)
            try:
                return s.recv(1) != b""
            except socket.timeout:
                return True
            except ConnectionResetError:
                return False
        # served while the stalled ones were still there: none closed
        # before its 6 s (on a loaded machine, the first ones may be older
        # than that by now: those are not looked at, at least one is)
        young = 0
        for s, t in zip(stalled, since):
            if time.monotonic() - t < 5.5:
                assert still_open(s), "closed after %.1f s" % (time.monotonic() - t)
                young += 1
        assert young
        wait_until(lambda: not any(still_open(s) for s in stalled), 12, "stalled handshakes to be closed")
    finally:
        for s in stalled:
            s.close()


def test_redirect_to_https_unless_ssl_fc(tollgate, haproxy, certs):
    def cfg(plain, tls):
        return GLOBAL + """
frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d ssl crt %s
    http-request redirect scheme https unless { ssl_fc }
    http-request return status 200 content-type text/plain string secure
""" % (plain, tls, certs["rsa"])
    for start in (tollgate, haproxy):
        plain, tls = free_port(), free_port()
        start(cfg(plain, tls), port=plain)
        p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                            "-H", "Host: example.com", "http://127.0.0.1:%d/a?b" % plain],
                           capture_output=True, text=True, timeout=10)
        assert p.stdout == "302 https://example.com/a?b", p.stdout
        rc, out = curl(tls, ca=certs["ca"])
        assert rc == 0 and out == "secure", out


def test_track_client_certificate_sha1(tollgate, certs, tmp_path):
    from conftest import admin_cli, admin_ready
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    cfg = GLOBAL.replace("global\n", "global\n    stats socket %s level admin\n" % sock) + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s verify optional ca-file %s
    stick-table type binary len 20 size 10 expire 1m store http_req_cnt
    http-request track-sc0 ssl_c_sha1 if { ssl_c_used }
    http-request return status 200 content-type text/plain string ok
""" % (port, certs["rsa"], certs["ca"])
    tollgate(cfg, port=port)
    wait_until(lambda: admin_ready(sock), 5, "admin socket")
    for i in range(3):
        rc, out = curl(port, ca=certs["ca"], extra=["--cert", certs["client_crt"], "--key", certs["client_key"]])
        assert rc == 0 and out == "ok", out
    rc, out = curl(port, ca=certs["ca"])
    assert rc == 0
    fp = subprocess.run(["openssl", "x509", "-in", certs["client_crt"], "-noout", "-fingerprint", "-sha1"],
                        capture_output=True, text=True).stdout.split("=")[1].strip().replace(":", "")
    table = admin_cli(sock, "show table fe")
    assert "KEY=%s" % fp.upper() in table.upper() and "http_req_cnt=3" in table, table


def test_log_fields(tollgate, certs):
    port = free_port()
    cfg = GLOBAL + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s
    log stdout format raw local0
    log-format "tls %%ft %%sslv %%sslc %%[ssl_fc_sni]"
    http-request return status 200 content-type text/plain string ok
""" % (port, certs["rsa"])
    tg = tollgate(cfg, port=port)
    rc, out = curl(port, ca=certs["ca"], extra=["--tls-max", "1.2"])
    assert rc == 0, out
    tg.wait_log("tls fe~ TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 www.example.com")


def test_vv_reports_openssl():
    p = subprocess.run([BINARY, "-vv"], capture_output=True, text=True, timeout=10)
    assert "OpenSSL 3." in p.stdout + p.stderr, p.stdout + p.stderr


# ---- server side: re-encryption, client certificates, checks ----

def reenc_cfg(certs, front, tls_port, srv_opts, extra_be="", fe_opts=""):
    """A plain HTTP frontend on <front> re-encrypting to a TLS frontend of
    the same process on <tls_port>, which answers what its fetches see."""
    return GLOBAL + """
frontend plain
    bind 127.0.0.1:%d
    default_backend reenc
    http-response set-header x-bc "%%[ssl_bc] %%[ssl_bc_protocol]"
backend reenc
%s    server s1 127.0.0.1:%d ssl %s
frontend tls
    bind 127.0.0.1:%d ssl crt %s %s
    http-request return status 200 content-type text/plain %s
""" % (front, extra_be, tls_port, srv_opts, tls_port, certs["rsa"], fe_opts, INFO)


def http_get(port, path="/"):
    p = subprocess.run(["curl", "-sS", "-i", "--max-time", "5", "http://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True, text=True, timeout=15)
    return p.stdout + p.stderr


def test_reencryption_with_verification_like_haproxy(tollgate, haproxy, certs):
    opts = "verify required ca-file %s sni str(www.example.com)" % certs["ca"]
    for start in (tollgate, haproxy):
        front, tls_port = free_port(), free_port()
        start(reenc_cfg(certs, front, tls_port, opts), port=front)
        out = http_get(front)
        assert "200" in out.split("\n")[0], out
        assert "sni=www.example.com" in out and "x-bc: 1 TLSv1.3" in out, out


def test_reencryption_refuses_a_wrong_name(tollgate, certs):
    front, tls_port = free_port(), free_port()
    opts = "verify required ca-file %s sni str(wrong.example.com)" % certs["ca"]
    tollgate(reenc_cfg(certs, front, tls_port, opts), port=front)
    out = http_get(front)
    assert out.startswith("HTTP/1.1 503"), out


def test_server_verify_needs_a_ca_like_haproxy(tmp_path, certs):
    cfg = reenc_cfg(certs, free_port(), free_port(), "")
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and "no CA file specified" in out and "t.cfg:16" in out, out
    rc, hout, _ = run_check(cfg, tmp_path, binary="/usr/sbin/haproxy")
    assert rc != 0 and "no CA file specified" in hout, hout
    rc, out, _ = run_check(cfg.replace("global\n", "global\n    ssl-server-verify none\n"), tmp_path)
    assert rc == 0, out


@pytest.mark.parametrize("reuse", [True, False])
def test_server_session_reuse(tollgate, certs, reuse):
    front, tls_port = free_port(), free_port()
    opts = "verify none" + ("" if reuse else " no-ssl-reuse")
    tollgate(reenc_cfg(certs, front, tls_port, opts).replace("nbthread 2", "nbthread 1"), port=front)
    first = http_get(front)
    second = http_get(front)
    assert "resumed=0" in first, first
    assert ("resumed=1" if reuse else "resumed=0") in second, second


def test_client_certificate_to_server(tollgate, certs):
    front, tls_port = free_port(), free_port()
    opts = "verify required ca-file %s sni str(www.example.com) crt %s" % (certs["ca"], certs["client"])
    tollgate(reenc_cfg(certs, front, tls_port, opts, fe_opts="verify required ca-file %s" % certs["ca"]),
             port=front)
    out = http_get(front)
    assert "used=1 verify=0" in out and "cn=client one" in out, out


def test_check_ssl(tollgate, certs, tmp_path):
    from conftest import admin_cli, admin_ready
    sock = str(tmp_path / "admin.sock")
    front, tls_port, plain_port = free_port(), free_port(), free_port()
    cfg = reenc_cfg(certs, front, tls_port, "verify none check check-ssl inter 200",
                    extra_be="    option httpchk GET /\n")
    cfg = cfg.replace("global\n", "global\n    stats socket %s level admin\n" % sock)
    cfg += """
backend plain_chk
    server p1 127.0.0.1:%d check check-ssl verify none inter 200
    server l6 127.0.0.1:%d check check-ssl verify none inter 200 check-sni www.example.com
frontend plain_http
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
""" % (plain_port, tls_port, plain_port)
    tollgate(cfg, port=front)
    wait_until(lambda: admin_ready(sock), 5, "admin socket")

    def status(be, srv):
        for line in admin_cli(sock, "show stat").splitlines():
            f = line.split(",")
            if len(f) > 36 and f[0] == be and f[1] == srv:
                return f[17], f[36]
        return None
    wait_until(lambda: status("reenc", "s1") == ("UP", "L7OK"), 5, "s1 UP by an HTTP check over TLS")
    wait_until(lambda: status("plain_chk", "l6") == ("UP", "L6OK"), 5, "l6 UP by a TLS handshake")
    wait_until(lambda: status("plain_chk", "p1") == ("DOWN", "L6RSP"), 5,
               "p1 DOWN: TLS to a plain HTTP port; got %s" % (status("plain_chk", "p1"),))


# ---- certificates at runtime ----

def test_show_set_commit_ssl_cert_like_haproxy(tollgate, haproxy, certs, tmp_path):
    """The admin socket answers as HAProxy 2.6 for show/set/commit/abort
    ssl cert; a committed certificate serves new handshakes at once."""
    from conftest import admin_cli, admin_ready
    new_pem = open(tlscerts.make_cert(certs["dir"], "other2", ["other.test", "*.wild.test"], "rsa")).read()
    answers = []
    for name, start in (("tg", tollgate), ("ha", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        port = free_port()
        cfg = tls_fe(certs, port).replace("global\n", "global\n    stats socket %s level admin\n" % sock)
        start(cfg, port=port)
        wait_until(lambda: admin_ready(sock), 5, "admin socket")
        other = certs["other"]
        got = [admin_cli(sock, "show ssl cert"), admin_cli(sock, "show ssl cert " + other),
               admin_cli(sock, "abort ssl cert " + other),
               admin_cli(sock, "set ssl cert %s <<\n%s" % (other, new_pem)),
               admin_cli(sock, "show ssl cert")]
        assert "Server public key is 256 bit" in s_client(port, ["-servername", "other.test"])
        got.append(admin_cli(sock, "commit ssl cert " + other))
        # the new certificate (RSA) serves its names at once
        assert "Server public key is 2048 bit" in s_client(port, ["-servername", "x.wild.test"])
        got.append(admin_cli(sock, "abort ssl cert " + other))
        got.append(admin_cli(sock, "set ssl cert %s <<\n%s" % (other, open(certs["client_crt"]).read())))
        answers.append(got)
    assert answers[0][:7] == answers[1][:7], answers
    assert "Transaction created" in answers[0][3] and "Success!" in answers[0][5], answers[0]
    # a certificate without its key: HAProxy opens a transaction that waits
    # for the key (`set ssl cert <file>.key`); Tollgate refuses it at once
    assert answers[0][7].startswith("no private key found in"), answers[0][7]
    assert "Transaction created" in answers[1][7], answers[1][7]


def test_certificate_rotation_under_traffic(tollgate, certs, tmp_path):
    import threading
    from conftest import admin_cli, admin_ready
    sock = str(tmp_path / "admin.sock")
    port = free_port()
    cfg = tls_fe(certs, port).replace("global\n", "global\n    stats socket %s level admin\n" % sock)
    tollgate(cfg, port=port)
    wait_until(lambda: admin_ready(sock), 5, "admin socket")
    failures, done, count = [], threading.Event(), [0]

    def load():
        while not done.is_set():
            rc, out = curl(port, "x.wild.test", certs["ca"])
            count[0] += 1
            if rc != 0 or "fc=1" not in out:
                failures.append(out)
    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    pems = [open(certs["other"]).read(), open(tlscerts.make_cert(certs["dir"], "other3",
                                                                 ["other.test", "*.wild.test"], "rsa")).read()]
    for i in range(6):
        assert "Transaction created" in admin_cli(sock, "set ssl cert %s <<\n%s" % (certs["other"], pems[i % 2]))
        assert "Success!" in admin_cli(sock, "commit ssl cert " + certs["other"])
    wait_until(lambda: count[0] >= 20, 20, "requests during the rotation")
    done.set()
    for t in threads:
        t.join()
    assert not failures, failures[:3]


def test_tcp_mode_large_transfer_through_tls_on_both_sides(tollgate, backend, certs):
    """mode tcp: TLS terminated, re-encrypted to a TLS frontend of the same
    process, then plain to an echo server: 4 MB go through and come back
    intact (partial writes, full buffers, edge-triggered polling)."""
    import hashlib
    import ssl
    b = backend("E", "echo")
    front, inner = free_port(), free_port()
    tollgate(GLOBAL.replace("mode http", "mode tcp") + """
frontend outer
    bind 127.0.0.1:%d ssl crt %s
    default_backend reenc
backend reenc
    server tls 127.0.0.1:%d ssl verify required ca-file %s sni str(www.example.com)
frontend inner
    bind 127.0.0.1:%d ssl crt %s
    default_backend echo
backend echo
    server e 127.0.0.1:%d
""" % (front, certs["rsa"], inner, certs["ca"], inner, certs["rsa"], b.port), port=front)
    ctx = ssl.create_default_context(cafile=certs["ca"])
    data = os.urandom(4 << 20)
    import select
    import time
    with socket.create_connection(("127.0.0.1", front), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="www.example.com") as s:
            # one thread: an SSL object must not be read and written from
            # two threads at once (OpenSSL), so send and receive interleave
            s.setblocking(False)
            got, sent = b"", 0
            want = len(data) + 2   # the echo server's "E:" first
            deadline = time.monotonic() + 30
            while len(got) < want and time.monotonic() < deadline:
                wr = [s] if sent < len(data) else []
                r, w, _ = select.select([s], wr, [], 1.0)
                if w:
                    try:
                        sent += s.send(data[sent:sent + (256 << 10)])
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
                if r or s.pending():
                    try:
                        while True:
                            d = s.recv(1 << 20)
                            if not d:
                                deadline = 0
                                break
                            got += d
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
    assert got[:2] == b"E:"
    assert hashlib.sha1(got[2:]).hexdigest() == hashlib.sha1(data).hexdigest()


def test_handshake_failures_are_logged_like_haproxy(tollgate, haproxy, certs):
    import re
    outs = []
    for start in (tollgate, haproxy):
        port = free_port()
        p = start(GLOBAL.replace("global\n", "global\n    log stdout format raw local0\n") + """
frontend fe
    log global
    option httplog
    bind 127.0.0.1:%d ssl crt %s
    http-request return status 200 content-type text/plain string ok
""" % (port, certs["rsa"]), port=port)
        s_client(port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        p.wait_log("fe/1: SSL handshake failure")
        closed = p.output().count("Connection closed during SSL handshake")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")   # a ClientHello cut short
        wait_until(lambda: p.output().count("Connection closed during SSL handshake") > max(closed, 1), 5, "the log line")
        lines = [l for l in p.output().splitlines() if "SSL handshake" in l]
        outs.append([re.sub(r"^127\.0\.0\.1:\d+ \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] ", "", l)
                     for l in lines])
    # the port probe of the fixture (connect, close) is logged first by both
    assert outs[0] == outs[1], outs
    assert outs[0][-2:] == ["fe/1: SSL handshake failure", "fe/1: Connection closed during SSL handshake"], outs


def _client_hello():
    """The bytes of a TLS ClientHello, as Python's ssl module makes it."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def test_client_reset_before_the_handshake_step_costs_no_handshake_like_haproxy(tollgate, haproxy, certs,
                                                                                 tmp_path):
    """A client that sends its ClientHello and resets the connection before
    the proxy reads it (held in the listen queue by `maxconn 1` while a
    first connection waits): as HAProxy, the proxy does no handshake work
    for it (no ServerHello computed, no full handshake counted) and logs
    `SSL handshake failure`."""
    import re
    import struct
    from conftest import admin_cli, admin_ready
    hello = _client_hello()
    outs = []
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, sock = free_port(), str(tmp_path / (name + ".sock"))
        p = start(GLOBAL.replace("global\n", "global\n    log stdout format raw local0\n"
                                 "    stats socket %s level admin\n" % sock) + """
frontend fe
    log global
    option httplog
    maxconn 1
    bind 127.0.0.1:%d ssl crt %s
    http-request return status 200 content-type text/plain string ok
""" % (port, certs["ecdsa"]), port=port)
        wait_until(lambda: admin_ready(sock), 10, "the admin socket")

        def conns():
            return int(dict(l.split(": ", 1) for l in admin_cli(sock, "show info").splitlines()
                            if ": " in l)["CurrConns"])
        wait_until(lambda: conns() == 0, 10, "the port probe to end")
        closed = p.output().count("Connection closed during SSL handshake")
        hold = socket.create_connection(("127.0.0.1", port), timeout=5)
        wait_until(lambda: conns() == 1, 10, "the first connection to be accepted")
        reset = socket.create_connection(("127.0.0.1", port), timeout=5)   # queued by the kernel
        reset.sendall(hello)
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.close()
        hold.close()
        wait_until(lambda: p.output().count("Connection closed during SSL handshake") > closed, 10,
                   "the first connection's log line")
        wait_until(lambda: "fe/1: SSL handshake failure" in p.output(), 10, "the reset connection's log line")
        fields = dict(l.split(": ", 1) for l in admin_cli(sock, "show info").splitlines() if ": " in l)
        lines = [l for l in p.output().splitlines() if "SSL handshake" in l]
        outs.append(([re.sub(r"^127\.0\.0\.1:\d+ \[\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] ", "", l)
                      for l in lines][-2:], fields["SslFrontendKeyRate"], fields["CumSslConns"]))
    assert outs[0] == outs[1], outs
    assert outs[0][0] == ["fe/1: Connection closed during SSL handshake", "fe/1: SSL handshake failure"], outs
