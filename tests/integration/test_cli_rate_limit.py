"""`set rate-limit connections|sessions global` and the `maxconnrate` /
`maxsessrate` global keywords: the limit shows in `show info` and
throttles accepts, on Tollgate as on Debian's HAProxy 2.6."""
import socket
import time

from conftest import admin_cli, start_both
from test_cli_frontend import CFG as FE_CFG

# test_cli_frontend's TCP proxy, with a global limit line
CFG = FE_CFG.replace("level admin\n", "level admin\n    %(limit)s\n", 1)


def info(sock, key):
    for line in admin_cli(sock, "show info").splitlines():
        if line.startswith(key + ": "):
            return line.split(": ", 1)[1]
    return None


def time_connections(port, n):
    """Seconds for <n> connections in a row to be served (the backend's
    banner received on each)."""
    start = time.monotonic()
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            assert c.recv(2) == b"B:"
    return time.monotonic() - start


def test_set_rate_limit_as_haproxy(tollgate, haproxy, backend, tmp_path):
    be = backend("B")
    procs = start_both(tollgate, haproxy, tmp_path, CFG, bport=be.port, limit="")
    for name, (sock, port) in procs.items():
        assert info(sock, "ConnRateLimit") == "0", name
        assert time_connections(port, 12) < 1.0, name
        assert admin_cli(sock, "set rate-limit connections global 4") == "\n", name
        assert info(sock, "ConnRateLimit") == "4", name
        # 12 connections at 4 per second take more than two seconds
        assert time_connections(port, 12) > 1.5, name
        assert admin_cli(sock, "set rate-limit connections global 0") == "\n", name
        assert admin_cli(sock, "set rate-limit sessions global 9") == "\n", name
        assert info(sock, "SessRateLimit") == "9", name
        assert admin_cli(sock, "set rate-limit sessions global x") == "\n", name
        assert info(sock, "SessRateLimit") == "0", name


def test_maxsessrate_keyword_throttles(tollgate, backend, tmp_path):
    be = backend("B")
    from conftest import admin_ready, free_port, wait_until
    sock, port = str(tmp_path / "t.sock"), free_port()
    tollgate(CFG % dict(sock=sock, port=port, bport=be.port, limit="maxsessrate 4"), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    assert info(sock, "SessRateLimit") == "4"
    assert time_connections(port, 12) > 1.5
    assert admin_cli(sock, "set rate-limit foo global 1").startswith("'set rate-limit' only supports :\n")
