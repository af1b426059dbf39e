"""CA files and CRL files at runtime: `show/new/set/commit/abort/del ssl
ca-file` and `... crl-file` on the admin socket, with HAProxy 2.6's
outputs, and a committed CA or CRL taking effect for the next handshakes
of a bind verifying client certificates."""
import subprocess

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, start_both, wait_until
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("certs"))
    p = tlscerts.make_all(d)
    p["ca2"] = tlscerts.make_ca(d, "ca2")
    p["client_ca2"] = tlscerts.make_cert(d, "client-ca2", ["client two"], "ec", ca="ca2", client=True)
    p["crl"] = tlscerts.make_crl(d, [])
    p["crl_revoking"] = tlscerts.make_crl(d, ["client"], name="crl2")
    for k in ("ca", "ca2", "crl", "crl_revoking"):
        with open(p[k]) as f:
            p[k + "_pem"] = f.read()
    return p


CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d ssl crt %(crt)s verify required ca-file %(ca)s%(crl)s
    http-request return status 200 content-type text/plain string "ok"
"""


def both(tollgate, haproxy, tmp_path, certs, crl=True):
    return start_both(tollgate, haproxy, tmp_path, CFG, crt=certs["rsa"], ca=certs["ca"],
                      crl=" crl-file " + certs["crl"] if crl else "")


def curl_ok(port, client):
    p = subprocess.run(["curl", "-sS", "--http1.1", "--max-time", "5", "-k", "--cert", client,
                        "https://127.0.0.1:%d/" % port], capture_output=True, text=True, timeout=15)
    return p.returncode == 0 and p.stdout == "ok"


def no_system_ca(text):
    """HAProxy 2.6 also lists its httpclient's @system-ca; Tollgate has none."""
    return "".join(l for l in text.splitlines(True) if not l.startswith("@system-ca"))


def test_ca_file_commands_answer_as_haproxy(tollgate, haproxy, tmp_path, certs):
    ca, ca2 = certs["ca"], certs["ca_pem"] + certs["ca2_pem"]
    cmds = [
        "show ssl ca-file",
        "show ssl ca-file " + ca,
        "show ssl ca-file %s:1" % ca,
        "show ssl ca-file %s:2" % ca,
        "show ssl ca-file %s:x" % ca,
        "show ssl ca-file nope",
        "set ssl ca-file %s <<\ngarbage\n" % ca,
        "set ssl ca-file unknown <<\n" + certs["ca2_pem"],
        "abort ssl ca-file " + ca,
        "set ssl ca-file %s <<\n%s" % (ca, certs["ca2_pem"]),
        "set ssl ca-file %s <<\n%s" % (ca, ca2),
        "set ssl ca-file other <<\n" + certs["ca2_pem"],
        "show ssl ca-file",
        "show ssl ca-file *%s:2" % ca,
        "abort ssl ca-file other",
        "commit ssl ca-file other",
        "commit ssl ca-file " + ca,
        "commit ssl ca-file " + ca,
        "show ssl ca-file",
        "new ssl ca-file n1",
        "new ssl ca-file n1",
        "show ssl ca-file n1",
        "set ssl ca-file n1 <<\n" + certs["ca2_pem"],
        "abort ssl ca-file n1",
        "del ssl ca-file " + ca,
        "del ssl ca-file n1",
        "del ssl ca-file n1",
        "new ssl ca-file",
        "del ssl ca-file",
        "abort ssl ca-file",
    ]
    seen = {}
    for name, (sock, _port) in both(tollgate, haproxy, tmp_path, certs).items():
        seen[name] = [no_system_ca(admin_cli(sock, c)) for c in cmds]
    for c, t, h in zip(cmds, seen["tollgate"], seen["haproxy"]):
        assert t == h, (c, t, h)
    assert "Certificate #2:" in seen["tollgate"][cmds.index("show ssl ca-file *%s:2" % ca)]
    assert "Subject: /CN=Test CA ca2" in seen["tollgate"][cmds.index("show ssl ca-file *%s:2" % ca)]


def test_crl_file_commands_answer_as_haproxy(tollgate, haproxy, tmp_path, certs):
    crl = certs["crl"]
    cmds = [
        "show ssl crl-file",
        "show ssl crl-file " + crl,
        "show ssl crl-file %s:1" % crl,
        "show ssl crl-file %s:0" % crl,
        "show ssl crl-file " + certs["ca"],
        "set ssl crl-file nope <<\n" + certs["crl_revoking_pem"],
        "set ssl crl-file %s <<\n%s" % (crl, certs["crl_revoking_pem"]),
        "show ssl crl-file",
        "show ssl crl-file *" + crl,
        "abort ssl crl-file x",
        "commit ssl crl-file " + crl,
        "commit ssl crl-file " + crl,
        "show ssl crl-file " + crl,
        "new ssl crl-file n2",
        "show ssl crl-file",
        "show ssl crl-file n2",
        "del ssl crl-file n2",
        "del ssl crl-file " + crl,
        "del ssl crl-file " + certs["ca"],
        "abort ssl crl-file " + crl,
    ]
    seen = {}
    for name, (sock, _port) in both(tollgate, haproxy, tmp_path, certs).items():
        seen[name] = [admin_cli(sock, c) for c in cmds]
    for c, t, h in zip(cmds, seen["tollgate"], seen["haproxy"]):
        assert t == h, (c, t, h)
    assert "Revoked Certificates:\n    Serial Number: " in seen["tollgate"][len(cmds) - 1 - cmds[::-1].index("show ssl crl-file " + crl)]


def test_committed_ca_file_serves_new_handshakes(tollgate, haproxy, tmp_path, certs):
    """A client certificate of a new CA: refused, still refused once set
    (not committed), accepted after the commit; the old CA's client too
    while the new file holds both, refused once it holds ca2 alone. Both
    proxies alike."""
    ca = certs["ca"]
    seen = {}
    for name, (sock, port) in both(tollgate, haproxy, tmp_path, certs, crl=False).items():
        steps = [curl_ok(port, certs["client_ca2"]), curl_ok(port, certs["client"])]
        admin_cli(sock, "set ssl ca-file %s <<\n%s" % (ca, certs["ca_pem"] + certs["ca2_pem"]))
        steps.append(curl_ok(port, certs["client_ca2"]))
        steps.append(admin_cli(sock, "commit ssl ca-file " + ca).endswith("Success!\n\n"))
        steps += [curl_ok(port, certs["client_ca2"]), curl_ok(port, certs["client"])]
        admin_cli(sock, "set ssl ca-file %s <<\n%s" % (ca, certs["ca2_pem"]))
        steps.append(admin_cli(sock, "commit ssl ca-file " + ca).endswith("Success!\n\n"))
        steps += [curl_ok(port, certs["client_ca2"]), curl_ok(port, certs["client"])]
        seen[name] = steps
    assert seen["tollgate"] == seen["haproxy"], seen
    assert seen["tollgate"] == [False, True, False, True, True, True, True, True, False], seen


def test_committed_crl_file_serves_new_handshakes(tollgate, haproxy, tmp_path, certs):
    """A committed CRL revoking the client refuses it from then on."""
    crl = certs["crl"]
    seen = {}
    for name, (sock, port) in both(tollgate, haproxy, tmp_path, certs).items():
        steps = [curl_ok(port, certs["client"])]
        admin_cli(sock, "set ssl crl-file %s <<\n%s" % (crl, certs["crl_revoking_pem"]))
        steps.append(curl_ok(port, certs["client"]))
        steps.append(admin_cli(sock, "commit ssl crl-file " + crl).endswith("Success!\n\n"))
        steps.append(curl_ok(port, certs["client"]))
        seen[name] = steps
    assert seen["tollgate"] == seen["haproxy"], seen
    assert seen["tollgate"] == [True, True, True, False], seen


def test_bad_payload_and_missing_arguments_name_the_command(tollgate, tmp_path, certs):
    sock, port = str(tmp_path / "t.sock"), free_port()
    tollgate(CFG % dict(sock=sock, port=port, crt=certs["rsa"], ca=certs["ca"], crl=" crl-file " + certs["crl"]), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert admin_cli(sock, "set ssl ca-file %s <<\n%s" % (certs["ca"], bad)) == \
        "Invalid payload\nCan't update %s!\n\n" % certs["ca"]
    assert admin_cli(sock, "set ssl crl-file %s <<\n%s" % (certs["crl"], certs["ca_pem"])) == \
        "Invalid payload\nCan't update %s!\n\n" % certs["crl"]
    assert admin_cli(sock, "commit ssl crl-file") == "'commit ssl crl-file' expects a filename\n\n"
    assert admin_cli(sock, "set ssl crl-file") == "'set ssl crl-file' expects a filename and CRLs as a payload\n\n"
    assert admin_cli(sock, "show ssl ca-file") == "# filename\n%s - 1 certificate(s)\n\n" % certs["ca"]
    assert curl_ok(port, certs["client"])
