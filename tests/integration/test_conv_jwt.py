"""jwt_header_query, jwt_payload_query and jwt_verify on Bearer tokens
made here (HMAC with Python, RSA and ECDSA signatures with the openssl
command line): a frontend that denies bad tokens and reports the codes,
compared with HAProxy 2.6 on the same configuration."""
import base64
import hashlib
import hmac
import json
import subprocess

import pytest
from httpbackend import get

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.bearer) http_auth_bearer
    http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg')
    http-request set-var(txn.rc) var(txn.bearer),jwt_verify(txn.alg,"s3cret") if { var(txn.alg) -m beg HS }
    http-request set-var(txn.rc) var(txn.bearer),jwt_verify(txn.alg,"%(rsa)s") if { var(txn.alg) -m beg RS }
    http-request set-var(txn.rc) var(txn.bearer),jwt_verify(txn.alg,"%(ec)s") if { var(txn.alg) -m beg ES }
    http-request set-var(txn.fixed) var(txn.bearer),jwt_verify("RS256","%(rsa)s")
    http-request set-var(txn.hs) var(txn.bearer),jwt_verify("HS256","s3cret")
    http-request set-var(txn.none) var(txn.bearer),jwt_verify("none","")
    http-request set-var(txn.sub) var(txn.bearer),jwt_payload_query('$.sub')
    http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('$.exp','int')
    http-request deny if { path /strict } !{ var(txn.rc) -m int 1 }
    http-request return status 200 content-type text/plain lf-string "%(fmt)s"
"""
FMT = "%[var(txn.alg)]|%[var(txn.rc)]|%[var(txn.fixed)]|%[var(txn.hs)]|%[var(txn.sub)]|%[var(txn.exp)]|" \
      "%[var(txn.bearer),jwt_header_query]|%[var(txn.none)]"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_to_raw(der, size):
    """ECDSA DER (SEQUENCE of two INTEGERs) to R||S of <size> bytes each."""
    assert der[0] == 0x30
    i = 3 if der[1] & 0x80 else 2
    out = b""
    for _ in range(2):
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(size, b"\0")
        i += 2 + n
    return out


class Keys:
    def __init__(self, d):
        self.d = d
        ssl = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)
        ssl("genrsa", "-out", str(d / "rsa.key"), "2048")
        ssl("rsa", "-in", str(d / "rsa.key"), "-pubout", "-out", str(d / "rsa.pub"))
        ssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(d / "ec.key"))
        ssl("ec", "-in", str(d / "ec.key"), "-pubout", "-out", str(d / "ec.pub"))

    def sign(self, kind, data):
        (self.d / "in").write_bytes(data)
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.d / (kind + ".key")),
                               str(self.d / "in")], check=True, capture_output=True).stdout


def token(keys, alg, claims=None, sign_alg=None):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims or {"sub": "alice", "exp": 1900000000}).encode())
    data = ("%s.%s" % (head, body)).encode()
    sign_alg = sign_alg or alg
    if sign_alg == "HS256":
        sig = hmac.new(b"s3cret", data, hashlib.sha256).digest()
    elif sign_alg == "RS256":
        sig = keys.sign("rsa", data)
    else:
        sig = der_to_raw(keys.sign("ec", data), 32)
    return "%s.%s" % (data.decode(), b64(sig))


def cases(keys):
    hs, rs, es = (token(keys, a) for a in ("HS256", "RS256", "ES256"))
    return {
        "hs": hs, "rs": rs, "es": es,
        "hs_badsig": hs[:-4] + ("AAAA" if not hs.endswith("AAAA") else "BBBB"),
        "rs_badsig": rs[:-6] + "abcdef",
        "es_badsig": es[:-6] + "abcdef",
        "hs_otherclaims": hs.split(".")[0] + "." + b64(b'{"sub":"mallory"}') + "." + hs.split(".")[2],
        "alg_lies": token(keys, "RS256", sign_alg="HS256"),
        "unknown_alg": token(keys, "XX256", sign_alg="HS256"),
        "two_parts": ".".join(hs.split(".")[:2]),
        "four_parts": hs + ".x",
        "bad_b64_sig": hs + "*",
        "empty_sig": ".".join(hs.split(".")[:2]) + ".",
        "garbage": "not-a-token",
    }


def run(start, keys, port):
    start(CFG % {"port": port, "rsa": keys.d / "rsa.pub", "ec": keys.d / "ec.pub", "fmt": FMT}, port=port)
    out = {}
    for name, tok in cases(keys).items():
        hdrs = [("Authorization", "Bearer " + tok)]
        out[name] = (get(port, "/", headers=hdrs)[3], get(port, "/strict", headers=hdrs)[0])
    return out


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return Keys(tmp_path_factory.mktemp("jwt"))


def test_jwt_matches_haproxy(tollgate, haproxy, keys):
    got = run(tollgate, keys, free_port())
    want = run(haproxy, keys, free_port())
    for name in got:
        assert got[name] == want[name], name
    fields = lambda n: got[n][0].split(b"|")
    assert fields("hs")[:6] == [b"HS256", b"1", b"0", b"1", b"alice", b"1900000000"]
    assert fields("rs")[1:3] == [b"1", b"1"] and fields("es")[1] == b"1"
    assert fields("hs")[6] == b""   # HAProxy documents the decoded part, gives none
    for bad in ("hs_badsig", "rs_badsig", "es_badsig", "hs_otherclaims", "alg_lies"):
        assert fields(bad)[1] == b"0" and got[bad][1] == 403, bad
    assert fields("two_parts")[3] == b"-3" and fields("bad_b64_sig")[3] == b"-3"
    assert fields("four_parts")[3] == b"-3" and fields("empty_sig")[3] == b"-3"
    assert [fields(n)[7] for n in ("hs", "two_parts", "empty_sig", "four_parts")] == [b"0", b"1", b"1", b"-3"]
    assert got["unknown_alg"][1] == 403 and got["hs"][1] == 200 and got["rs"][1] == 200


def test_jwt_key_errors(tmp_path, keys):
    """An unreadable public key for a written RS/ES algorithm, or a file that
    holds none, is a configuration error naming the place."""
    from conftest import run_check
    for key, word in ((tmp_path / "missing.pem", "cannot read"), (keys.d / "in", "no PEM public key")):
        cfg = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.x) req.hdr(x),jwt_verify("RS256","%s")
""" % (free_port(), key)
        rc, out, path = run_check(cfg, tmp_path)
        line = cfg.splitlines().index(cfg.splitlines()[-1]) + 1
        assert rc != 0 and word in out and "%s:%d" % (path, line) in out, out


PS_CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.bearer) http_auth_bearer
    http-request set-var(txn.key) req.hdr(x-key)
    http-request set-var(txn.a) var(txn.bearer),jwt_verify("PS256","%(pub)s")
    http-request set-var(txn.b) var(txn.bearer),jwt_verify("RS256","%(crt)s")
    http-request set-var(txn.c) var(txn.bearer),jwt_verify("RS256",txn.key)
    http-request set-var(txn.d) var(txn.bearer),jwt_verify("RS256","%(pkcs1)s")
    http-request return status 200 content-type text/plain lf-string "%%[var(txn.a)]|%%[var(txn.b)]|%%[var(txn.c)]|%%[var(txn.d)]"
"""


def test_jwt_pss_certificate_and_key_from_variable(tollgate, keys):
    """Beyond 2.6 (which refuses PS* and takes no certificate): PS256, a
    certificate as key, and a key path from a variable, which must be one
    loaded at configuration time (else -5); a PKCS#1 public key too."""
    d = keys.d
    subprocess.run(["openssl", "rsa", "-in", str(d / "rsa.key"), "-RSAPublicKey_out", "-out", str(d / "rsa.p1")],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-x509", "-new", "-key", str(d / "rsa.key"), "-subj", "/CN=jwt",
                    "-days", "2", "-out", str(d / "rsa.crt")], check=True, capture_output=True)
    head = b64(b'{"alg":"PS256"}') + "." + b64(b'{"sub":"bob"}')
    (d / "in").write_bytes(head.encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss",
                          "-sigopt", "rsa_pss_saltlen:digest", "-sign", str(d / "rsa.key"), str(d / "in")],
                         check=True, capture_output=True).stdout
    ps = head + "." + b64(sig)
    rs = token(keys, "RS256")
    port = free_port()
    tollgate(PS_CFG % {"port": port, "pub": d / "rsa.pub", "crt": d / "rsa.crt", "pkcs1": d / "rsa.p1"}, port=port)
    ask = lambda tok, key: get(port, "/", headers=[("Authorization", "Bearer " + tok), ("x-key", key)])[3]
    assert ask(ps, str(d / "rsa.crt")) == b"1|0|0|0"
    assert ask(ps[:-6] + "abcdef", "x") == b"0|0|-5|0"
    assert ask(rs, str(d / "rsa.crt")) == b"0|1|1|1"
    assert ask(rs, str(d / "rsa.pub")) == b"0|1|1|1"
    assert ask(rs, str(d / "ec.pub")) == b"0|1|-5|1"
