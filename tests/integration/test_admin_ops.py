"""Operators' runtime commands, answered as HAProxy answers them: echo,
show env, get/set weight, set maxconn global|frontend, and the unknown
command text. Each command goes through a real admin socket of tollgate
and of Debian's HAProxy 2.6 on the same configuration; the answers must
be the same bytes, and the changes must be seen by the traffic."""
import os
import socket

from conftest import admin_cli, free_port, wait_until

CFG = """
global
    maxconn 500
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d weight 20
    server s2 127.0.0.1:%(bport)d
"""

SAME = [
    "show env TOLLGATE_OPS_TEST",
    "show env NO_SUCH_VARIABLE_X",
    "get weight be/s1",
    "get weight be/nope",
    "get weight nope/s1",
    "get weight be",
    "set weight be/s1 300",
    "set weight be/s1 x",
    "set weight be/s1 50%",
    "get weight be/s1",
    "set weight be/s1 7",
    "get weight be/s1",
    "set maxconn global",
    "set maxconn global 100000",
    "set maxconn frontend",
    "set maxconn frontend nope 3",
    "set maxconn frontend fe",
    "set maxconn frontend fe -1",
]


def test_runtime_commands_answer_as_haproxy(tollgate, haproxy, tmp_path, backend):
    env = dict(os.environ, TOLLGATE_OPS_TEST="a=b c")
    b = backend("A")
    both = {}
    # started one by one, each with the environment variable
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        port = free_port()
        starter(CFG % {"sock": sock, "port": port, "bport": b.port}, port=port, env=env)
        wait_until(lambda: "Name:" in admin_cli(sock, "show info"), 10, name)
        both[name] = (sock, port)
    t, h = both["tollgate"][0], both["haproxy"][0]
    for cmd in SAME:
        ta, ha = admin_cli(t, cmd), admin_cli(h, cmd)
        # (2.6 leaves out the final empty line after some errors)
        assert ta.rstrip("\n") == ha.rstrip("\n") and ta.endswith("\n"), (cmd, ta, ha)
    # HAProxy 3.x's (2.6 has echo on its master CLI only, and an older
    # unknown-command text)
    assert admin_cli(t, "echo hello   'big world'") == "hello big world\n\n"
    assert admin_cli(t, "echo") == "\n\n"
    assert admin_cli(t, "frobnicate now").startswith(
        "Unknown command: 'frobnicate'. Please enter one of the following commands only:\n")
    assert admin_cli(t, "get frob").startswith(
        "Unknown command: 'get', but maybe one of the following ones is a better match:\n")
    assert admin_cli(t, "show env TOLLGATE_OPS_TEST") == "TOLLGATE_OPS_TEST=a=b c\n\n"
    assert "PATH=" in admin_cli(t, "show env")


def test_set_maxconn_and_weight_seen_by_traffic(tollgate, tmp_path, backend):
    b = backend("A")
    sock = str(tmp_path / "a.sock")
    port = free_port()
    tollgate(CFG % {"sock": sock, "port": port, "bport": b.port}, port=port)
    wait_until(lambda: "Name:" in admin_cli(sock, "show info"), 10, "socket")
    # a frontend limit of 1: a second client waits in the backlog
    assert admin_cli(sock, "set maxconn frontend fe 1") == "\n"
    assert ",FRONTEND," in admin_cli(sock, "show stat")
    slim = admin_cli(sock, "show stat -1 1 -1").splitlines()[1].split(",")[6]
    assert slim == "1"
    c1 = socket.create_connection(("127.0.0.1", port))
    assert c1.recv(2) == b"A:"
    c2 = socket.create_connection(("127.0.0.1", port))
    c2.settimeout(0.5)
    try:
        got = c2.recv(2)
    except socket.timeout:
        got = b""
    assert got == b""                       # not accepted while the limit holds
    # raising the limit lets it in at once, without waiting for c1 to end
    assert admin_cli(sock, "set maxconn frontend fe 10") == "\n"
    c2.settimeout(5)
    assert c2.recv(2) == b"A:"
    c1.close()
    c2.close()
    # the global limit: show info follows, 0 gives back the start-up value
    assert admin_cli(sock, "set maxconn global 50") == "\n"
    assert "\nMaxconn: 50\n" in admin_cli(sock, "show info")
    assert admin_cli(sock, "set maxconn global 0") == "\n"
    assert "\nMaxconn: 500\n" in admin_cli(sock, "show info")
    # weight 0: the server leaves load balancing
    assert admin_cli(sock, "set weight be/s2 0") == "\n"
    assert admin_cli(sock, "get weight be/s2") == "0 (initial 1)\n\n"
    row = [l for l in admin_cli(sock, "show stat").splitlines() if l.startswith("be,s2,")][0]
    assert row.split(",")[18] == "0"
