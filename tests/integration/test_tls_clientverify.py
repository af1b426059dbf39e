"""Client certificates that fail verification, and the errors a bind
ignores (`ca-ignore-err`, `crt-ignore-err`): a client whose certificate
comes from an unknown CA is refused unless its error is ignored, and the
`ssl_c_err`, `ssl_c_ca_err`, `ssl_c_ca_err_depth` and `ssl_c_verify`
fetches then say what was ignored. The same configuration runs on HAProxy
2.6 and the answers must agree."""
import os

import pytest

from conftest import free_port, run_check
from test_tls import both, certs, curl, tls_fe  # noqa: F401 (the certs fixture)
import tlscerts

ERRS = ('http-request return status 200 content-type text/plain lf-string '
        '"err=%[ssl_c_err] ca_err=%[ssl_c_ca_err] depth=%[ssl_c_ca_err_depth] verify=%[ssl_c_verify] '
        'cn=%[ssl_c_s_dn(CN)]\\n"\n')


@pytest.fixture(scope="module")
def rogue(certs):  # noqa: F811
    """A client certificate of a CA the binds do not trust: <leaf> is the
    certificate and key alone (an error at depth 0: issuer unknown),
    <chain> adds its self-signed CA (an error at depth 1)."""
    d = certs["dir"]
    tlscerts.make_ca(d, "rogue")
    chain = tlscerts.make_cert(d, "rogueclient", ["rogue client"], "ec", ca="rogue", client=True)
    leaf = os.path.join(d, "rogueclient-leaf.pem")
    with open(leaf, "w") as out:
        for part in ("rogueclient.crt", "rogueclient.key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    return {"leaf": leaf, "chain": chain}


def fe(certs, opts):  # noqa: F811
    return lambda p: tls_fe(certs, p, "verify required ca-file %s %s" % (certs["ca"], opts)).replace(
        "    http-request return", "    " + ERRS + "    #", 1)


CASES = [
    # (bind options, client certificate, expected answer or None: refused)
    ("", "leaf", None),
    ("", "chain", None),
    # an unknown issuer is error 20, then 21 (the leaf cannot be verified)
    ("crt-ignore-err 20", "leaf", None),
    ("crt-ignore-err 20,21", "leaf", "err=20 ca_err=0 depth=0 verify=21 cn=rogue client"),
    ("crt-ignore-err 20,21", "chain", None),
    ("ca-ignore-err 19", "chain", "err=0 ca_err=19 depth=1 verify=19 cn=rogue client"),
    ("ca-ignore-err 19", "leaf", None),
    ("crt-ignore-err all ca-ignore-err all", "leaf", "err=20 ca_err=0 depth=0 verify=21 cn=rogue client"),
    ("crt-ignore-err all ca-ignore-err all", "chain", "err=0 ca_err=19 depth=1 verify=19 cn=rogue client"),
    ("crt-ignore-err 10,18", "leaf", None),
    ("verify optional", "leaf", None),
    ("verify optional crt-ignore-err all", "leaf", "err=20 ca_err=0 depth=0 verify=21 cn=rogue client"),
]


@pytest.mark.parametrize("opts,cert,expect", CASES)
def test_ignore_err_like_haproxy(tollgate, haproxy, certs, rogue, opts, cert, expect):  # noqa: F811
    got = []
    for port in both(tollgate, haproxy, fe(certs, opts)):
        rc, out = curl(port, ca=certs["ca"], extra=["--cert", rogue[cert]])
        got.append(out.strip() if rc == 0 else None)
    assert got == [expect, expect], got


def test_a_good_certificate_has_no_error(tollgate, haproxy, certs):  # noqa: F811
    for port in both(tollgate, haproxy, fe(certs, "crt-ignore-err all")):
        rc, out = curl(port, ca=certs["ca"], extra=["--cert", certs["client_crt"], "--key", certs["client_key"]])
        assert rc == 0 and "err=0 ca_err=0 depth=0 verify=0 cn=client one" in out, out


def test_error_names_beyond_haproxy_26(tollgate, certs, rogue):  # noqa: F811
    """Names as later HAProxy versions accept them (2.6 takes numbers only)."""
    port = free_port()
    tollgate(fe(certs, "crt-ignore-err X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,UNABLE_TO_VERIFY_LEAF_SIGNATURE")(port), port=port)
    rc, out = curl(port, ca=certs["ca"], extra=["--cert", rogue["leaf"]])
    assert rc == 0 and "err=20" in out, out


@pytest.mark.parametrize("opts,msg", [
    ("crt-ignore-err 0", "ID '0' out of range (1..63) in error IDs list '0'"),
    ("ca-ignore-err 10,64", "ID '64' out of range (1..63) in error IDs list '10,64'"),
    ("crt-ignore-err 10,NO_SUCH_ERROR", "unknown error 'NO_SUCH_ERROR' in error IDs list"),
    ("ca-ignore-err", "'ca-ignore-err' : missing error IDs list"),
])
def test_bad_lists_name_the_line(tmp_path, certs, opts, msg):  # noqa: F811
    rc, out, _ = run_check(fe(certs, opts)(free_port()), tmp_path)
    assert rc != 0 and "t.cfg:12" in out and msg in out, out
