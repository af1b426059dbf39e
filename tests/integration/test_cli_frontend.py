"""enable/disable frontend on the admin socket, side by side with
Debian's HAProxy 2.6: a paused frontend refuses new connections, shows
PAUSED in `show stat`, keeps its established connections, and accepts
again once enabled."""
import socket

from conftest import admin_cli, start_both

CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
"""


def fe_status(sock):
    for line in admin_cli(sock, "show stat").splitlines():
        if line.startswith("fe,FRONTEND,"):
            return line.split(",")[17]
    return None


def refused(port):
    """True if a connection to <port> is refused or reset, False if it is
    accepted or left waiting (in a backlog nobody reads)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"x")
            return s.recv(10) == b""
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    except socket.timeout:
        return False


def echo_ok(conn, data):
    conn.sendall(data)
    got = b""
    while len(got) < len(data):
        d = conn.recv(100)
        if not d:
            break
        got += d
    return got == data


def test_disable_enable_frontend_as_haproxy(tollgate, haproxy, backend, tmp_path):
    be = backend("B")
    procs = start_both(tollgate, haproxy, tmp_path, CFG, bport=be.port)
    for name, (sock, port) in procs.items():
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert conn.recv(2) == b"B:"
        answers = [admin_cli(sock, cmd) for cmd in
                   ["disable frontend fe", "disable frontend fe", "disable frontend nope",
                    "disable frontend"]]
        procs[name] = (sock, port, answers)
        assert fe_status(sock) == "PAUSED", name
        assert refused(port), name
        assert echo_ok(conn, b"still here"), name   # established: goes on
        assert admin_cli(sock, "enable frontend fe") == "\n"
        assert admin_cli(sock, "enable frontend fe") == "All sockets are already enabled.\n\n"
        assert fe_status(sock) == "OPEN", name
        for _ in range(10):   # every thread's socket listens again
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                assert c.recv(2) == b"B:"
                assert echo_ok(c, b"back"), name
        conn.close()
    assert procs["tollgate"][2] == procs["haproxy"][2]
    assert procs["tollgate"][2][:2] == ["\n", "All sockets are already disabled.\n\n"]
