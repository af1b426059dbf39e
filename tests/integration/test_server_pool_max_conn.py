"""`server ... pool-max-conn <N>`: how many idle server connections are
kept for reuse; compared with HAProxy 2.6 (`http-reuse always`: one client
after another, each request may take the previous one's connection)."""
import socket

from conftest import HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

# one thread: tollgate keeps idle connections per thread (HAProxy can take
# one over from another thread)
CFG = """
global
    nbthread 1
    stats socket %(sock)s level admin
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    http-reuse always
    server s1 127.0.0.1:%(b)d %(opt)s
"""


def one_request(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"\n"):
            d = s.recv(65536)
            if not d:
                break
            data += d
        assert data.startswith(b"HTTP/1.1 200"), data


def fe_sessions(sock):
    for line in admin_cli(sock, "show stat").splitlines():
        f = line.split(",")
        if f[0] == "fe" and f[1] == "FRONTEND":
            return int(f[4])
    return -1


def connections_used(start, http_backend, opt, tmp_path, tag):
    b = http_backend("A")
    port = free_port()
    sock = str(tmp_path / ("%s.sock" % tag))
    start(CFG % {"port": port, "b": b.port, "opt": opt, "sock": sock}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    for i in range(4):
        one_request(port)
        # the client is gone (its server connection parked) before the next
        wait_until(lambda: fe_sessions(sock) == 0, what="session %d closed" % i)
    assert b.count() == 4
    return len({r.conn_id for r in b.requests})


def test_pool_max_conn_matches_haproxy(tollgate, haproxy, http_backend, tmp_path):
    for n, (opt, want) in enumerate((("", 1), ("pool-max-conn 0", 4), ("pool-max-conn 1", 1), ("pool-max-conn -1", 1))):
        got = connections_used(tollgate, http_backend, opt, tmp_path, "t%d" % n)
        ref = connections_used(haproxy, http_backend, opt, tmp_path, "h%d" % n)
        assert got == ref == want, (opt, got, ref)
