"""Access levels of the admin socket, side by side with HAProxy 2.6: the
`level` of each `stats socket`, "Permission denied" for a command above
the session's level, `show cli level`, `show cli sockets`, the `operator`
and `user` commands that lower a session's level, and the expert and
experimental modes."""
from conftest import admin_cli, start_both

CFG = """
global
    nbthread 1
    stats socket %(sock)s level admin
    stats socket %(sock)s.oper
    stats socket %(sock)s.user level user
    stats timeout 5s
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    stick-table type ip size 10
    server s1 127.0.0.1:%(bport)d
"""


def both(tollgate, haproxy, tmp_path, dead_port):
    return start_both(tollgate, haproxy, tmp_path, CFG, bport=dead_port)


def ask(socks, suffix, cmd):
    """The answers of both binaries to <cmd> on their socket <suffix>."""
    return {name: admin_cli(sock + suffix, cmd) for name, (sock, _) in socks.items()}


# Commands whose answer (or refusal) both give alike on each level.
SAME_ANSWER = {
    ".user": ["set table be key 1.2.3.4", "disable server be/s1", "enable server be/s1",
              "set server be/s1 state drain", "set weight be/s1 10", "clear counters",
              "clear counters all", "show sess", "show errors", "show env HOME",
              "get var proc.x", "set maxconn global 100", "shutdown session 0x1",
              "show cli level", "operator", "expert-mode", "experimental-mode on",
              "user; show cli level", "show table be", "get weight be/s1",
              "show table nosuch", "clear table nosuch",
              "set var proc.x int(1)"],
    ".oper": ["show cli level", "set weight be/s1 10", "disable server be/s1",
              "clear counters all", "expert-mode on", "set maxconn global 100",
              "operator; show cli level; user; show cli level; operator",
              "set table be key 1.2.3.4; show table"],
    "": ["show cli level", "operator; show cli level; set weight be/s1 5",
         "user; set table be key 1.2.3.5", "user -; show cli level",
         "expert-mode; expert-mode on; expert-mode; expert-mode off; expert-mode",
         "experimental-mode on; experimental-mode; operator; experimental-mode",
         "experimental-mode on -; experimental-mode",
         "set var proc.x int(1)", "experimental-mode on; set var proc.x int(1); user; set var proc.x int(2)"],
}


def test_levels_agree_with_haproxy(tollgate, haproxy, tmp_path, dead_port):
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    for suffix, cmds in SAME_ANSWER.items():
        for cmd in cmds:
            got = ask(socks, suffix, cmd)
            assert got["tollgate"] == got["haproxy"], (suffix, cmd, got)
    # what the answers are
    assert ask(socks, ".user", "set table be key 1.2.3.4")["tollgate"] == "Permission denied\n\n"
    assert ask(socks, ".user", "disable server be/s1")["tollgate"] == "Permission denied\n\n"
    assert ask(socks, ".user", "show cli level")["tollgate"] == "user\n\n"
    assert ask(socks, ".oper", "show cli level")["tollgate"] == "operator\n\n"
    assert ask(socks, "", "set var proc.x int(1)")["tollgate"] == \
        "This command is restricted to experimental mode only.\n\n"
    assert ask(socks, "", "expert-mode on -; expert-mode")["tollgate"] == "expert-mode is ON\n\n"
    # a user-level socket still reads: show info, show stat
    for name, (sock, _) in socks.items():
        assert admin_cli(sock + ".user", "show info").startswith("Name: ")
        assert admin_cli(sock + ".user", "show stat").startswith("# pxname,svname,")
        # the refused change did not happen
        assert "\nbe,s1," in admin_cli(sock + ".user", "show stat")
        assert "MAINT" not in admin_cli(sock, "show stat")


def test_show_cli_sockets_agrees_with_haproxy(tollgate, haproxy, tmp_path, dead_port):
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    got = {}
    for name, (sock, _) in socks.items():
        # the sockets' paths differ by the binary's name only
        got[name] = admin_cli(sock + ".user", "show cli sockets").replace(sock, "SOCK")
    assert got["tollgate"] == ("# socket lvl processes\n"
                               "unix@SOCK admin all\n"
                               "unix@SOCK.oper operator all\n"
                               "unix@SOCK.user user all\n\n")
    assert got["tollgate"] == got["haproxy"]


def test_show_cli_sockets_inet(tollgate, tmp_path):
    from conftest import free_port, wait_until, admin_ready
    sock = str(tmp_path / "a.sock")
    p4, p6 = free_port(), free_port()
    tollgate("""
global
    stats socket %s level admin
    stats socket ipv4@127.0.0.1:%d level user
    stats socket ipv6@[::1]:%d
""" % (sock, p4, p6))
    wait_until(lambda: admin_ready(sock), what="admin socket")
    out = admin_cli(sock, "show cli sockets")
    assert out == ("# socket lvl processes\nunix@%s admin all\n"
                   "ipv4@127.0.0.1:%d user all\nipv6@[::1]:%d operator all\n\n" % (sock, p4, p6))


def test_help_lists_every_level_but_hides_modes(tollgate, haproxy, tmp_path, dead_port):
    """help at level user lists the admin commands too (HAProxy's rule), but
    not those of a mode that is off: `set var` appears once
    experimental-mode is on."""
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    for name, (sock, _) in socks.items():
        user = admin_cli(sock + ".user", "help")
        assert "  set server " in user and "  operator " in user and "  show cli level " in user, name
        assert "  set var " not in user, name
        assert "  set var " in admin_cli(sock, "experimental-mode on; help"), name


def test_stats_maxconn_queues_clients_as_haproxy(tollgate, haproxy, tmp_path, dead_port):
    """`stats maxconn 1`: a second client of the socket waits (in the
    backlog) until the first session ends, then gets its answer."""
    import socket
    from conftest import run_check
    cfg = CFG.replace("    stats timeout 5s\n", "    stats timeout 5s\n    stats maxconn 1\n")
    socks = start_both(tollgate, haproxy, tmp_path, cfg, bport=dead_port)
    for name, (sock, _) in socks.items():
        first = socket.socket(socket.AF_UNIX)
        first.settimeout(5)
        first.connect(sock + ".user")
        first.sendall(b"prompt\n")
        assert first.recv(100) == b"\n> ", name
        second = socket.socket(socket.AF_UNIX)
        second.connect(sock + ".user")
        second.sendall(b"show cli level\n")
        second.settimeout(0.5)
        try:
            early = second.recv(100)
        except socket.timeout:
            early = None
        assert early is None, (name, early)
        first.close()
        second.settimeout(5)
        assert second.recv(100) == b"user\n\n", name
        second.close()
    for bad in ("0", "-1", "x"):
        for binary in ("tollgate", "haproxy"):
            from conftest import BINARY, HAPROXY
            rc, out, _ = run_check("global\n    stats maxconn %s\n" % bad, tmp_path,
                                   binary=BINARY if binary == "tollgate" else HAPROXY)
            assert rc != 0 and "t.cfg:2" in out and "'stats maxconn' expects a positive value" in out, \
                (binary, bad, out)


def test_set_timeout_cli_agrees_with_haproxy(tollgate, haproxy, tmp_path, dead_port):
    """`set timeout cli <delay>` (any level): the session's idle timeout,
    in seconds unless a unit is given; HAProxy's errors."""
    import socket
    import time
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    for cmd in ("set timeout cli 2", "set timeout cli", "set timeout cli x", "set timeout foo 2",
                "set timeout", "set timeout cli 0", "set timeout cli 500ms", "set timeout cli -1"):
        got = ask(socks, ".user", cmd)
        assert got["tollgate"] == got["haproxy"], (cmd, got)
    assert ask(socks, ".user", "set timeout cli x")["tollgate"] == "Invalid timeout value.\n\n"
    for name, (sock, _) in socks.items():
        # stats timeout is 5s: a 1 s timeout closes an idle session sooner
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(sock + ".user")
            s.sendall(b"prompt\n")
            assert s.recv(100) == b"\n> "
            s.sendall(b"set timeout cli 1\n")
            assert s.recv(100) == b"\n> "
            t0 = time.monotonic()
            assert s.recv(100) == b"", name
            assert time.monotonic() - t0 < 3.5, name
