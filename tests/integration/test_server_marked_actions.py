"""Server options acting on state changes, side by side with haproxy 2.6:
`on-marked-down shutdown-sessions` closes the connections of a server its
checks mark down, `on-marked-up shutdown-backup-sessions` those of the
backup servers when a primary comes back; and `init-state` (HAProxy 3.x)
sets how a checked server starts."""
import socket
import threading

import pytest

from conftest import Backend, admin_cli, admin_ready, free_port, run_check, wait_until

HEAD = """
global
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout client 30s
    timeout server 30s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
"""


def start(starter, tmp_path, name, servers):
    sock = str(tmp_path / (name + ".sock"))
    port = free_port()
    starter((HEAD % dict(sock=sock, port=port)) + servers, port=port, name=name + ".cfg")
    wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
    return sock, port


def op_state(sock, srv):
    for line in admin_cli(sock, "show servers state be").splitlines():
        f = line.split()
        if len(f) > 5 and f[3] == srv:
            return f[5]
    return None


def connect(port, tag):
    """A client connection through the proxy to the echo backend <tag>."""
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"x")
    got = b""
    while len(got) < 3:
        d = c.recv(100)
        assert d, "closed early"
        got += d
    assert got == tag + b":x", got
    return c


def closed_within(c, seconds):
    """True if the proxy closes <c> within <seconds>."""
    c.settimeout(seconds)
    try:
        return c.recv(100) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    finally:
        c.close()


@pytest.mark.parametrize("option", ["on-marked-down shutdown-sessions", ""])
def test_on_marked_down(tollgate, haproxy, tmp_path, option):
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        b = Backend("A")
        sock, port = start(starter, tmp_path, which,
                           "    server s1 127.0.0.1:%d check inter 100ms rise 1 fall 1 %s\n" % (b.port, option))
        c = connect(port, b"A")
        b.stop()                     # checks now fail; the connection stays
        wait_until(lambda: op_state(sock, "s1") == "0", 10, which + ": s1 down")
        out[which] = closed_within(c, 2 if option else 1)
    assert out["tollgate"] == out["haproxy"] == bool(option), out


@pytest.mark.parametrize("option", ["on-marked-up shutdown-backup-sessions", ""])
def test_on_marked_up(tollgate, haproxy, tmp_path, option):
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        backup = Backend("B")
        primary = socket.socket()            # bound, not listening: checks fail
        primary.bind(("127.0.0.1", 0))
        sock, port = start(starter, tmp_path, which,
                           "    server s1 127.0.0.1:%d check inter 100ms rise 1 fall 1 %s\n"
                           "    server b1 127.0.0.1:%d backup\n" % (primary.getsockname()[1], option, backup.port))
        wait_until(lambda: op_state(sock, "s1") == "0", 10, which + ": s1 down")
        c = connect(port, b"B")
        primary.listen(16)                   # checks now pass
        held = []
        threading.Thread(target=lambda: held.extend(primary.accept() for _ in iter(int, 1)), daemon=True).start()
        wait_until(lambda: op_state(sock, "s1") == "2", 10, which + ": s1 up")
        out[which] = closed_within(c, 2 if option else 1)
        primary.close()
        backup.stop()
    assert out["tollgate"] == out["haproxy"] == bool(option), out


def test_init_state(tollgate, tmp_path):
    """HAProxy 3.x: the health and state a checked server starts with (no
    check runs before the first interval, 60 s here)."""
    b = Backend("A")
    servers = "".join("    server %s 127.0.0.1:%d check inter 60s rise 2 fall 3 init-state %s\n" % (s, b.port, s)
                      for s in ("fully-up", "up", "down", "fully-down", "none"))
    sock, port = start(tollgate, tmp_path, "t", servers)
    got = {}
    for line in admin_cli(sock, "show servers state be").splitlines()[2:]:
        f = line.split()
        if f:
            got[f[3]] = (f[5], f[12])
    assert got == {"fully-up": ("2", "4"), "up": ("2", "2"), "down": ("0", "1"), "fully-down": ("0", "0"),
                   "none": ("2", "2")}, got
    b.stop()


def test_options_refuse_bad_values(tmp_path):
    for opt, msg in (("on-marked-down close", "expects 'shutdown-sessions'"),
                     ("on-marked-up shutdown-sessions", "expects 'shutdown-backup-sessions'"),
                     ("init-state maybe", "'init-state' expects")):
        rc, out, _ = run_check(HEAD % dict(sock=str(tmp_path / "s"), port=1) + "    server s1 127.0.0.1:1 %s\n" % opt,
                               tmp_path)
        assert rc != 0 and msg in out and ":13]" in out, out
