"""Plain connect checks and `show servers state`, side by side with haproxy
2.6: a server that stops accepting stays UP (checks never fill its accept
queue), and the state dump has HAProxy's columns and proxy ids."""
import re
import socket
import time

import pytest

from conftest import tcp_admin_head, admin_cli, admin_ready, free_port, wait_until


def cfg(sock, port, lport, uport):
    return tcp_admin_head(sock) + """
    default-server no-check inter 20ms downinter 1s rise 1 fall 1
frontend fe1
    bind 127.0.0.1:%d
    default_backend be1
backend be1
    server srv0 127.0.0.1:%d
    server srv1 127.0.0.1:%d check weight 7
""" % (port, uport, lport)


def start(which, tollgate, haproxy, tmp_path, lport, uport):
    sock = str(tmp_path / ("%s.sock" % which))
    port = free_port()
    (tollgate if which == "tollgate" else haproxy)(cfg(sock, port, lport, uport), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    return sock


def state_lines(sock):
    out = admin_cli(sock, "show servers state")
    # srv_time_since_last_change (column 10) depends on timing
    return [re.sub(r"^((?:\S+ ){9})\d+", r"\1T", l) for l in out.splitlines()]


def srv1_state(sock):
    return [l for l in state_lines(sock) if " srv1 " in l][0].split()


@pytest.fixture
def silent_listener():
    """A server that listens (backlog 10) and never accepts."""
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(10)
    yield l.getsockname()[1]
    l.close()


def test_checks_do_not_fill_accept_queue(tollgate, haproxy, tmp_path, silent_listener):
    """HAProxy connects without sending the last ACK and resets: 50 checks
    at 20 ms never queue a connection (the backlog holds 11), so the
    server stays UP; it went DOWN once the queue was full."""
    for which in ("haproxy", "tollgate"):
        sock = start(which, tollgate, haproxy, tmp_path, silent_listener, free_port())
        wait_until(lambda: srv1_state(sock)[10] == "6", 10, "%s: first check" % which)
        t0 = time.monotonic()
        while time.monotonic() < t0 + 1.0:        # about 50 probes
            line = srv1_state(sock)
            assert line[5] == "2" and line[10] == "6", (which, line)   # running, L4OK


def test_servers_state_matches_haproxy(tollgate, haproxy, tmp_path, silent_listener):
    out = {}
    for which in ("haproxy", "tollgate"):
        sock = start(which, tollgate, haproxy, tmp_path, silent_listener, 1)
        # after srv1's first check result (L4OK, 6), not before
        wait_until(lambda: srv1_state(sock)[10] == "6", 10, "%s: first check" % which)
        out[which] = state_lines(sock)
    assert out["tollgate"] == out["haproxy"], out
    assert out["tollgate"][2].startswith("3 be1 1 srv0 127.0.0.1 2 0 1 1 T 1 0 1 0 0 0 0 - 1 - 0 0 - - 0")
