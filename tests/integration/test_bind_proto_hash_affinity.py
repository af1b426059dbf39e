"""`bind ... proto h1|h2` and `hash-preserve-affinity`: what tollgate
accepts, refuses and warns about, and hash balancing skipping a saturated
server for the next one on the ring (HAProxy's `maxconn`; HAProxy 2.6
lacks the keyword, hence no side-by-side run)."""
import socket
import threading

from conftest import HTTP_DEFAULTS, free_port, run_check, wait_until, HAPROXY


def test_bind_proto(tmp_path):
    ok = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:8080 proto h1
    http-request return status 200
"""
    rc, out, _ = run_check(ok, tmp_path)
    assert rc == 0, out
    rc, out, _ = run_check(ok, tmp_path, binary=HAPROXY)
    assert rc == 0, out
    for binary in (None, HAPROXY):
        rc, out, path = run_check(ok.replace("proto h1", "proto h2"), tmp_path, **({"binary": binary} if binary else {}))
        assert rc == 0, out
    # HTTP/2 on a mode tcp frontend: refused by both
    tcp = ok.replace("proto h1", "proto h2").replace("mode http", "mode tcp").replace(
        "http-request return status 200", "")
    rc, out, path = run_check(tcp, tmp_path)
    assert rc != 0 and "MUX protocol 'h2' is not usable" in out and "%s:9]" % path in out, out
    rc, out, _ = run_check(tcp, tmp_path, binary=HAPROXY)
    assert rc != 0, out
    rc, out, _ = run_check(ok.replace("proto h1", "proto h9"), tmp_path)
    assert rc != 0 and "unknown protocol 'h9'" in out, out


def test_hash_preserve_affinity_parse(tmp_path):
    cfg = HTTP_DEFAULTS + """
backend be
    balance uri
    hash-preserve-affinity %s
    server s1 127.0.0.1:8001 maxconn 1
"""
    rc, out, _ = run_check(cfg % "maxconn", tmp_path)
    assert rc == 0 and "WARNING" not in out, out
    for v in ("always", "maxqueue"):
        rc, out, path = run_check(cfg % v, tmp_path)
        assert rc == 0 and "[WARNING]" in out and "t.cfg:10" in out and "as with 'maxconn'" in out, out
    rc, out, _ = run_check(cfg % "sometimes", tmp_path)
    assert rc != 0 and "expects 'always', 'maxconn' or 'maxqueue'" in out, out


def test_hash_skips_saturated_server(tollgate, http_backend):
    release = threading.Event()

    def held(tag):
        def handler(req):
            release.wait(10)
            return 200, [("Content-Type", "text/plain")], tag.encode()
        return handler

    a = http_backend("A", held("A"))
    b = http_backend("B", held("B"))
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
listen px
    bind 127.0.0.1:%d
    balance uri
    hash-type consistent
    hash-preserve-affinity maxconn
    server s1 127.0.0.1:%d maxconn 1
    server s2 127.0.0.1:%d maxconn 1
""" % (port, a.port, b.port), port=port)
    socks = []
    try:
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /same-uri HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            socks.append(s)
            # the first must hold its server before the second is sent
            wait_until(lambda: a.count() + b.count() == len(socks), what="request at a server")
        # same URI, yet one request at each server: the saturated one was skipped
        assert (a.count(), b.count()) == (1, 1)
    finally:
        release.set()
        for s in socks:
            s.close()
