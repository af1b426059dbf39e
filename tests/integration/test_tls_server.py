"""TLS towards servers: which name the server's certificate must carry
(`sni`, `verifyhost`) and what health checks offer (`check-ssl`,
`check-sni`, `check-alpn`). Each runs on Tollgate and on HAProxy 2.6 with
the same configuration, and the answers must agree."""
import pytest

from conftest import free_port, run_check
from test_tls import certs, http_get, reenc_cfg  # noqa: F401 (the certs fixture)


# (server options, expected status): HAProxy 2.6 checks the name sent by
# SNI, else the verifyhost; a mismatch fails the connection (503)
VERIFYHOST_CASES = [
    ("verifyhost www.example.com", "200"),
    ("verifyhost example.com", "200"),
    ("verifyhost wrong.example.com", "503"),
    ("verifyhost WWW.Example.COM", "200"),
    ("sni str(www.example.com) verifyhost wrong.example.com", "200"),
    ("sni str(wrong.example.com) verifyhost www.example.com", "503"),
]


@pytest.mark.parametrize("opts,status", VERIFYHOST_CASES)
def test_verifyhost_like_haproxy(tollgate, haproxy, certs, opts, status):  # noqa: F811
    srv = "verify required ca-file %s %s" % (certs["ca"], opts)
    for start in (tollgate, haproxy):
        front, tls_port = free_port(), free_port()
        start(reenc_cfg(certs, front, tls_port, srv), port=front)
        out = http_get(front)
        assert out.startswith("HTTP/1.1 " + status), (start, out)


def test_verifyhost_without_verify_has_no_effect(tollgate, certs):  # noqa: F811
    front, tls_port = free_port(), free_port()
    tollgate(reenc_cfg(certs, front, tls_port, "verify none verifyhost wrong.example.com"), port=front)
    assert http_get(front).startswith("HTTP/1.1 200")


def test_verifyhost_needs_a_name(tmp_path, certs):  # noqa: F811
    cfg = reenc_cfg(certs, free_port(), free_port(), "verify required ca-file %s verifyhost" % certs["ca"])
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc != 0 and "t.cfg:16" in out and "missing hostname to verify against" in out, out
    rc, hout, _ = run_check(cfg, tmp_path, binary="/usr/sbin/haproxy")
    assert rc != 0 and "missing hostname to verify against" in hout, hout
