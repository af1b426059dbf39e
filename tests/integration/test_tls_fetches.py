"""TLS fetches about errors and certificates (ssl_fc_err, ssl_c_err,
ssl_c_ca_err, ssl_c_notbefore/notafter, ssl_f_*), compared with HAProxy
2.6 on the same configuration."""
import base64
import re
import subprocess

import pytest

from conftest import HTTP_DEFAULTS, free_port
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


FETCHES = ("fc_err=%[ssl_fc_err] fc_err_str=%[ssl_fc_err_str] c_err=%[ssl_c_err] ca_err=%[ssl_c_ca_err] "
           "depth=%[ssl_c_ca_err_depth] c_nb=%[ssl_c_notbefore] c_na=%[ssl_c_notafter] c_ver=%[ssl_c_version] "
           "f_nb=%[ssl_f_notbefore] f_na=%[ssl_f_notafter] f_ver=%[ssl_f_version] f_sha1=%[ssl_f_sha1,hex] "
           "f_serial=%[ssl_f_serial,hex] f_s_dn=%[ssl_f_s_dn] f_i_dn=%[ssl_f_i_dn] f_cn=%[ssl_f_s_dn(CN)]")


def cfg(port, certs):
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s verify optional ca-file %s
    http-request return status 200 content-type text/plain lf-string "%s\\n"
""" % (port, certs["ecdsa"], certs["ca"], FETCHES)


def get(port, extra=()):
    p = subprocess.run(["curl", "-sS", "--http1.1", "--max-time", "5", "-k"] + list(extra) +
                       ["https://127.0.0.1:%d/" % port], capture_output=True, text=True, timeout=15)
    return p.stdout


def test_error_and_certificate_fetches_like_haproxy(tollgate, haproxy, certs):
    seen = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(cfg(port, certs), port=port)
        seen.append([get(port), get(port, ["--cert", certs["client"]])])
    assert seen[0] == seen[1], seen
    anon, client = seen[0]
    fields = dict(re.findall(r"(\w+)=(\S*)", client))
    assert fields["f_cn"] == "www.example.com" and fields["f_ver"] == "3" and fields["c_ver"] == "3", client
    assert len(fields["c_nb"]) == 13 and fields["c_nb"].endswith("Z") and fields["f_na"].endswith("Z"), client
    assert fields["fc_err"] == "0" and fields["c_err"] == "0" and len(fields["f_sha1"]) == 40, client
    assert "c_nb= " in anon and "c_ver= " in anon, anon      # no client certificate: no value


ERR_CFG = """
global
    log stdout format raw local0
defaults
    mode tcp
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d ssl crt %s
    log-format "err=%%[ssl_fc_err] str=%%[ssl_fc_err_str]"
    default_backend be
backend be
    server s1 127.0.0.1:1
"""


def test_fc_err_after_a_bad_record_like_haproxy(tollgate, haproxy, certs):
    """A record that fails to decrypt after the handshake: the connection
    ends and its log line carries OpenSSL's first error, code and text."""
    import os
    import socket
    import ssl
    lines = []
    for start in (tollgate, haproxy):
        port = free_port()
        proc = start(ERR_CFG % (port, certs["ecdsa"]), port=port)
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port))) as s:
            os.write(s.fileno(), b"\x17\x03\x03\x00\x20" + b"x" * 32)   # application data, garbage
            proc.wait_log("err=")
        lines.append([l for l in proc.output().splitlines() if l.startswith("err=")])
    assert lines[0] == lines[1], lines
    assert lines[0][0] != "err=0 str=", lines


def der_b64(pem_path):
    """The base64 of the DER of the first certificate of <pem_path>."""
    der = subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"], capture_output=True,
                         check=True, timeout=10).stdout
    return base64.b64encode(der).decode()


def test_der_fetches_like_haproxy(tollgate, haproxy, certs):
    """ssl_c_der / ssl_f_der: the certificates in DER, here through the
    base64 converter into a header and into the answer."""
    def der_cfg(port):
        return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s verify optional ca-file %s
    http-request set-header x-client-cert %%[ssl_c_der,base64]
    http-request return status 200 content-type text/plain lf-string "c=%%[req.hdr(x-client-cert)] f=%%[ssl_f_der,base64] n=%%[ssl_c_der,bytes(0,4),hex]\\n"
""" % (port, certs["ecdsa"], certs["ca"])
    seen = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(der_cfg(port), port=port)
        seen.append([get(port), get(port, ["--cert", certs["client"]])])
    assert seen[0] == seen[1], seen
    anon, client = seen[0]
    f = der_b64(certs["ecdsa"])
    assert anon == "c= f=%s n=\n" % f, anon        # no client certificate: no value
    c = der_b64(certs["client"])
    assert client == "c=%s f=%s n=%s\n" % (c, f, base64.b64decode(c)[:4].hex().upper()), client


S_FETCHES = ("s_cn=%[ssl_s_s_dn(CN)] s_i=%[ssl_s_i_dn] s_nb=%[ssl_s_notbefore] s_na=%[ssl_s_notafter] "
             "s_ver=%[ssl_s_version] s_sha1=%[ssl_s_sha1,hex] s_serial=%[ssl_s_serial,hex] "
             "s_der=%[ssl_s_der,sha1,hex] s_key=%[ssl_s_key_alg] s_sig=%[ssl_s_sig_alg]")
CF_ALGS = "c_key=%[ssl_c_key_alg] c_sig=%[ssl_c_sig_alg] f_key=%[ssl_f_key_alg] f_sig=%[ssl_f_sig_alg]"


def reenc_seen(tollgate, haproxy, certs, s_value, tls_body):
    """Tollgate then HAProxy: a plain frontend re-encrypts to a TLS
    frontend of the same process (client certificate certs["client"]); the
    response carries `x-s: <s_value>` and the body `<tls_body>`, both
    log-formats. Returns, for each, those lines (x-s: first)."""
    def cfg(port):
        tls_port = free_port()
        return HTTP_DEFAULTS + """
frontend plain
    bind 127.0.0.1:%d
    default_backend reenc
backend reenc
    http-response set-header x-s "%s"
    server s1 127.0.0.1:%d ssl verify none crt %s
frontend tls
    bind 127.0.0.1:%d ssl crt %s verify optional ca-file %s
    http-request return status 200 content-type text/plain lf-string "%s\\n"
""" % (port, s_value, tls_port, certs["client"], tls_port, certs["rsa"], certs["ca"], tls_body)
    seen = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(cfg(port), port=port)
        p = subprocess.run(["curl", "-sS", "-i", "--max-time", "5", "http://127.0.0.1:%d/" % port],
                           capture_output=True, text=True, timeout=15)
        seen.append([l for l in p.stdout.splitlines() if l.startswith("x-s:") or l.startswith(tls_body[:2])])
    return seen


def test_server_certificate_and_algorithm_fetches_like_haproxy(tollgate, haproxy, certs):
    """ssl_s_*: the certificate the server presented, read in the response;
    ssl_{c,f,s}_key_alg / _sig_alg."""
    seen = reenc_seen(tollgate, haproxy, certs, S_FETCHES, CF_ALGS)
    assert seen[0] == seen[1], seen
    text = " ".join(seen[0])
    assert "s_cn=www.example.com s_i=/CN=Test CA ca" in text and "s_ver=3" in text, text
    assert "s_key=rsaEncryption s_sig=ecdsa-with-SHA256" in text, text
    f = dict(re.findall(r"(\w+)=(\S*)", text))
    assert len(f["s_sha1"]) == 40 and f["s_der"] == f["s_sha1"] and f["s_na"].endswith("Z"), text
    assert "c_key=id-ecPublicKey c_sig=ecdsa-with-SHA256 f_key=rsaEncryption" in text, text


def test_chain_der_fetches_like_haproxy(tollgate, haproxy, certs):
    """ssl_s_chain_der: what the server sent (its certificate, then its
    chain); ssl_c_chain_der: the chain the client sent after its own
    certificate. Both in DER one after the other, here through base64."""
    seen = reenc_seen(tollgate, haproxy, certs, "s=%[ssl_s_chain_der,base64] bc=%[ssl_bc]",
                      "c=%[ssl_c_chain_der,base64] none=%[ssl_s_chain_der,base64]")
    assert seen[0] == seen[1], seen
    ca = base64.b64decode(der_b64(certs["ca"]))
    server = base64.b64decode(der_b64(certs["rsa"])) + ca
    assert seen[0] == ["x-s: s=%s bc=1" % base64.b64encode(server).decode(),
                       "c=%s none=" % base64.b64encode(ca).decode()], seen[0]
