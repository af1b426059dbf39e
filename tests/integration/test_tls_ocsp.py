"""OCSP stapling, as HAProxy: `crt <file>` with a `<file>.ocsp` beside it
(a DER OCSP response) staples that response to the handshakes of clients
asking for it (`openssl s_client -status`); the admin socket lists the
responses (`show ssl ocsp-response [<id>]`) and replaces one (`set ssl
ocsp-response <base64>`). Responses are made at test time by `openssl
ocsp` answering for a test CA. Tollgate and HAProxy 2.6 run the same
configuration and must answer alike."""
import base64
import os
import shutil
import subprocess

import pytest

from conftest import ADMIN_GLOBAL, HAPROXY, HTTP_DEFAULTS, admin_cli, free_port, run_check, start_both
import tlscerts


@pytest.fixture
def pki(tmp_path):
    """A CA, www.example.com with a good OCSP response beside it, and
    other.test without one."""
    d = tmp_path / "pki"
    d.mkdir()
    p = tlscerts.make_all(d)
    tlscerts.make_ocsp(d, "www-rsa", p["rsa"] + ".ocsp")
    p["revoked"] = tlscerts.make_ocsp(d, "www-rsa", str(d / "revoked.der"), status="revoked")
    p["other_ocsp"] = tlscerts.make_ocsp(d, "other", str(d / "other.der"))
    return p


CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d ssl crt %(rsa)s crt %(other)s
    http-request return status 200
"""
BIND_LINE = CFG.splitlines().index("frontend fe") + 2


def status(port, name="www.example.com"):
    """What `openssl s_client -status` says of the stapled response."""
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", name,
                        "-status"], input=b"", capture_output=True, timeout=10)
    out = p.stdout.decode(errors="replace")
    if "OCSP response: no response sent" in out:
        return "none"
    for line in out.splitlines():
        if "Cert Status:" in line:
            return line.split(":", 1)[1].strip()
    return out


def test_stapling_and_cli_like_haproxy(tollgate, haproxy, tmp_path, pki):
    both = start_both(tollgate, haproxy, tmp_path, CFG, **pki)
    seen = {}
    for name, (sock, port) in both.items():
        r = seen[name] = {}
        r["www"] = status(port)
        r["other"] = status(port, "other.test")
        r["list"] = admin_cli(sock, "show ssl ocsp-response")
        key = r["list"].split("Certificate ID key : ")[1].split()[0]
        r["detail"] = admin_cli(sock, "show ssl ocsp-response " + key)
        r["unknown"] = admin_cli(sock, "show ssl ocsp-response 00" + key[2:])
        with open(pki["revoked"], "rb") as f:
            revoked = base64.b64encode(f.read()).decode()
        r["set"] = admin_cli(sock, "set ssl ocsp-response " + revoked)
        r["www_after"] = status(port)
        r["detail_after"] = "Cert Status: revoked" in admin_cli(sock, "show ssl ocsp-response " + key)
        r["bad_b64"] = admin_cli(sock, "set ssl ocsp-response %%%notbase64")
        r["empty"] = admin_cli(sock, "set ssl ocsp-response")
        with open(pki["other_ocsp"], "rb") as f:
            r["not_ours"] = admin_cli(sock, "set ssl ocsp-response " + base64.b64encode(f.read()).decode())
        r["garbage"] = admin_cli(sock, "set ssl ocsp-response " + base64.b64encode(b"garbage" * 10).decode())
    for k in seen["haproxy"]:
        assert seen["tollgate"][k] == seen["haproxy"][k], (k, seen["tollgate"][k], seen["haproxy"][k])
    r = seen["tollgate"]
    assert r["www"] == "good" and r["other"] == "none" and r["www_after"] == "revoked", r
    assert r["list"].startswith("# Certificate IDs\nCertificate ID key : 30") and "Serial Number: " in r["list"], r
    assert "OCSP Response Status: successful" in r["detail"] and "Cert Status: good" in r["detail"], r
    assert r["unknown"].startswith("Certificate ID does not match any certificate."), r
    assert r["set"].startswith("OCSP Response updated!") and r["detail_after"], r
    assert "invalid base64 encoded response" in r["bad_b64"], r
    assert "expects response in base64 encoding" in r["empty"], r
    assert "Certificate ID does not match any certificate or issuer" in r["not_ours"], r
    assert "Unable to parse OCSP response" in r["garbage"], r


def test_response_past_its_next_update_is_not_stapled_like_haproxy(tollgate, haproxy, tmp_path, pki):
    """A response valid for one more minute is accepted (within the clock
    skew HAProxy allows, 5 minutes) but not stapled: its next update less
    that skew is past."""
    short = tlscerts.make_ocsp(pki["dir"], "www-rsa", os.path.join(pki["dir"], "short.der"), minutes=1)
    with open(short, "rb") as f:
        b64 = base64.b64encode(f.read()).decode()
    got = []
    for sock, port in start_both(tollgate, haproxy, tmp_path, CFG, **pki).values():
        got.append((status(port), admin_cli(sock, "set ssl ocsp-response " + b64), status(port)))
    assert got[0] == got[1], got
    assert got[0][0] == "good" and got[0][1].startswith("OCSP Response updated!") and got[0][2] == "none", got


def test_invalid_ocsp_file_is_ignored_with_a_warning(tollgate, haproxy, tmp_path, pki):
    """An expired or unparsable .ocsp is not stapled; the start goes on, as
    HAProxy's (a warning naming the bind's line and the file)."""
    shutil.copy(pki["other_ocsp"], pki["rsa"] + ".ocsp")   # a response about another certificate
    rc, out, _ = run_check(CFG % dict(pki, sock=str(tmp_path / "x.sock"), port=1), tmp_path)
    assert rc == 0 and "t.cfg:%d" % BIND_LINE in out and "www-rsa.pem.ocsp" in out and "does not match" in out, out
    both = start_both(tollgate, haproxy, tmp_path, CFG, **pki)
    assert [status(port) for _, port in both.values()] == ["none", "none"]


def test_ocsp_without_issuer_is_refused_like_haproxy(tmp_path, pki):
    """A certificate file without its CA (no issuer in the chain, no
    `.issuer` file) cannot have its OCSP certificate ID computed."""
    d = pki["dir"]
    alone = os.path.join(d, "alone.pem")
    with open(alone, "w") as out:
        for part in ("www-rsa.crt", "www-rsa.key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    shutil.copy(pki["rsa"] + ".ocsp", alone + ".ocsp")
    cfg = CFG % dict(pki, rsa=alone, sock=str(tmp_path / "x.sock"), port=1)
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and "t.cfg:%d" % BIND_LINE in out and "impossible to compute the OCSP certificate ID" in out, out
    rc, hout, _ = run_check(cfg, tmp_path, binary="/usr/sbin/haproxy")
    assert rc != 0 and "impossible to compute the OCSP certificate ID" in hout, hout
    # with an .issuer file beside it, the ID is computed
    shutil.copy(os.path.join(d, "ca.crt"), alone + ".issuer")
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc == 0, out


def test_ocsp_update_of_later_versions(tollgate, tmp_path, pki):
    """`ocsp-update` (HAProxy 2.8+, the language Tollgate declares): on a
    crt-list line `on` is accepted with a warning naming the line (Tollgate
    fetches no response; the `.ocsp` file is stapled as loaded), `off`
    silently; anywhere else it is refused naming the line, as HAProxy (2.6
    knows no such keyword at all)."""
    lst = tmp_path / "list.txt"
    lst.write_text("%s [ocsp-update on alpn http/1.1]\n%s [ocsp-update off]\n" % (pki["rsa"], pki["other"]))
    cfg = (ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d ssl crt-list %(list)s
    http-request return status 200
""") % dict(pki, sock=str(tmp_path / "s.sock"), port=free_port(), list=lst)
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc == 0, out
    warned = [l for l in out.splitlines() if "ocsp-update" in l]
    assert len(warned) == 1 and "[%s:1]" % lst in warned[0] and "has no effect" in warned[0], out
    port = int(cfg.split("127.0.0.1:")[1].split()[0])
    tollgate(cfg, port=port)
    assert status(port) == "good" and status(port, "other.test") == "none"
    lst.write_text("%s [ocsp-update maybe]\n" % pki["rsa"])
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and "[%s:1]" % lst in out and "'ocsp-update' : expects 'on' or 'off'" in out, out
    for text in (HTTP_DEFAULTS + "frontend f\n    bind 127.0.0.1:1 ssl crt %s ocsp-update on\n" % pki["rsa"],
                 HTTP_DEFAULTS + "backend b\n    server s 127.0.0.1:1 ssl verify none ocsp-update on\n"):
        assert run_check(text, tmp_path, name="h.cfg", binary=HAPROXY)[0] != 0
        rc, out, _ = run_check(text, tmp_path)
        assert rc != 0 and "t.cfg:%d" % text.count("\n") in out and "option of crt-list lines" in out, out


def b64_of(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def test_ocsp_in_a_cert_transaction_like_haproxy(tollgate, haproxy, tmp_path, pki):
    """`set ssl cert <crt>.ocsp <<` puts a base64 OCSP response into the
    transaction of <crt> (named so in the answers), `show ssl cert` shows
    its certificate ID key, `commit ssl cert <crt>` staples it from the
    next handshake on; a certificate that had no `.ocsp` at start-up gets
    one the same way."""
    both = start_both(tollgate, haproxy, tmp_path, CFG, **pki)
    rsa, other = pki["rsa"], pki["other"]
    seen = {}
    for name, (sock, port) in both.items():
        r = seen[name] = []
        r.append(admin_cli(sock, "show ssl cert " + rsa))
        r.append(admin_cli(sock, "set ssl cert %s.ocsp <<\n%s\n" % (rsa, b64_of(pki["revoked"]))))
        r.append(admin_cli(sock, "show ssl cert"))
        r.append(admin_cli(sock, "show ssl cert *" + rsa))
        r.append(status(port))                          # not committed yet
        r.append(admin_cli(sock, "commit ssl cert " + rsa))
        r.append(status(port))
        r.append(admin_cli(sock, "show ssl cert " + rsa))
        r.append(admin_cli(sock, "set ssl cert %s.ocsp <<\n%s\n" % (other, b64_of(pki["other_ocsp"]))))
        r.append(admin_cli(sock, "commit ssl cert " + other))
        r.append(status(port, "other.test"))
        r.append(admin_cli(sock, "set ssl cert /nonexistent.pem.ocsp <<\n%s\n" % b64_of(pki["revoked"])))
    for i, (t, h) in enumerate(zip(seen["tollgate"], seen["haproxy"])):
        assert t == h, (i, t, h)
    r = seen["tollgate"]
    assert r[1].strip() == "Transaction created for certificate %s!" % rsa, r[1]
    key = r[0].split("OCSP Response Key: ")[1].split()[0]
    assert key.startswith("30") and "OCSP Response Key: %s\n" % key in r[3], r[3]
    assert (r[4], r[6], r[10]) == ("good", "revoked", "good"), r
    assert "Success!" in r[5] and "Success!" in r[9], r
    assert r[11].strip().endswith("Can't update /nonexistent.pem.ocsp!"), r[11]


def test_bad_ocsp_in_a_cert_transaction_is_refused(tollgate, tmp_path, pki):
    """A payload that is not base64, not a response, or a response about
    another certificate is refused at once, naming the file (HAProxy 2.6
    opens the transaction and staples nothing); an aborted one changes
    nothing."""
    sock, port = str(tmp_path / "s.sock"), free_port()
    tollgate(CFG % dict(pki, sock=sock, port=port), port=port)
    rsa = pki["rsa"]
    for payload, why in (("%%%notbase64", "Error reading OCSP response in base64 format"),
                         (base64.b64encode(b"garbage" * 10).decode(), "Unable to parse OCSP response"),
                         (b64_of(pki["other_ocsp"]), "does not match")):
        out = admin_cli(sock, "set ssl cert %s.ocsp <<\n%s\n" % (rsa, payload))
        assert why in out and out.strip().endswith("Can't update %s.ocsp!" % rsa), out
    assert admin_cli(sock, "commit ssl cert " + rsa).startswith("No ongoing transaction")
    assert "Transaction created" in admin_cli(sock, "set ssl cert %s.ocsp <<\n%s\n" % (rsa, b64_of(pki["revoked"])))
    assert "Transaction aborted" in admin_cli(sock, "abort ssl cert " + rsa)
    assert status(port) == "good"
    out = admin_cli(sock, "set ssl cert %s.key <<\nx\n" % rsa)
    assert "'.key' alone is not supported" in out, out
