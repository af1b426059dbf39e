"""crl-file: client certificates verified against a CRL on bind lines
(and crt-list lines), server certificates on server lines; a revoked
certificate is refused as HAProxy 2.6 refuses it."""
import subprocess

import pytest

from conftest import HTTP_DEFAULTS, free_port, run_check
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    p = tlscerts.make_all(d)
    p["good_client"] = tlscerts.make_cert(str(d), "client2", ["client two"], "ec", client=True)
    p["revoked_srv"] = tlscerts.make_cert(str(d), "revsrv", ["www.example.com"], "ec")
    p["crl"] = tlscerts.make_crl(d, ["client", "revsrv"])
    return p


def fe(port, certs, verify, crt="rsa"):
    return HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s verify %s ca-file %s crl-file %s
    http-request return status 200 content-type text/plain lf-string "used=%%[ssl_c_used] verify=%%[ssl_c_verify]\\n"
""" % (port, certs[crt], verify, certs["ca"], certs["crl"])


def curl(port, client=None):
    cmd = ["curl", "-sS", "--http1.1", "--max-time", "5", "-k"]
    if client:
        cmd += ["--cert", client]
    p = subprocess.run(cmd + ["https://127.0.0.1:%d/" % port], capture_output=True, text=True, timeout=15)
    return p.returncode == 0, p.stdout


@pytest.mark.parametrize("verify", ["required", "optional"])
def test_revoked_client_certificate_is_refused_like_haproxy(tollgate, haproxy, certs, verify):
    seen = []
    for start in (tollgate, haproxy):
        port = free_port()
        start(fe(port, certs, verify), port=port)
        seen.append([curl(port, certs["good_client"]), curl(port, certs["client"]), curl(port)])
    assert seen[0] == seen[1], seen
    good, revoked, none = seen[0]
    assert good == (True, "used=1 verify=0\n") and not revoked[0], seen[0]
    assert none[0] == (verify == "optional"), none


def test_crl_file_on_a_crt_list_line(tollgate, certs, tmp_path):
    lst = tmp_path / "list.txt"
    lst.write_text("%s [verify required ca-file %s crl-file %s]\n" % (certs["rsa"], certs["ca"], certs["crl"]))
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d ssl crt-list %s
    http-request return status 200 content-type text/plain lf-string "verify=%%[ssl_c_verify]\\n"
""" % (port, lst), port=port)
    assert curl(port, certs["good_client"]) == (True, "verify=0\n")
    assert not curl(port, certs["client"])[0]


def test_revoked_server_certificate_is_refused_like_haproxy(tollgate, haproxy, certs):
    """Re-encryption with verify required and a CRL: a server whose
    certificate is revoked is a failed connection (503), another one
    answers."""
    seen = []
    for start in (tollgate, haproxy):
        front, good, bad = free_port(), free_port(), free_port()
        start(HTTP_DEFAULTS + """
frontend front
    bind 127.0.0.1:%(front)d
    use_backend bad if { path /bad }
    default_backend good
backend good
    server s 127.0.0.1:%(good)d ssl verify required ca-file %(ca)s crl-file %(crl)s sni str(www.example.com)
backend bad
    server s 127.0.0.1:%(bad)d ssl verify required ca-file %(ca)s crl-file %(crl)s sni str(www.example.com)
frontend tls_good
    bind 127.0.0.1:%(good)d ssl crt %(rsa)s
    http-request return status 200 content-type text/plain string ok
frontend tls_bad
    bind 127.0.0.1:%(bad)d ssl crt %(revoked_srv)s
    http-request return status 200 content-type text/plain string ok
""" % dict(certs, front=front, good=good, bad=bad), port=front)
        codes = []
        for path in ("/", "/bad"):
            p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                                "http://127.0.0.1:%d%s" % (front, path)], capture_output=True, text=True,
                               timeout=15)
            codes.append(p.stdout)
        seen.append(codes)
    assert seen[0] == seen[1] == ["200", "503"], seen


def test_unreadable_crl_file_stops_start_up(tmp_path, certs):
    rc, out, _ = run_check(fe(free_port(), dict(certs, crl=str(tmp_path / "none.pem")), "required"), tmp_path)
    assert rc != 0 and "t.cfg:9" in out and "unable to configure CRL file" in out, out
    (tmp_path / "empty.pem").write_text("nothing here\n")
    rc, out, _ = run_check(fe(free_port(), dict(certs, crl=str(tmp_path / "empty.pem")), "required"), tmp_path)
    assert rc != 0 and "no CRL found" in out, out
