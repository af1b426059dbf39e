"""ssl_fc_has_crt (compared with HAProxy 2.6), ssl_c_san and the
x509_v_err_str converter (HAProxy 2.7+) on client certificates."""
from conftest import free_port
from test_tls import both, certs, curl, tls_fe  # noqa: F401 (the certs fixture)
from test_tls_clientverify import rogue  # noqa: F401 (fixture)

HAS = 'http-request return status 200 content-type text/plain lf-string "has=%[ssl_fc_has_crt]\\n"\n'
SAN = ('http-request return status 200 content-type text/plain lf-string '
       '"san=%[ssl_c_san] v=%[ssl_c_verify,x509_v_err_str] ok=%[int(0),x509_v_err_str] '
       'n=%[int(94),x509_v_err_str] unknown=%[int(4000),x509_v_err_str] neg=%[int(-1),x509_v_err_str]\\n"\n')


def fe(certs, opts, rules):  # noqa: F811
    return lambda p: tls_fe(certs, p, "verify optional ca-file %s %s" % (certs["ca"], opts)).replace(
        "    http-request return", "    " + rules + "    #", 1)


def test_ssl_fc_has_crt_like_haproxy(tollgate, haproxy, certs):  # noqa: F811
    for port in both(tollgate, haproxy, fe(certs, "", HAS)):
        rc, out = curl(port, ca=certs["ca"], extra=["--cert", certs["client_crt"], "--key", certs["client_key"]])
        assert rc == 0 and out.strip() == "has=1", out
        rc, out = curl(port, ca=certs["ca"])
        assert rc == 0 and out.strip() == "has=0", out


def test_ssl_c_san_and_x509_v_err_str(tollgate, certs, rogue):  # noqa: F811
    port = free_port()
    tollgate(fe(certs, "crt-ignore-err all", SAN)(port), port=port)
    rc, out = curl(port, ca=certs["ca"], extra=["--cert", certs["client_crt"], "--key", certs["client_key"]])
    assert rc == 0 and out.strip() == ("san=DNS:client one v=X509_V_OK ok=X509_V_OK "
                                       "n=X509_V_ERR_EC_KEY_EXPLICIT_PARAMS unknown=4000 "
                                       "neg=18446744073709551615"), out
    rc, out = curl(port, ca=certs["ca"], extra=["--cert", rogue["leaf"]])
    assert rc == 0 and "san=DNS:rogue client v=X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE " in out, out
    rc, out = curl(port, ca=certs["ca"])
    assert rc == 0 and out.startswith("san= v=X509_V_OK"), out
